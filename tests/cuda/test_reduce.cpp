// Reductions and the softmax family on CUDA against the CPU (issue 20, step 3): every axis
// pattern with and without keepdims in three dtypes, NaN propagation, argmax's first-wins ties,
// softmax, log_softmax and logsumexp along each axis, softmax cross-entropy forward and
// backward, the bad label's message (after which the GPU still works), and determinism.
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "cuda/cuda_util.h"

using xg::Tensor;
using xg::test::expect_same_bits;
using xg::test::matches_cpu;

TEST(CudaReduce, SumMaxMinOverEveryAxisPatternMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const std::vector<xg::Axes> patterns = {{}, {0}, {1}, {2}, {0, 1}, {1, 2}, {0, 2}, {-1}};
  for (const auto dtype : {xg::kFloat64, xg::kFloat32, xg::kInt64}) {
    const double tol = dtype == xg::kFloat32 ? 1e-6 : dtype == xg::kFloat64 ? 1e-10 : 0;
    for (const xg::Shape& shape : {xg::Shape{4, 5, 6}, xg::Shape{1, 300, 1}, xg::Shape{2, 1, 513}}) {
      const Tensor x = xg::test::seeded(shape, dtype, 7), g = x.to(xg::kCUDA);
      for (const auto& axes : patterns)
        for (const bool keep : {false, true}) {
          EXPECT_TRUE(matches_cpu(xg::sum(g, axes, keep), xg::sum(x, axes, keep), tol)) << xg::detail::shape_str(axes);
          EXPECT_TRUE(matches_cpu(xg::max(g, axes, keep), xg::max(x, axes, keep), 0)) << xg::detail::shape_str(axes);
          EXPECT_TRUE(matches_cpu(xg::min(g, axes, keep), xg::min(x, axes, keep), 0)) << xg::detail::shape_str(axes);
        }
    }
  }
  // A big sum (many threads per output) and an empty one.
  const Tensor big = xg::test::seeded({1 << 20}, xg::kFloat32, 8);
  EXPECT_TRUE(matches_cpu(xg::sum(big.to(xg::kCUDA)), xg::sum(big), 1e-6));
  EXPECT_TRUE(matches_cpu(xg::sum(xg::zeros({0, 3}, xg::kCUDA), {0}), xg::zeros({3}), 0));
  // NaN wins max and min, as on the CPU.
  const Tensor with_nan = xg::tensor({1.0, std::numeric_limits<double>::quiet_NaN(), 3.0}, xg::kFloat64);
  EXPECT_TRUE(std::isnan(xg::max(with_nan.to(xg::kCUDA)).item()));
  EXPECT_TRUE(std::isnan(xg::min(with_nan.to(xg::kCUDA)).item()));
}

TEST(CudaReduce, ArgmaxTakesTheFirstOfTiesAndTheFirstNaN) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({6, 7, 300}, xg::kFloat64, 9);
  for (const std::int64_t axis : {0, 1, 2})
    for (const bool keep : {false, true}) {
      EXPECT_TRUE(matches_cpu(xg::argmax(x.to(xg::kCUDA), axis, keep), xg::argmax(x, axis, keep), 0));
      EXPECT_TRUE(matches_cpu(xg::argmin(x.to(xg::kCUDA), axis, keep), xg::argmin(x, axis, keep), 0));
    }
  EXPECT_TRUE(matches_cpu(xg::argmax(x.to(xg::kCUDA)), xg::argmax(x), 0));
  // Ties spread over many threads' shares: the first index wins.
  const Tensor ties = xg::zeros({1000}, xg::kFloat64);
  EXPECT_EQ(xg::argmax(ties.to(xg::kCUDA)).item(), 0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor nans = xg::tensor({1.0, 5.0, nan, 7.0, nan}, xg::kFloat64);
  EXPECT_EQ(xg::argmax(nans.to(xg::kCUDA)).item(), 2);
  EXPECT_EQ(xg::argmin(nans.to(xg::kCUDA)).item(), 2);
}

