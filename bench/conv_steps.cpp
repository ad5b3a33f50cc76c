// Times the CNN training steps of bench/compare.py (forward + backward + update, float32)
// and their GEMM-only bound: the step's convolution and dense products as single large
// OpenBLAS calls of the same shapes, nothing else. Every step draws its batch from a pool
// larger than the caches, as training does. Prints one JSON object per workload, with the
// column-buffer bytes per conv layer and, with --memory, the peak resident set.
//
//   conv_steps [--threads 1] [--repeats 3] [--workload NAME] [--memory 1] [--fused 1]
// (--fused 0: the optimizers' composed rules instead of their fused kernels.)
#include <sys/resource.h>

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

namespace nn = xg::nn;

struct Conv {
  int c, oc, k, h;  // in channels, out channels, kernel, input height = width (stride 1, no padding)
  int out() const { return h - k + 1; }
};
struct Workload {
  std::string name;
  int batch;
  std::vector<Conv> convs;
  std::vector<int> dense;  // flattened features, hidden..., 10
  int iters;
};

const std::vector<Workload> kWorkloads = {
    {"SimpleConvNet b100", 100, {{1, 30, 5, 28}}, {4320, 100, 10}, 40},
    {"Keras mnist_cnn b128", 128, {{1, 32, 3, 28}, {32, 64, 3, 26}}, {9216, 128, 10}, 6},
};

// The textbook's SimpleConvNet with Adam, and Keras's mnist_cnn with Adadelta (training mode).
struct Net : nn::Module {
  std::vector<std::shared_ptr<nn::Conv2d>> convs;
  std::vector<std::shared_ptr<nn::Linear>> dense;
  nn::Dropout dropout1{0.25}, dropout2{0.5};
  bool keras;
  explicit Net(const Workload& w) : keras(w.convs.size() == 2) {
    for (std::size_t i = 0; i < w.convs.size(); ++i) {
      convs.push_back(std::make_shared<nn::Conv2d>(w.convs[i].c, w.convs[i].oc, w.convs[i].k));
      register_module("conv" + std::to_string(i), *convs.back());
    }
    for (std::size_t i = 0; i + 1 < w.dense.size(); ++i) {
      dense.push_back(std::make_shared<nn::Linear>(w.dense[i], w.dense[i + 1]));
      register_module("dense" + std::to_string(i), *dense.back());
    }
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    xg::Tensor h = x;
    for (auto& c : convs) h = xg::relu((*c)(h));
    h = xg::max_pool2d(h, 2);
    if (keras) h = dropout1(h);
    h = xg::relu((*dense[0])(h.flatten(1)));
    if (keras) h = dropout2(h);
    return (*dense[1])(h);
  }
};

void sgemm(bool ta, bool tb, int m, int n, int k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
              ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

// Per conv layer, with M = N·OH·OW and K = C·KH·KW: forward col (M×K) · Wᵀ (K×OC); dW =
// dYᵀ (OC×M) · col; dcol = dY (M×OC) · W (OC×K), except for the first layer (its input
// needs no gradient). Dense layers as in bench/steps.
double gemm_bound_ms(const Workload& w, int iters, int repeats) {
  struct Shape3 { bool ta, tb; int m, n, k; };
  std::vector<Shape3> calls;
  for (std::size_t i = 0; i < w.convs.size(); ++i) {
    const auto& c = w.convs[i];
    const int M = w.batch * c.out() * c.out(), K = c.c * c.k * c.k;
    calls.push_back({false, true, M, c.oc, K});
    calls.push_back({true, false, c.oc, K, M});
    if (i > 0) calls.push_back({false, false, M, K, c.oc});
  }
  for (std::size_t i = 0; i + 1 < w.dense.size(); ++i) {
    calls.push_back({false, false, w.batch, w.dense[i + 1], w.dense[i]});
    calls.push_back({true, false, w.dense[i], w.dense[i + 1], w.batch});
    calls.push_back({false, true, w.batch, w.dense[i], w.dense[i + 1]});
  }
  std::size_t biggest = 0;
  for (const auto& s : calls)
    biggest = std::max({biggest, static_cast<std::size_t>(s.m) * s.k, static_cast<std::size_t>(s.k) * s.n,
                        static_cast<std::size_t>(s.m) * s.n});
  std::vector<float> a(biggest, 0.01f), b(biggest, 0.01f), c(biggest);
  return time_ms([&] { for (const auto& s : calls) sgemm(s.ta, s.tb, s.m, s.n, s.k, a.data(), b.data(), c.data()); },
                 iters, repeats);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, repeats = 3;
  bool memory = false, fused = true;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--threads") threads = std::stoi(v);
    else if (k == "--repeats") repeats = std::stoi(v);
    else if (k == "--workload") only = v;
    else if (k == "--memory") memory = v == "1";
    else if (k == "--fused") fused = v == "1";
  }
  xg::set_num_threads(threads);
  for (const auto& w : kWorkloads) {
    if (!only.empty() && w.name != only) continue;
    xg::manual_seed(0);
    Net net(w);
    const bool keras = w.convs.size() == 2;
    std::unique_ptr<xg::optim::Optimizer> opt;
    if (keras) opt = std::make_unique<xg::optim::AdaDelta>(net.parameters(), xg::optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
    else opt = std::make_unique<xg::optim::Adam>(net.parameters(), xg::optim::AdamOptions(0.001).eps(1e-7));
    opt->set_fused(fused);
    // A pool of at least 64 MiB of batches: each step's input comes from memory, not cache.
    const std::int64_t batch_bytes = static_cast<std::int64_t>(w.batch) * 28 * 28 * 4;
    const std::int64_t pool_size = std::max<std::int64_t>(8, (std::int64_t{64} << 20) / batch_bytes);
    std::vector<xg::Tensor> xs, ts;
    for (std::int64_t i = 0; i < pool_size; ++i) {
      xs.push_back(xg::rand({w.batch, 1, 28, 28}));
      ts.push_back(xg::randint(0, 10, {w.batch}));
    }
    std::size_t next = 0;
    const double step = time_ms(
        [&] {
          const std::size_t i = next++ % xs.size();
          auto loss = nn::softmax_cross_entropy(net(xs[i]), ts[i]);
          opt->zero_grad();
          loss.backward();
          opt->step();
        },
        w.iters, repeats);
    const double rss = peak_rss_mb();  // before the bound's buffers
    const double bound = memory ? 0.0 : gemm_bound_ms(w, w.iters, repeats);
    // Column buffers: xgrad's per-sample scratch per thread, against the textbook's whole batch.
    std::string cols;
    for (const auto& c : w.convs) {
      const double per_sample = 4.0 * c.c * c.k * c.k * c.out() * c.out();
      cols += (cols.empty() ? "" : ", ") + std::to_string(per_sample * threads / 1e6) + ", " +
              std::to_string(per_sample * w.batch / 1e6);
    }
    std::printf("{\"impl\": \"xgrad\", \"workload\": \"%s\", \"threads\": %d, \"ms\": %.3f, \"gemm_ms\": %.3f, "
                "\"peak_rss_mb\": %.1f, \"pool_batches\": %lld, \"im2col_mb\": [%s]}\n",
                w.name.c_str(), threads, step, bound, rss, static_cast<long long>(pool_size), cols.c_str());
    std::fflush(stdout);
  }
  return 0;
}
