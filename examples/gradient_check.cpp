// Gradient check (Deep Learning from Scratch, ch. 5): backprop against the numerical
// gradient on three digits, reported per parameter as the mean absolute difference.
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

// The textbook's TwoLayerNet with its parameter names: Affine -> ReLU -> Affine.
struct TwoLayerNet : xg::nn::Module {
  xg::Tensor W1, b1, W2, b2;

  TwoLayerNet(int input_size, int hidden_size, int output_size, double weight_init_std = 0.01) {
    W1 = weight_init_std * xg::randn({input_size, hidden_size});
    b1 = xg::zeros({hidden_size});
    W2 = weight_init_std * xg::randn({hidden_size, output_size});
    b2 = xg::zeros({output_size});
    register_parameter("W1", W1);
    register_parameter("b1", b1);
    register_parameter("W2", W2);
    register_parameter("b2", b2);
  }

  xg::Tensor forward(const xg::Tensor& x) override { return xg::matmul(xg::relu(xg::matmul(x, W1) + b1), W2) + b2; }
};

int main(int argc, char** argv) {
  int hidden = 50;
  xg::examples::Options opts("gradient_check", "Backprop against the textbook's numerical gradient on three digits of data/digits.");
  opts.add("--hidden", hidden, "hidden units").parse(argc, argv);
  auto mnist = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
  auto x_batch = mnist.x_train.slice(0, 0, 3);
  auto t_batch = mnist.t_train.slice(0, 0, 3);

  xg::manual_seed(0);
  TwoLayerNet network(784, hidden, 10);
  auto loss = [&] { return xg::nn::softmax_cross_entropy(network(x_batch), t_batch); };

  // One call: backprop and numerical gradients for every parameter, compared.
  auto report = xg::gradient_check(loss, network.named_parameters());
  std::cout << report;
  return report.ok() ? 0 : 1;
}
