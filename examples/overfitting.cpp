// Overfitting and two cures (Deep Learning from Scratch, ch. 6): a 7-layer network on only
// 300 training digits memorises them; weight decay and dropout close the train/test gap.
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

// The textbook's MultiLayerNet(784, [100]*6, 10), optionally with (textbook-style) dropout.
struct MultiLayerNet : xg::nn::Sequential {
  MultiLayerNet(double dropout_ratio) {
    int in = 784;
    for (int i = 0; i < 6; ++i) {
      xg::nn::init::he_normal(emplace<xg::nn::Linear>(in, 100).W);
      emplace<xg::nn::ReLU>();
      if (dropout_ratio > 0) emplace<xg::nn::Dropout>(dropout_ratio, xg::nn::Dropout::Mode::Textbook);
      in = 100;
    }
    xg::nn::init::he_normal(emplace<xg::nn::Linear>(in, 10).W);
  }
  // Weights decay, biases do not (the textbook's weight_decay_lambda applies to W only).
  xg::tensor_list weights() const {
    xg::tensor_list w;
    for (auto& [name, p] : named_parameters())
      if (name.back() == 'W') w.push_back(p);
    return w;
  }
  xg::tensor_list biases() const {
    xg::tensor_list b;
    for (auto& [name, p] : named_parameters())
      if (name.back() == 'b') b.push_back(p);
    return b;
  }
};

// Trains on x_train for `epochs` epochs of 3 batches of 100 and records accuracies per epoch.
std::pair<xg::plot::Series, xg::plot::Series> run(const std::string& name, const xg::data::Mnist& m, double weight_decay,
                                                  double dropout, int epochs) {
  xg::manual_seed(0);
  MultiLayerNet network(dropout);
  xg::optim::SGD optimizer(network.weights(), xg::optim::SGDOptions(0.01).weight_decay(weight_decay));
  optimizer.add_param_group({network.biases(), 0.01, 0.0});
  xg::data::TensorDataset train(m.x_train, m.t_train);
  xg::data::DataLoader loader(train, 100);
  xg::plot::Series train_acc{name + " train", {}, {}}, test_acc{name + " test", {}, {}};
  for (int epoch = 0; epoch < epochs; ++epoch) {
    network.eval();
    {
      xg::NoGradGuard no_grad;
      train_acc.x.push_back(epoch), train_acc.y.push_back(xg::nn::accuracy(network(m.x_train), m.t_train));
      test_acc.x.push_back(epoch), test_acc.y.push_back(xg::nn::accuracy(network(m.x_test), m.t_test));
    }
    network.train();
    for (int i = 0; i < 3; ++i) {
      auto [x, t] = loader.sample();
      auto loss = xg::nn::softmax_cross_entropy(network(x), t);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  std::printf("%-13s after %d epochs: train acc %.4f, test acc %.4f, gap %.4f\n", name.c_str(), epochs,
              train_acc.y.back(), test_acc.y.back(), train_acc.y.back() - test_acc.y.back());
  return {train_acc, test_acc};
}

int main(int argc, char** argv) {
  int epochs = 201, dropout_epochs = 301;
  int requested = 0;
  xg::examples::Options opts("overfitting", "The textbook's chapter 6: overfitting 300 digits, weight decay and dropout.");
  opts.add("--epochs", requested, "epochs for every run (default: 201, and 301 with dropout)").parse(argc, argv);
  if (requested > 0) epochs = dropout_epochs = requested;
  auto m = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
  m.x_train = m.x_train.slice(0, 0, 300);  // only 300 samples: easy to memorise
  m.t_train = m.t_train.slice(0, 0, 300);

  auto [plain_train, plain_test] = run("plain", m, 0.0, 0.0, epochs);
  auto [decay_train, decay_test] = run("weight decay", m, 0.1, 0.0, epochs);
  auto [drop_train, drop_test] = run("dropout 0.2", m, 0.0, 0.2, dropout_epochs);
  xg::plot::line_chart("overfitting_weight_decay", {plain_train, plain_test, decay_train, decay_test},
                       {"300 training digits, weight decay 0.1", "epoch", "accuracy"});
  xg::plot::line_chart("overfitting_dropout", {plain_train, plain_test, drop_train, drop_test},
                       {"300 training digits, dropout 0.2", "epoch", "accuracy"});
  std::cout << "wrote overfitting_weight_decay.{csv,png} and overfitting_dropout.{csv,png}\n";
  return 0;
}
