// A character-level GPT, as nanoGPT's train.py (the model, as its model.py, is in
// char_gpt_model.h): token and position embeddings, pre-norm blocks of causal self-attention
// and an MLP, a final LayerNorm and a head tied to the token embedding, trained on "Pride and Prejudice" (char_lstm's text and split) with
// AdamW, warmup then cosine decay, and gradient clipping. Prints the held-out perplexity at
// intervals, saves a checkpoint, then samples with temperature and top-k, with a key-value
// cache and, for comparison, by recomputing the whole context at every step.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

#include "char_gpt_model.h"
#include "common/options.h"

using namespace char_gpt;

// Mean cross-entropy of the held-out text in windows of `block` that overlap by half: each
// character after the first window is scored with at least block/2 characters of context.
double held_out_loss(GPT& model, const std::vector<std::int64_t>& ids, int block, xg::Device on) {
  xg::NoGradGuard no_grad;
  model.eval();
  double total = 0;
  std::int64_t scored = 0;
  const auto n = static_cast<std::int64_t>(ids.size());
  for (std::int64_t start = 0; start + 1 < n; start += block / 2) {
    const std::int64_t len = std::min<std::int64_t>(block, n - 1 - start), from = start == 0 ? 0 : block / 2;
    if (len <= from) break;
    std::vector<double> x(ids.begin() + start, ids.begin() + start + len), t(ids.begin() + start + 1, ids.begin() + start + len + 1);
    auto logits = model(xg::tensor(x, {1, len}, xg::kInt64).to(on)).reshape({len, -1}).narrow(0, from, len - from);
    total += xg::nn::softmax_cross_entropy(logits, xg::tensor(t, {len}, xg::kInt64).to(on).narrow(0, from, len - from)).item() *
             static_cast<double>(len - from);
    scored += len - from;
  }
  model.train();
  return total / static_cast<double>(scored);
}

// Draws from softmax(logits / temperature) over the top_k most likely characters, as nanoGPT:
// the rest masked to -inf, then one multinomial draw where the logits live.
std::int64_t sample(const Tensor& logits, double temperature, int top_k) {
  Tensor l = logits.to(xg::kFloat64) / temperature;
  if (top_k > 0 && top_k < l.size(-1)) {
    auto [v, idx] = xg::topk(l, top_k);
    l = xg::masked_fill(l, (l < v.narrow(-1, top_k - 1, 1)).to(xg::kInt64), -INFINITY);
  }
  return xg::multinomial(xg::softmax(l, -1), 1).item<std::int64_t>();
}

// Generates `length` characters after the prompt. With the cache, each step runs one
// position; without, the whole context again. When the context fills the position table,
// both start over from its last half (the cache is rebuilt from it), so both compute the
// same distributions and, from the same seed, write the same text.
std::string generate(GPT& model, const std::vector<std::int64_t>& prompt, int length, double temperature, int top_k,
                     bool use_cache, const std::string& vocab) {
  xg::NoGradGuard no_grad;
  model.eval();
  std::vector<std::int64_t> context(prompt), out;
  std::vector<KV> cache;
  Tensor logits;
  const auto prime = [&] {
    cache.assign(model.blocks.size(), KV{});
    for (std::size_t i = 0; i < context.size(); ++i)
      logits = model.step(context[i], static_cast<std::int64_t>(i), cache);
  };
  if (use_cache) prime();
  for (int i = 0; i < length; ++i) {
    if (!use_cache) {
      std::vector<double> x(context.begin(), context.end());
      logits = model(xg::tensor(x, {1, static_cast<std::int64_t>(x.size())}, xg::kInt64).to(model.wte.W.device()))
                   .narrow(1, static_cast<std::int64_t>(x.size()) - 1, 1).reshape({-1});
    }
    const std::int64_t next = sample(logits, temperature, top_k);
    out.push_back(next);
    context.push_back(next);
    if (static_cast<int>(context.size()) > model.config.block) {
      context.erase(context.begin(), context.end() - model.config.block / 2);
      if (use_cache) prime();
    } else if (use_cache) {
      logits = model.step(next, static_cast<std::int64_t>(context.size()) - 1, cache);
    }
  }
  std::string text;
  for (auto c : out) text += vocab[static_cast<std::size_t>(c)];
  return text;
}

