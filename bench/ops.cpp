// Google Benchmark of xgrad's operations: per-operation overhead (graph recorded, forward
// and backward), elementwise and broadcasting kernels, reductions, softmax, and the matrix
// products of bench/steps.cpp's workloads, plain and transposed; float32 and float64; an
// optimizer's step, fused and composed.
// Run: build-bench/bench/ops [--benchmark_filter=...]; the thread count is in the context.
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.h>

namespace {

xg::Dtype dtype_of(const benchmark::State& s) { return s.range(0) == 64 ? xg::kFloat64 : xg::kFloat32; }

// Forward + backward of one tiny operation, graph recorded: a chain of 100 multiplications
// by a 10-element tensor, then one backward; reported per operation.
void OpOverhead(benchmark::State& state) {
  auto a = xg::randn({10}, dtype_of(state)).requires_grad_();
  auto w = xg::randn({10}, dtype_of(state)).requires_grad_();
  for (auto _ : state) {
    auto y = a;
    for (int i = 0; i < 100; ++i) y = y * w;
    y.backward(xg::ones({10}, dtype_of(state)));
    a.zero_grad();
    w.zero_grad();
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(state.iterations()) * 100,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(OpOverhead)->Arg(32)->Arg(64);

// Forward only, no graph: the kernel call's own overhead.
void OpNoGrad(benchmark::State& state) {
  auto a = xg::randn({10}, dtype_of(state)), b = xg::randn({10}, dtype_of(state));
  xg::NoGradGuard g;
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
}
BENCHMARK(OpNoGrad)->Arg(32)->Arg(64);

void Exp(benchmark::State& state) {
  auto x = xg::randn({100, 784}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(xg::exp(x));
  state.SetBytesProcessed(state.iterations() * x.numel() * static_cast<int64_t>(state.range(0) / 8) * 2);
}
BENCHMARK(Exp)->Arg(32)->Arg(64);

void Sigmoid(benchmark::State& state) {
  auto x = xg::randn({100, 784}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(xg::sigmoid(x));
}
BENCHMARK(Sigmoid)->Arg(32)->Arg(64);

void AddSameShape(benchmark::State& state) {
  auto x = xg::randn({100, 784}, dtype_of(state)), y = xg::randn({100, 784}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(x + y);
}
BENCHMARK(AddSameShape)->Arg(32)->Arg(64);

void AddBroadcastRow(benchmark::State& state) {  // bias add
  auto x = xg::randn({256, 1024}, dtype_of(state)), b = xg::randn({1024}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(x + b);
}
BENCHMARK(AddBroadcastRow)->Arg(32)->Arg(64);

void SumAxis0(benchmark::State& state) {  // bias gradient
  auto x = xg::randn({256, 1024}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(x.sum({0}));
}
BENCHMARK(SumAxis0)->Arg(32)->Arg(64);

void SumAxis1(benchmark::State& state) {
  auto x = xg::randn({256, 1024}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(x.sum({1}));
}
BENCHMARK(SumAxis1)->Arg(32)->Arg(64);

void Softmax(benchmark::State& state) {
  auto x = xg::randn({256, 1024}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(xg::softmax(x));
}
BENCHMARK(Softmax)->Arg(32)->Arg(64);

void Transpose(benchmark::State& state) {
  auto x = xg::randn({784, 1024}, dtype_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(x.T());
}
BENCHMARK(Transpose)->Arg(32)->Arg(64);

// Matrix products at the workloads' shapes: (m, k) @ (k, n), optionally x^T gy or gy W^T.
void Matmul(benchmark::State& state) {
  const auto m = state.range(1), k = state.range(2), n = state.range(3), mode = state.range(4);
  xg::NoGradGuard g;
  xg::Tensor a = mode == 1 ? xg::randn({k, m}, dtype_of(state)) : xg::randn({m, k}, dtype_of(state));
  xg::Tensor b = mode == 2 ? xg::randn({n, k}, dtype_of(state)) : xg::randn({k, n}, dtype_of(state));
  for (auto _ : state) {
    if (mode == 1) benchmark::DoNotOptimize(xg::matmul(a.T(), b));  // materialises a^T first
    else if (mode == 2) benchmark::DoNotOptimize(xg::matmul(a, b.T()));
    else benchmark::DoNotOptimize(xg::matmul(a, b));
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m * k * n) * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(Matmul)
    ->ArgNames({"bits", "m", "k", "n", "T"})
    ->Args({32, 100, 784, 50, 0})
    ->Args({32, 100, 50, 10, 0})
    ->Args({32, 256, 784, 1024, 0})
    ->Args({32, 256, 1024, 1024, 0})
    ->Args({32, 784, 100, 50, 1})
    ->Args({32, 100, 10, 50, 2})
    ->Args({64, 100, 784, 50, 0})
    ->Args({64, 256, 1024, 1024, 0});

// Backward of a product: the gradients come from gemm with transpose flags, no copies.
void MatmulBackward(benchmark::State& state) {
  auto x = xg::randn({state.range(1), state.range(2)}, dtype_of(state));
  auto W = xg::randn({state.range(2), state.range(3)}, dtype_of(state)).requires_grad_();
  auto gy = xg::ones({state.range(1), state.range(3)}, dtype_of(state));
  for (auto _ : state) {
    auto y = xg::matmul(x, W);
    y.backward(gy);
    W.zero_grad();
  }
}
BENCHMARK(MatmulBackward)->ArgNames({"bits", "m", "k", "n"})->Args({32, 100, 784, 50})->Args({32, 256, 1024, 1024});

// One optimizer step over an MLP's parameters (float32), fused (one pass per parameter) or
// composed (the tensor operations of each rule): rule 0 SGD, 1 SGD momentum, 2 Adam,
// 3 AdaDelta; net 0 the textbook's 784-50-10, 1 the 784-1024-1024-10 MLP.
void OptimizerStep(benchmark::State& state) {
  const std::vector<xg::Shape> shapes = state.range(1) == 0
      ? std::vector<xg::Shape>{{784, 50}, {50}, {50, 10}, {10}}
      : std::vector<xg::Shape>{{784, 1024}, {1024}, {1024, 1024}, {1024}, {1024, 10}, {10}};
  xg::tensor_list params;
  for (const auto& s : shapes) {
    params.push_back(xg::randn(s).requires_grad_());
    params.back().set_grad(xg::randn(s) * 0.01);
  }
  std::unique_ptr<xg::optim::Optimizer> opt;
  switch (state.range(0)) {
    case 0: opt = std::make_unique<xg::optim::SGD>(params, 0.01); break;
    case 1: opt = std::make_unique<xg::optim::SGD>(params, xg::optim::SGDOptions(0.01).momentum(0.9)); break;
    case 2: opt = std::make_unique<xg::optim::Adam>(params, 1e-3); break;
    case 4: opt = std::make_unique<xg::optim::Adam>(params, xg::optim::AdamOptions(1e-3).amsgrad(true)); break;
    default: opt = std::make_unique<xg::optim::AdaDelta>(params, xg::optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
  }
  opt->set_fused(state.range(2) != 0);
  for (auto _ : state) opt->step();
  std::int64_t n = 0;
  for (const auto& p : params) n += p.numel();
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(OptimizerStep)->ArgNames({"rule", "net", "fused"})->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}, {0, 1}});

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("xgrad_threads", std::to_string(xg::get_num_threads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
