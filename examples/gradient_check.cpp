// Gradient check (Deep Learning from Scratch, ch. 5): backprop against the numerical
// gradient of a two-layer network, reported per parameter as the mean absolute difference.
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

// The textbook's TwoLayerNet: Affine -> ReLU -> Affine -> softmax cross-entropy.
struct TwoLayerNet {
  xg::Tensor W1, b1, W2, b2;

  TwoLayerNet(int input_size, int hidden_size, int output_size, double weight_init_std = 0.01) {
    W1 = (weight_init_std * xg::randn({input_size, hidden_size}, xg::kFloat64)).requires_grad_();
    b1 = xg::zeros({hidden_size}, xg::kFloat64).requires_grad_();
    W2 = (weight_init_std * xg::randn({hidden_size, output_size}, xg::kFloat64)).requires_grad_();
    b2 = xg::zeros({output_size}, xg::kFloat64).requires_grad_();
  }

  xg::Tensor predict(const xg::Tensor& x) const {
    auto h = xg::relu(xg::matmul(x, W1) + b1);
    return xg::matmul(h, W2) + b2;
  }

  // Mean cross-entropy of softmax(predict(x)) against label indices t.
  xg::Tensor loss(const xg::Tensor& x, const xg::Tensor& t) const {
    return -xg::pick(xg::log_softmax(predict(x)), t).mean();
  }

  xg::NamedTensors params() const { return {{"W1", W1}, {"b1", b1}, {"W2", W2}, {"b2", b2}}; }
};

int main(int argc, char** argv) {
  int hidden = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--hidden" && i + 1 < argc) {
      hidden = std::stoi(argv[++i]);
    } else {
      std::cout << "usage: gradient_check [--hidden N]\n"
                   "Compares backprop with the textbook's numerical gradient on a 784-N-10 ReLU net\n"
                   "for a batch of three inputs, and prints the mean absolute difference per parameter.\n";
      return arg == "--help" ? 0 : 2;
    }
  }
  xg::manual_seed(0);
  TwoLayerNet network(784, hidden, 10);
  // Three inputs with pixel-like values in [0, 1) and their labels.
  auto x_batch = xg::rand({3, 784}, xg::kFloat64);
  auto t_batch = xg::tensor({7, 2, 1}, xg::kInt64);

  auto report = xg::gradient_check([&] { return network.loss(x_batch, t_batch); }, network.params());
  std::cout << report;
  return report.ok() ? 0 : 1;
}
