// A character-level language model: an LSTM reads Jane Austen's "Pride and Prejudice" (public
// domain, shipped in data/text) and learns to predict each next character, by truncated
// backpropagation through time. Prints the perplexity per epoch on training and held-out
// text, then writes new text, one sampled character at a time, at a temperature.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

#include "common/options.h"

namespace nn = xg::nn;

struct CharModel : nn::Module {
  nn::Embedding embed;
  nn::LSTM lstm;
  nn::Linear fc;
  std::tuple<xg::Tensor, xg::Tensor> state;  // carried across chunks, detached between them
  CharModel(int vocab, int hidden) : embed(vocab, 64), lstm(64, hidden), fc(hidden, vocab) {
    register_module("embed", embed);
    register_module("lstm", lstm);
    register_module("fc", fc);
  }
  xg::Tensor forward(const xg::Tensor& chars) override {  // (T, N) indices -> (T, N, vocab) logits
    auto [y, s] = lstm(embed(chars), state);
    state = s;
    return fc(y);
  }
  void reset_state() { state = {}; }
  void unchain() { state = {std::get<0>(state).detach(), std::get<1>(state).detach()}; }
};

// The text as `streams` contiguous pieces read side by side: position i of stream b is
// character b·len + i; the targets are the same shifted by one character.
std::pair<xg::Tensor, xg::Tensor> as_streams(const std::vector<double>& ids, int streams) {
  const std::int64_t len = (static_cast<std::int64_t>(ids.size()) - 1) / streams;
  std::vector<double> x, t;
  for (std::int64_t i = 0; i < len; ++i)
    for (std::int64_t b = 0; b < streams; ++b) {
      x.push_back(ids[static_cast<std::size_t>(b * len + i)]);
      t.push_back(ids[static_cast<std::size_t>(b * len + i + 1)]);
    }
  return {xg::tensor(x, {len, streams}, xg::kInt64), xg::tensor(t, {len, streams}, xg::kInt64)};
}

// One chunk of the streams: {chars, targets} and, after the first chunk, the state {h, c} the
// previous one left; returns {loss, h', c'}, the state detached (truncated BPTT: the state goes
// on, its graph does not). Trains when given an optimizer, the gradients clipped by a norm that
// stays on the device (clip_grad_norm's double would be a wait, which a CUDA graph cannot hold).
xg::tensor_list chunk_step(CharModel& model, const xg::tensor_list& b, xg::optim::Optimizer* optimizer) {
  model.state = b.size() > 2 ? std::tuple{b[2], b[3]} : std::tuple<xg::Tensor, xg::Tensor>{};
  auto logits = model(b[0]);
  auto loss = nn::softmax_cross_entropy(logits.reshape({-1, logits.size(2)}), b[1].reshape({-1}));
  if (optimizer) {
    optimizer->zero_grad();
    loss.backward();
    const auto params = model.parameters();
    xg::tensor_list grads;
    for (const auto& p : params) grads.push_back(p.grad());
    xg::nn::utils::clip_grads_with_norm_(params, 5.0, xg::nn::utils::get_total_norm(grads));
    optimizer->step();
  }
  model.unchain();
  return {loss, std::get<0>(model.state), std::get<1>(model.state)};
}

// Mean cross-entropy per character over the streams, chunk by chunk, training or not; with
// `graphed`, each chunk's step replays a CUDA graph (the state passed in and out as tensors,
// which the graph's inputs take by copy).
double run_epoch(CharModel& model, const xg::Tensor& x, const xg::Tensor& t, int bptt, xg::optim::Optimizer* optimizer,
                 xg::train::GraphedStep* graphed = nullptr) {
  double total = 0;
  xg::tensor_list state;  // none at the streams' start
  for (std::int64_t start = 0; start < x.size(0); start += bptt) {
    const std::int64_t len = std::min<std::int64_t>(bptt, x.size(0) - start);
    xg::tensor_list batch{x.narrow(0, start, len), t.narrow(0, start, len)};
    batch.insert(batch.end(), state.begin(), state.end());
    const xg::tensor_list out = graphed ? (*graphed)(batch) : chunk_step(model, batch, optimizer);
    state = {out[1], out[2]};
    total += out[0].item() * static_cast<double>(len);
  }
  return total / static_cast<double>(x.size(0));
}

