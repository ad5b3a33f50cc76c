// Comparing optimizers (Deep Learning from Scratch, ch. 6): their paths on
// f(x, y) = x^2/20 + y^2 from (-7, 2), then their loss curves training a 5-layer net on digits.
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

using MakeOptimizer = std::function<std::unique_ptr<xg::optim::Optimizer>(const xg::tensor_list&)>;

// The textbook's MultiLayerNet: ReLU hidden layers with He initialisation.
struct MultiLayerNet : xg::nn::Sequential {
  MultiLayerNet(int input_size, std::vector<int> hidden, int output_size) {
    for (int h : hidden) {
      xg::nn::init::he_normal(emplace<xg::nn::Linear>(input_size, h).W);
      emplace<xg::nn::ReLU>();
      input_size = h;
    }
    xg::nn::init::he_normal(emplace<xg::nn::Linear>(input_size, output_size).W);
  }
};

int main(int argc, char** argv) {
  int iters = 2000;
  xg::examples::Options opts("optimizers", "The textbook's chapter 6: SGD, Momentum, AdaGrad and Adam on x^2/20 + y^2 and on digits.");
  opts.add("--iters", iters, "training iterations on digits").parse(argc, argv);

  // 1. Paths on x^2/20 + y^2 with the textbook's learning rates, 30 steps each.
  const std::vector<std::pair<std::string, MakeOptimizer>> naive = {
      {"SGD", [](auto& p) { return std::make_unique<xg::optim::SGD>(p, 0.95); }},
      {"Momentum", [](auto& p) { return std::make_unique<xg::optim::Momentum>(p, 0.1); }},
      {"AdaGrad", [](auto& p) { return std::make_unique<xg::optim::AdaGrad>(p, xg::optim::AdaGradOptions(1.5).eps(1e-7)); }},
      {"Adam", [](auto& p) { return std::make_unique<xg::optim::Adam>(p, xg::optim::AdamOptions(0.3).textbook()); }}};
  std::vector<xg::plot::Series> paths;
  for (const auto& [name, make] : naive) {
    auto params = xg::tensor({-7.0, 2.0}, xg::kFloat64).requires_grad_();
    auto optimizer = make({params});
    xg::plot::Series path{name, {}, {}, "linespoints"};
    for (int i = 0; i < 30; ++i) {
      path.x.push_back(params.at({0}));
      path.y.push_back(params.at({1}));
      auto f = (params.pow(2) * xg::tensor({1.0 / 20, 1.0}, xg::kFloat64)).sum();
      optimizer->zero_grad();
      f.backward();
      optimizer->step();
    }
    std::printf("%-8s ends at (%.4f, %.4f)\n", name.c_str(), params.at({0}), params.at({1}));
    paths.push_back(path);
  }
  xg::plot::line_chart("optimizer_paths", paths, {"x^2/20 + y^2 from (-7, 2)", "x", "y", false, true});

  // 2. Loss curves: 784-100-100-100-100-10, batch 128, default learning rates (textbook).
  auto mnist = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
  const std::vector<std::pair<std::string, MakeOptimizer>> compared = {
      {"SGD", [](auto& p) { return std::make_unique<xg::optim::SGD>(p, 0.01); }},
      {"Momentum", [](auto& p) { return std::make_unique<xg::optim::Momentum>(p, 0.01); }},
      {"AdaGrad", [](auto& p) { return std::make_unique<xg::optim::AdaGrad>(p, xg::optim::AdaGradOptions(0.01).eps(1e-7)); }},
      {"Adam", [](auto& p) { return std::make_unique<xg::optim::Adam>(p, xg::optim::AdamOptions(1e-3).textbook()); }}};
  std::vector<xg::plot::Series> curves;
  for (const auto& [name, make] : compared) {
    xg::manual_seed(0);
    MultiLayerNet network(784, {100, 100, 100, 100}, 10);
    auto optimizer = make(network.parameters());
    xg::data::TensorDataset train(mnist.x_train, mnist.t_train);
    xg::data::DataLoader loader(train, 128);
    xg::plot::Series curve{name, {}, {}, "lines"};
    for (int i = 0; i < iters; ++i) {
      auto [x, t] = loader.sample();
      auto loss = xg::nn::softmax_cross_entropy(network(x), t);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      curve.x.push_back(i);
      curve.y.push_back(loss.item());
      if (i % 500 == 0 || i == 100) std::printf("iteration %4d  %-8s loss %.4f\n", i, name.c_str(), loss.item());
    }
    curves.push_back(curve);
  }
  xg::plot::line_chart("optimizer_losses", curves, {"training loss on digits", "iteration", "loss", true});
  std::cout << "wrote optimizer_paths.{csv,png} and optimizer_losses.{csv,png}\n";
  return 0;
}
