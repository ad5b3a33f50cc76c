// Times the training steps of the GPU tables (issue 20) on CUDA: the workloads and protocol of
// bench/gpu_reference.py, which measures PyTorch on the same GPU in the same run (float32,
// TF32 off, zero_grad + forward + softmax cross-entropy + backward + update, batches from a
// pool of 8). Per workload: the median and best milliseconds per step over 7 samples of n
// steps (n doubled until a sample lasts 0.2 s; the GPU synchronised at each sample's end),
// the kernel launches and host waits per step, and for the MLPs the GEMM-only bound (the
// step's matrix products alone), and the step replayed as a CUDA graph (":graph" rows,
// xg::train::GraphedStep: launches per replayed step counted too). One JSON line each.
//
//   gpu_steps [--only NAME]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

namespace {

namespace nn = xg::nn;
using xg::Tensor;

struct Timing {
  double med = 0, min = 0;
  long n = 0;
};

Timing bench(const std::function<void()>& fn) {
  for (int i = 0; i < 10; ++i) fn();
  xg::cuda::synchronize();
  long n = 1;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) fn();
    xg::cuda::synchronize();
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >= 0.2 || n >= (1 << 16)) break;
    n *= 2;
  }
  std::vector<double> s;
  for (int r = 0; r < 7; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) fn();
    xg::cuda::synchronize();
    s.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / static_cast<double>(n));
  }
  std::sort(s.begin(), s.end());
  return {s[s.size() / 2], s[0], n};
}

std::shared_ptr<nn::Sequential> mlp(const std::vector<int>& sizes, bool relu) {
  auto net = std::make_shared<nn::Sequential>();
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    auto& l = net->emplace<nn::Linear>(sizes[i], sizes[i + 1]);
    nn::init::normal(l.W, 0.01);
    l.b.detach().zero_();
    if (i + 2 < sizes.size()) {
      if (relu) net->emplace<nn::ReLU>();
      else net->emplace<nn::Sigmoid>();
    }
  }
  return net;
}

std::shared_ptr<nn::Sequential> keras_cnn() {
  auto net = std::make_shared<nn::Sequential>();
  net->emplace<nn::Conv2d>(1, 32, 3);
  net->emplace<nn::ReLU>();
  net->emplace<nn::Conv2d>(32, 64, 3);
  net->emplace<nn::ReLU>();
  net->emplace<nn::MaxPool2d>(2);
  net->emplace<nn::Dropout>(0.25);
  net->emplace<nn::Flatten>();
  net->emplace<nn::Linear>(9216, 128);
  net->emplace<nn::ReLU>();
  net->emplace<nn::Dropout>(0.5);
  net->emplace<nn::Linear>(128, 10);
  return net;
}

std::shared_ptr<nn::Sequential> simple_convnet() {
  auto net = std::make_shared<nn::Sequential>();
  net->emplace<nn::Conv2d>(1, 30, 5);
  net->emplace<nn::ReLU>();
  net->emplace<nn::MaxPool2d>(2);
  net->emplace<nn::Flatten>();
  net->emplace<nn::Linear>(4320, 100);
  net->emplace<nn::ReLU>();
  net->emplace<nn::Linear>(100, 10);
  return net;
}

// y = fc(lstm(x)[-1]), as the reference's LSTMNet.
struct LstmNet : nn::Module {
  nn::LSTM lstm{64, 256};
  nn::Linear fc{256, 10};
  LstmNet() {
    register_module("lstm", lstm);
    register_module("fc", fc);
  }
  Tensor forward(const Tensor& x) override {
    const Tensor y = lstm.forward(x);
    return fc(xg::squeeze(xg::narrow(y, 0, y.size(0) - 1, 1), 0));
  }
};

struct Workload {
  std::string name;
  std::function<std::shared_ptr<nn::Module>()> make;
  xg::Shape x;
  std::string optimizer;
  std::vector<std::array<int, 3>> gemms;  // (m, k, n) of each dense layer, for the GEMM-only bound
};

