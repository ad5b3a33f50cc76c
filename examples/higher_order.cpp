// Higher-order derivatives (DeZero steps 33 and 36): the backward pass is itself recorded
// when create_graph is on, so a gradient can be differentiated again.
#include <iostream>

#include <xgrad/xgrad.h>

#include "common/options.h"

// f(x) = x^4 - 2x^2, whose minima are at x = -1 and x = 1.
xg::Tensor f(const xg::Tensor& x) { return x.pow(4) - 2.0 * x.pow(2); }

int main(int argc, char** argv) {
  xg::examples::Options("higher_order",
                        "Newton's method on x^4 - 2x^2 from x = 2 with second derivatives from autograd, "
                        "then double backprop of z = (dy/dx)^3 + y, y = x^2, at x = 2.")
      .parse(argc, argv);

  // Newton's method: x <- x - f'(x) / f''(x). Both derivatives come from autograd.
  std::cout << "Newton's method on f(x) = x^4 - 2x^2 from x = 2\n";
  auto x = xg::scalar_tensor(2.0, xg::kFloat64).requires_grad_();
  for (int i = 0; i < 10; ++i) {
    std::cout << i << " " << xg::repr(x.item()) << "\n";
    auto y = f(x);
    auto gx = xg::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];  // f'(x), differentiable
    auto gx2 = xg::grad({gx}, {x})[0];                                         // f''(x)
    xg::NoGradGuard no_grad;
    x.sub_(gx / gx2);
  }

  // Double backprop: z = (dy/dx)^3 + y with y = x^2, so dz/dx = 3 (2x)^2 * 2 + 2x = 100 at x = 2.
  auto x2 = xg::scalar_tensor(2.0, xg::kFloat64).requires_grad_();
  auto y = x2.pow(2);
  auto gx = xg::grad({y}, {x2}, {}, std::nullopt, /*create_graph=*/true)[0];
  auto z = gx.pow(3) + y;
  z.backward();
  std::cout << "double backprop: dz/dx at x = 2 is " << xg::repr(x2.grad().item()) << "\n";
  return 0;
}
