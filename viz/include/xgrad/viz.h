// Looking inside a trained network, one call per method, on any module (CNNs and MLPs):
// the gradients (saliency with vanilla, guided and rectified backprop; Grad-CAM and guided
// Grad-CAM), the activations (feature maps, filters, activation maximisation, occlusion)
// and a number to compare maps by (the deletion curve). Every method runs the model in
// evaluation mode (restoring its mode after), leaves parameters' grad() untouched and
// returns plain tensors, cut from the graph. Class scores are the model's outputs, which
// must be pre-softmax logits (as xgrad's losses expect), the score these methods are
// defined on. Layers are found through forward hooks: pass the layer module itself.
//   auto cam = xg::viz::grad_cam(model, model.pool, x, label);  // (N, H, W) in [0, 1]
//   xg::plot::save_image(xg::plot::overlay(x.reshape({28, 28}), cam.reshape({28, 28})), "cam.png");
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include <xgrad/autograd.h>
#include <xgrad/data/plot.h>
#include <xgrad/nn/attention.h>
#include <xgrad/nn/conv.h>
#include <xgrad/nn/module.h>
#include <xgrad/ops.h>

namespace xg::viz {

/// Backprop modifiers over ReLU-family backward (relu, leaky_relu): vanilla, guided,
/// rectified (Zeiler and Fergus's deconvnet). A scoped guard, with no model reload:
///   { xg::viz::BackpropModifierGuard guided(xg::viz::BackpropModifier::Guided); ... }
using BackpropModifier = autograd::ReluBackward;
using BackpropModifierGuard = autograd::ReluBackwardGuard;

/// keras-vis's grad modifiers, applied to the input gradient before the channel maximum.
enum class GradModifier { None, Absolute, Relu, Negate };

/// The class each sample's map explains: one for all samples, or one per sample (a list or
/// an int64 (N,) label tensor).
class Classes {
 public:
  Classes(std::int64_t c) : values_{c}, broadcast_(true) {}  // NOLINT: implicit, `saliency(m, x, 3)`
  Classes(std::vector<std::int64_t> c) : values_(std::move(c)) {}  // NOLINT
  Classes(std::initializer_list<std::int64_t> c) : values_(c) {}     // NOLINT: `{3, 7}`
  Classes(const Tensor& labels);  // NOLINT
  /// The N classes, checked against the model's `num_classes` outputs; `op` names the caller.
  std::vector<std::int64_t> per_sample(std::int64_t n, std::int64_t num_classes, const char* op) const;

 private:
  std::vector<std::int64_t> values_;
  bool broadcast_ = false;
};

// Options: `iterations()` reads one, `iterations(100)` sets it and returns the options.
class SaliencyOptions {
 public:
  SaliencyOptions& backprop(BackpropModifier v) { backprop_ = v; return *this; }
  BackpropModifier backprop() const { return backprop_; }
  SaliencyOptions& grad_modifier(GradModifier v) { grad_modifier_ = v; return *this; }
  GradModifier grad_modifier() const { return grad_modifier_; }
  /// Keep the channel axis instead of its maximum.
  SaliencyOptions& keepdims(bool v) { keepdims_ = v; return *this; }
  bool keepdims() const { return keepdims_; }

 private:
  BackpropModifier backprop_ = BackpropModifier::Vanilla;
  GradModifier grad_modifier_ = GradModifier::Absolute;
  bool keepdims_ = false;
};

/// Simonyan et al.'s saliency: g = ∂S_c/∂x for the pre-softmax score S_c, through the
/// chosen backprop modifier, then the grad modifier, then (for (N, C, H, W) inputs) the
/// maximum over channels: (N, H, W), or (N, C, H, W) with keepdims. Other inputs, such as
/// an MLP's (N, D), keep their shape.
Tensor saliency(nn::Module& model, const Tensor& x, const Classes& classes, const SaliencyOptions& options = {});

class GradCamOptions {
 public:
  /// How the layer-sized map is resized to the input's (H, W).
  GradCamOptions& mode(InterpolateMode v) { mode_ = v; return *this; }
  InterpolateMode mode() const { return mode_; }
  /// Each sample's map scaled to [0, 1] (the default), or the raw ReLU(Σ α_k A_k).
  GradCamOptions& normalize(bool v) { normalize_ = v; return *this; }
  bool normalize() const { return normalize_; }
  /// Negated gradients: what speaks against the class (the paper's counterfactual map).
  GradCamOptions& counterfactual(bool v) { counterfactual_ = v; return *this; }
  bool counterfactual() const { return counterfactual_; }

