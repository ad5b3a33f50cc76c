// Data-parallel costs under MPI (run with mpirun -np 2, see docs/benchmarks.md):
// 1. all_reduce of the 784-1024-1024-10 MLP's gradients as one float32 buffer (1,863,690
//    values, 7.45 MB): best and median of 50, after 5 warm-ups;
//    (MPI's sum alone);
// 2. a DDP training step (bucket cap from argv[1], MB, default 25) of that MLP (batch 256 per rank, SGD): its time, the backward's
//    time, and how long backward waited for communication after its last gradient (what
//    overlap did not hide), median of 30 steps, with fresh batches from a pool.
// Rank 0 prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
}  // namespace

int main(int argc, char** argv) {
  xg::dist::Session session;
  const double bucket_mb = argc > 1 ? std::atof(argv[1]) : 25.0;  // DDP's bucket cap
  const std::int64_t n = 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10;
  auto buffer = xg::ones({n});
  std::vector<double> reduce_ms;
  for (int i = 0; i < 55; ++i) {
    xg::dist::barrier();
    const double t0 = now_ms();
    xg::dist::all_reduce(buffer, xg::dist::ReduceOp::Sum);  // MPI alone (Average adds a scaling pass)
    if (i >= 5) reduce_ms.push_back(now_ms() - t0);
  }
  Mlp model;
  xg::dist::DistributedDataParallel ddp(model, xg::dist::DDPOptions().set_bucket_cap_mb(bucket_mb));
  xg::optim::SGD opt(ddp.parameters(), 0.01);
  std::vector<xg::Tensor> xs, ts;
  for (int i = 0; i < 40; ++i) {  // 40 batches of 256 x 784 floats: 32 MB
    xs.push_back(xg::rand({256, 784}));
    ts.push_back(xg::randint(0, 10, {256}));
  }
  std::vector<double> step_ms, backward_ms, wait_ms;
  for (int i = 0; i < 35; ++i) {
    const double t0 = now_ms();
    auto loss = xg::nn::softmax_cross_entropy(ddp(xs[static_cast<std::size_t>(i) % xs.size()]), ts[static_cast<std::size_t>(i) % ts.size()]);
    opt.zero_grad();
    const double b0 = now_ms();
    loss.backward();
    const double b1 = now_ms();
    opt.step();
    if (i >= 5) {
      step_ms.push_back(now_ms() - t0);
      backward_ms.push_back(b1 - b0);
      wait_ms.push_back(ddp.last_sync_wait_ms());
    }
  }
  if (xg::dist::rank() == 0)
    std::printf("{\"ranks\": %d, \"values\": %lld, \"allreduce_min_ms\": %.3f, \"allreduce_median_ms\": %.3f, "
                "\"bucket_mb\": %.1f, \"step_ms\": %.2f, \"backward_ms\": %.2f, \"wait_after_backward_ms\": %.3f, \"buckets\": %zu}\n",
                xg::dist::world_size(), static_cast<long long>(n), *std::min_element(reduce_ms.begin(), reduce_ms.end()),
                median(reduce_ms), bucket_mb, median(step_ms), median(backward_ms), median(wait_ms), ddp.bucket_sizes().size());
  return 0;
}
