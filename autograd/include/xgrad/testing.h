// Opt-in GoogleTest helpers for users' gradient tests (the library itself does not depend
// on GoogleTest). On failure, the full report is printed:
//   EXPECT_TRUE(xg::testing::gradients_match(loss_fn, model.named_parameters()));
//   EXPECT_TRUE(xg::testing::gradcheck_ok(my_op, {x}));
#pragma once

#include <gtest/gtest.h>

#include <xgrad/gradcheck.h>

namespace xg::testing {

/// gradient_check of loss_fn over the named parameters, as a GoogleTest assertion.
inline ::testing::AssertionResult gradients_match(const std::function<Tensor()>& loss_fn,
                                                  const NamedTensors& named_params,
                                                  const GradientCheckOptions& options = {}) {
  const GradientCheckReport report = gradient_check(loss_fn, named_params, options);
  return (report.ok() ? ::testing::AssertionSuccess() : ::testing::AssertionFailure()) << report;
}

/// gradcheck of fn at inputs, as a GoogleTest assertion.
inline ::testing::AssertionResult gradcheck_ok(const std::function<Tensor(const tensor_list&)>& fn,
                                               const tensor_list& inputs, const GradcheckOptions& options = {}) {
  const GradcheckResult r = gradcheck(fn, inputs, options);
  return (r.ok ? ::testing::AssertionSuccess() : ::testing::AssertionFailure()) << r.message;
}

/// gradgradcheck of fn at inputs, as a GoogleTest assertion.
inline ::testing::AssertionResult gradgradcheck_ok(const std::function<Tensor(const tensor_list&)>& fn,
                                                   const tensor_list& inputs, const GradcheckOptions& options = {}) {
  const GradcheckResult r = gradgradcheck(fn, inputs, options);
  return (r.ok ? ::testing::AssertionSuccess() : ::testing::AssertionFailure()) << r.message;
}

}  // namespace xg::testing