 private:
  InterpolateMode mode_ = InterpolateMode::Bilinear;
  bool normalize_ = true;
  bool counterfactual_ = false;
};

/// Grad-CAM (Selvaraju et al.): A = `layer`'s output (N, K, u, v), α_k = the mean over u, v
/// of ∂S_c/∂A_k, map = ReLU(Σ_k α_k A_k), resized to the input's (H, W) when the input is
/// an image: (N, H, W). A layer with a flat (N, D) output counts as one channel of D cells
/// and gives (N, D), not resized.
Tensor grad_cam(nn::Module& model, nn::Module& layer, const Tensor& x, const Classes& classes,
                const GradCamOptions& options = {});

/// Guided Grad-CAM: guided saliency (absolute, channel maximum) times the Grad-CAM map,
/// (N, H, W); the two must have one size.
Tensor guided_grad_cam(nn::Module& model, nn::Module& layer, const Tensor& x, const Classes& classes,
                       const GradCamOptions& options = {});

/// `layer`'s output when the model runs on x (no graph).
Tensor feature_maps(nn::Module& model, nn::Module& layer, const Tensor& x);

/// A convolution's filters as (KH, KW) images, output filter by output filter, each with
/// its in_channels/groups kernels: row o of a grid with in_channels/groups columns.
tensor_list filters(const nn::Conv2d& conv);
/// Writes them as a grid (columns = kernels per filter; 8 per row for one-channel filters).
void save_filters(const nn::Conv2d& conv, const std::string& png_path, plot::GridOptions options = {});

/// One iteration's loss terms (already weighted), total = -activation + lp_norm + tv.
struct ActivationLosses {
  double activation = 0, lp_norm = 0, total_variation = 0, total = 0;
};

class ActivationMaximizationOptions {
 public:
  ActivationMaximizationOptions& iterations(int v) { iterations_ = v; return *this; }
  int iterations() const { return iterations_; }
  ActivationMaximizationOptions& act_weight(double v) { act_weight_ = v; return *this; }
  double act_weight() const { return act_weight_; }
  ActivationMaximizationOptions& lp_norm_weight(double v) { lp_norm_weight_ = v; return *this; }
  double lp_norm_weight() const { return lp_norm_weight_; }
  ActivationMaximizationOptions& p(double v) { p_ = v; return *this; }
  double p() const { return p_; }
  ActivationMaximizationOptions& tv_weight(double v) { tv_weight_ = v; return *this; }
  double tv_weight() const { return tv_weight_; }
  ActivationMaximizationOptions& tv_beta(double v) { tv_beta_ = v; return *this; }
  double tv_beta() const { return tv_beta_; }
  /// Roll the image by up to this many pixels per axis before each iteration (0: off).
  ActivationMaximizationOptions& jitter(std::int64_t v) { jitter_ = v; return *this; }
  std::int64_t jitter() const { return jitter_; }
  /// The range of valid inputs; by default the example input's min and max.
  ActivationMaximizationOptions& input_range(double lo, double hi) { input_range_ = {{lo, hi}}; return *this; }
  std::optional<std::pair<double, double>> input_range() const { return input_range_; }
  ActivationMaximizationOptions& seed(std::uint64_t v) { seed_ = v; return *this; }
  std::uint64_t seed() const { return seed_; }
  /// Called after every iteration with its number and loss terms.
  ActivationMaximizationOptions& callback(std::function<void(int, const ActivationLosses&)> v) {
    callback_ = std::move(v);
    return *this;
  }
  const std::function<void(int, const ActivationLosses&)>& callback() const { return callback_; }

