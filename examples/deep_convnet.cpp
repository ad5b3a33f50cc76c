// The textbook's chapter 8 DeepConvNet: six 3x3 convolutions with He initialisation, three
// poolings, dropout, trained with Adam (ch08/train_deepnet.py) on the shipped digits.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

namespace nn = xg::nn;

// conv - relu - conv - relu - pool - conv - relu - conv - relu - pool - conv - relu - conv -
// relu - pool - affine - relu - dropout - affine - dropout - softmax.
struct DeepConvNet : nn::Sequential {
  DeepConvNet() {
    const int channels[] = {1, 16, 16, 32, 32, 64, 64};
    for (int i = 0; i < 6; ++i) {
      auto& conv = emplace<nn::Conv2d>(nn::Conv2dOptions(channels[i], channels[i + 1], 3).padding(i == 3 ? 2 : 1));
      nn::init::he_normal(conv.W);  // sqrt(2 / (C·3·3)): the book's pre_node_nums, computed
      emplace<nn::ReLU>();
      if (i % 2 == 1) emplace<nn::MaxPool2d>(2);
    }
    emplace<nn::Flatten>();
    nn::init::he_normal(emplace<nn::Linear>(64 * 4 * 4, 50).W);
    emplace<nn::ReLU>();
    emplace<nn::Dropout>(0.5, nn::Dropout::Mode::Textbook);  // the book's: unscaled in training
    nn::init::he_normal(emplace<nn::Linear>(50, 10).W);
    emplace<nn::Dropout>(0.5, nn::Dropout::Mode::Textbook);  // the book's: unscaled in training
  }
};

int main(int argc, char** argv) {
  int epochs = 20, batch = 100, seed = 0, threads = 1, samples = 0;
  std::string device = "cpu";
  xg::examples::Options opts("deep_convnet", "The textbook's DeepConvNet (ch. 8) on the shipped digits.");
  opts.add("--epochs", epochs, "training epochs")
      .add("--batch", batch, "batch size")
      .add("--threads", threads, "threads for convolutions and matrix products")
      .add("--samples", samples, "train on the first N training images only (0: all), for a quick run")
      .add("--seed", seed, "random seed")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .parse(argc, argv);
  try {
    xg::set_num_threads(threads);
    xg::data::MnistOptions images;
    images.flatten = false;
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", images);
    if (samples > 0 && samples < x_train.size(0)) {  // a quick run on the first images
      x_train = x_train.narrow(0, 0, samples);
      t_train = t_train.narrow(0, 0, samples);
    }
    xg::manual_seed(static_cast<std::uint64_t>(seed));
    DeepConvNet network;
    nn::summary(network, {1, 1, 28, 28});
    const xg::Device on(device);  // the model and the whole data set move once
    network.to(on);
    x_train = x_train.to(on), t_train = t_train.to(on), x_test = x_test.to(on), t_test = t_test.to(on);
    xg::optim::Adam optimizer(network.parameters(), xg::optim::AdamOptions(0.001).eps(1e-7));
    xg::data::DataLoader loader(xg::data::TensorDataset(x_train, t_train), batch,
                                xg::data::DataLoaderOptions().seed(static_cast<std::uint64_t>(seed)));
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      double loss_sum = 0;
      int steps = 0;
      for (auto& [x, t] : loader) {
        auto loss = nn::softmax_cross_entropy(network(x), t);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        loss_sum += loss.item();
        ++steps;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("=== epoch:%d (%.0f s), train loss:%.4f, test acc:%.4f ===\n", epoch, seconds, loss_sum / steps,
                  nn::accuracy(network, x_test, t_test));
      std::fflush(stdout);
    }
    std::printf("final: train acc %.4f, test acc %.4f\n", nn::accuracy(network, x_train, t_train),
                nn::accuracy(network, x_test, t_test));
    xg::save(network, "deep_convnet.npz");
  } catch (const xg::Error& e) {
    std::cerr << "deep_convnet: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