TEST(CudaReduce, SoftmaxFamilyAlongEachAxisMatchesTheCpu) {
  XG_REQUIRE_CUDA();
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}}) {
    const Tensor x = xg::test::seeded({3, 4, 5}, dtype, 10) * 4.0;
    for (const std::int64_t axis : {0, 1, 2, -1}) {
      EXPECT_TRUE(matches_cpu(xg::softmax(x.to(xg::kCUDA), axis), xg::softmax(x, axis), tol));
      EXPECT_TRUE(matches_cpu(xg::log_softmax(x.to(xg::kCUDA), axis), xg::log_softmax(x, axis), tol));
      EXPECT_TRUE(matches_cpu(xg::logsumexp(x.to(xg::kCUDA), axis), xg::logsumexp(x, axis), tol));
    }
  }
}

TEST(CudaReduce, SoftmaxCrossEntropyAndItsGradientMatchTheCpu) {
  XG_REQUIRE_CUDA();
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}}) {
    const Tensor x = xg::test::seeded({100, 10}, dtype, 11) * 3.0, t = xg::randint(0, 10, {100});
    const auto run = [&](const Tensor& scores, const Tensor& labels) {
      Tensor s = scores.detach().requires_grad_();
      const Tensor loss = xg::nn::softmax_cross_entropy(s, labels);
      loss.backward();
      return std::vector<Tensor>{loss, s.grad()};
    };
    const auto cpu = run(x, t), gpu = run(x.to(xg::kCUDA), t.to(xg::kCUDA));
    EXPECT_TRUE(matches_cpu(gpu[0], cpu[0], tol));
    EXPECT_TRUE(matches_cpu(gpu[1], cpu[1], tol));
  }
}

TEST(CudaReduce, ABadLabelGivesTheCpuMessageAndTheGpuGoesOn) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::zeros({4, 3}, xg::kCUDA);
  const Tensor bad = xg::tensor({0, 2, 3, -1}, xg::kInt64);
  std::string cpu_message;
  try {
    xg::nn::softmax_cross_entropy(xg::zeros({4, 3}), bad);
  } catch (const xg::Error& e) {
    cpu_message = e.what();
  }
  ASSERT_FALSE(cpu_message.empty());
  // Checked on the device without a wait: the CPU's message comes at the next wait (here the
  // loss's item), and the kernels skipped the bad label meanwhile.
  const xg::Tensor loss = xg::nn::softmax_cross_entropy(x, bad.to(xg::kCUDA));
  EXPECT_XG_ERROR(loss.item(), cpu_message);
  EXPECT_XG_ERROR(xg::nn::softmax_cross_entropy(x, xg::tensor({0, 1, 2, -4}, xg::kInt64).to(xg::kCUDA)).item(),
                  "-4 at position 3", "negative values do not count from the end");
  // Reported once: the context is alive, the next operations run and read back.
  EXPECT_EQ(xg::sum(xg::ones({10}, xg::kCUDA)).item(), 10.0);
  // The first of several pending checks that failed is the one reported.
  (void)xg::nn::softmax_cross_entropy(x, xg::tensor({0, 1, 2, 2}, xg::kInt64).to(xg::kCUDA));
  (void)xg::nn::softmax_cross_entropy(x, xg::tensor({7, 1, 2, 2}, xg::kInt64).to(xg::kCUDA));
  (void)xg::nn::softmax_cross_entropy(x, xg::tensor({0, 9, 2, 2}, xg::kInt64).to(xg::kCUDA));
  EXPECT_XG_ERROR(xg::cuda::synchronize(), "label 7 at position 0");
  EXPECT_NO_THROW(xg::cuda::synchronize());
}

TEST(CudaReduce, TheSameInputGivesTheSameBits) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({257, 1031}, xg::kFloat32, 12).to(xg::kCUDA);
  expect_same_bits<float>(xg::sum(x, {0}).cpu(), xg::sum(x, {0}).cpu());
  expect_same_bits<float>(xg::sum(x).cpu(), xg::sum(x).cpu());
  expect_same_bits<float>(xg::softmax(x, 0).cpu(), xg::softmax(x, 0).cpu());
}

