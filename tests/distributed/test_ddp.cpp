// xg::dist across processes: run by ctest under `mpiexec -n 2` and `-n 4 --oversubscribe`.
// Every rank runs every test; each test's collectives are called by all ranks in the same
// order. The single-process reference each test compares with is computed on every rank.
#include <cstdio>
#include <tuple>
#include <memory>

#include "test_util.h"

namespace dist = xg::dist;
namespace nn = xg::nn;

namespace {

struct Mlp : nn::Module {
  nn::Linear l1, l2;
  // `in` >= 2 x 48: the first layer's weight gradient has rows enough to be streamed.
  Mlp(xg::Dtype dtype, int hidden = 8, int in = 5) : l1(in, hidden), l2(hidden, 3) {
    register_module("l1", l1);
    register_module("l2", l2);
    to(dtype);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::tanh(l1(x))); }
};

// Every rank draws the same data: rows 0..N of a fixed-seed normal and labels.
std::pair<xg::Tensor, xg::Tensor> data(xg::Dtype dtype, std::int64_t n, std::int64_t in = 5) {
  xg::manual_seed(42);
  return {xg::randn({n, in}, dtype), xg::randint(0, 3, {n})};
}

// 100 input features, blocks of the smallest size (48 rows): l1.W's gradient in 3 blocks.
constexpr int kWide = 100;
const dist::DDPOptions kStreamed = dist::DDPOptions().stream_block_mb(1e-6);

double max_param_diff(const nn::Module& a, const nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  double worst = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) worst = std::max(worst, xg::test::max_abs_diff(pa[i], pb[i]));
  return worst;
}

using MakeOptimizer = std::function<std::unique_ptr<xg::optim::Optimizer>(const xg::tensor_list&)>;

// With `in` inputs and `options`; `streamed`: the row blocks each synchronised backward
// should all-reduce while it computes them.
void expect_equivalent(xg::Dtype dtype, double tol, const MakeOptimizer& make, int in = 5,
                       const dist::DDPOptions& options = {}, int streamed = 0) {
  const int p = dist::world_size(), B = 8 * p, steps = 6;
  auto [x, t] = data(dtype, B * steps, in);
  // Each rank starts from its own seed: construction must make them equal to rank 0's.
  xg::manual_seed(100 + static_cast<std::uint64_t>(dist::rank()));
  Mlp local(dtype, 8, in);
  dist::DistributedDataParallel ddp(local, options);
  xg::manual_seed(100);  // the single process starts from rank 0's weights
  Mlp single(dtype, 8, in);
  auto opt = make(ddp.parameters()), ref = make(single.parameters());
  // Rank r's batches of B/p through the sampler: together they are the single process's batch of B.
  auto sampler = std::make_shared<dist::DistributedSampler>(dist::DistributedSampler::Options().set_shuffle(false));
  xg::data::DataLoader mine(xg::data::TensorDataset(x, t), B / p, xg::data::DataLoaderOptions().set_sampler(sampler));
  xg::data::DataLoader whole(xg::data::TensorDataset(x, t), B, xg::data::DataLoaderOptions().set_shuffle(false));
  auto it = whole.begin();
  for (auto& [xb, tb] : mine) {
    auto& [xw, tw] = *it;
    opt->zero_grad();
    nn::softmax_cross_entropy(ddp(xb), tb).backward();
    opt->step();
    ref->zero_grad();
    nn::softmax_cross_entropy(single(xw), tw).backward();
    ref->step();
    ++it;
    EXPECT_EQ(ddp.last_streamed_blocks(), streamed);
  }
  EXPECT_LT(max_param_diff(local, single), tol) << "rank " << dist::rank();
}

}  // namespace

TEST(DDP, EqualsOneProcessWithTheWholeBatch) {
  const auto sgd = [](const xg::tensor_list& ps) { return std::make_unique<xg::optim::SGD>(ps, 0.5); };
  const auto adam = [](const xg::tensor_list& ps) { return std::make_unique<xg::optim::Adam>(ps, 0.01); };
  expect_equivalent(xg::kFloat64, 1e-12, sgd);
  expect_equivalent(xg::kFloat64, 1e-12, adam);
  expect_equivalent(xg::kFloat32, 1e-5, sgd);
  expect_equivalent(xg::kFloat32, 1e-5, adam);
}

