// Swish, y = x * sigmoid(x), as a user-defined differentiable operation: a Function with
// its own forward and backward. Used by custom_operation.cpp and custom_operation_test.cpp.
#pragma once

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

inline xg::Tensor swish(const xg::Tensor& x) { return xg::apply<Swish>({x})[0]; }
