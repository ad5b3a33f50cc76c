// A forward pass through a multilayer perceptron, by hand-set weights: inputs (2, 3),
// hidden weights (1, 1) and (-1, 1), output weights (2, -1).
#include <iostream>

#include <xgrad/xgrad.h>

#include "common/options.h"

int main(int argc, char** argv) {
  xg::examples::Options("forward_pass", "The multilayer-perceptron walk-through, linear and with ReLU.").parse(argc, argv);
  auto input_data = xg::tensor({2.0, 3.0});
  // One column per hidden node: node 0 has weights (1, 1), node 1 has weights (-1, 1).
  auto hidden_weights = xg::tensor({{1.0, -1.0}, {1.0, 1.0}});
  auto output_weights = xg::tensor({2.0, -1.0});

  auto hidden = xg::matmul(input_data, hidden_weights);  // (2*1 + 3*1, 2*-1 + 3*1) = (5, 1)
  auto output = xg::matmul(hidden, output_weights);      // 5*2 + 1*-1 = 9
  std::cout << "hidden layer values: " << hidden.at({0}) << ", " << hidden.at({1}) << "\n";
  std::cout << "output: " << output.item() << "\n";

  // The same network with ReLU on every node: max(0, x) leaves these positive sums alone.
  auto hidden_relu = xg::relu(xg::matmul(input_data, hidden_weights));
  auto output_relu = xg::relu(xg::matmul(hidden_relu, output_weights));
  std::cout << "with ReLU: hidden " << hidden_relu.at({0}) << ", " << hidden_relu.at({1})
            << ", output " << output_relu.item() << "\n";
  return 0;
}
