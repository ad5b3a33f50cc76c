// Data-parallel costs under MPI (run with mpirun -np 2; alone it is the 1-rank baseline; see
// docs/benchmarks.md):
// 1. all_reduce (sum) of a 1-value buffer (latency), of the MLP's first layer's gradient
//    (3.2 MB) and of all the 784-1024-1024-10 MLP's gradients as one float32 buffer
//    (1,863,690 values, 7.45 MB): best and median of 50 after 5 warm-ups;
// 2. a DDP training step of that MLP (batch 256 per rank, SGD; bucket cap from argv[1], MB,
//    default 25; threads per rank from argv[2], default 1; DDP's stream_block_mb from argv[3],
//    default 1, 0 = the first layer's gradient whole in its bucket): the step, its backward,
//    how long rank 0's backward waited after its last gradient, and the exposed communication:
//    per step, the least of the ranks' waits (the last rank to finish backward waits for
//    communication alone; a rank that finished earlier also waits for it); medians of 30
//    steps, fresh batches drawn from a 32 MB pool; the throughput of all ranks together.
//    wait_over_allreduce = exposed / the median all-reduce of all gradients.
// Rank 0 prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
struct Mlp : xg::nn::Module {
  xg::nn::Linear l1{784, 1024}, l2{1024, 1024}, l3{1024, 10};
  Mlp() {
    register_module("l1", l1);
    register_module("l2", l2);
    register_module("l3", l3);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l3(xg::relu(l2(xg::relu(l1(x))))); }
};

// {min, median} of `rounds` all-reduces of n float32 values, after 5 warm-ups.
std::pair<double, double> time_all_reduce(std::int64_t n, int rounds) {
  auto buffer = xg::ones({n});
  std::vector<double> ms;
  for (int i = 0; i < rounds + 5; ++i) {
    xg::dist::barrier();
    const double t0 = now_ms();
    xg::dist::all_reduce(buffer, xg::dist::ReduceOp::Sum);  // MPI alone (Average adds a scaling pass)
    if (i >= 5) ms.push_back(now_ms() - t0);
  }
  return {*std::min_element(ms.begin(), ms.end()), median(ms)};
}
}  // namespace

int main(int argc, char** argv) {
  xg::dist::Session session;
  const double bucket_mb = argc > 1 ? std::atof(argv[1]) : 25.0;  // DDP's bucket cap
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const double stream_mb = argc > 3 ? std::atof(argv[3]) : 1.0;  // DDP's stream_block_mb (0: off)
  xg::set_num_threads(threads);
  const std::int64_t n = 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10, first_layer = 784 * 1024;
  const auto latency = time_all_reduce(1, 200);
  const auto layer1 = time_all_reduce(first_layer, 50);
  const auto whole = time_all_reduce(n, 50);

  Mlp model;
  xg::dist::DistributedDataParallel ddp(model, xg::dist::DDPOptions().bucket_cap_mb(bucket_mb).stream_block_mb(stream_mb));
  xg::optim::SGD opt(ddp.parameters(), 0.01);
  std::vector<xg::Tensor> xs, ts;
  for (int i = 0; i < 40; ++i) {  // 40 batches of 256 x 784 floats: 32 MB
    xs.push_back(xg::rand({256, 784}));
    ts.push_back(xg::randint(0, 10, {256}));
  }
  std::vector<double> step_ms, backward_ms, wait_ms, exposed_ms;
  for (int i = 0; i < 35; ++i) {
    const auto k = static_cast<std::size_t>(i) % xs.size();
    const double t0 = now_ms();
    auto loss = xg::nn::softmax_cross_entropy(ddp(xs[k]), ts[k]);
    opt.zero_grad();
    const double b0 = now_ms();
    loss.backward();
    const double b1 = now_ms();
    opt.step();
    if (i >= 5) {
      step_ms.push_back(now_ms() - t0);
      backward_ms.push_back(b1 - b0);
      wait_ms.push_back(ddp.last_sync_wait_ms());
      // The rank that finished backward last waited only for communication; the others
      // also waited for it (imbalance: a rank descheduled on a busy machine). Not timed.
      auto least = xg::tensor({-ddp.last_sync_wait_ms()}, {1}, xg::kFloat64);
      xg::dist::all_reduce(least, xg::dist::ReduceOp::Max);
      exposed_ms.push_back(-least.item());
    }
  }
  const double step = median(step_ms), wait = median(wait_ms), exposed = median(exposed_ms);
  // What the step waited for communication alone, as a fraction of one all-reduce of all
  // gradients (none when alone).
  const std::string ratio = xg::dist::world_size() > 1 ? std::to_string(exposed / whole.second) : "null";
  if (xg::dist::rank() == 0)
    std::printf("{\"ranks\": %d, \"threads\": %d, \"values\": %lld, \"latency_median_ms\": %.4f, \"layer1_allreduce_min_ms\": %.3f, "
                "\"layer1_allreduce_median_ms\": %.3f, \"allreduce_min_ms\": %.3f, \"allreduce_median_ms\": %.3f, "
                "\"bucket_mb\": %.1f, \"buckets\": %zu, \"stream_block_mb\": %.2f, \"streamed_blocks\": %d, \"step_ms\": %.2f, \"backward_ms\": %.2f, "
                "\"wait_after_backward_ms\": %.3f, \"exposed_ms\": %.3f, \"wait_over_allreduce\": %s, \"samples_per_s\": %.0f}\n",
                xg::dist::world_size(), threads, static_cast<long long>(n), latency.second, layer1.first, layer1.second,
                whole.first, whole.second, bucket_mb, ddp.bucket_sizes().size(), stream_mb, ddp.last_streamed_blocks(), step, median(backward_ms), wait, exposed,
                ratio.c_str(), 256.0 * xg::dist::world_size() * 1000.0 / step);
  return 0;
}
