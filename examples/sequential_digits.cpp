// An LSTM reads each handwritten digit one row at a time (28 steps of 28 pixels) and names
// the digit from what it remembers after the last row: the "sequential MNIST" lesson of
// PyTorch's RNN tutorials, on the 8,000 / 2,000 shipped digits.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

namespace nn = xg::nn;

struct RowReader : nn::Module {
  nn::LSTM lstm;
  nn::Linear fc;
  RowReader(int hidden, int layers)
      : lstm(nn::LSTMOptions(28, hidden).num_layers(layers).batch_first(true)), fc(hidden, 10) {
    register_module("lstm", lstm);
    register_module("fc", fc);
  }
  xg::Tensor forward(const xg::Tensor& images) override {
    auto rows = images.reshape({-1, 28, 28});  // (N, T = 28 rows, 28 pixels)
    auto [y, state] = lstm(rows, {});
    auto h_last = std::get<0>(state).narrow(0, lstm.options().num_layers() - 1, 1).squeeze(0);  // top layer's h_T
    return fc(h_last);
  }
};

int main(int argc, char** argv) {
  int epochs = 12, batch = 100, hidden = 128, layers = 1, seed = 0, threads = 1, samples = 0;
  double lr = 0.003;
  std::string device = "cpu";
  xg::examples::Options opts("sequential_digits", "An LSTM classifies digits read row by row.");
  opts.add("--epochs", epochs, "epochs")
      .add("--batch", batch, "batch size")
      .add("--hidden", hidden, "LSTM hidden units")
      .add("--layers", layers, "stacked LSTM layers")
      .add("--lr", lr, "Adam learning rate")
      .add("--threads", threads, "threads for matrix products")
      .add("--samples", samples, "train on the first N training digits only (0: all), for a quick run")
      .add("--seed", seed, "random seed")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .parse(argc, argv);
  try {
    xg::set_num_threads(threads);
    const xg::Device on(device);
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
    if (samples > 0 && samples < x_train.size(0)) {
      x_train = x_train.narrow(0, 0, samples);
      t_train = t_train.narrow(0, 0, samples);
    }
    xg::manual_seed(static_cast<std::uint64_t>(seed));
    RowReader model(hidden, layers);
    nn::summary(model, {1, 784});
    model.to(on);  // the data set moves once; batches are drawn where it lives
    x_train = x_train.to(on), t_train = t_train.to(on), x_test = x_test.to(on), t_test = t_test.to(on);
    xg::optim::Adam optimizer(model.parameters(), lr);
    xg::data::DataLoader loader(xg::data::TensorDataset(x_train, t_train), batch,
                                xg::data::DataLoaderOptions().seed(static_cast<std::uint64_t>(seed)));
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      double loss_sum = 0;
      int steps = 0;
      model.train();
      for (auto& [x, t] : loader) {
        auto loss = nn::softmax_cross_entropy(model(x), t);
        optimizer.zero_grad();
        loss.backward();
        xg::optim::clip_grad_norm(model.parameters(), 1.0);  // recurrent gradients can spike
        optimizer.step();
        loss_sum += loss.item();
        ++steps;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %d/%d - %.0fs - loss %.4f - test acc %.4f\n", epoch, epochs, seconds, loss_sum / steps,
                  nn::accuracy(model, x_test, t_test, 500));
      std::fflush(stdout);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("Test accuracy: %.4f on %lld digits after %.0f s of training\n", nn::accuracy(model, x_test, t_test, 500),
                static_cast<long long>(x_test.size(0)), seconds);
  } catch (const xg::Error& e) {
    std::cerr << "sequential_digits: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