TEST(CudaReduce, AnomalyModeFindsANaNOnTheGpu) {
  XG_REQUIRE_CUDA();
  // Anomaly mode checks every result (kernel all_finite): the CPU's message, a GPU tensor.
  xg::DetectAnomalyGuard anomaly;
  auto x = xg::tensor({-1.0, 1.0}, xg::kFloat64).cuda().requires_grad_();
  EXPECT_XG_ERROR(xg::log(x), "anomaly detected: 'log' produced NaN or Inf");
  auto z = xg::tensor({0.0, 1.0}, xg::kFloat64).cuda().requires_grad_();
  EXPECT_XG_ERROR(xg::sqrt(z).sum().backward(), "anomaly detected: 'div' produced NaN or Inf", "SqrtBackward");
  auto ok = xg::tensor({1.0, 4.0}, xg::kFloat64).cuda().requires_grad_();
  xg::sqrt(ok).sum().backward();  // finite everywhere: no error
  EXPECT_NEAR(ok.grad().cpu().to_vector<double>()[1], 0.25, 1e-15);
}

TEST(CudaReduce, ProductsPredicatesRangesAndDrawsWorkOnTheGpu) {
  XG_REQUIRE_CUDA();
  // cumprod walks each line in the CPU's order: the same bits; its gradient (zeros included,
  // both rules) and prod's to rounding.
  for (const auto dtype : {xg::kFloat64, xg::kFloat32, xg::kInt64}) {
    const Tensor x = xg::test::seeded({3, 4, 5}, dtype, 9);
    for (const std::int64_t dim : {0, 1, 2}) {
      EXPECT_TRUE(matches_cpu(xg::cumprod(x.cuda(), dim), xg::cumprod(x, dim), 0)) << dim;
      EXPECT_TRUE(matches_cpu(xg::any(x.cuda(), dim), xg::any(x, dim), 0)) << dim;
      EXPECT_TRUE(matches_cpu(xg::all(x.cuda(), dim, true), xg::all(x, dim, true), 0)) << dim;
    }
  }
  const Tensor z = xg::tensor({{0.0, 2.0, 0.0, 3.0}, {1.5, -2.0, 0.5, 0.0}}, xg::kFloat64);
  for (const bool create_graph : {false, true}) {
    const auto grads = [&](xg::Device d) {
      const Tensor v = z.to(d).requires_grad_();
      const Tensor y = (xg::cumprod(v, 1) * xg::cumprod(v, 1)).sum() + xg::prod(v, 1).sum() + v.prod();
      return xg::grad({y}, {v}, {}, std::nullopt, create_graph)[0];
    };
    EXPECT_TRUE(matches_cpu(grads(xg::kCUDA), grads(xg::kCPU), 1e-12)) << create_graph;
  }
  EXPECT_TRUE(matches_cpu(xg::linspace(-1, 2, 7, xg::TensorOptions().dtype(xg::kFloat64).device(xg::kCUDA)),
                          xg::linspace(-1, 2, 7, xg::kFloat64), 0));
  EXPECT_TRUE(matches_cpu(xg::logspace(0, 1, 5, 2, xg::kCUDA), xg::logspace(0, 1, 5, 2), 1e-6));
  // Draws on the device: shapes, the zero-probability category never drawn, distinct without
  // replacement; the probabilities' check gives the CPU's message.
  const Tensor p = xg::tensor({{0.5, 0.0, 0.5}, {0.0, 1.0, 0.0}}, xg::kFloat64).cuda();
  const Tensor d = xg::multinomial(p, 100, true);
  EXPECT_TRUE(d.is_cuda());
  const auto v = d.cpu().to_vector<std::int64_t>();
  for (std::size_t j = 0; j < 100; ++j) {
    EXPECT_NE(v[j], 1);
    EXPECT_EQ(v[100 + j], 1);
  }
  const auto w = xg::multinomial(xg::ones({4}, xg::kCUDA), 4).cpu().to_vector<std::int64_t>();
  EXPECT_EQ(std::set<std::int64_t>(w.begin(), w.end()).size(), 4u);
  EXPECT_TRUE(xg::bernoulli(xg::full({8}, 0.5, xg::kCUDA)).is_cuda());
  EXPECT_XG_ERROR(xg::multinomial(xg::tensor({0.5, -1.0}).cuda(), 1), "multinomial: probability tensor contains");
}

