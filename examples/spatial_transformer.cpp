// The spatial transformer network of PyTorch's tutorial ("Spatial Transformer Networks
// Tutorial", after Jaderberg et al. 2015) on the shipped 8,000 / 2,000 digits. A small
// localisation network looks at each digit and predicts an affine map theta (2 x 3);
// affine_grid and grid_sample resample the digit with it; the tutorial's CNN classifies what
// comes out. One loss trains all of it: nobody tells the transformer what to do. As in the
// paper's distorted MNIST, every digit is first turned, scaled and moved at random (a new
// draw each epoch), so the transformer has something to undo. At the end, stn.png shows
// distorted test digits (top row) and what the transformer made of them (bottom row).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

namespace nn = xg::nn;
namespace F = xg::nn::functional;
using xg::Tensor;

struct Net : nn::Module {
  // The tutorial's localisation network and its regressor of theta.
  nn::Conv2d loc1{1, 8, 7}, loc2{8, 10, 5};
  nn::Linear loc_fc1{10 * 3 * 3, 32}, loc_fc2{32, 3 * 2};
  // The tutorial's classifier.
  nn::Conv2d conv1{1, 10, 5}, conv2{10, 20, 5};
  nn::Dropout2d conv2_drop{0.5};
  nn::Dropout drop{0.5};
  nn::Linear fc1{320, 50}, fc2{50, 10};
  bool transform = true;  // false: the classifier alone, for comparison

  explicit Net(bool use_transformer) : transform(use_transformer) {
    // Start at the identity map, as the tutorial: the classifier first sees the digits as
    // they are, and the transformer learns from there.
    xg::NoGradGuard no_grad;
    loc_fc2.W.zero_();
    loc_fc2.b.copy_(xg::tensor({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f}));
    register_module("loc1", loc1), register_module("loc2", loc2);
    register_module("loc_fc1", loc_fc1), register_module("loc_fc2", loc_fc2);
    register_module("conv1", conv1), register_module("conv2", conv2), register_module("conv2_drop", conv2_drop);
    register_module("drop", drop), register_module("fc1", fc1), register_module("fc2", fc2);
  }

  // def stn(self, x)
  Tensor stn(const Tensor& x) {
    auto xs = xg::relu(xg::max_pool2d(loc2(xg::relu(xg::max_pool2d(loc1(x), 2))), 2));
    auto theta = loc_fc2(xg::relu(loc_fc1(xs.view({-1, 10 * 3 * 3})))).view({-1, 2, 3});
    auto grid = F::affine_grid(theta, x.sizes());
    return F::grid_sample(x, grid);
  }

  Tensor forward(const Tensor& input) override {
    auto x = transform ? stn(input) : input;
    x = xg::relu(xg::max_pool2d(conv1(x), 2));
    x = xg::relu(xg::max_pool2d(conv2_drop(conv2(x)), 2));
    x = xg::relu(fc1(x.view({-1, 320})));
    return fc2(drop(x));  // scores: the softmax is in the loss
  }
};

// Each image turned by up to ±`degrees`, scaled by 0.8 to 1.2 and moved by up to ±`shift`
// of its half-width: the same affine_grid and grid_sample, off the graph.
Tensor distort(const Tensor& images, double degrees, double shift) {
  xg::NoGradGuard no_grad;
  const std::int64_t n = images.size(0);
  const auto opts = xg::TensorOptions().device(images.device());
  const Tensor angle = (xg::rand({n}, opts) * 2.0 - 1.0) * (degrees * M_PI / 180.0);
  const Tensor scale = xg::rand({n}, opts) * 0.4 + 0.8;
  const Tensor tx = (xg::rand({n}, opts) * 2.0 - 1.0) * shift, ty = (xg::rand({n}, opts) * 2.0 - 1.0) * shift;
  const Tensor c = xg::cos(angle) * scale, s = xg::sin(angle) * scale;
  const Tensor theta = xg::stack({c, -s, tx, s, c, ty}, 1).view({n, 2, 3});
  return F::grid_sample(images, F::affine_grid(theta, images.sizes()));
}