int main(int argc, char** argv) {
  Config c;
  int iters = 2400, batch = 32, eval_interval = 400, warmup = 100, chars = 300000, length = 1000, top_k = 20, tie = 1;
  int seed = 0, threads = 1;
  double lr = 4e-3, min_lr = 4e-4, weight_decay = 0.1, temperature = 0.8;
  std::string text_path = std::string(XGRAD_DATA_DIR) + "/text/pride_and_prejudice.txt", prompt = "It is a truth";
  std::string checkpoint = "char_gpt.npz", device = "cpu";
  xg::examples::Options opts("char_gpt", "A character-level GPT (nanoGPT) on Pride and Prejudice.");
  opts.add("--iters", iters, "training iterations").add("--batch", batch, "sequences per iteration")
      .add("--block", c.block, "context length (positions)").add("--layers", c.layers, "Transformer blocks")
      .add("--heads", c.heads, "attention heads").add("--embd", c.embd, "embedding width")
      .add("--dropout", c.dropout, "dropout").add("--tie", tie, "1: the head is the token embedding; 0: its own")
      .add("--lr", lr, "peak AdamW learning rate").add("--min-lr", min_lr, "learning rate at the end of the cosine")
      .add("--warmup", warmup, "warmup iterations").add("--weight-decay", weight_decay, "AdamW weight decay (matrices only)")
      .add("--eval-interval", eval_interval, "iterations between held-out evaluations")
      .add("--chars", chars, "characters of the text to use (0: all); the last 10% are held out, as char_lstm")
      .add("--length", length, "characters to sample").add("--temperature", temperature, "sampling temperature")
      .add("--top-k", top_k, "sample among the k likeliest characters (0: all)").add("--prompt", prompt, "the sample's start")
      .add("--checkpoint", checkpoint, "where to save the trained model").add("--text", text_path, "a text to learn instead")
      .add("--threads", threads, "threads for matrix products").add("--seed", seed, "random seed")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .parse(argc, argv);
  std::ifstream file(text_path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  if (!file || text.size() < 1000) {
    std::fprintf(stderr, "char_gpt: cannot read at least 1,000 characters from %s\n", text_path.c_str());
    return 1;
  }
  if (chars > 0 && static_cast<std::size_t>(chars) < text.size()) text.resize(static_cast<std::size_t>(chars));
  std::vector<int> index(256, -1);
  std::string vocab;
  for (unsigned char ch : text) index[ch] = 0;
  for (int ch = 0; ch < 256; ++ch)
    if (index[ch] == 0) {
      index[ch] = static_cast<int>(vocab.size());
      vocab += static_cast<char>(ch);
    }
  std::vector<std::int64_t> ids, prompt_ids;
  for (unsigned char ch : text) ids.push_back(index[ch]);
  for (unsigned char ch : prompt) {
    if (index[ch] < 0) {
      std::fprintf(stderr, "char_gpt: the prompt's character '%c' never occurs in the text\n", ch);
      return 1;
    }
    prompt_ids.push_back(index[ch]);
  }
  if (static_cast<int>(prompt_ids.size()) >= c.block) {
    std::fprintf(stderr, "char_gpt: the prompt (%zu characters) must be shorter than --block %d\n", prompt_ids.size(), c.block);
    return 1;
  }
  const std::size_t split = ids.size() * 9 / 10;
  const std::vector<std::int64_t> train(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(split));
  const std::vector<std::int64_t> val(ids.begin() + static_cast<std::ptrdiff_t>(split), ids.end());
  c.vocab = static_cast<int>(vocab.size());

  xg::set_num_threads(threads);
  xg::manual_seed(static_cast<std::uint64_t>(seed));
  GPT model(c, tie != 0);
  xg::Device on;
  try {
    on = xg::Device(device);
    model.to(on);
  } catch (const xg::Error& e) {
    std::fprintf(stderr, "char_gpt: %s\n", e.what());
    return 1;
  }
  // AdamW decays the matrices (and embeddings); biases and LayerNorm's scales and shifts not.
  xg::tensor_list decay, no_decay;
  for (auto& p : model.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  xg::optim::AdamW optimizer(decay, xg::optim::AdamOptions(lr).betas({0.9, 0.99}).weight_decay(weight_decay));
  optimizer.add_param_group({no_decay, lr, 0.0});
  auto warm = std::make_shared<xg::optim::LinearLR>(optimizer, 1.0 / warmup, 1.0, warmup);
  auto cosine = std::make_shared<xg::optim::CosineAnnealingLR>(optimizer, std::max(1, iters - warmup), min_lr);
  xg::optim::SequentialLR schedule(optimizer, {warm, cosine}, {warmup});
  std::int64_t n_params = 0;
  for (auto& p : model.parameters()) n_params += p.numel();
  std::printf("text: %s, %zu characters (%zu for training), vocabulary of %zu\n", text_path.c_str(), text.size(), split,
              vocab.size());
  std::printf("model: %d layers, %d heads, %d wide, context %d, %lld parameters (head %s)\n", c.layers, c.heads, c.embd,
              c.block, static_cast<long long>(n_params), tie ? "tied to the token embedding" : "untied");

  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double train_loss = 0;
  xg::plot::Series train_curve{"train", {}, {}, "linespoints"}, held_out_curve{"held-out", {}, {}, "linespoints"};
  for (int it = 1; it <= iters; ++it) {
    // A batch of random windows of the training text; the targets are shifted by one.
    auto offsets = xg::randint(0, static_cast<std::int64_t>(train.size()) - c.block - 1, {batch}).to_vector<std::int64_t>();
    std::vector<double> x, t;
    for (auto o : offsets)
      for (int i = 0; i < c.block; ++i) {
        x.push_back(static_cast<double>(train[static_cast<std::size_t>(o + i)]));
        t.push_back(static_cast<double>(train[static_cast<std::size_t>(o + i + 1)]));
      }
    auto logits = model(xg::tensor(x, {batch, c.block}, xg::kInt64).to(on));
    auto loss = nn::softmax_cross_entropy(logits.reshape({-1, c.vocab}), xg::tensor(t, {batch * c.block}, xg::kInt64).to(on));
    optimizer.zero_grad();
    loss.backward();
    // nanoGPT's clipping; the norm stays a tensor on the model's device (clip_grad_norm_'s
    // double would make the host wait for the GPU at every step).
    const auto params = model.parameters();
    xg::tensor_list grads;
    for (const auto& p : params) grads.push_back(p.grad());
    nn::utils::clip_grads_with_norm_(params, 1.0, nn::utils::get_total_norm(grads));
    optimizer.step();
    schedule.step();
    train_loss = it == 1 ? loss.item() : 0.95 * train_loss + 0.05 * loss.item();
    if (it % eval_interval == 0 || it == iters) {
      const double held_out = held_out_loss(model, val, c.block, on);
      // Perplexity e^loss: how many characters the model is, on average, still choosing between.
      std::printf("iter %d/%d - %.0fs - lr %.2e - perplexity: train %.2f, held-out %.2f\n", it, iters, seconds(),
                  optimizer.lr(), std::exp(train_loss), std::exp(held_out));
      for (auto* curve : {&train_curve, &held_out_curve}) curve->x.push_back(it);
      train_curve.y.push_back(std::exp(train_loss));
      held_out_curve.y.push_back(std::exp(held_out));
      std::fflush(stdout);
    }
  }
  const auto chart = xg::plot::line_chart("char_gpt_perplexity", {train_curve, held_out_curve},
                                         {"char_gpt on Pride and Prejudice", "iteration", "perplexity", true});
  std::printf("perplexity curve: char_gpt_perplexity.csv%s\n", chart.empty() ? "" : ", char_gpt_perplexity.png");
  xg::save(model, checkpoint);
  std::printf("checkpoint: %s\n", checkpoint.c_str());

  // Sampling, with the key-value cache and by recomputing the context, from the same seed.
  double t_cache = 0, t_full = 0;
  std::string cached, full;
  for (bool use_cache : {true, false}) {
    xg::manual_seed(static_cast<std::uint64_t>(seed) + 1);
    const auto t0 = std::chrono::steady_clock::now();
    auto s = generate(model, prompt_ids, length, temperature, top_k, use_cache, vocab);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    (use_cache ? cached : full) = s;
    (use_cache ? t_cache : t_full) = dt;
  }
  std::printf("sampling %d characters: %.2fs with the key-value cache (%.0f chars/s), %.2fs recomputing the context "
              "(%.0f chars/s): %.1fx faster, %s samples\n",
              length, t_cache, length / t_cache, t_full, length / t_full, t_full / t_cache,
              cached == full ? "identical" : "DIFFERENT");
  std::printf("sample at temperature %.2f, top-k %d:\n%s%s\n", temperature, top_k, prompt.c_str(), cached.c_str());

  // What the heads look at, for the sample's first line: each layer's weights (heads
  // averaged) through hooks on the attention modules, and their rollout through the layers.
  const std::string text_out = prompt + cached;
  const std::string line = text_out.substr(0, std::min<std::size_t>({40, static_cast<std::size_t>(c.block), text_out.find('\n')}));
  std::vector<double> x;
  std::vector<std::string> tokens;
  for (unsigned char ch : line) {
    x.push_back(index[ch]);
    tokens.emplace_back(1, static_cast<char>(ch));
  }
  const auto T = static_cast<std::int64_t>(x.size());
  const auto input = xg::tensor(x, {1, T}, xg::kInt64).to(on);
  auto maps = xg::viz::attention_maps(model, [&] { model(input); });
  maps.push_back({"rollout", xg::viz::attention_rollout(maps).unsqueeze(1)});
  std::printf("attention maps of \"%s\" (row: a character, columns: the characters it attends to):\n", line.c_str());
  // The mean distance back that attention reaches: small = local (the word being spelt), large = far context.
  auto back = xg::maximum(xg::arange(0.0, static_cast<double>(T), 1.0, xg::kFloat32).reshape({T, 1}) -
                              xg::arange(0.0, static_cast<double>(T), 1.0, xg::kFloat32),
                          xg::zeros({1}));
  for (std::size_t l = 0; l < maps.size(); ++l) {
    auto map = maps[l].weights.mean({1}).reshape({T, T}).to(xg::kCPU, xg::kFloat32);
    const std::string stem = "char_gpt_attention_" + (l + 1 < maps.size() ? "layer" + std::to_string(l) : std::string("rollout"));
    const auto png = xg::plot::heat_map(stem, map, tokens, tokens, {maps[l].name + ": " + line, "attended", "attending"});
    std::printf("  %-9s %s - on average %.1f characters back, %.0f%% on the character itself\n", maps[l].name.c_str(),
                (png.empty() ? stem + ".csv" : png).c_str(), (map * back).sum().item() / static_cast<double>(T),
                100 * (map * xg::eye(T)).sum().item() / static_cast<double>(T));
  }
  return cached == full ? 0 : 1;
}