 private:
  int iterations_ = 200;
  double act_weight_ = 1, lp_norm_weight_ = 10, p_ = 6, tv_weight_ = 10, tv_beta_ = 2;
  std::int64_t jitter_ = 0;
  std::optional<std::pair<double, double>> input_range_;
  std::uint64_t seed_ = 0;
  std::function<void(int, const ActivationLosses&)> callback_;
};

struct ActivationMaximization {
  Tensor input;  // the lowest-loss input found, (1, ...) as the model takes it
  Tensor image;  // keras-vis's deprocessed view of it: standardised, x0.1 + 0.5, clipped, in input_range
  std::vector<ActivationLosses> history;  // every iteration's terms
  int best_iteration = 0;
};

/// keras-vis's visualize_activation: gradient ascent on the input to maximise the mean of
/// channel (or unit) `filter` of `layer`'s output, with an L_p-norm and a total-variation
/// prior, each divided by the image size; each step is the RMS-normalised gradient through
/// an RMSProp cache (0.95), with no learning rate; the best input is kept. `example` (one
/// input or a batch) gives the input's shape and, unless set, its range.
ActivationMaximization activation_maximization(nn::Module& model, nn::Module& layer, std::int64_t filter,
                                               const Tensor& example, const ActivationMaximizationOptions& options = {});

class OcclusionOptions {
 public:
  /// The grey patch's size and stride (the stride defaults to the size).
  OcclusionOptions& size(Int2 v) { size_ = v; return *this; }
  Int2 size() const { return size_; }
  OcclusionOptions& stride(Int2 v) { stride_ = v; return *this; }
  Int2 stride() const { return stride_.set ? stride_ : size_; }
  /// The patch's value; by default the middle of the input's range (0.5 for [0, 1] digits).
  OcclusionOptions& fill(double v) { fill_ = v; return *this; }
  std::optional<double> fill() const { return fill_; }
  /// Occluded copies evaluated per forward pass.
  OcclusionOptions& batch_size(std::int64_t v) { batch_size_ = v; return *this; }
  std::int64_t batch_size() const { return batch_size_; }

 private:
  Int2 size_ = 4;
  Int2 stride_;
  std::optional<double> fill_;
  std::int64_t batch_size_ = 128;
};

/// Occlusion sensitivity (Zeiler and Fergus): the class probability (softmax of the output)
/// with each patch greyed; each pixel gets the mean over the patches that cover it (the
/// unoccluded probability where none does): (N, H, W) for x (N, C, H, W).
Tensor occlusion(nn::Module& model, const Tensor& x, const Classes& classes, const OcclusionOptions& options = {});

class DeletionOptions {
 public:
  /// Pixels removed between two evaluations (by default 1/50 of the image, at least 1).
  DeletionOptions& pixels_per_step(std::int64_t v) { pixels_per_step_ = v; return *this; }
  std::int64_t pixels_per_step() const { return pixels_per_step_; }
  /// What a removed pixel becomes; by default the input's minimum (black).
  DeletionOptions& fill(double v) { fill_ = v; return *this; }
  std::optional<double> fill() const { return fill_; }
  DeletionOptions& batch_size(std::int64_t v) { batch_size_ = v; return *this; }
  std::int64_t batch_size() const { return batch_size_; }

 private:
  std::int64_t pixels_per_step_ = 0;
  std::optional<double> fill_;
  std::int64_t batch_size_ = 128;
};

struct DeletionCurve {
  std::vector<double> fraction;  // of pixels removed, 0 to 1
  std::vector<double> score;     // the class probability then
  double auc = 0;                // trapezoidal area under score(fraction): lower is more faithful
};

/// Petsiuk et al.'s deletion metric: removes the pixels of one image x (1, C, H, W) or
/// (C, H, W) in decreasing order of `map` (H, W) and records the class probability; a map
/// that finds what the class depends on makes it fall fast. Compare with a random map.
DeletionCurve deletion_curve(nn::Module& model, const Tensor& x, std::int64_t cls, const Tensor& map,
                             const DeletionOptions& options = {});

// ---- attention (viz/attention.cpp) ----

/// One MultiheadAttention's weights in one call, (N, num_heads, L, S) before dropout, under
/// the module's dotted name in the model ("h.0.attn"); or a map derived from them.
struct AttentionMap {
  std::string name;
  Tensor weights;
};

/// Runs `run` (a forward pass through `model`: `[&] { model(x); }`) with forward hooks on the
/// attn_drop of every MultiheadAttention inside `model`, and returns each call's weights, per
/// layer and head, in call order. Evaluation mode; no graph is kept.
std::vector<AttentionMap> attention_maps(nn::Module& model, const std::function<void()>& run);

/// Attention rollout (Abnar and Zuidema, 2020) over maps in layer order, each (N, H, T, T):
/// heads averaged, Â = 0.5 A + 0.5 I with rows renormalised, then Â_L ··· Â_1. (N, T, T): row i
/// is how much of position i's output flows from each input position.
Tensor attention_rollout(const std::vector<AttentionMap>& maps);

/// Gradient-weighted attention for the scalar `score` (a forward pass ending in one output,
/// e.g. `[&] { return model(x).narrow(1, t, 1).reshape({-1})[c]; }`): per layer, ReLU(A ⊙
/// ∂score/∂A) averaged over heads, (N, L, S). Parameters' grad() are left untouched.
std::vector<AttentionMap> gradient_weighted_attention(nn::Module& model, const std::function<Tensor()>& score);

}  // namespace xg::viz
