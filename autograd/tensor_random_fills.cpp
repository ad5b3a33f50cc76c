// libtorch's in-place random fills: uniform_, normal_, exponential_, geometric_, cauchy_,
// log_normal_ and random_. Each draws on the tensor's device from that device's generator (as
// libtorch; the CUDA generator is Philox, and a CPU Philox generator with the same seed draws
// the same numbers), transforms the draws as libtorch documents the distribution, and writes
// the values in place (every view of the tensor sees them, the version is bumped). Not recorded: a tensor that requires grad while
// recording is refused (an initialisation belongs under NoGradGuard), as libtorch refuses an
// in-place change of a leaf that requires grad. bernoulli_ is an operation's in-place form
// (autograd/tensor_inplace_methods.cpp).
#include <xgrad/detail/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include <xgrad/autograd.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "autograd/inplace.h"
#include "tensor/checked.h"

namespace xg {

namespace {

// The checks every fill makes before drawing, naming the call.
void check_fill(const Tensor& t, const char* op, bool floats_only) {
  if (!t.defined()) fail(op, ": the tensor is undefined");
  if (autograd::must_record_inplace(t))
    fail(op, ": in-place random fill of a tensor of shape ", detail::shape_str(t.shape()),
         " that requires grad while recording is on: wrap it in xg::NoGradGuard (an initialisation)");
  autograd::check_inplace(t, op);
  if (floats_only && !is_floating(t.dtype())) fail(op, ": expects a float tensor, got ", dtype_name(t.dtype()));
}

// Uniform draws in [0, 1) of t's shape on t's device, in float64 (the transforms below keep
// their precision; the result is rounded once into t's dtype by copy_).
Tensor unit_draws(const Tensor& t) { return rand(t.shape(), TensorOptions(kFloat64).device(t.device())); }

// The largest integer below which every integer is exact in `dtype` (2^24, 2^53; int64: 2^63 - 1).
std::int64_t exact_integers(Dtype dtype) {
  return dtype == kFloat32 ? std::int64_t{1} << 24
         : dtype == kFloat64 ? std::int64_t{1} << 53
                             : std::numeric_limits<std::int64_t>::max();
}

}  // namespace

Tensor& Tensor::uniform_(double from, double to) {
  check_fill(*this, "uniform_", true);
  NoGradGuard no_grad;
  return copy_(rand(shape(), options()) * (to - from) + from);
}

Tensor& Tensor::normal_(double mean, double std) {
  check_fill(*this, "normal_", true);
  NoGradGuard no_grad;
  return copy_(randn(shape(), options()) * std + mean);
}

Tensor& Tensor::exponential_(double lambd) {
  check_fill(*this, "exponential_", true);
  if (!(lambd > 0)) fail("exponential_: lambd must be positive, got ", lambd);
  NoGradGuard no_grad;
  return copy_(-xg::log1p(-unit_draws(*this)) / lambd);  // the inverse CDF; 1 - u is in (0, 1]
}

Tensor& Tensor::geometric_(double p) {
  check_fill(*this, "geometric_", false);
  if (!(p > 0 && p < 1)) fail("geometric_: p must be in (0, 1), got ", p);
  NoGradGuard no_grad;
  // The number of Bernoulli(p) trials to the first success, 1, 2, ...: the inverse CDF
  // ceil(ln(1 - u) / ln(1 - p)), at least 1 (u = 0 gives 0).
  return copy_(xg::clamp_min(xg::ceil(xg::log1p(-unit_draws(*this)) / std::log1p(-p)), 1.0).to(dtype()));
}

Tensor& Tensor::cauchy_(double median, double sigma) {
  check_fill(*this, "cauchy_", true);
  if (!(sigma > 0)) fail("cauchy_: sigma must be positive, got ", sigma);
  NoGradGuard no_grad;
  return copy_(xg::tan((unit_draws(*this) - 0.5) * 3.141592653589793) * sigma + median);  // the inverse CDF
}

Tensor& Tensor::log_normal_(double mean, double std) {
  check_fill(*this, "log_normal_", true);
  if (!(std > 0)) fail("log_normal_: std must be positive, got ", std);
  NoGradGuard no_grad;
  return copy_(xg::exp(randn(shape(), TensorOptions(kFloat64).device(device())) * std + mean));
}

Tensor& Tensor::random_(std::int64_t from, std::optional<std::int64_t> to) {
  check_fill(*this, "random_", false);
  const std::int64_t exact = exact_integers(dtype());
  // Without `to`: up to the dtype's last exact integer, as libtorch's random_(from).
  const std::int64_t high = to ? *to : (exact == std::numeric_limits<std::int64_t>::max() ? exact : exact + 1);
  if (from >= high) fail("random_: expects 'from' to be less than 'to', got from=", from, " >= to=", high);
  if (dtype() != kInt64 && (from < -exact || high - 1 > exact))
    fail("random_: [", from, ", ", high, ") holds integers a ", dtype_name(dtype()), " tensor cannot hold exactly (beyond ±",
         exact, ")");
  NoGradGuard no_grad;
  return copy_(randint(from, high, shape(), options()));
}

Tensor& Tensor::random_(std::int64_t to) { return random_(0, to); }

Tensor& Tensor::random_() { return random_(0, std::nullopt); }

}  // namespace xg
