// A user-defined differentiable operation: Swish, y = x * sigmoid(x), with its own backward,
// checked against numerical derivatives (first and second order).
#include <iostream>

#include <xgrad/xgrad.h>

// forward() runs with recording off; backward() is written with xgrad operations, so the
// gradient can itself be differentiated (gradgradcheck below).
struct Swish : xg::Function {
  Swish() : xg::Function("SwishBackward") {}

  xg::tensor_list forward(const xg::tensor_list& inputs) override {
    const auto& x = inputs[0];
    save_for_backward({x});
    return {x * xg::sigmoid(x)};
  }

  // d/dx x s(x) = s(x) + x s(x) (1 - s(x))
  xg::tensor_list backward(const xg::tensor_list& grad_outputs) override {
    const auto x = saved(0);
    const auto s = xg::sigmoid(x);
    return {grad_outputs[0] * (s + x * s * (1.0 - s))};
  }
};

xg::Tensor swish(const xg::Tensor& x) { return xg::apply<Swish>({x})[0]; }

int main(int argc, char** argv) {
  if (argc > 1) {
    std::cout << "usage: custom_operation\nDefines Swish as a custom Function and checks its gradients.\n";
    return 0;
  }
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
