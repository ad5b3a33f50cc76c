// Times the recurrent training steps of bench/compare.py --suite lstm: an LSTM (or, with
// --cell gru, a GRU) of 1 layer, input 64, hidden 256, T = 50, batch 64, a Linear(256, 10)
// head on the last hidden state, softmax
// cross-entropy, Adam; forward + backward + update, float32. Every step draws its batch from
// a pool of at least 64 MiB, as training does. Also times the step's GEMM-only bound: the
// same matrix products (input projection, 50 recurrent products, their backward, the head)
// as bare OpenBLAS calls. Prints one JSON object.
//
//   lstm_steps [--threads 1] [--repeats 3] [--iters 20] [--seq 50] [--fused 1] [--cell lstm|gru] [--proj 0] [--packed 0]
// (--fused 0: Adam's composed rule instead of its fused kernel, for the comparison; --proj P:
// an LSTM with proj_size P and a Linear(P, 10) head, whose GEMM bound is not computed;
// --packed 1: the batch's sequences have lengths spread over [T/2, T], unsorted, packed with
// pack_padded_sequence and run with forward_with_packed_input, the head on each one's last
// state; its GEMM bound is the full-length one.)
#include <algorithm>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include <cblas.h>

#include <xgrad/xgrad.h>

#include "timing.h"