int main(int argc, char** argv) {
  int epochs = 10, hidden = 256, batch = 32, bptt = 100, chars = 300000, length = 400, seed = 0, threads = 1;
  double lr = 0.003, temperature = 0.7;
  std::string text_path = std::string(XGRAD_DATA_DIR) + "/text/pride_and_prejudice.txt", prompt = "It is a truth";
  std::string device = "cpu";
  bool graph = false;
  xg::examples::Options opts("char_lstm", "A character-level LSTM language model on Pride and Prejudice.");
  opts.add("--epochs", epochs, "epochs")
      .add("--hidden", hidden, "LSTM hidden units")
      .add("--batch", batch, "streams read side by side")
      .add("--bptt", bptt, "truncated BPTT length (characters)")
      .add("--chars", chars, "characters of the text to use (0: all 684,768); the last 10% are held out")
      .add("--lr", lr, "Adam learning rate")
      .add("--temperature", temperature, "sampling temperature (lower: safer, higher: more varied)")
      .add("--length", length, "characters to sample")
      .add("--prompt", prompt, "text the sample starts from")
      .add("--text", text_path, "a plain-text file to learn instead")
      .add("--threads", threads, "threads for matrix products")
      .add("--seed", seed, "random seed")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .add("--graph", graph, "replay each training chunk as a CUDA graph (with --device cuda; eager on the CPU)")
      .parse(argc, argv);
  std::ifstream file(text_path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  if (!file || text.size() < 1000) {
    std::cerr << "char_lstm: cannot read at least 1,000 characters from " << text_path << "\n";
    return 1;
  }
  if (chars > 0 && static_cast<std::size_t>(chars) < text.size()) text.resize(static_cast<std::size_t>(chars));
  // The vocabulary: every byte value that occurs, in order.
  std::vector<int> index(256, -1);
  std::string vocab;
  for (unsigned char ch : text) index[ch] = 0;
  for (int c = 0; c < 256; ++c)
    if (index[c] == 0) {
      index[c] = static_cast<int>(vocab.size());
      vocab += static_cast<char>(c);
    }
  for (unsigned char ch : prompt)
    if (index[ch] < 0) {
      std::cerr << "char_lstm: the prompt's character '" << ch << "' never occurs in the text\n";
      return 1;
    }
  std::vector<double> ids;
  for (unsigned char ch : text) ids.push_back(index[ch]);
  const std::size_t split = ids.size() * 9 / 10;
  auto [x_train, t_train] = as_streams({ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(split)}, batch);
  auto [x_val, t_val] = as_streams({ids.begin() + static_cast<std::ptrdiff_t>(split), ids.end()}, batch);
  std::printf("text: %s, %zu characters (%zu for training), vocabulary of %zu\n", text_path.c_str(), text.size(), split,
              vocab.size());

  xg::set_num_threads(threads);
  xg::manual_seed(static_cast<std::uint64_t>(seed));
  CharModel model(static_cast<int>(vocab.size()), hidden);
  xg::Device on;
  try {
    on = xg::Device(device);
    model.to(on);  // the text moves once; chunks are read where it lives
    x_train = x_train.to(on), t_train = t_train.to(on), x_val = x_val.to(on), t_val = t_val.to(on);
  } catch (const xg::Error& e) {
    std::cerr << "char_lstm: " << e.what() << "\n";
    return 1;
  }
  xg::optim::Adam optimizer(model.parameters(), lr);
  xg::train::GraphedStep graphed([&](const xg::tensor_list& b) { return chunk_step(model, b, &optimizer); });
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const double train_loss = run_epoch(model, x_train, t_train, bptt, &optimizer, graph ? &graphed : nullptr);
    double val_loss;
    {
      xg::NoGradGuard no_grad;
      val_loss = run_epoch(model, x_val, t_val, bptt, nullptr);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Perplexity e^loss: how many characters the model is, on average, still choosing between.
    std::printf("epoch %d/%d - %.0fs - perplexity: train %.2f, held-out %.2f\n", epoch, epochs, seconds,
                std::exp(train_loss), std::exp(val_loss));
    std::fflush(stdout);
  }

  // Sampling: feed the prompt, then draw each next character from softmax(logits / T).
  xg::NoGradGuard no_grad;
  model.reset_state();
  std::string out = prompt;
  xg::Tensor logits;
  for (unsigned char ch : prompt)
    logits = model(xg::tensor({static_cast<double>(index[ch])}, {1, 1}, xg::kInt64).to(on));
  for (int i = 0; i < length; ++i) {
    const xg::Tensor next = xg::multinomial(xg::softmax(logits.reshape({-1}) / temperature), 1);
    out += vocab[static_cast<std::size_t>(next.item<std::int64_t>())];
    logits = model(next.reshape({1, 1}));
  }
  std::printf("sample at temperature %.2f:\n%s\n", temperature, out.c_str());
  return 0;
}
