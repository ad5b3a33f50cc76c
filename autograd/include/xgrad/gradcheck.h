// Numerical gradients, the textbook's way (Deep Learning from Scratch, ch. 4): a central
// difference (f(x+h) - f(x-h)) / 2h with h = 1e-4, one element at a time, restoring each
// value. gradient_check compares them with backprop per named parameter; gradcheck and
// gradgradcheck check any tensor-valued function's first and second derivatives.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <cstdint>

#include <xgrad/tensor.h>

namespace xg {

/// The textbook's numerical gradient of the scalar `f()` with respect to `x`. x is
/// perturbed in place (it is the model's own parameter) and exactly restored, also when f
/// throws. f is evaluated with recording off. The result has x's shape and dtype.
Tensor numerical_gradient(const std::function<Tensor()>& f, Tensor x, double h = 1e-4);

/// What gradient checks do with kinks: elements where the step ±h changes a discrete choice
/// of the forward pass (a ReLU mask, a pooling argmax, a max, a clamp), so the central
/// difference straddles a corner and disagrees with backprop by design (on a CNN with the
/// textbook's 0.01 weights, this is what turns 1e-10 into 1e-6).
enum class Kinks {
  Report,   // left out of the mean, max and verdict; counted and summarised apart (default)
  Skip,     // left out, and only counted
  Include,  // the textbook's figure: every element, no detection
};

/// Tolerances of gradient_check: the textbook's h and DeZero's allclose (rtol 1e-4, atol 1e-5).
struct GradientCheckOptions {
  double h = 1e-4;
  double atol = 1e-5;
  double rtol = 1e-4;
  Kinks kinks = Kinks::Report;
};

/// One parameter's comparison of backprop with the numerical gradient.
struct ParameterCheck {
  std::string name;
  Shape shape;
  double mean_abs_diff = 0;            // the textbook's figure
  double max_abs_diff = 0;
  std::vector<std::int64_t> max_abs_at;  // multi-index of max_abs_diff
  double max_rel_diff = 0;             // |num - bp| / max(|num|, |bp|)
  std::vector<std::int64_t> max_rel_at;
  bool ok = true;                      // every |num - bp| <= atol + rtol * |num|
  std::int64_t kinks = 0;              // elements at kinks, left out of the figures above
  double kink_mean_abs_diff = 0;       // their mean and max |num - bp| (Kinks::Report)
  double kink_max_abs_diff = 0;
};

struct GradientCheckReport {
  std::vector<ParameterCheck> params;
  GradientCheckOptions options;
  bool promoted = false;  // float32 parameters were checked on a float64 copy
  bool ok() const;
  /// The textbook's lines ("W1:2.2e-13"), each followed by its details.
  std::string str() const;
};
std::ostream& operator<<(std::ostream& os, const GradientCheckReport& report);

/// Backprop against numerical gradients for every named parameter of the scalar loss_fn().
/// Evaluated in float64: float32 parameters are swapped for float64 copies during the check
/// (float32 with h = 1e-4 is off by about 5e-4) and restored bit-exactly afterwards. The
/// parameters' grad() is not touched.
GradientCheckReport gradient_check(const std::function<Tensor()>& loss_fn, const NamedTensors& named_params,
                                   const GradientCheckOptions& options = {});

/// Tolerances of gradcheck / gradgradcheck (PyTorch's defaults).
struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  /// Input elements whose ±eps step crosses a kink (see Kinks) are not compared.
  bool skip_kinks = true;
};

/// Outcome of gradcheck: converts to bool; `message` says where the Jacobians differ.
struct GradcheckResult {
  bool ok = true;
  std::string message;
  std::int64_t kinks = 0;  // input elements skipped because their step crossed a kink
  explicit operator bool() const { return ok; }
};

/// Checks fn's Jacobian with respect to every input that requires grad: analytical (one
/// vector-Jacobian product per output element) against numerical, in float64 (float
/// inputs are converted). Inputs not requiring grad are passed along unchecked.
GradcheckResult gradcheck(const std::function<Tensor(const tensor_list&)>& fn, const tensor_list& inputs,
                          const GradcheckOptions& options = {});

/// Checks second derivatives: gradcheck of the vector-Jacobian product of fn (with a fixed
/// random output gradient), built with create_graph.
GradcheckResult gradgradcheck(const std::function<Tensor(const tensor_list&)>& fn, const tensor_list& inputs,
                              const GradcheckOptions& options = {});

}  // namespace xg