TEST(DDP, TheFirstLayersGradientAllReducedInRowBlocksAsBackwardComputesThem) {
  const auto sgd = [](const xg::tensor_list& ps) { return std::make_unique<xg::optim::SGD>(ps, 0.5); };
  const auto adam = [](const xg::tensor_list& ps) { return std::make_unique<xg::optim::Adam>(ps, 0.01); };
  expect_equivalent(xg::kFloat64, 1e-12, sgd, kWide, kStreamed, 3);
  expect_equivalent(xg::kFloat64, 1e-12, adam, kWide, kStreamed, 3);
  expect_equivalent(xg::kFloat32, 1e-5, adam, kWide, kStreamed, 3);
  expect_equivalent(xg::kFloat64, 1e-12, sgd, kWide, dist::DDPOptions().stream_block_mb(0), 0);  // off
  // The default streams nothing this small (its blocks are 1 MB where it streams at all).
  expect_equivalent(xg::kFloat64, 1e-12, sgd, kWide, {}, 0);
  // Blocks start at multiples of 48 rows, where the BLAS computes each row as in one call:
  // the same bits as the gradient all-reduced whole.
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    auto [x, t] = data(dtype, 2, kWide);
    Mlp a(dtype, 8, kWide), b(dtype, 8, kWide);
    for (const auto& [name, q] : a.named_parameters()) b.set_parameter(name, q.detach().clone());
    dist::DistributedDataParallel streamed(a, kStreamed), whole(b, dist::DDPOptions().stream_block_mb(0));
    nn::softmax_cross_entropy(streamed(x), t).backward();
    nn::softmax_cross_entropy(whole(x), t).backward();
    ASSERT_EQ(streamed.last_streamed_blocks(), 3);
    EXPECT_EQ(xg::test::max_abs_diff(a.l1.W.grad(), b.l1.W.grad()), 0.0) << dtype_name(dtype);
  }
}

TEST(DDP, TheFirstLayersGradientGoesWholeWhereBlocksWouldNotBeItsGradient) {
  const int p = dist::world_size();
  xg::Tensor x, t;  // not a structured binding: clang 14 cannot capture one in the lambda below
  std::tie(x, t) = data(xg::kFloat64, 2 * p, kWide);
  const auto mine = xg::narrow(x, 0, 2 * dist::rank(), 2), my_t = xg::narrow(t, 0, 2 * dist::rank(), 2);
  const auto expect_whole_batch_gradients = [&](Mlp& m, const char* what) {
    Mlp single(xg::kFloat64, 8, kWide);
    for (const auto& [name, q] : m.named_parameters()) single.set_parameter(name, q.detach());
    nn::softmax_cross_entropy(single(x), t).backward();
    const auto a = m.parameters(), b = single.parameters();
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_LT(xg::test::max_abs_diff(a[i].grad(), b[i].grad()), 1e-13) << what << ", parameter " << i;
  };
  {  // a hook that could change the gradient sees it whole
    Mlp m(xg::kFloat64, 8, kWide);
    dist::DistributedDataParallel ddp(m, kStreamed);
    int seen = 0;
    m.l1.W.register_hook([&](const xg::Tensor&) {
      ++seen;
      return xg::Tensor();
    });
    nn::softmax_cross_entropy(ddp(mine), my_t).backward();
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(ddp.last_streamed_blocks(), 0);
    expect_whole_batch_gradients(m, "with a hook");
  }
  {  // create_graph: the gradient is a graph, not blocks
    Mlp m(xg::kFloat64, 8, kWide);
    dist::DistributedDataParallel ddp(m, kStreamed);
    nn::softmax_cross_entropy(ddp(mine), my_t).backward({}, false, true);
    EXPECT_EQ(ddp.last_streamed_blocks(), 0);
    expect_whole_batch_gradients(m, "with create_graph");
  }
  {  // two contributions (the weight used twice): neither alone is the gradient
    struct Twice : Mlp {
      Twice() : Mlp(xg::kFloat64, 8, kWide) {}
      xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::tanh(l1(x)) + xg::tanh(l1(x * 0.5))); }
    } m, single;
    for (const auto& [name, q] : m.named_parameters()) single.set_parameter(name, q.detach());
    dist::DistributedDataParallel ddp(m, kStreamed);
    nn::softmax_cross_entropy(ddp(mine), my_t).backward();
    EXPECT_EQ(ddp.last_streamed_blocks(), 0);
    nn::softmax_cross_entropy(single(x), t).backward();
    EXPECT_LT(xg::test::max_abs_diff(m.l1.W.grad(), single.l1.W.grad()), 1e-13);
  }
}

