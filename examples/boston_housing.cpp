// Boston housing prices, the Keras regression tutorial: a linear model and a 13-10-1 ReLU
// network (both without biases), mean squared error, Adam, 1,000 epochs, Keras's split.
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

// Keras's Dense: W initialised Glorot-uniform, no bias.
struct Dense : xg::nn::Linear {
  Dense(int in, int out) : xg::nn::Linear(in, out, /*bias=*/false) { xg::nn::init::glorot_uniform(W); }
};

// model.compile(optimizer='adam', loss='mse'); model.fit(x, y, epochs=1000) -- Keras's Adam
// is the textbook's form with eps 1e-7, and its default batch is 32.
void fit(xg::nn::Module& model, const xg::Tensor& x, const xg::Tensor& y, int epochs, std::uint64_t seed) {
  xg::optim::Adam adam(model.parameters(), xg::optim::AdamOptions(1e-3).textbook());
  xg::train::FitOptions options;
  options.epochs = epochs;
  options.batch_size = 32;
  options.seed = seed;
  options.verbose = false;
  xg::train::fit(model, adam, xg::nn::mean_squared_error, x, y, options);
}

double evaluate(xg::nn::Module& model, const xg::Tensor& x, const xg::Tensor& y) {
  xg::NoGradGuard no_grad;
  return xg::nn::mean_squared_error(model(x), y).item();
}

int main(int argc, char** argv) {
  int epochs = 1000, seed = 0;
  xg::examples::Options opts("boston_housing", "Keras's regression tutorial: a linear model and a 13-10-1 network on Boston house prices.");
  opts.add("--epochs", epochs, "training epochs").add("--seed", seed, "random seed").parse(argc, argv);
  // Keras's boston_housing.load_data(): rows shuffled by RandomState(113), 404 train / 102 test.
  const std::string dir = std::string(XGRAD_DATA_DIR) + "/tabular/";
  auto [features, prices] = xg::data::read_csv(dir + "boston_housing.csv").split_label("medv");
  auto order = xg::data::read_csv(dir + "boston_keras_order.csv", xg::kInt64).values.reshape({-1});
  auto x = xg::index_select(features, 0, order), y = xg::index_select(prices, 0, order).reshape({-1, 1});
  auto x_train = x.slice(0, 0, 404), y_train = y.slice(0, 0, 404), x_test = x.slice(0, 404, 506), y_test = y.slice(0, 404, 506);

  xg::manual_seed(static_cast<std::uint64_t>(seed));
  xg::nn::Sequential linear;
  linear.emplace<Dense>(13, 1);
  xg::nn::Sequential network;
  auto& hidden = network.emplace<Dense>(13, 10);
  network.emplace<xg::nn::ReLU>();
  auto& output = network.emplace<Dense>(10, 1);
  xg::nn::summary(linear, {1, 13});
  xg::nn::summary(network, {1, 13});

  fit(linear, x_train, y_train, epochs, seed);
  fit(network, x_train, y_train, epochs, seed + 1);
  std::printf("test MSE, linear model:     %.1f\n", evaluate(linear, x_test, y_test));
  std::printf("test MSE, 13-10-1 network:  %.1f\n", evaluate(network, x_test, y_test));

  // One house through the trained network, layer by layer.
  xg::NoGradGuard no_grad;
  auto x0 = x_test.slice(0, 0, 1);
  std::cout << "\ninput x0 = " << x0 << "\nfirst layer W0 (13x10) = " << hidden.W << "\n";
  auto h = xg::relu(xg::matmul(x0, hidden.W));  // relu(W0^T x0)
  std::cout << "relu(W0^T x0) = " << h << "\nsecond layer W1 (10x1) = " << output.W << "\n";
  std::printf("prediction %.2f, label %.2f (thousands of dollars)\n", xg::matmul(h, output.W).item(), y_test.at({0, 0}));

  // Predicted and true prices of the test houses.
  std::vector<double> idx, truth = y_test.reshape({-1}).to_vector<double>();
  auto predicted = network(x_test).reshape({-1}).to_vector<double>();
  for (std::size_t i = 0; i < truth.size(); ++i) idx.push_back(static_cast<double>(i));
  auto png = xg::plot::line_chart("boston_housing_predictions", {{"true", idx, truth, "linespoints"}, {"predicted", idx, predicted, "linespoints"}},
                                  {"Boston housing: test set", "house", "price (k$)"});
  std::cout << "wrote boston_housing_predictions.csv" << (png.empty() ? "" : " and " + png) << "\n";
  return 0;
}