std::unique_ptr<xg::optim::Optimizer> make_optimizer(const std::string& name, const xg::tensor_list& p) {
  if (name == "sgd") return std::make_unique<xg::optim::SGD>(p, xg::optim::SGDOptions(0.1));
  if (name == "adam") return std::make_unique<xg::optim::Adam>(p, xg::optim::AdamOptions(1e-3).eps(1e-7));
  return std::make_unique<xg::optim::AdaDelta>(p, xg::optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
}

void print(const std::string& name, const Timing& t, double launches, double waits, const char* extra = "") {
  std::printf("{\"workload\": \"%s\", \"framework\": \"xgrad\", \"ms_med\": %.5f, \"ms_min\": %.5f, \"n\": %ld, "
              "\"launches_per_step\": %.1f, \"waits_per_step\": %.1f%s}\n",
              name.c_str(), t.med, t.min, t.n, launches, waits, extra);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
  if (!xg::cuda::is_available()) {
    std::fprintf(stderr, "gpu_steps: CUDA is not available (%s)\n", xg::cuda::unavailable_reason().c_str());
    return 1;
  }
  const xg::Device gpu = xg::kCUDA;
  const auto mlp_of = [](std::vector<int> sizes, bool relu) { return [=] { return std::static_pointer_cast<nn::Module>(mlp(sizes, relu)); }; };
  const std::vector<Workload> workloads = {
      {"mlp_784_50_10_b100", mlp_of({784, 50, 10}, false), {100, 784}, "sgd", {{100, 784, 50}}},
      {"mlp_784_100_10_b100", mlp_of({784, 100, 10}, false), {100, 784}, "sgd", {{100, 784, 100}}},
      {"mlp_784_1024_1024_10_b256", mlp_of({784, 1024, 1024, 10}, true), {256, 784}, "sgd",
       {{256, 784, 1024}, {256, 1024, 1024}, {256, 1024, 10}}},
      {"mlp_784_1024_1024_10_b4096", mlp_of({784, 1024, 1024, 10}, true), {4096, 784}, "sgd",
       {{4096, 784, 1024}, {4096, 1024, 1024}, {4096, 1024, 10}}},
      {"simple_convnet_b100", [] { return std::static_pointer_cast<nn::Module>(simple_convnet()); }, {100, 1, 28, 28}, "adam", {}},
      {"keras_cnn_b128", [] { return std::static_pointer_cast<nn::Module>(keras_cnn()); }, {128, 1, 28, 28}, "adadelta", {}},
      {"keras_cnn_b1024", [] { return std::static_pointer_cast<nn::Module>(keras_cnn()); }, {1024, 1, 28, 28}, "adadelta", {}},
      {"lstm_i64_h256_b64_t50", [] { return std::static_pointer_cast<nn::Module>(std::make_shared<LstmNet>()); }, {50, 64, 64}, "adam", {}},
  };
  xg::manual_seed(0);
  for (const auto& w : workloads) {
    if (!only.empty() && w.name.find(only) == std::string::npos) continue;
    auto net = w.make();
    net->to(gpu);
    net->train();
    auto opt = make_optimizer(w.optimizer, net->parameters());
    const std::int64_t batch = w.name.rfind("lstm", 0) == 0 ? w.x[1] : w.x[0];
    std::vector<Tensor> xs, ts;
    for (int i = 0; i < 8; ++i) {
      xs.push_back(xg::rand(w.x).to(gpu));
      ts.push_back(xg::randint(0, 10, {batch}).to(gpu));
    }
    int it = 0;
    const auto step = [&] {
      const int k = it++ % 8;
      opt->zero_grad();
      nn::softmax_cross_entropy(net->forward(xs[k]), ts[k]).backward();
      opt->step();
    };
    step();
    const auto l0 = xg::cuda::launch_count();
    const auto w0 = xg::cuda::host_wait_count();
    step();
    const double launches = static_cast<double>(xg::cuda::launch_count() - l0);
    const double waits = static_cast<double>(xg::cuda::host_wait_count() - w0);
    print(w.name, bench(step), launches, waits);
    {  // the same step replayed as a CUDA graph (xg::train::GraphedStep), batches copied in
      xg::train::GraphedStep graphed([&](const xg::tensor_list& b) {
        opt->zero_grad();
        Tensor loss = nn::softmax_cross_entropy(net->forward(b[0]), b[1]);
        loss.backward();
        opt->step();
        return xg::tensor_list{loss};
      });
      const auto graph_step = [&] {
        const int k = it++ % 8;
        (void)graphed({xs[k], ts[k]});
      };
      graph_step();
      graph_step();  // eager, then captured
      const auto gl0 = xg::cuda::launch_count();
      const auto gw0 = xg::cuda::host_wait_count();
      graph_step();
      print(w.name + ":graph", bench(graph_step), static_cast<double>(xg::cuda::launch_count() - gl0),
            static_cast<double>(xg::cuda::host_wait_count() - gw0));
    }
    if (!w.gemms.empty()) {  // forward x @ W, backward gy @ W^T and x^T @ gy, per dense layer
      // The transposed operands are made once, outside the timing (PyTorch's are views).
      std::vector<std::array<Tensor, 5>> mats;
      for (const auto& [m, k, n] : w.gemms) {
        const Tensor X = xg::rand({m, k}).to(gpu), W = xg::rand({k, n}).to(gpu), G = xg::rand({m, n}).to(gpu);
        mats.push_back({X, W, G, W.t(), X.t()});
      }
      xg::NoGradGuard no_grad;
      const auto gemm_only = [&] {
        for (const auto& [X, W, G, WT, XT] : mats) {
          (void)xg::matmul(X, W);
          (void)xg::matmul(G, WT);
          (void)xg::matmul(XT, G);
        }
      };
      print(w.name + ":gemm_only", bench(gemm_only), 0, 0);
    }
  }
  if (only.empty() || only.find("overhead") != std::string::npos) {
    // Per recorded operation: 100 tiny multiplies forward and backward.
    const Tensor x = xg::rand({10}).to(gpu).requires_grad_();
    const auto chain = [&] {
      Tensor y = x;
      for (int i = 0; i < 100; ++i) y = y * 1.0001;
      y.sum().backward();
    };
    const Timing t = bench(chain);
    std::printf("{\"workload\": \"per_op_overhead_us\", \"framework\": \"xgrad\", \"us_per_op\": %.3f}\n", t.med * 1e3 / 100);
  }
  return 0;
}
