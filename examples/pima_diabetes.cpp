// Pima Indians diabetes, the Keras "first neural network" tutorial: 8-12-8-1 with ReLU,
// ReLU and sigmoid, binary cross-entropy, Adam, 150 epochs in batches of 10; accuracy on
// the training data, as the tutorial evaluates it.
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

// Keras's Dense: W Glorot-uniform, b = 0.
struct Dense : xg::nn::Linear {
  Dense(int in, int out) : xg::nn::Linear(in, out) { xg::nn::init::glorot_uniform(W); }
};

int main(int argc, char** argv) {
  int epochs = 150, seed = 0;
  xg::examples::Options opts("pima_diabetes", "Keras's first network: diabetes from eight measurements (Pima Indians).");
  opts.add("--epochs", epochs, "training epochs").add("--seed", seed, "random seed").parse(argc, argv);
  // Eight measurements per patient, and whether diabetes was diagnosed within five years.
  auto [X, y] = xg::data::read_csv(std::string(XGRAD_DATA_DIR) + "/tabular/pima_indians_diabetes.csv").split_label("diabetes");
  y = y.reshape({-1, 1});

  xg::manual_seed(static_cast<std::uint64_t>(seed));
  xg::nn::Sequential model;
  model.emplace<Dense>(8, 12);
  model.emplace<xg::nn::ReLU>();
  model.emplace<Dense>(12, 8);
  model.emplace<xg::nn::ReLU>();
  model.emplace<Dense>(8, 1);  // the sigmoid is applied by the loss below, and for predictions
  xg::nn::summary(model, {1, 8});

  // model.compile(loss='binary_crossentropy', optimizer='adam'); model.fit(X, y, epochs=150, batch_size=10)
  // Keras computes binary cross-entropy from the logit behind a sigmoid output; so do we:
  // with raw inputs (glucose ~100) a saturated sigmoid would otherwise pass no gradient.
  xg::optim::Adam adam(model.parameters(), xg::optim::AdamOptions(1e-3).textbook());
  xg::train::FitOptions options;
  options.epochs = epochs;
  options.batch_size = 10;
  options.seed = static_cast<std::uint64_t>(seed);
  options.verbose = false;
  options.callbacks.push_back([](int epoch, const xg::train::History& h) {
    if ((epoch + 1) % 30 == 0) std::printf("epoch %3d  loss %.4f\n", epoch + 1, h.loss.back());
    return true;
  });
  xg::train::fit(model, adam, xg::nn::sigmoid_binary_cross_entropy, X, y, options);
  // _, accuracy = model.evaluate(X, y)
  xg::NoGradGuard no_grad;
  std::printf("Accuracy: %.2f\n", 100 * xg::nn::accuracy(xg::sigmoid(model(X)), y));
  return 0;
}
