// CTC loss (Graves et al. 2006) composed of tensor operations: the forward variables α over
// the extended label sequence (blank, l1, blank, l2, ..., blank), one step per frame for the
// whole batch, in probability space rescaled every step (Rabiner's scaling: the log of each
// step's sum is accumulated), in float64. Autograd differentiates the recursion, so the
// gradient (the β recursion) and every higher order come with it on every device.
#include <xgrad/detail/format.h>
#include <xgrad/nn/ctc_loss.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "nn/loss_checks.h"
#include "tensor/checked.h"

namespace xg::nn::functional {

namespace {

using xg::detail::shape_str;

std::vector<std::int64_t> host_ints(const Tensor& t) { return t.to(kCPU).to_vector<std::int64_t>(); }

// What the recursion needs, built on the host from the lengths and targets.
struct Plan {
  std::int64_t n = 0, width = 1;              // batch, extended length 2 S_max + 1
  std::vector<double> labels, skip, valid;    // (N, width): extended labels, skip allowed, s < 2 S_n + 1
  std::vector<double> last, before_last;      // (N): 2 S_n and max(2 S_n - 1, 0)
  std::vector<double> has_before;             // (N): S_n > 0
  std::vector<std::int64_t> input_len, target_len;
};

Plan plan(const Tensor& targets, const std::vector<std::int64_t>& in_len, const std::vector<std::int64_t>& tg_len,
          std::int64_t T, std::int64_t C, std::int64_t blank) {
  Plan p;
  p.n = static_cast<std::int64_t>(in_len.size());
  p.input_len = in_len;
  p.target_len = tg_len;
  const bool padded = targets.dim() == 2;
  const std::vector<std::int64_t> flat = host_ints(targets);
  std::int64_t s_max = 0, total = 0;
  for (std::int64_t i = 0; i < p.n; ++i) {
    const std::int64_t t = in_len[static_cast<std::size_t>(i)], s = tg_len[static_cast<std::size_t>(i)];
    if (t < 0 || t > T) fail("ctc_loss: input_lengths[", i, "] = ", t, " is outside [0, T = ", T, "]");
    if (s < 0) fail("ctc_loss: target_lengths[", i, "] = ", s, " is negative");
    if (padded && s > targets.shape()[1])
      fail("ctc_loss: target_lengths[", i, "] = ", s, " exceeds the padded targets' length ", targets.shape()[1]);
    s_max = std::max(s_max, s);
    total = xg::detail::size_add(total, s, "ctc_loss", "the target lengths");
  }
  if (!padded && total != targets.numel())
    fail("ctc_loss: the target lengths add up to ", total, ", but the concatenated targets have ", targets.numel(),
         " elements");
  p.width = 2 * s_max + 1;
  const auto cells = static_cast<std::size_t>(xg::detail::size_mul(p.n, p.width, "ctc_loss", "the extended labels"));
  xg::detail::checked_buffer(static_cast<std::int64_t>(cells) * 3, sizeof(double), "ctc_loss", "the extended labels");
  p.labels.assign(cells, static_cast<double>(blank));
  p.skip.assign(cells, 0.0);
  p.valid.assign(cells, 0.0);
  std::int64_t offset = 0;
  for (std::int64_t i = 0; i < p.n; ++i) {
    const std::int64_t s = tg_len[static_cast<std::size_t>(i)];
    const std::int64_t start = padded ? i * targets.shape()[1] : offset;
    offset += s;
    double* lab = p.labels.data() + i * p.width;
    for (std::int64_t k = 0; k < s; ++k) {
      const std::int64_t c = flat[static_cast<std::size_t>(start + k)];
      if (c < 0 || c >= C)
        fail("ctc_loss: target ", c, " of sequence ", i, " (position ", k, ") is out of range for ", C, " classes");
      if (c == blank) fail("ctc_loss: target ", c, " of sequence ", i, " (position ", k, ") is the blank index");
      lab[2 * k + 1] = static_cast<double>(c);
      // A label may follow the one two places back (skipping the blank) unless it repeats it.
      p.skip[static_cast<std::size_t>(i * p.width + 2 * k + 1)] = k > 0 && c != flat[static_cast<std::size_t>(start + k - 1)];
    }
    for (std::int64_t c = 0; c <= 2 * s; ++c) p.valid[static_cast<std::size_t>(i * p.width + c)] = 1.0;
    p.last.push_back(static_cast<double>(2 * s));
    p.before_last.push_back(static_cast<double>(std::max<std::int64_t>(2 * s - 1, 0)));
    p.has_before.push_back(s > 0 ? 1.0 : 0.0);
  }
  return p;
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs_in, const Tensor& targets_in, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossFuncOptions& o) {
  xg::detail::CallScope call("ctc_loss");
  if (!log_probs_in.defined() || !targets_in.defined() || !input_lengths.defined() || !target_lengths.defined())
    fail("ctc_loss: an operand is undefined");
  if (!is_floating(log_probs_in.dtype())) fail("ctc_loss: log_probs must be a float tensor, got int64");
  const bool unbatched = log_probs_in.dim() == 2;
  if (log_probs_in.dim() != 3 && !unbatched)
    fail("ctc_loss: log_probs must be (T, N, C) or (T, C), got ", shape_str(log_probs_in.shape()));
  const Tensor log_probs = unbatched ? log_probs_in.unsqueeze(1) : log_probs_in;
  const std::int64_t T = log_probs.shape()[0], N = log_probs.shape()[1], C = log_probs.shape()[2];
  if (o.blank() < 0 || o.blank() >= C)
    fail("ctc_loss: blank must be in the class range [0, ", C, "), got ", o.blank());
  for (const Tensor* t : {&targets_in, &input_lengths, &target_lengths})
    if (t->dtype() != kInt64) fail("ctc_loss: targets and lengths must be int64, got ", dtype_name(t->dtype()));
  const Tensor targets = unbatched && targets_in.dim() == 1 ? targets_in.unsqueeze(0) : targets_in;
  if (targets.dim() != 1 && !(targets.dim() == 2 && targets.shape()[0] == N))
    fail("ctc_loss: targets must be (N, S) with N = ", N, " or 1-D (concatenated), got ", shape_str(targets_in.shape()));
  if (input_lengths.numel() != N || target_lengths.numel() != N || input_lengths.dim() > 1 || target_lengths.dim() > 1)
    fail("ctc_loss: input_lengths ", shape_str(input_lengths.shape()), " and target_lengths ",
         shape_str(target_lengths.shape()), " must have N = ", N, " elements each");
  const Plan p = plan(targets, host_ints(input_lengths), host_ints(target_lengths), T, C, o.blank());
  const TensorOptions f64 = TensorOptions(kFloat64).device(log_probs.device());
  const auto table = [&](const std::vector<double>& v, const Shape& s) { return xg::tensor(v, s, f64); };
  const Tensor labels = table(p.labels, {N, p.width}).to(kInt64), skip = table(p.skip, {N, p.width});
  const Tensor valid = table(p.valid, {N, p.width});

  // Emissions g[t, n, s] = log_probs[t, n, l'_s], shifted by their per-frame maximum (a
  // constant: the likelihood does not depend on it, as each alignment takes one emission per
  // frame) so that e = exp(g - m) ≤ 1 and never all underflows.
  const Tensor g = log_probs.to(kFloat64).gather(2, broadcast_to(labels.unsqueeze(0), {T, N, p.width}).clone());
  const Tensor m = g.amax(2, true).detach();
  const Tensor e = exp(g - m) * valid;

  // α before the first frame: all mass at state 0, so frame 0 may start at a blank or the
  // first label. A sequence past its input length keeps its α (scale 1).
  const std::int64_t frames_used = N == 0 ? 0 : *std::max_element(p.input_len.begin(), p.input_len.end());
  const std::int64_t frames_all = N == 0 ? 0 : *std::min_element(p.input_len.begin(), p.input_len.end());
  const Tensor frames = arange(0.0, static_cast<double>(T), 1.0, f64).unsqueeze(1) <
                        table(std::vector<double>(p.input_len.begin(), p.input_len.end()), {1, N});
  const tensor_list emit = e.slice(0, 0, frames_used).unbind(0);
  Tensor alpha = cat({ones({N, 1}, f64), zeros({N, p.width - 1}, f64)}, 1);
  tensor_list scales;
  for (std::int64_t t = 0; t < frames_used; ++t) {
    // α(s) from α(s), α(s - 1) and, where allowed, α(s - 2): two slices of α padded by two.
    const Tensor padded = pad(alpha, {2, 0});
    const Tensor a = (alpha + padded.slice(1, 1, p.width + 1) + skip * padded.slice(1, 0, p.width)) *
                     emit[static_cast<std::size_t>(t)];
    const Tensor c = a.sum(Axes{1}, true);
    Tensor scale = c + (c == 0.0);  // 0 only for a dead sequence: keep it 0, no 0 / 0
    if (t < frames_all) {
      alpha = a / scale;
    } else {  // some sequences have ended: they keep their α (scale 1)
      const Tensor on = frames.select(0, t).unsqueeze(1);
      scale = where(on, scale, ones_like(scale));
      alpha = where(on, a / scale, alpha);
    }
    scales.push_back(scale);
  }
  const Tensor log_scale = frames_used == 0 ? zeros({N}, f64) : log(cat(scales, 1)).sum(Axes{1});
  // log p = Σ log scale + Σ m over the frames used + log(α(2S) + α(2S - 1)).
  const Tensor m_sum = (m.reshape({T, N}) * frames).sum(Axes{0});
  const Tensor last = table(p.last, {N, 1}).to(kInt64), before = table(p.before_last, {N, 1}).to(kInt64);
  const Tensor end = alpha.gather(1, last).reshape({N}) + alpha.gather(1, before).reshape({N}) * table(p.has_before, {N});
  // An impossible sequence (a target too long for its input: S plus its repeats exceed T)
  // ends with α = 0 there: its loss is inf (or 0), and its gradient 0, no NaN (log of 1).
  const Tensor reachable = end > 0.0;
  const Tensor nll = -(log_scale + m_sum + log(where(reachable, end, ones_like(end))));
  const double inf = std::numeric_limits<double>::infinity();
  Tensor loss = where(reachable, nll, full({N}, o.zero_infinity() ? 0.0 : inf, f64)).to(log_probs.dtype());
  if (unbatched && o.reduction() == Reduction::None) return loss.reshape({});
  if (o.reduction() == Reduction::Mean) {  // each sequence's loss per target label first, as PyTorch
    std::vector<double> per(p.target_len.begin(), p.target_len.end());
    for (auto& v : per) v = std::max(v, 1.0);
    loss = loss / xg::tensor(per, {N}, TensorOptions(loss.dtype()).device(loss.device()));
  }
  return detail_loss::reduce(loss, o.reduction());
}

}  // namespace xg::nn::functional
