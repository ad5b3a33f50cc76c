// Times what bench/compare.py --suite attention compares with PyTorch 1.13, one thread,
// float32, and the peak memory each adds (this process's maximum resident set, before and
// after; run one workload per process):
//   --workload mha: nn::MultiheadAttention(512, 8) self-attention, batch 8, sequence T,
//     forward + backward of sum(out * g) (need_weights false, as a Transformer layer calls it);
//   --workload gpt: examples/char_gpt's training step in its default configuration (4
//     blocks, 4 heads, width 64, context 64, batch 32; cross-entropy, backward, clipping,
//     AdamW).
// Prints one JSON object.
//   attention_steps --workload mha --seq 512 [--threads 1] [--repeats 2] [--iters 0 (auto)]
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>
#include <string>

#include <cblas.h>

#include <xgrad/xgrad.h>

#include "../examples/char_gpt_model.h"
#include "timing.h"

namespace {

// The MHA step's matrix products alone, as bare OpenBLAS sgemm calls: the input and output
// projections (forward, and the two products of each backward), and per batch entry and head
// QK^T and PV forward and the four backward products (dV, dP, dQ, dK). The bound the step
// cannot beat with OpenBLAS on this machine.
double mha_gemm_bound_ms(int T, int N, int E, int H, int iters, int repeats) {
  struct Call { bool ta, tb; int m, n, k, times; };
  const int NL = N * T, d = E / H;
  const std::vector<Call> calls{
      {false, true, NL, 3 * E, E, 1}, {false, false, NL, E, 3 * E, 1}, {true, false, 3 * E, E, NL, 1},  // in-proj
      {false, true, NL, E, E, 1},     {false, false, NL, E, E, 1},     {true, false, E, E, NL, 1},      // out-proj
      {false, true, T, T, d, N * H},  {false, false, T, d, T, N * H},                                   // QK^T, PV
      {true, false, T, d, T, N * H},  {false, true, T, T, d, N * H},                                    // dV, dP
      {false, false, T, d, T, N * H}, {true, false, T, d, T, N * H}};                                   // dQ, dK
  std::size_t most = 0;
  for (const auto& c : calls)
    most = std::max({most, std::size_t(c.m) * c.k, std::size_t(c.k) * c.n, std::size_t(c.m) * c.n});
  std::vector<float> a(most, 0.01f), b(most, 0.02f), c(most);
  return time_ms([&] {
    for (const auto& g : calls)
      for (int r = 0; r < g.times; ++r)
        cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.m, g.n, g.k, 1.0f,
                    a.data(), g.ta ? g.m : g.k, b.data(), g.tb ? g.k : g.n, 0.0f, c.data(), g.n);
  }, iters, repeats);
}

double max_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string workload = "mha";
  int seq = 128, threads = 1, repeats = 2, iters = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--workload") workload = value;
    else if (flag == "--seq") seq = std::stoi(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--repeats") repeats = std::stoi(value);
    else if (flag == "--iters") iters = std::stoi(value);
    else {
      std::fprintf(stderr, "attention_steps: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  xg::set_num_threads(threads);
  xg::manual_seed(0);
  double ms = 0, base = 0, gemm_ms = 0, peak = 0;
  std::string name;
  if (workload == "mha") {
    constexpr int kBatch = 8, kEmbed = 512, kHeads = 8;
    xg::nn::MultiheadAttention mha(kEmbed, kHeads);
    auto x = xg::randn({seq, kBatch, kEmbed}).requires_grad_();
    auto g = xg::randn({seq, kBatch, kEmbed});
    base = max_rss_mib();
    if (iters == 0) iters = seq <= 128 ? 20 : seq <= 512 ? 4 : 1;
    ms = time_ms([&] {
      auto y = std::get<0>(mha(x, x, x, xg::Tensor(), false));
      (y * g).sum().backward();
      x.zero_grad();
      mha.zero_grad();
    }, iters, repeats);
    name = "MHA d512 h8 b8 T" + std::to_string(seq);
    peak = max_rss_mib() - base;  // before the bound's own buffers can count
    gemm_ms = mha_gemm_bound_ms(seq, kBatch, kEmbed, kHeads, iters, repeats);
  } else if (workload == "gpt") {
    char_gpt::Config c;
    c.vocab = 74;
    char_gpt::GPT model(c, true);
    xg::tensor_list decay, no_decay;
    for (auto& p : model.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
    xg::optim::AdamW opt(decay, xg::optim::AdamOptions(4e-3).betas({0.9, 0.99}).weight_decay(0.1));
    opt.add_param_group({no_decay, 4e-3, 0.0});
    constexpr int kBatch = 32;
    auto x = xg::randint(0, c.vocab, {kBatch, c.block}), t = xg::randint(0, c.vocab, {kBatch * c.block});
    base = max_rss_mib();
    if (iters == 0) iters = 10;
    ms = time_ms([&] {
      auto loss = xg::nn::softmax_cross_entropy(model(x).reshape({-1, c.vocab}), t);
      opt.zero_grad();
      loss.backward();
      xg::nn::utils::clip_grad_norm_(model.parameters(), 1.0);
      opt.step();
    }, iters, repeats);
    name = "char_gpt step b32 T64";
    peak = max_rss_mib() - base;
  } else {
    std::fprintf(stderr, "attention_steps: --workload must be mha or gpt\n");
    return 2;
  }
  std::printf("{\"impl\": \"xgrad\", \"workload\": \"%s\", \"threads\": %d, \"ms\": %.3f, \"peak_mib\": %.1f", name.c_str(),
              threads, ms, peak);
  if (gemm_ms > 0) std::printf(", \"gemm_ms\": %.3f", gemm_ms);
  std::printf("}\n");
  return 0;
}
