// Numerical differentiation and gradient descent (Deep Learning from Scratch, ch. 4),
// and the two loss functions on the book's examples.
#include <cstdio>
#include <iostream>

#include <xgrad/xgrad.h>

#include "common/options.h"

// The book's central difference for a function of one variable.
double numerical_diff(double (*f)(double), double x) {
  const double h = 1e-4;
  return (f(x + h) - f(x - h)) / (2 * h);
}

double function_1(double x) { return 0.01 * (x * x) + 0.1 * x; }  // as Python: 0.01*x**2 + 0.1*x

// f(x0, x1) = x0^2 + x1^2, as a one-element tensor.
xg::Tensor function_2(const xg::Tensor& x) { return (x * x).sum(); }

// x <- x - lr * grad, with the gradient taken numerically, step_num times.
xg::Tensor gradient_descent(xg::Tensor init_x, double lr, int step_num = 100) {
  auto x = init_x.clone();
  for (int i = 0; i < step_num; ++i) {
    auto grad = xg::numerical_gradient([&] { return function_2(x); }, x);
    x.sub_(grad * lr);
  }
  return x;
}

void print_pair(const char* label, const xg::Tensor& v) {
  std::printf("%s[%s, %s]\n", label, xg::repr(v.at({0})).c_str(), xg::repr(v.at({1})).c_str());
}

int main(int argc, char** argv) {
  xg::examples::Options("numerical_gradient", "The textbook's chapter 4: numerical derivatives, gradients, gradient descent, losses.")
      .parse(argc, argv);
  std::cout << "numerical_diff(function_1, 5)  = " << xg::repr(numerical_diff(function_1, 5.0)) << "\n";
  std::cout << "numerical_diff(function_1, 10) = " << xg::repr(numerical_diff(function_1, 10.0)) << "\n";

  for (auto point : {xg::tensor({3.0, 4.0}, xg::kFloat64), xg::tensor({0.0, 2.0}, xg::kFloat64),
                     xg::tensor({3.0, 0.0}, xg::kFloat64)}) {
    auto grad = xg::numerical_gradient([&] { return function_2(point); }, point);
    std::printf("gradient of x0^2 + x1^2 at (%g, %g): ", point.at({0}), point.at({1}));
    print_pair("", grad);
  }

  // A good learning rate converges; too large diverges; too small barely moves.
  auto init_x = xg::tensor({-3.0, 4.0}, xg::kFloat64);
  print_pair("gradient descent, lr 0.1:   ", gradient_descent(init_x, 0.1));
  print_pair("gradient descent, lr 10:    ", gradient_descent(init_x, 10.0));
  print_pair("gradient descent, lr 1e-10: ", gradient_descent(init_x, 1e-10));

  // Label 2 is correct; the first prediction puts 0.6 on it, the second 0.1.
  auto t = xg::tensor({0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, xg::kFloat64);
  auto y1 = xg::tensor({0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0}, xg::kFloat64);
  auto y2 = xg::tensor({0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0}, xg::kFloat64);
  std::cout << "sum_squared_error:   " << xg::repr(xg::nn::sum_squared_error(y1, t).item()) << ", "
            << xg::repr(xg::nn::sum_squared_error(y2, t).item()) << "\n";
  std::cout << "cross_entropy_error: " << xg::repr(xg::nn::cross_entropy_error(y1, t).item()) << ", "
            << xg::repr(xg::nn::cross_entropy_error(y2, t).item()) << "\n";
  return 0;
}
