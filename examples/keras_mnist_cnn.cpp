// Keras's examples/mnist_cnn.py in C++: two convolutions, max pooling, dropout and two dense
// layers, with Keras's defaults (Glorot-uniform kernels, zero biases, Adadelta lr 1.0,
// rho 0.95, eps 1e-7, batch 128, a shuffled epoch), on the shipped digits or Fashion-MNIST.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/mnist_cnn.h"
#include "common/options.h"

namespace nn = xg::nn;

int main(int argc, char** argv) {
  int epochs = 0, batch = 128, seed = 0, threads = 1, samples = 0;
  std::string data = "digits", device = "cpu";
  bool graph = false;
  xg::examples::Options opts("keras_mnist_cnn", "Keras's MNIST CNN trained with Keras's recipe.");
  opts.add("--epochs", epochs, "epochs (default: 12 on digits, 3 on fashion)")
      .add("--batch", batch, "batch size")
      .add("--data", data, "digits (8,000/2,000 shipped) or fashion (Debian's Fashion-MNIST, 60,000/10,000)",
           {"digits", "fashion"})
      .add("--threads", threads, "threads for convolutions and matrix products")
      .add("--samples", samples, "train on the first N training images only (0: all), for a quick run")
      .add("--seed", seed, "random seed")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .add("--graph", graph, "replay the training step as a CUDA graph (with --device cuda; eager on the CPU)")
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
    const xg::Device on(device);  // the model and the whole data set move once
    model.to(on);
    x_train = x_train.to(on), t_train = t_train.to(on), x_test = x_test.to(on), t_test = t_test.to(on);
    xg::optim::AdaDelta optimizer(model.parameters(), xg::optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
    xg::data::DataLoader loader(xg::data::TensorDataset(x_train, t_train), batch,
                                xg::data::DataLoaderOptions().seed(static_cast<std::uint64_t>(seed)));

    // One training step, returning the loss and the scores; with --graph captured once per
    // batch shape and replayed (xg::train::GraphedStep; an epoch's last, smaller batch has its own).
    const auto train_step = [&](const xg::tensor_list& batch_xt) {
      auto y = model(batch_xt[0]);
      auto loss = nn::softmax_cross_entropy(y, batch_xt[1]);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      return xg::tensor_list{loss, y};
    };
    xg::train::GraphedStep graphed_step(train_step);
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      double loss_sum = 0, correct = 0;
      int steps = 0;
      for (auto& [x, t] : loader) {  // model.fit(x_train, y_train, batch_size=128, shuffle=True)
        const auto out = graph ? graphed_step({x, t}) : train_step({x, t});
        loss_sum += out[0].item();
        correct += nn::accuracy(out[1], t) * static_cast<double>(t.size(0));  // Keras's running acc
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