namespace {

constexpr int kBatch = 64, kInput = 64, kHidden = 256, kClasses = 10;

// The recurrent layer (LSTM or GRU) and a head on its last hidden state.
template <class Rnn>
struct Net : xg::nn::Module {
  Rnn rnn;
  xg::nn::Linear fc;
  xg::Tensor lengths;  // defined: the batch is packed with these lengths
  explicit Net(std::int64_t proj)
      : rnn(xg::nn::RNNOptions(kInput, kHidden).proj_size(proj)), fc(proj > 0 ? proj : kHidden, kClasses) {
    register_module("rnn", rnn);
    register_module("fc", fc);
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    if (lengths.defined()) {
      const auto packed = xg::nn::utils::rnn::pack_padded_sequence(x, lengths, false, false);
      if constexpr (std::is_same_v<Rnn, xg::nn::LSTM>) {
        return fc(xg::squeeze(std::get<0>(std::get<1>(rnn.forward_with_packed_input(packed, {}))), 0));
      } else {
        return fc(xg::squeeze(std::get<1>(rnn.forward_with_packed_input(packed)), 0));
      }
    }
    if constexpr (std::is_same_v<Rnn, xg::nn::LSTM>) {
      auto [y, state] = rnn(x, {});
      return fc(xg::squeeze(std::get<0>(state), 0));  // the last hidden state of the one layer
    } else {
      auto [y, h] = rnn(x, xg::Tensor());
      return fc(xg::squeeze(h, 0));
    }
  }
};

void sgemm(bool ta, bool tb, int m, int n, int k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
              ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

// The step's matrix products: forward x W_ih^T over all steps, T recurrent h W_hh^T, the
// head; backward two products per forward product (input and weight gradients).
double gemm_bound_ms(int T, int gates, int iters, int repeats) {
  struct Call { bool ta, tb; int m, n, k; };
  const int N = kBatch, I = kInput, H = kHidden, G = gates * kHidden;
  std::vector<Call> calls{{false, true, T * N, G, I}, {false, false, T * N, I, G}, {true, false, G, I, T * N}};
  for (int t = 0; t < T; ++t) {
    calls.push_back({false, true, N, G, H});   // h W_hh^T
    calls.push_back({false, false, N, H, G});  // dh = dg W_hh
    calls.push_back({true, false, G, H, N});   // dW_hh += dg^T h
  }
  calls.push_back({false, false, N, kClasses, H});
  calls.push_back({false, true, N, H, kClasses});
  calls.push_back({true, false, H, kClasses, N});
  std::size_t most = 0;
  for (const auto& c : calls) most = std::max({most, std::size_t(c.m) * c.k, std::size_t(c.k) * c.n, std::size_t(c.m) * c.n});
  std::vector<float> a(most, 0.01f), b(most, 0.02f), c(most);
  return time_ms([&] { for (const auto& s : calls) sgemm(s.ta, s.tb, s.m, s.n, s.k, a.data(), b.data(), c.data()); },
                 iters, repeats);
}

}  // namespace

// Times one workload and prints its JSON line.
template <class Rnn>
void run(const char* cell, int gates, int threads, int repeats, int iters, int T, bool fused, int proj, bool packed) {
  xg::manual_seed(0);
  Net<Rnn> net(proj);
  if (packed) {  // lengths T - k·(T/2)/N over a scrambled k: every length in [T/2, T], unsorted
    std::vector<double> lengths;
    for (int b = 0; b < kBatch; ++b) lengths.push_back(T - ((b * 37) % kBatch) * (T / 2) / kBatch);
    net.lengths = xg::tensor(lengths, {kBatch}, xg::kInt64);
  }
  xg::optim::Adam opt(net.parameters(), 1e-3);
  opt.set_fused(fused);
  const std::int64_t batch_bytes = std::int64_t{T} * kBatch * kInput * 4;
  const std::int64_t pool_size = std::max<std::int64_t>(8, (std::int64_t{64} << 20) / batch_bytes);
  std::vector<xg::Tensor> xs, ts;
  for (std::int64_t i = 0; i < pool_size; ++i) {
    xs.push_back(xg::randn({T, kBatch, kInput}));
    ts.push_back(xg::randint(0, kClasses, {kBatch}));
  }
  std::size_t next = 0;
  const double ms = time_ms(
      [&] {
        const std::size_t i = next++ % xs.size();
        auto loss = xg::nn::softmax_cross_entropy(net(xs[i]), ts[i]);
        opt.zero_grad();
        loss.backward();
        opt.step();
      },
      iters, repeats);
  const double bound = proj > 0 ? 0.0 : gemm_bound_ms(T, gates, iters, repeats);

  // The host time per time step, with the arithmetic taken away: a layer of one unit on one
  // sample, forward + backward. Since the layers became one graph node per direction
  // (autograd/recurrent_layers.cpp), a step records no operation: what is left is the
  // kernels' calls (two products and the fused cell each way); composed, an LSTM step
  // recorded 5 operations (linear_t, add, lstm_cell, the unbind and stack slices).
  Rnn tiny(1, 1);
  const xg::Tensor x1 = xg::randn({T, 1, 1});
  const double tiny_ms = time_ms([&] { std::get<0>(tiny(x1, {})).sum().backward(); }, 200, repeats);
  const std::string name = std::string(cell) + (proj > 0 ? " P" + std::to_string(proj) : "") + (packed ? " packed" : "");
  std::printf("{\"impl\": \"xgrad\", \"workload\": \"%s h%d i%d b%d T%d\", \"threads\": %d, \"ms\": %.3f, "
              "\"gemm_ms\": %.3f, \"pool_batches\": %lld, \"us_per_step\": %.3f}\n",
              name.c_str(), kHidden, kInput, kBatch, T, threads, ms, bound, static_cast<long long>(pool_size),
              tiny_ms * 1000 / T);
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  int threads = 1, repeats = 3, iters = 20, T = 50, proj = 0;
  bool fused = true, packed = false;
  std::string cell = "lstm";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--threads") threads = std::stoi(v);
    else if (k == "--repeats") repeats = std::stoi(v);
    else if (k == "--iters") iters = std::stoi(v);
    else if (k == "--seq") T = std::stoi(v);
    else if (k == "--fused") fused = v == "1";
    else if (k == "--cell") cell = v;
    else if (k == "--proj") proj = std::stoi(v);
    else if (k == "--packed") packed = v == "1";
  }
  xg::set_num_threads(threads);
  if (cell == "lstm") run<xg::nn::LSTM>("LSTM", 4, threads, repeats, iters, T, fused, proj, packed);
  else if (cell == "gru") run<xg::nn::GRU>("GRU", 3, threads, repeats, iters, T, fused, 0, packed);
  else return std::fprintf(stderr, "lstm_steps: --cell lstm or gru, got %s\n", cell.c_str()), 2;
  return 0;
}
