// Times the training steps of bench/compare.py's workloads in xgrad (forward + backward +
// SGD update, float32 or float64) and their GEMM-only lower bound: the same matrix
// products straight through cblas, nothing else. Batches come from a pool of at least
// 64 MiB. Prints one JSON object per workload.
//
//   steps [--threads 1] [--dtype float32] [--repeats 5] [--workload NAME]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <cblas.h>

#include <xgrad/xgrad.h>

#include "timing.h"

namespace {

struct Workload {
  std::string name;
  std::vector<int> sizes;  // input, hidden..., output
  int batch;
  bool relu;
  int iters;  // timed steps per repeat
};

const std::vector<Workload> kWorkloads = {
    {"784-50-10 sigmoid b100", {784, 50, 10}, 100, false, 2000},
    {"784-100-10 sigmoid b100", {784, 100, 10}, 100, false, 1000},
    {"784-1024-1024-10 relu b256", {784, 1024, 1024, 10}, 256, true, 40},
};

struct Net : xg::nn::Module {
  std::vector<std::shared_ptr<xg::nn::Linear>> layers;
  bool relu;
  Net(const Workload& w, xg::Dtype dt) : relu(w.relu) {
    for (std::size_t i = 0; i + 1 < w.sizes.size(); ++i) {
      layers.push_back(std::make_shared<xg::nn::Linear>(w.sizes[i], w.sizes[i + 1], true, dt));
      xg::nn::init::normal(layers.back()->W, 0.01);
      register_module("l" + std::to_string(i), *layers.back());
    }
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    xg::Tensor h = x;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      h = (*layers[i])(h);
      if (i + 1 < layers.size()) h = relu ? xg::relu(h) : xg::sigmoid(h);
    }
    return h;
  }
};

// The step's products: forward x W per layer; backward dW = h^T dy per layer and dh = dy W^T
// for every layer but the first (the input needs no gradient).
template <class T>
double gemm_bound_ms(const Workload& w, int iters, int repeats) {
  auto gemm = [](bool ta, bool tb, int m, int n, int k, const T* a, const T* b, T* c) {
    const auto A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
    const int lda = ta ? m : k, ldb = tb ? k : n;
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, A, B, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
    else
      cblas_dgemm(CblasRowMajor, A, B, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, n);
  };
  const int n = w.batch;
  std::vector<std::vector<T>> W, H, G, dW;
  for (std::size_t i = 0; i < w.sizes.size(); ++i) {
    H.emplace_back(static_cast<std::size_t>(n * w.sizes[i]), T(0.01));
    G.emplace_back(static_cast<std::size_t>(n * w.sizes[i]), T(0.01));
    if (i + 1 < w.sizes.size()) {
      W.emplace_back(static_cast<std::size_t>(w.sizes[i] * w.sizes[i + 1]), T(0.01));
      dW.emplace_back(W.back().size());
    }
  }
  auto step = [&] {
    for (std::size_t l = 0; l + 1 < w.sizes.size(); ++l)
      gemm(false, false, n, w.sizes[l + 1], w.sizes[l], H[l].data(), W[l].data(), H[l + 1].data());
    for (std::size_t l = w.sizes.size() - 1; l-- > 0;) {
      gemm(true, false, w.sizes[l], w.sizes[l + 1], n, H[l].data(), G[l + 1].data(), dW[l].data());
      if (l > 0) gemm(false, true, n, w.sizes[l], w.sizes[l + 1], G[l + 1].data(), W[l].data(), G[l].data());
    }
  };
  return time_ms(step, w.iters, repeats);
}

double xgrad_step_ms(const Workload& w, xg::Dtype dt, int repeats) {
  xg::manual_seed(0);
  Net net(w, dt);
  xg::optim::SGD opt(net.parameters(), 0.1);
  // A pool of at least 64 MiB of batches, as training draws fresh ones: one reused batch
  // would sit in cache and flatter every implementation alike.
  const std::int64_t batch_bytes = static_cast<std::int64_t>(w.batch) * w.sizes.front() * (dt == xg::kFloat64 ? 8 : 4);
  const std::int64_t pool = std::max<std::int64_t>(8, (std::int64_t{64} << 20) / batch_bytes);
  std::vector<xg::Tensor> xs, ts;
  for (std::int64_t i = 0; i < pool; ++i) {
    xs.push_back(xg::rand({w.batch, w.sizes.front()}, dt));
    ts.push_back(xg::randint(0, w.sizes.back(), {w.batch}));
  }
  std::size_t next = 0;
  return time_ms(
      [&] {
        const std::size_t i = next++ % xs.size();
        auto loss = xg::nn::softmax_cross_entropy(net(xs[i]), ts[i]);
        opt.zero_grad();
        loss.backward();
        opt.step();
      },
      w.iters, repeats);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, repeats = 5;
  std::string dtype = "float32", only;
  bool profile = false;  // --profile 1: only xgrad's step, many times (for perf)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--threads") threads = std::stoi(v);
    else if (k == "--dtype") dtype = v;
    else if (k == "--repeats") repeats = std::stoi(v);
    else if (k == "--workload") only = v;
    else if (k == "--profile") profile = v == "1";
  }
  xg::set_num_threads(threads);
  if (only.empty()) {
    // Forward + backward of one tiny recorded operation: 100 multiplications of 10 elements.
    auto a = xg::randn({10}).requires_grad_(), w = xg::randn({10}).requires_grad_();
    auto g = xg::ones({10});
    const double ms = time_ms(
        [&] {
          auto y = a;
          for (int i = 0; i < 100; ++i) y = y * w;
          y.backward(g);
          a.zero_grad();
          w.zero_grad();
        },
        200, repeats);
    std::printf("{\"impl\": \"xgrad\", \"workload\": \"overhead\", \"us_per_op\": %.3f}\n", ms * 1000 / 100);
  }
  const xg::Dtype dt = dtype == "float64" ? xg::kFloat64 : xg::kFloat32;
  for (const auto& w : kWorkloads) {
    if (!only.empty() && w.name != only) continue;
    if (profile) {
      std::printf("%s: %.4f ms\n", w.name.c_str(), xgrad_step_ms(w, dt, repeats));
      continue;
    }
    const double bound = dt == xg::kFloat64 ? gemm_bound_ms<double>(w, w.iters, repeats) : gemm_bound_ms<float>(w, w.iters, repeats);
    const double step = xgrad_step_ms(w, dt, repeats);
    std::printf("{\"impl\": \"xgrad\", \"workload\": \"%s\", \"dtype\": \"%s\", \"threads\": %d, \"ms\": %.4f, \"gemm_ms\": %.4f}\n",
                w.name.c_str(), dtype.c_str(), threads, step, bound);
    std::fflush(stdout);
  }
  return 0;
}
