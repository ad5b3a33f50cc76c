// Draws from given probabilities: multinomial and bernoulli, libtorch's. Both are made of
// tensor operations on the probabilities' device (a cumulative sum and a bisection, or keys
// and topk), drawing uniforms from the thread's generator; nothing is recorded. The
// probabilities are checked first, as PyTorch's CPU path checks them: on a GPU that check
// is a wait, one of the documented ones (tensor/waits.cpp).
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

using kernel::Binary;
using kernel::Reduce;

namespace {

// The one wait: whether p (float) has a NaN, an infinity or a negative element.
void check_probabilities(const Tensor& p, const char* op) {
  if (p.numel() == 0) return;
  const bool finite = kernel::all_finite(p);
  if (!finite || kernel::reduce(Reduce::Min, p, {}, false).item() < 0)
    fail(op, ": probability tensor contains either inf, nan or element < 0");
}

}  // namespace

Tensor multinomial(const Tensor& probs, std::int64_t num_samples, bool replacement) {
  detail::CallScope call("multinomial");
  NoGradGuard no_grad;
  if (!probs.defined()) fail("multinomial: the input is undefined");
  if (!is_floating(probs.dtype()))
    fail("multinomial: expected float probabilities, got ", dtype_name(probs.dtype()));
  if (probs.dim() != 1 && probs.dim() != 2)
    fail("multinomial: expected a 1-D or 2-D tensor of probabilities, got ", detail::shape_str(probs.shape()));
  const std::int64_t rows = probs.dim() == 2 ? probs.shape()[0] : 1, c = probs.shape().back();
  if (num_samples <= 0) fail("multinomial: cannot sample n_sample <= 0 samples, got ", num_samples);
  if (c == 0) fail("multinomial: no categories to draw from in ", detail::shape_str(probs.shape()));
  if (!replacement && num_samples > c)
    fail("multinomial: cannot sample ", num_samples, " > ", c,
         " categories without replacement (prob_dist.size(-1) in PyTorch's words)");
  const Tensor p = reshape(probs.detach(), {rows, c});
  check_probabilities(p, "multinomial");
  const TensorOptions like = TensorOptions().dtype(p.dtype()).device(p.device());
  Tensor idx;
  if (replacement) {
    // Each draw u · total falls in one category's step of the running sum: the number of
    // steps at or below it, found by bisection (searchsorted's kernel, right side). A zero
    // probability has an empty step and is never drawn; a draw rounded up to the total takes
    // the category whose step reaches the total (the first at or above it: a nonzero one).
    // A row sums to 0 exactly when it has no nonzero probability (all are finite and >= 0).
    const Tensor cdf = kernel::cumsum(p, 1, false);
    const Tensor total = narrow(cdf, 1, c - 1, 1);
    if (rows > 0 && kernel::reduce(Reduce::Min, total, {}, false).item() == 0)
      fail("multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
    const Tensor v = kernel::binary(Binary::Mul, rand({rows, num_samples}, like), total, "multinomial");
    idx = kernel::binary(Binary::Minimum, kernel::searchsorted(cdf, v, true), kernel::searchsorted(cdf, total, false),
                         "multinomial");
  } else {
    const Tensor positive = kernel::binary(Binary::Gt, p, scalar_tensor(0.0, p.dtype()), "multinomial");
    if (rows > 0) {
      const double fewest = kernel::reduce(Reduce::Min, kernel::reduce(Reduce::Sum, positive, {1}, false), {}, false).item();
      if (fewest == 0) fail("multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
      if (fewest < static_cast<double>(num_samples))
        fail("multinomial: invalid multinomial distribution (with replacement=False, not enough non-negative ",
             "categories to sample): a row has ", fewest, " nonzero probabilities for ", num_samples, " samples");
    }
    // The exponential race (PyTorch's on a GPU): with E ~ Exp(1) per category, the k largest
    // of p / E are a draw of k categories without replacement; zeros never take part.
    const Tensor e = -log1p(-rand({rows, c}, like));
    const Tensor keys = kernel::where(positive, kernel::binary(Binary::Div, p, e, "multinomial"),
                                      scalar_tensor(-1.0, p.dtype()));
    idx = std::get<1>(topk(keys, num_samples, 1));
  }
  return probs.dim() == 1 ? reshape(idx, {num_samples}) : idx;
}

Tensor bernoulli(const Tensor& p) {
  detail::CallScope call("bernoulli");
  NoGradGuard no_grad;
  if (!p.defined()) fail("bernoulli: the input is undefined");
  if (!is_floating(p.dtype())) fail("bernoulli: expected float probabilities, got ", dtype_name(p.dtype()));
  const Tensor d = p.detach();
  if (d.numel() > 0 && (!kernel::all_finite(d) || kernel::reduce(Reduce::Min, d, {}, false).item() < 0 ||
                        kernel::reduce(Reduce::Max, d, {}, false).item() > 1))
    fail("bernoulli: expected all probabilities in [0, 1]");
  const Tensor u = rand(d.shape(), TensorOptions().dtype(d.dtype()).device(d.device()));
  return kernel::binary(Binary::Lt, u, d, "bernoulli");
}

Tensor bernoulli(const Tensor& x, double p) {
  detail::CallScope call("bernoulli");
  if (!x.defined()) fail("bernoulli: the input is undefined");
  if (!(p >= 0 && p <= 1)) fail("bernoulli: expected 0 <= p <= 1, got ", p);
  // Drawn in double for an int64 x, whose result is int64 1/0, as PyTorch's.
  const Dtype dtype = is_floating(x.dtype()) ? x.dtype() : kFloat64;
  const Tensor u = rand(x.shape(), TensorOptions().dtype(dtype).device(x.device()));
  return kernel::cast(kernel::binary(Binary::Lt, u, scalar_tensor(p, dtype), "bernoulli"), x.dtype());
}

}  // namespace xg
