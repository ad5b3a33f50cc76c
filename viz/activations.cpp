// The activation methods: filters as images, and activation maximisation with
// keras-vis's recipe (its losses, normalised RMSProp steps and deprocessing).
#include <xgrad/detail/format.h>
#include <cmath>
#include <limits>

#include <xgrad/random.h>
#include <xgrad/viz.h>

#include "viz/common.h"

#include "tensor/checked.h"

namespace xg::viz {

tensor_list filters(const nn::Conv2d& conv) {
  const Tensor& W = conv.W;  // (out, in/groups, kh, kw)
  tensor_list out;
  for (const Tensor& per_out : unbind(W.detach(), 0))
    for (const Tensor& kernel : unbind(per_out, 0)) out.push_back(kernel);
  return out;
}

void save_filters(const nn::Conv2d& conv, const std::string& png_path, plot::GridOptions options) {
  xg::detail::CallScope call("viz::save_filters");  // the image writer's errors name this call
  const std::int64_t per_filter = conv.W.size(1);
  if (per_filter > 1) options.columns = static_cast<int>(per_filter);
  plot::save_image_grid(filters(conv), png_path, options);
}

namespace {

// x rolled by (dy, dx) pixels over its last two axes, as numpy.roll.
Tensor roll2d(const Tensor& x, std::int64_t dy, std::int64_t dx) {
  auto roll = [](const Tensor& t, std::int64_t axis, std::int64_t shift) {
    const std::int64_t n = t.size(axis);
    shift = ((shift % n) + n) % n;
    if (shift == 0) return t;
    return concat({t.narrow(axis, n - shift, shift), t.narrow(axis, 0, n - shift)}, axis);
  };
  return roll(roll(x, -2, dy), -1, dx);
}

// keras-vis's deprocess_input: standardise, x0.1 + 0.5, clip to [0, 1], scale to the range.
Tensor deprocess(const Tensor& x, double lo, double hi) {
  const double mean = x.mean().item(), std = std::sqrt(x.var().item());
  return clamp((x - mean) / (std + 1e-7) * 0.1 + 0.5, 0.0, 1.0) * (hi - lo) + lo;
}

}  // namespace

ActivationMaximization activation_maximization(nn::Module& model, nn::Module& layer, std::int64_t filter,
                                               const Tensor& example, const ActivationMaximizationOptions& o) {
  const char* op = "activation_maximization";
  if (!example.defined() || example.dim() < 1 || example.numel() == 0 || !is_floating(example.dtype()))
    fail(op, ": expected a float example input (one, or a batch), got ",
         example.defined() ? xg::detail::shape_str(example.shape()) : std::string("an undefined tensor"));
  if (o.iterations() < 1) fail(op, ": iterations must be at least 1, got ", o.iterations());
  if (o.jitter() < 0) fail(op, ": jitter must be non-negative, got ", o.jitter());
  // One input of the example's shape: (1, C, H, W) from a batch (N, C, H, W).
  Shape shape = example.shape();
  shape[0] = 1;
  const std::int64_t per_image = shape_numel(shape);
  const double lo = o.input_range() ? o.input_range()->first : example.min().item();
  const double hi = o.input_range() ? o.input_range()->second : example.max().item();
  if (!(lo < hi)) fail(op, ": input range [", lo, ", ", hi, "] is empty");
  const std::int64_t spatial = shape.size() >= 3 ? shape[shape.size() - 1] * shape[shape.size() - 2] : per_image;

  detail::EvalMode eval(model);
  Generator gen(o.seed());
  GeneratorGuard use(gen);
  // keras-vis's seed: noise around the middle of the range, drawn on the CPU from the seed
  // (the same start on every device), then placed where the example lives.
  Tensor x = (randn(shape, example.dtype()) * (0.05 * (hi - lo)) + (lo + hi) / 2).to(example.device()).detach();
  Tensor cache = zeros(shape, TensorOptions().dtype(example.dtype()).device(example.device()));

  ActivationMaximization result;
  double best = std::numeric_limits<double>::infinity();
  Tensor A;
  const nn::ScopedHook hook = detail::capture(layer, A);
  for (int it = 0; it < o.iterations(); ++it) {
    if (o.jitter() > 0 && shape.size() >= 3) {
      auto shift = [&] { return static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(2 * o.jitter() + 1))) - o.jitter(); };
      const std::int64_t dy = shift(), dx = shift();
      NoGradGuard no_grad;
      x = roll2d(x, dy, dx);
    }
    EnableGradGuard grad_on;
    Tensor xi = x.detach().requires_grad_();
    A = Tensor();
    model(xi);
    detail::check_called(A, layer, model, op);
    if (A.dim() < 2 || filter < 0 || filter >= A.size(1))
      fail(op, ": filter ", filter, " is out of range for the layer's output of shape ", xg::detail::shape_str(A.shape()));
    const Tensor act = A.narrow(1, filter, 1).mean() * o.act_weight();
    const Tensor lp = pow(pow(abs(xi), o.p()).sum(), 1.0 / o.p()) / static_cast<double>(per_image) * o.lp_norm_weight();
    Tensor tv = zeros({}, x.dtype());
    if (xi.dim() >= 3) {  // Σ ((x[h, w+1] - x[h, w])² + (x[h+1, w] - x[h, w])²)^(β/2)
      const std::int64_t H = xi.size(-2), W = xi.size(-1);
      const Tensor corner = xi.narrow(-2, 0, H - 1).narrow(-1, 0, W - 1);
      const Tensor right = xi.narrow(-2, 0, H - 1).narrow(-1, 1, W - 1), below = xi.narrow(-2, 1, H - 1).narrow(-1, 0, W - 1);
      Tensor d = pow(right - corner, 2.0) + pow(below - corner, 2.0);
      if (o.tv_beta() != 2.0) d = pow(d, o.tv_beta() / 2);
      tv = d.sum() / static_cast<double>(spatial) * o.tv_weight();
    }
    const Tensor total = lp + tv - act;
    Tensor g = grad({total}, {xi})[0];

    NoGradGuard no_grad;
    const ActivationLosses losses{act.item(), lp.item(), tv.item(), total.item()};
    result.history.push_back(losses);
    if (losses.total < best) {  // the input the loss was measured at (keras-vis keeps the next one)
      best = losses.total;
      result.input = x;
      result.best_iteration = it;
    }
    if (o.callback()) o.callback()(it, losses);
    g = g / (sqrt(mean(g * g)) + 1e-7);  // RMS-normalised: steps independent of the gradient's scale
    cache = cache * 0.95 + g * g * 0.05;
    x = x - g / sqrt(cache + 1e-7);
  }
  if (!result.input.defined()) result.input = x;  // every loss was NaN
  NoGradGuard no_grad;
  result.image = deprocess(result.input, lo, hi);
  return result;
}

}  // namespace xg::viz
