// The perturbation methods: occlusion sensitivity and the deletion curve. Both build
// batches of copies of one image with some pixels replaced, and read the class
// probability of each copy.
#include <xgrad/detail/format.h>
#include <algorithm>
#include <numeric>

#include <xgrad/viz.h>

#include "viz/common.h"

namespace xg::viz {

namespace detail {

std::vector<double> probabilities(nn::Module& model, const Tensor& batch, std::int64_t cls, const char* op) {
  const Tensor p = softmax(scores(model, batch, op), 1);
  if (cls < 0 || cls >= p.size(1)) fail(op, ": class ", cls, " is out of range for a model with ", p.size(1), " outputs");
  return p.narrow(1, cls, 1).to_vector<double>();
}

}  // namespace detail

namespace {

void check_image_batch(const Tensor& x, const char* op) {
  detail::check_input(x, op);
  if (x.dim() != 4) fail(op, ": expected images (N, C, H, W), got ", xg::detail::shape_str(x.shape()));
}

// Copies of image (1, C, H, W), one per (H, W) mask: where a mask is 1 the pixel (in every
// channel) becomes `fill`.
Tensor masked_copies(const Tensor& image, const std::vector<double>& masks, double fill) {
  const std::int64_t H = image.size(2), W = image.size(3);
  const Tensor M = tensor(masks, {static_cast<std::int64_t>(masks.size()) / (H * W), 1, H, W},
                          TensorOptions().dtype(image.dtype()).device(image.device()));
  return image * (1.0 - M) + M * fill;
}

void check_batch_size(std::int64_t b, const char* op) {
  if (b < 1) fail(op, ": batch_size must be at least 1, got ", b);
}

}  // namespace

Tensor occlusion(nn::Module& model, const Tensor& x, const Classes& classes, const OcclusionOptions& o) {
  const char* op = "occlusion";
  check_image_batch(x, op);
  check_batch_size(o.batch_size(), op);
  const Int2 k = o.size(), s = o.stride();
  const std::int64_t N = x.size(0), H = x.size(2), W = x.size(3);
  if (k.h < 1 || k.w < 1 || k.h > H || k.w > W || s.h < 1 || s.w < 1)
    fail(op, ": patch (", k.h, ", ", k.w, ") with stride (", s.h, ", ", s.w, ") does not fit images of ",
         xg::detail::shape_str(x.shape()));
  detail::EvalMode eval(model);
  NoGradGuard no_grad;
  const double fill = o.fill() ? *o.fill() : (x.min().item() + x.max().item()) / 2;
  const Tensor unoccluded = softmax(detail::scores(model, x, op), 1);  // (N, classes)
  const auto cls = classes.per_sample(N, unoccluded.size(1), op);

  std::vector<std::pair<std::int64_t, std::int64_t>> patches;  // top-left corners
  for (std::int64_t r = 0; r + k.h <= H; r += s.h)
    for (std::int64_t c = 0; c + k.w <= W; c += s.w) patches.emplace_back(r, c);
  std::vector<double> out(static_cast<std::size_t>(N * H * W));
  for (std::int64_t n = 0; n < N; ++n) {
    const Tensor image = x.narrow(0, n, 1);
    std::vector<double> sum(static_cast<std::size_t>(H * W), 0.0), count(static_cast<std::size_t>(H * W), 0.0);
    for (std::size_t first = 0; first < patches.size(); first += static_cast<std::size_t>(o.batch_size())) {
      const std::size_t last = std::min(patches.size(), first + static_cast<std::size_t>(o.batch_size()));
      std::vector<double> masks((last - first) * static_cast<std::size_t>(H * W), 0.0);
      for (std::size_t p = first; p < last; ++p)
        for (std::int64_t i = patches[p].first; i < patches[p].first + k.h; ++i)
          std::fill_n(masks.begin() + static_cast<std::ptrdiff_t>((p - first) * H * W + i * W + patches[p].second), k.w, 1.0);
      const auto probs = detail::probabilities(model, masked_copies(image, masks, fill), cls[n], op);
      for (std::size_t p = first; p < last; ++p)  // each pixel: the mean over the patches covering it
        for (std::int64_t i = patches[p].first; i < patches[p].first + k.h; ++i)
          for (std::int64_t j = patches[p].second; j < patches[p].second + k.w; ++j) {
            sum[static_cast<std::size_t>(i * W + j)] += probs[p - first];
            count[static_cast<std::size_t>(i * W + j)] += 1;
          }
    }
    const double p0 = unoccluded.at({n, cls[n]});
    for (std::int64_t i = 0; i < H * W; ++i) out[static_cast<std::size_t>(n * H * W + i)] = count[i] > 0 ? sum[i] / count[i] : p0;
  }
  return tensor(out, {N, H, W}, TensorOptions().dtype(x.dtype()).device(x.device()));  // where x lives, as saliency's
}

DeletionCurve deletion_curve(nn::Module& model, const Tensor& x, std::int64_t cls, const Tensor& map,
                             const DeletionOptions& o) {
  const char* op = "deletion_curve";
  const Tensor image = x.defined() && x.dim() == 3 ? x.unsqueeze(0) : x;
  check_image_batch(image, op);
  check_batch_size(o.batch_size(), op);
  if (image.size(0) != 1) fail(op, ": expected one image, got a batch of ", image.size(0));
  const std::int64_t H = image.size(2), W = image.size(3), HW = H * W;
  if (!map.defined() || map.shape() != Shape{H, W})
    fail(op, ": expected an (", H, ", ", W, ") map for an image of ", xg::detail::shape_str(x.shape()), ", got ",
         map.defined() ? xg::detail::shape_str(map.shape()) : std::string("an undefined tensor"));
  if (o.pixels_per_step() < 0)
    fail(op, ": pixels_per_step must be positive (or 0 for 1/50 of the image), got ", o.pixels_per_step());
  const std::int64_t step = o.pixels_per_step() > 0 ? o.pixels_per_step() : std::max<std::int64_t>(1, HW / 50);
  detail::EvalMode eval(model);
  NoGradGuard no_grad;
  const double fill = o.fill() ? *o.fill() : image.min().item();

  // The most salient first; ties in pixel order, so the curve is reproducible.
  const auto v = map.to_vector<double>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(HW));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&v](std::int64_t a, std::int64_t b) { return v[a] > v[b]; });

  DeletionCurve curve;
  std::vector<double> masks, removed_mask(static_cast<std::size_t>(HW), 0.0);
  std::int64_t done = 0;
  auto flush = [&] {
    if (masks.empty()) return;
    for (double p : detail::probabilities(model, masked_copies(image, masks, fill), cls, op)) curve.score.push_back(p);
    masks.clear();
  };
  for (std::int64_t removed = 0;; removed = std::min(HW, removed + step)) {
    for (; done < removed; ++done) removed_mask[static_cast<std::size_t>(order[done])] = 1.0;
    masks.insert(masks.end(), removed_mask.begin(), removed_mask.end());
    curve.fraction.push_back(static_cast<double>(removed) / static_cast<double>(HW));
    if (static_cast<std::int64_t>(masks.size()) >= o.batch_size() * HW) flush();
    if (removed == HW) break;
  }
  flush();
  for (std::size_t p = 1; p < curve.fraction.size(); ++p)
    curve.auc += (curve.fraction[p] - curve.fraction[p - 1]) * (curve.score[p] + curve.score[p - 1]) / 2;
  return curve;
}

}  // namespace xg::viz