TEST(CudaReduce, OrderStatisticsAndNanReductionsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  Tensor x = xg::test::seeded({3, 4, 5}, xg::kFloat64, 11);
  x.index_put_({1, 2, 3}, xg::scalar_tensor(std::nan(""), xg::kFloat64));
  const Tensor q = xg::tensor({0.1, 0.5, 0.9}, xg::kFloat64);
  const auto run = [&](xg::Device d) {
    const Tensor v = x.to(d).requires_grad_();
    const auto [k, ki] = xg::kthvalue(v, 2, 1);
    const auto [m, mi] = xg::nanmedian(v, -1, true);
    const Tensor y = xg::quantile(v, q.to(d), 2, false, "linear").nan_to_num().sum() +
                     xg::nanquantile(v, 0.3, std::nullopt, false, "midpoint") + k.nan_to_num().sum() + m.sum() +
                     xg::median(v.nan_to_num()) + xg::nanmean(v, {0}).sum() + xg::nansum(v);
    const Tensor g = xg::grad({y}, {v})[0];
    return std::make_tuple(y, g, ki, mi);
  };
  const auto [yc, gc, kc, mc] = run(xg::kCPU);
  const auto [yd, gd, kd, md] = run(xg::kCUDA);
  EXPECT_TRUE(matches_cpu(yd, yc, 1e-12));
  EXPECT_TRUE(matches_cpu(gd, gc, 1e-12));
  EXPECT_TRUE(matches_cpu(kd, kc, 0));
  EXPECT_TRUE(matches_cpu(md, mc, 0));
  // On the device q's range is not read: a q outside [0, 1] gives NaN there.
  EXPECT_TRUE(std::isnan(xg::quantile(x.cuda(), xg::tensor({1.5}, xg::kFloat64).cuda()).cpu().to_vector<double>()[0]));
}

TEST(CudaReduce, RunningExtremesLogcumsumexpSearchsortedAndProdMatchTheCpu) {
  XG_REQUIRE_CUDA();
  Tensor x = xg::test::seeded({3, 4, 5}, xg::kFloat64, 12);
  x.index_put_({0, 1, 2}, xg::scalar_tensor(std::nan(""), xg::kFloat64));
  const Tensor ties = (x * 2.0).round();
  const Tensor seq = std::get<0>(xg::sort(xg::test::seeded({4, 9}, xg::kFloat64, 13), 1));
  const Tensor values = xg::test::seeded({4, 6}, xg::kFloat64, 14);
  const auto run = [&](xg::Device d) {
    const Tensor v = x.nan_to_num().to(d).requires_grad_(), t = ties.to(d).requires_grad_();
    const auto [mx, mxi] = xg::cummax(t, 1);
    const auto [mn, mni] = xg::cummin(t, 2);
    const Tensor y = xg::logcumsumexp(v * 3.0, 0).sum() + xg::logcumsumexp(v, 2).sum() + mx.nan_to_num().sum() +
                     mn.nan_to_num().sum() + v.prod(1).sum() + v.prod();
    const xg::tensor_list g = xg::grad({y}, {v, t});
    const Tensor pos = xg::cat({xg::searchsorted(seq.to(d), values.to(d)), xg::searchsorted(seq.to(d), values.to(d), false, true),
                                xg::bucketize(values.to(d), seq.select(0, 0).to(d))}, 1);
    return std::make_tuple(y, g[0], g[1], xg::cat({mxi, mni}, 0), pos);
  };
  const auto [yc, gvc, gtc, ic, pc] = run(xg::kCPU);
  const auto [yd, gvd, gtd, id, pd] = run(xg::kCUDA);
  EXPECT_TRUE(matches_cpu(yd, yc, 1e-10));
  EXPECT_TRUE(matches_cpu(gvd, gvc, 1e-10));
  EXPECT_TRUE(matches_cpu(gtd, gtc, 0));
  EXPECT_TRUE(matches_cpu(id, ic, 0));
  EXPECT_TRUE(matches_cpu(pd, pc, 0));
  // The empty product is 1 on the device too; int64 products wrap as on the CPU.
  EXPECT_EQ(xg::prod(xg::zeros({2, 0}, xg::kCUDA), 1).cpu().to_vector<float>(), (std::vector<float>{1, 1}));
  const Tensor big = xg::tensor({1LL << 62, 4}, xg::kInt64);
  EXPECT_EQ(big.cuda().prod().item(), big.prod().item());
  EXPECT_XG_ERROR(xg::searchsorted(seq.cuda(), values), "searchsorted: expected all tensors on one device");
  // None of them waits for the GPU (prod's plain backward included).
  const Tensor v = x.nan_to_num().cuda().requires_grad_(), s = seq.cuda(), w = values.cuda();
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
  const auto before = xg::cuda::host_wait_count();
  const Tensor y = xg::logcumsumexp(v, 1).sum() + std::get<0>(xg::cummax(v, 2)).sum() + v.prod(0).sum() +
                   xg::logaddexp(v, v * 0.5).sum();
  const Tensor g = xg::grad({y}, {v})[0];
  const Tensor p = xg::searchsorted(s, w, false, true) + xg::bucketize(w, s.select(0, 1));
  EXPECT_EQ(xg::cuda::host_wait_count(), before);
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
  EXPECT_TRUE(matches_cpu(p, xg::searchsorted(seq, values, false, true) + xg::bucketize(values, seq.select(0, 1)), 0));
  EXPECT_TRUE(g.is_cuda());
}