int main(int argc, char** argv) {
  int epochs = 10, batch = 64, seed = 0, threads = 1, samples = 0;
  double lr = 0.02, momentum = 0.9, degrees = 45, shift = 0.2;
  std::string device = "cpu", image = "stn.png";
  bool plain = false;
  xg::examples::Options opts("spatial_transformer", "A spatial transformer learns to undo distortions of digits.");
  opts.add("--epochs", epochs, "epochs")
      .add("--batch", batch, "batch size")
      .add("--lr", lr, "SGD learning rate (the tutorial: 0.01)")
      .add("--momentum", momentum, "SGD momentum (the tutorial: 0; it trains on 60,000 digits for 20 epochs)")
      .add("--degrees", degrees, "largest rotation of the distortion, in degrees")
      .add("--shift", shift, "largest shift of the distortion, as a fraction of the half-width")
      .add("--threads", threads, "threads for convolutions and matrix products")
      .add("--samples", samples, "train on the first N training digits only (0: all), for a quick run")
      .add("--seed", seed, "random seed")
      .add("--plain", plain, "train the classifier alone, without the transformer, for comparison")
      .add("--image", image, "where to write the distorted and the transformed test digits (PNG)")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .parse(argc, argv);
  try {
    xg::set_num_threads(threads);
    xg::data::MnistOptions images;
    images.flatten = false;  // (N, 1, 28, 28)
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", images);
    if (samples > 0 && samples < x_train.size(0)) {
      x_train = x_train.narrow(0, 0, samples);
      t_train = t_train.narrow(0, 0, samples);
    }
    xg::manual_seed(static_cast<std::uint64_t>(seed));
    Net model(!plain);
    nn::summary(model, {1, 1, 28, 28});
    const xg::Device on(device);
    model.to(on);
    x_train = x_train.to(on), t_train = t_train.to(on), x_test = x_test.to(on), t_test = t_test.to(on);
    // The test digits are distorted once, with their own draw, so every epoch is scored alike.
    const Tensor x_test_distorted = distort(x_test, degrees, shift);
    xg::optim::SGD optimizer(model.parameters(), xg::optim::SGDOptions(lr).momentum(momentum));
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      xg::data::DataLoader loader(xg::data::TensorDataset(distort(x_train, degrees, shift), t_train), batch,
                                  xg::data::DataLoaderOptions().seed(static_cast<std::uint64_t>(seed + epoch)));
      double loss_sum = 0;
      int steps = 0;
      model.train();
      for (auto& [x, t] : loader) {
        auto loss = nn::softmax_cross_entropy(model(x), t);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        loss_sum += loss.item();
        ++steps;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("epoch %d/%d - %.0fs - loss %.4f - distorted test acc %.4f - undistorted %.4f\n", epoch, epochs,
                  seconds, loss_sum / steps, nn::accuracy(model, x_test_distorted, t_test, 500),
                  nn::accuracy(model, x_test, t_test, 500));
      std::fflush(stdout);
    }
    std::printf("Test accuracy: %.4f on %lld distorted digits\n", nn::accuracy(model, x_test_distorted, t_test, 500),
                static_cast<long long>(x_test.size(0)));

    if (plain) return 0;
    // visualize_stn(): the first 16 distorted test digits above what the transformer made of them.
    model.eval();
    xg::NoGradGuard no_grad;
    const Tensor in = x_test_distorted.narrow(0, 0, 16), out = model.stn(in);
    xg::tensor_list tiles;
    for (const Tensor& row : {in, out})
      for (std::int64_t i = 0; i < 16; ++i) tiles.push_back(row.select(0, i).select(0, 0).cpu());
    xg::plot::save_image_grid(tiles, image, xg::plot::GridOptions{16, false, 3, 2});
    std::printf("wrote %s: distorted test digits (top) and the transformer's output (bottom)\n", image.c_str());
  } catch (const xg::Error& e) {
    std::cerr << "spatial_transformer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
