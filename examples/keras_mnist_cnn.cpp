// Keras's examples/mnist_cnn.py in C++: two convolutions, max pooling, dropout and two dense
// layers, with Keras's defaults (Glorot-uniform kernels, zero biases, Adadelta lr 1.0,
// rho 0.95, eps 1e-7, batch 128, a shuffled epoch), on the shipped digits or Fashion-MNIST.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

namespace nn = xg::nn;

struct MnistCnn : nn::Module {
  nn::Conv2d conv1{1, 32, 3}, conv2{32, 64, 3};
  nn::MaxPool2d pool{2};
  nn::Dropout dropout1{0.25};
  nn::Flatten flatten;
  nn::Linear dense1{9216, 128};
  nn::Dropout dropout2{0.5};
  nn::Linear preds{128, 10};

  MnistCnn() {
    for (auto* W : {&conv1.W, &conv2.W, &dense1.W, &preds.W}) nn::init::glorot_uniform(*W);
    register_module("conv1", conv1), register_module("conv2", conv2), register_module("pool", pool);
    register_module("dropout1", dropout1), register_module("flatten", flatten), register_module("dense1", dense1);
    register_module("dropout2", dropout2), register_module("preds", preds);
  }
  // Keras's activation='relu' arguments; the softmax is in the loss.
  xg::Tensor forward(const xg::Tensor& x) override {
    auto h = dropout1(pool(xg::relu(conv2(xg::relu(conv1(x))))));
    return preds(dropout2(xg::relu(dense1(flatten(h)))));
  }
};

int main(int argc, char** argv) {
  int epochs = 0, batch = 128, seed = 0, threads = 1, samples = 0;
  std::string data = "digits";
  xg::examples::Options opts("keras_mnist_cnn", "Keras's MNIST CNN trained with Keras's recipe.");
  opts.add("--epochs", epochs, "epochs (default: 12 on digits, 3 on fashion)")
      .add("--batch", batch, "batch size")
      .add("--data", data, "digits (8,000/2,000 shipped) or fashion (Debian's Fashion-MNIST, 60,000/10,000)",
           {"digits", "fashion"})
      .add("--threads", threads, "threads for convolutions and matrix products")
      .add("--samples", samples, "train on the first N training images only (0: all), for a quick run")
      .add("--seed", seed, "random seed")
      .parse(argc, argv);
  if (epochs == 0) epochs = data == "digits" ? 12 : 3;
  try {
    xg::set_num_threads(threads);
    xg::data::MnistOptions images;
    images.flatten = false;  // (N, 1, 28, 28)
    const std::string dir = data == "digits" ? std::string(XGRAD_DATA_DIR) + "/digits" : "/usr/share/datasets/fashion-mnist";
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(dir, images);
    std::cout << "data: " << dir << " (" << x_train.size(0) << " train, " << x_test.size(0) << " test)\n";

    if (samples > 0 && samples < x_train.size(0)) {  // a quick run on the first images
      x_train = x_train.narrow(0, 0, samples);
      t_train = t_train.narrow(0, 0, samples);
    }
    xg::manual_seed(static_cast<std::uint64_t>(seed));
    MnistCnn model;
    nn::summary(model, {1, 1, 28, 28});  // model.summary()
    xg::optim::AdaDelta optimizer(model.parameters(), xg::optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
    xg::data::DataLoader loader(xg::data::TensorDataset(x_train, t_train), batch,
                                xg::data::DataLoaderOptions().set_seed(static_cast<std::uint64_t>(seed)));

    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      double loss_sum = 0, correct = 0;
      int steps = 0;
      for (auto& [x, t] : loader) {  // model.fit(x_train, y_train, batch_size=128, shuffle=True)
        auto y = model(x);
        auto loss = nn::softmax_cross_entropy(y, t);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        loss_sum += loss.item();
        correct += nn::accuracy(y, t) * static_cast<double>(t.size(0));  // Keras's running acc
        ++steps;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %d/%d - %.0fs - loss: %.4f - acc: %.4f - test acc: %.4f\n", epoch, epochs, seconds,
                  loss_sum / steps, correct / static_cast<double>(x_train.size(0)), nn::accuracy(model, x_test, t_test, 500));
      std::fflush(stdout);
    }
    std::printf("Test accuracy: %.4f\n", nn::accuracy(model, x_test, t_test, 500));
    xg::save(model, "keras_mnist_cnn.npz");
    std::cout << "weights saved to keras_mnist_cnn.npz\n";
  } catch (const xg::Error& e) {
    std::cerr << "keras_mnist_cnn: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