TEST(CudaReduce, CountingMatchesTheCpu) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({200}, xg::kFloat64, 15);
  const Tensor ints = (x * 3.0).round().abs().to(xg::kInt64);
  const Tensor w = xg::test::seeded({200}, xg::kFloat64, 16);
  EXPECT_TRUE(matches_cpu(xg::histc(x.cuda(), 9, -1, 1), xg::histc(x, 9, -1, 1), 0));
  EXPECT_TRUE(matches_cpu(xg::histc(x.cuda(), 13), xg::histc(x, 13), 0));
  EXPECT_TRUE(matches_cpu(xg::bincount(ints.cuda()), xg::bincount(ints), 0));
  EXPECT_TRUE(matches_cpu(xg::bincount(ints.cuda(), w.cuda(), 20), xg::bincount(ints, w, 20), 1e-12));
  const auto [vc, ic, cc] = xg::unique(ints.reshape({20, 10}), true, true, true);
  const auto [vd, id, cd] = xg::unique(ints.reshape({20, 10}).cuda(), true, true, true);
  EXPECT_TRUE(matches_cpu(vd, vc, 0));
  EXPECT_TRUE(matches_cpu(id, ic, 0));
  EXPECT_TRUE(matches_cpu(cd, cc, 0));
  const auto [uv, ui, uc] = xg::unique_consecutive(ints.cuda(), true, true);
  EXPECT_TRUE(matches_cpu(uc, std::get<2>(xg::unique_consecutive(ints, true, true)), 0));
  EXPECT_TRUE(matches_cpu(ui, std::get<1>(xg::unique_consecutive(ints, true, true)), 0));
}

TEST(CudaReduce, LogicalOperationsAndVarMeanMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor a = xg::tensor({0.0, -0.0, 2.5, nan}, xg::kFloat64), b = xg::tensor({{0}, {7}}, xg::kInt64);
  EXPECT_TRUE(matches_cpu(xg::logical_and(a.cuda(), b.cuda()), xg::logical_and(a, b), 0));
  EXPECT_TRUE(matches_cpu(xg::logical_or(a.cuda(), b.cuda()), xg::logical_or(a, b), 0));
  EXPECT_TRUE(matches_cpu(xg::logical_xor(a.cuda(), b.cuda()), xg::logical_xor(a, b), 0));
  EXPECT_TRUE(matches_cpu(a.cuda().logical_not(), a.logical_not(), 0));
  const Tensor x = xg::test::seeded({5, 7}, xg::kFloat64, 70);
  const Tensor xc = x.cuda().requires_grad_(), xh = x.clone().requires_grad_();
  const auto [vc, mc] = xg::std_mean(xc, {1}, true, 1);
  const auto [vh, mh] = xg::std_mean(xh, {1}, true, 1);
  EXPECT_TRUE(matches_cpu(vc, vh, 1e-13));
  EXPECT_TRUE(matches_cpu(mc, mh, 1e-13));
  (vc * 2.0 + mc).sum().backward();
  (vh * 2.0 + mh).sum().backward();
  EXPECT_TRUE(matches_cpu(xc.grad(), xh.grad(), 1e-13));
}