TEST(DDP, DifferentSeedsEndEqualAfterConstruction) {
  xg::manual_seed(1000 + static_cast<std::uint64_t>(dist::rank()));
  Mlp m(xg::kFloat32);
  dist::DistributedDataParallel ddp(m);
  for (const auto& p : m.parameters()) {
    const auto all = dist::all_gather(p.detach());
    for (const auto& q : all) EXPECT_EQ(xg::test::max_abs_diff(q, all[0]), 0.0);
  }
}

TEST(DDP, NoSyncAccumulationEqualsTheLargeBatch) {
  const int p = dist::world_size();
  auto [x, t] = data(xg::kFloat64, 4 * p);
  Mlp m(xg::kFloat64);
  dist::DistributedDataParallel ddp(m, dist::DDPOptions().set_bucket_cap_mb(0.0002));  // several buckets
  // This rank's share of the batch, in two micro-batches; the first accumulates locally.
  const auto rows = [&](std::int64_t k) { return xg::tensor({double(k * 2 * p + 2 * dist::rank()), double(k * 2 * p + 2 * dist::rank() + 1)}, {2}, xg::kInt64); };
  {
    auto guard = ddp.no_sync();
    (nn::softmax_cross_entropy(ddp(xg::index_select(x, 0, rows(0))), xg::index_select(t, 0, rows(0))) * 0.5).backward();
  }
  (nn::softmax_cross_entropy(ddp(xg::index_select(x, 0, rows(1))), xg::index_select(t, 0, rows(1))) * 0.5).backward();
  Mlp single(xg::kFloat64);
  for (const auto& [name, q] : m.named_parameters()) single.set_parameter(name, q.detach());
  nn::softmax_cross_entropy(single(x), t).backward();
  const auto a = m.parameters(), b = single.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_LT(xg::test::max_abs_diff(a[i].grad(), b[i].grad()), 1e-13);
}

TEST(DDP, NoSyncAccumulationThenStreamedRowsEqualTheLargeBatch) {
  // The streamed blocks add what the no_sync backward accumulated to this backward's rows.
  const int p = dist::world_size();
  xg::Tensor x, t;  // captured below: clang 14 cannot capture a structured binding
  std::tie(x, t) = data(xg::kFloat64, 4 * p, kWide);
  Mlp m(xg::kFloat64, 8, kWide);
  dist::DistributedDataParallel ddp(m, kStreamed);
  // Micro-batch k of rank r: rows 2kp + 2r and the next; all of them make the batch.
  const auto part = [&](std::int64_t k) { return xg::narrow(x, 0, 2 * k * p + 2 * dist::rank(), 2); };
  const auto labels = [&](std::int64_t k) { return xg::narrow(t, 0, 2 * k * p + 2 * dist::rank(), 2); };
  {
    auto guard = ddp.no_sync();
    (nn::softmax_cross_entropy(ddp(part(0)), labels(0)) * 0.5).backward();
  }
  (nn::softmax_cross_entropy(ddp(part(1)), labels(1)) * 0.5).backward();
  EXPECT_EQ(ddp.last_streamed_blocks(), 3);
  Mlp single(xg::kFloat64, 8, kWide);
  for (const auto& [name, q] : m.named_parameters()) single.set_parameter(name, q.detach());
  nn::softmax_cross_entropy(single(x), t).backward();
  const auto a = m.parameters(), b = single.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_LT(xg::test::max_abs_diff(a[i].grad(), b[i].grad()), 1e-13);
}

