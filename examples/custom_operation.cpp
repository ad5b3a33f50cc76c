// A user-defined differentiable operation: Swish, y = x * sigmoid(x), with its own backward,
// checked against numerical derivatives (first and second order).
#include <iostream>

#include <xgrad/xgrad.h>

#include "common/options.h"

#include "swish.h"

int main(int argc, char** argv) {
  xg::examples::Options("custom_operation", "Defines Swish as a custom Function and checks its gradients.").parse(argc, argv);
  xg::manual_seed(0);
  auto x = xg::randn({2, 3}, xg::kFloat64).requires_grad_();
  auto y = swish(x);
  std::cout << "x = " << x << "\ny = " << y << "\n";

  y.sum().backward();
  std::cout << "dy/dx = " << x.grad() << "\n";

  auto first = xg::gradcheck([](const xg::tensor_list& in) { return swish(in[0]); }, {x});
  auto second = xg::gradgradcheck([](const xg::tensor_list& in) { return swish(in[0]); }, {x});
  std::cout << "gradcheck: " << (first ? "ok" : first.message) << "\n";
  std::cout << "gradgradcheck: " << (second ? "ok" : second.message) << "\n";
  return first && second ? 0 : 1;
}
