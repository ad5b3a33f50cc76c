// The gradient methods: saliency (vanilla, guided, rectified), Grad-CAM and guided
// Grad-CAM, and the helpers every method shares.
#include <xgrad/detail/format.h>

#include <xgrad/viz.h>

#include "viz/common.h"

namespace xg::viz {

Classes::Classes(const Tensor& labels) {
  if (!labels.defined() || labels.dtype() != kInt64 || labels.dim() > 1)
    fail("viz: class labels must be an int64 scalar or (N,) tensor, got ",
         labels.defined() ? dtype_name(labels.dtype()) + std::string(" ") + xg::detail::shape_str(labels.shape())
                          : std::string("an undefined tensor"));
  for (double v : labels.to_vector<double>()) values_.push_back(static_cast<std::int64_t>(v));
  broadcast_ = labels.dim() == 0;
}

std::vector<std::int64_t> Classes::per_sample(std::int64_t n, std::int64_t num_classes, const char* op) const {
  if (!broadcast_ && static_cast<std::int64_t>(values_.size()) != n)
    fail(op, ": got ", values_.size(), " classes for ", n, " samples (give one class, or one per sample)");
  for (auto c : values_)
    if (c < 0 || c >= num_classes) fail(op, ": class ", c, " is out of range for a model with ", num_classes, " outputs");
  return broadcast_ ? std::vector<std::int64_t>(static_cast<std::size_t>(n), values_[0]) : values_;
}

namespace detail {

void check_input(const Tensor& x, const char* op) {
  if (!x.defined() || x.dim() < 2)
    fail(op, ": expected a batch (N, ...) of inputs, got ",
         x.defined() ? xg::detail::shape_str(x.shape()) : std::string("an undefined tensor"));
  if (!is_floating(x.dtype())) fail(op, ": expected float inputs, got ", dtype_name(x.dtype()));
}

Tensor scores(nn::Module& model, const Tensor& x, const char* op) {
  Tensor y = model(x);
  if (y.dim() != 2 || y.size(0) != x.size(0))
    fail(op, ": expected the model's output to be (N, classes) scores for ", x.size(0), " inputs, got ",
         xg::detail::shape_str(y.shape()));
  return y;
}

Tensor class_score(const Tensor& y, const Classes& classes, const char* op) {
  const auto cls = classes.per_sample(y.size(0), y.size(1), op);
  std::vector<double> c(cls.begin(), cls.end());
  return pick(y, tensor(c, {y.size(0)}, TensorOptions().dtype(kInt64).device(y.device()))).sum();
}

nn::ScopedHook capture(nn::Module& layer, Tensor& activation) {
  return nn::ScopedHook(
      layer.register_forward_hook([&activation](nn::Module&, const Tensor&, const Tensor& y) { activation = y; }));
}

void check_called(const Tensor& activation, const nn::Module& layer, const nn::Module& model, const char* op) {
  if (!activation.defined())
    fail(op, ": the layer (", layer.type_name(), ") was not called by ", model.type_name(),
         "'s forward; pass a module the model calls through operator()");
}

}  // namespace detail

namespace {

// ∂S_c/∂x under a backprop modifier, for a fresh leaf copy of x.
Tensor input_gradient(nn::Module& model, const Tensor& x, const Classes& classes, BackpropModifier modifier, const char* op) {
  detail::check_input(x, op);
  detail::EvalMode eval(model);
  EnableGradGuard grad_on;
  BackpropModifierGuard rule(modifier);
  Tensor xi = x.detach().requires_grad_();
  return grad({detail::class_score(detail::scores(model, xi, op), classes, op)}, {xi})[0];
}

// Each sample scaled to [0, 1]: (m - min) / (max - min), zero where the map is constant.
Tensor normalize_each(const Tensor& m) {
  Axes rest;
  for (std::int64_t a = 1; a < m.dim(); ++a) rest.push_back(a);
  const Tensor lo = m.min(rest, true), span = m.max(rest, true) - lo;
  return (m - lo) / where(span > 0, span, ones_like(span));
}

}  // namespace

Tensor saliency(nn::Module& model, const Tensor& x, const Classes& classes, const SaliencyOptions& options) {
  Tensor g = input_gradient(model, x, classes, options.backprop(), "saliency");
  NoGradGuard no_grad;
  switch (options.grad_modifier()) {
    case GradModifier::Absolute:
      g = abs(g);
      break;
    case GradModifier::Relu:
      g = relu(g);
      break;
    case GradModifier::Negate:
      g = -g;
      break;
    case GradModifier::None:
      break;
  }
  return x.dim() == 4 && !options.keepdims() ? g.max({1}) : g;
}

Tensor grad_cam(nn::Module& model, nn::Module& layer, const Tensor& x, const Classes& classes, const GradCamOptions& options) {
  const char* op = "grad_cam";
  detail::check_input(x, op);
  detail::EvalMode eval(model);
  EnableGradGuard grad_on;
  Tensor A;
  Tensor y;
  {
    const nn::ScopedHook hook = detail::capture(layer, A);
    // A leaf copy of x requiring grad makes A differentiable even with frozen parameters.
    y = detail::scores(model, x.detach().requires_grad_(), op);
  }
  detail::check_called(A, layer, model, op);
  if (A.dim() < 2 || A.size(0) != x.size(0))
    fail(op, ": expected the layer's output to be (N, channels, ...) for ", x.size(0), " inputs, got ",
         xg::detail::shape_str(A.shape()));
  Tensor score = detail::class_score(y, classes, op);
  if (options.counterfactual()) score = -score;
  Tensor dA = grad({score}, {A})[0];

  NoGradGuard no_grad;
  Tensor acts = A.detach();
  if (acts.dim() == 2) {  // (N, D): one channel of D cells
    acts = acts.unsqueeze(1);
    dA = dA.unsqueeze(1);
  }
  Axes spatial;
  for (std::int64_t a = 2; a < acts.dim(); ++a) spatial.push_back(a);
  const Tensor alpha = dA.mean(spatial, true);  // (N, K, 1, ...): the channel weights
  Tensor cam = relu((alpha * acts).sum({1}));
  if (cam.dim() == 3 && x.dim() == 4 && (cam.size(1) != x.size(2) || cam.size(2) != x.size(3)))
    cam = interpolate(cam.unsqueeze(1), {x.size(2), x.size(3)}, options.mode()).squeeze(1);
  return options.normalize() ? normalize_each(cam) : cam;
}

Tensor guided_grad_cam(nn::Module& model, nn::Module& layer, const Tensor& x, const Classes& classes,
                       const GradCamOptions& options) {
  const Tensor cam = grad_cam(model, layer, x, classes, options);
  const Tensor guided = saliency(model, x, classes, SaliencyOptions().backprop(BackpropModifier::Guided));
  if (cam.shape() != guided.shape())
    fail("guided_grad_cam: the Grad-CAM map ", xg::detail::shape_str(cam.shape()), " and the guided saliency ",
         xg::detail::shape_str(guided.shape()), " differ in size; pick a layer with a spatial output");
  NoGradGuard no_grad;
  return guided * cam;
}

Tensor feature_maps(nn::Module& model, nn::Module& layer, const Tensor& x) {
  detail::check_input(x, "feature_maps");
  detail::EvalMode eval(model);
  NoGradGuard no_grad;
  Tensor A;
  {
    const nn::ScopedHook hook = detail::capture(layer, A);
    model(x);
  }
  detail::check_called(A, layer, model, "feature_maps");
  return A.detach();
}

}  // namespace xg::viz