TEST(DDP, AMismatchedModelIsAClearErrorOnEveryRank) {
  Mlp m(xg::kFloat32, dist::rank() == 1 ? 9 : 8);  // rank 1 has another hidden size
  EXPECT_XG_ERROR(dist::DistributedDataParallel{m}, "DistributedDataParallel: rank 1's model differs from rank 0's at entry 0",
                  "rank 0 has 'parameter l1.W (5,8) float32', rank 1 has 'parameter l1.W (5,9) float32'");
}

TEST(DDP, AnUnusedParameterIsNamedAtTheNextForward) {
  Mlp m(xg::kFloat64);
  dist::DistributedDataParallel ddp(m);
  auto x = xg::ones({2, 5}, xg::kFloat64);
  m.l1(x).sum().backward();  // l2 gets no gradient: its bucket never completes
  EXPECT_XG_ERROR(ddp(x), "DistributedDataParallel: the previous backward produced no gradient for l2.b, l2.W");
}

// The same on a GPU (issue 21): the model and data on CUDA, buckets gathered there and
// all-reduced through host memory. Every rank shares the machine's one GPU. Skipped, on every
// rank alike, where CUDA is not available.
TEST(DDP, OnCudaEqualsOneProcessWithTheWholeBatch) {
  if (!xg::cuda::is_available()) GTEST_SKIP() << "CUDA is not available: " << xg::cuda::unavailable_reason();
  const int p = dist::world_size(), B = 8 * p, steps = 6;
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}}) {
    auto [x, t] = data(dtype, B * steps);
    xg::manual_seed(100 + static_cast<std::uint64_t>(dist::rank()));
    Mlp local(dtype);
    local.to(xg::kCUDA);
    dist::DistributedDataParallel ddp(local);
    xg::manual_seed(100);
    Mlp single(dtype);
    single.to(xg::kCUDA);
    xg::optim::Adam opt(ddp.parameters(), 0.01), ref(single.parameters(), 0.01);
    for (int s = 0; s < steps; ++s) {
      const auto xw = x.narrow(0, s * B, B).to(xg::kCUDA), tw = t.narrow(0, s * B, B).to(xg::kCUDA);
      const auto xb = xw.narrow(0, dist::rank() * 8, 8), tb = tw.narrow(0, dist::rank() * 8, 8);
      opt.zero_grad();
      nn::softmax_cross_entropy(ddp(xb), tb).backward();
      opt.step();
      ref.zero_grad();
      nn::softmax_cross_entropy(single(xw), tw).backward();
      ref.step();
    }
    EXPECT_TRUE(local.parameters()[0].is_cuda());
    EXPECT_LT(max_param_diff(local, single), tol) << "rank " << dist::rank() << " " << xg::dtype_name(dtype);
  }
  auto s = xg::tensor({double(dist::rank()), 1.0}, xg::kFloat64).to(xg::kCUDA);
  dist::all_reduce(s, dist::ReduceOp::Average);
  EXPECT_TRUE(s.is_cuda());
  EXPECT_TRUE(xg::test::values_near(s.cpu(), {(p - 1) / 2.0, 1.0}, 0));
  const auto all = dist::all_gather(xg::tensor({double(dist::rank())}, xg::kFloat64).to(xg::kCUDA));
  for (int k = 0; k < p; ++k) EXPECT_EQ(all[static_cast<std::size_t>(k)].item(), k);
}

TEST(Collectives, SumAverageMaxBroadcastGather) {
  const int p = dist::world_size(), r = dist::rank();
  auto s = xg::tensor({double(r), 1.0}, xg::kFloat64);
  dist::all_reduce(s);
  EXPECT_TRUE(xg::test::values_near(s, {p * (p - 1) / 2.0, double(p)}, 0));
  auto a = xg::tensor({double(r)}, xg::kFloat32);
  auto work = dist::all_reduce_async(a, dist::ReduceOp::Average);
  work.wait();
  EXPECT_TRUE(xg::test::values_near(a, {(p - 1) / 2.0}, 1e-6));
  auto m = xg::tensor({double(r)}, xg::kInt64);
  dist::all_reduce(m, dist::ReduceOp::Max);
  EXPECT_EQ(m.item<std::int64_t>(), p - 1);
  auto b = xg::tensor({double(r + 10)}, xg::kFloat64);
  dist::broadcast(b, p - 1);
  EXPECT_EQ(b.item(), p - 1 + 10.0);
  const auto all = dist::all_gather(xg::tensor({double(r)}, xg::kFloat64));
  ASSERT_EQ(static_cast<int>(all.size()), p);
  for (int k = 0; k < p; ++k) EXPECT_EQ(all[static_cast<std::size_t>(k)].item(), k);
  dist::barrier();
}

TEST(Collectives, AsyncOnesOverlapSynchronousOnesAndFinishInOrder) {
  // Ten all-reduces and a broadcast in flight on the communication thread while this thread
  // runs a barrier and an all_gather on the world: no deadlock, every result right.
  const int p = dist::world_size(), r = dist::rank();
  std::vector<xg::Tensor> ts;
  std::vector<dist::Work> works;
  for (int k = 0; k < 10; ++k) {
    ts.push_back(xg::full({100000}, double(r + k), xg::kFloat64));
    works.push_back(dist::all_reduce_async(ts.back(), k % 2 ? dist::ReduceOp::Average : dist::ReduceOp::Sum));
  }
  auto b = xg::full({3}, double(r), xg::kFloat32);
  auto bw = dist::broadcast_async(b, p - 1);
  dist::barrier();
  const auto all = dist::all_gather(xg::tensor({double(r)}, xg::kFloat64));
  EXPECT_EQ(static_cast<int>(all.size()), p);
  bw.wait();
  EXPECT_TRUE(xg::test::values_near(b, {p - 1.0, p - 1.0, p - 1.0}, 0));
  for (int k = 9; k >= 0; --k) {  // waiting out of order is fine: they ran in order
    const auto i = static_cast<std::size_t>(k);
    works[i].wait();
    EXPECT_TRUE(works[i].is_completed());
    const double sum = p * (p - 1) / 2.0 + p * double(k);
    EXPECT_EQ(ts[i].max().item(), k % 2 ? sum / p : sum) << "all-reduce " << k;
    EXPECT_EQ(ts[i].min().item(), ts[i].max().item());
  }
}

TEST(Sampler, RanksAreDisjointAndCoverTheDataSet) {
  dist::DistributedSampler s;
  s.set_epoch(3);
  const auto mine = s.indices(1000);
  std::vector<double> v(mine.begin(), mine.end());
  const auto all = dist::all_gather(xg::tensor(v, {static_cast<std::int64_t>(v.size())}, xg::kInt64));
  std::set<std::int64_t> seen;
  std::size_t total = 0;
  for (const auto& part : all) {
    const auto idx = part.to_vector<std::int64_t>();
    seen.insert(idx.begin(), idx.end());
    total += idx.size();
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(total, (1000 + all.size() - 1) / all.size() * all.size());
}

int main(int argc, char** argv) {
  dist::Session session;
  ::testing::InitGoogleTest(&argc, argv);
  if (dist::rank() != 0) {  // one report: the other ranks print only their failures
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  auto flag = xg::tensor({double(failed)}, xg::kInt64);
  dist::all_reduce(flag, dist::ReduceOp::Max);  // a failure on any rank fails every rank
  if (dist::rank() == 0) std::printf("%d ranks: %s\n", dist::world_size(), flag.item() == 0 ? "all passed" : "FAILED");
  return flag.item() == 0 ? 0 : 1;
}
