// Attention and the masking operations it is built from. Composed from matmul's primitive,
// where, softmax and dropout, so every order of gradient is available; the masks are
// constants of the graph (never differentiated).
#include <xgrad/detail/format.h>

#include <atomic>
#include <algorithm>
#include <cmath>
#include <limits>

#include <xgrad/ops.h>

#include "autograd/attention.h"
#include "autograd/graph.h"
#include "autograd/matmul.h"
#include "tensor/attention_kernels.h"
#include "tensor/checked.h"
#include "tensor/strided.h"

namespace xg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Shape leading(const Tensor& x) { return Shape(x.shape().begin(), x.shape().end() - 2); }

// keep(i, j) = (j - i <= diagonal) for tril, (j - i >= diagonal) for triu, as int64 (r, c).
Tensor triangle(std::int64_t r, std::int64_t c, std::int64_t diagonal, bool lower, Device device) {
  // Offsets j - i lie in [-(r - 1), c - 1]: a diagonal beyond keeps all or nothing, and
  // clamping keeps the comparison an exact int64 one for any diagonal.
  diagonal = std::clamp<std::int64_t>(diagonal, -r, c);
  const TensorOptions on = TensorOptions(kInt64).device(device);
  const Tensor i = arange(0, static_cast<double>(r), 1, on).reshape({r, 1}), j = arange(0, static_cast<double>(c), 1, on).reshape({1, c});
  const Tensor offset = j - i;
  return lower ? offset <= static_cast<double>(diagonal) : offset >= static_cast<double>(diagonal);
}

Tensor keep_triangle(const Tensor& x, std::int64_t diagonal, bool lower, const char* op) {
  detail::CallScope call(op);
  if (x.dim() < 2) fail(op, ": needs a tensor of at least 2 dimensions, got ", detail::shape_str(x.shape()));
  const std::int64_t r = x.shape()[x.dim() - 2], c = x.shape()[x.dim() - 1];
  return where(triangle(r, c, diagonal, lower, x.device()), x, scalar_tensor(0.0, x.dtype()));
}

}  // namespace

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  detail::CallScope call("masked_fill");
  if (!mask.defined()) fail("masked_fill: the mask is undefined");
  if (mask.dtype() != kInt64)
    fail("masked_fill: the mask must be int64 (xgrad's boolean: nonzero = fill), got ", dtype_name(mask.dtype()),
         " ", detail::shape_str(mask.shape()), "; a comparison gives floats: convert with .to(xg::kInt64)");
  if (detail::broadcast_shapes(mask.shape(), x.shape(), "masked_fill") != x.shape())
    fail("masked_fill: the mask ", detail::shape_str(mask.shape()), " does not broadcast to the input ",
         detail::shape_str(x.shape()));
  if (x.dtype() == kInt64 && !(std::isfinite(value) && value == std::trunc(value)))
    fail("masked_fill: value ", value, " is not an integer, for an int64 input");
  return where(mask, scalar_tensor(value, x.dtype()), x);
}

Tensor tril(const Tensor& x, std::int64_t diagonal) { return keep_triangle(x, diagonal, true, "tril"); }
Tensor triu(const Tensor& x, std::int64_t diagonal) { return keep_triangle(x, diagonal, false, "triu"); }

namespace autograd {

void check_attention_mask(const char* op, const char* what, const Tensor& mask, const Shape& scores,
                          bool allow_float) {
  if (mask.dtype() != kInt64 && !allow_float)
    fail(op, ": ", what, " must be int64 (xgrad's boolean), got ", dtype_name(mask.dtype()));
  bool ok = mask.dim() <= static_cast<std::int64_t>(scores.size());
  for (std::int64_t i = 1; ok && i <= mask.dim(); ++i) {
    const std::int64_t m = mask.shape()[mask.dim() - i], s = scores[scores.size() - i];
    ok = m == s || m == 1 || (i > 2 && s == 1);
  }
  if (!ok)
    fail(op, ": ", what, " ", detail::shape_str(mask.shape()), " does not broadcast to the attention scores ",
         detail::shape_str(scores), " (..., L, S)");
}

namespace {

// softmax(q k^T · scale + masks) for flattened q3 (B, L, E), k3 (B, S, E): (batch..., L, S),
// with PyTorch >= 2.5's safe softmax. Composed, so differentiable to any order.
Tensor probabilities(const Tensor& q3, const Tensor& k3, const Shape& batch, const AttentionMasks& masks, double scale) {
  const std::int64_t L = q3.size(1), S = k3.size(1);
  // Scaling q (L·E products) rather than the scores (L·S) is the same in exact arithmetic.
  Tensor scores = from_batch3(mm(q3 * scale, k3, false, true), batch);
  Tensor keep = masks.keep;
  if (masks.causal) {
    const Tensor lower = triangle(L, S, 0, true, q3.device());
    keep = keep.defined() ? keep * lower : lower;
  }
  const bool masked = keep.defined() || masks.bias.defined();
  if (keep.defined()) scores = where(keep, scores, scalar_tensor(-kInf, scores.dtype()));
  if (masks.bias.defined()) scores = scores + masks.bias;
  Tensor dead;
  if (masked) {
    // A row with no key left is all -inf: softmax would give 0/0. PyTorch >= 2.5 returns
    // zeros there (its _safe_softmax); so do we, by softmaxing zeros and then zeroing the row.
    // On a GPU the zeroing is unconditional: asking whether a row died would wait for the
    // device; on the CPU the question is free and saves two passes when no row died.
    const Tensor row_max = max(scores.detach(), {-1}, true);
    if (scores.is_cuda() || (row_max == -kInf).max().item() != 0) dead = row_max == -kInf;
  }
  if (dead.defined()) scores = where(dead, scalar_tensor(0.0, scores.dtype()), scores);
  Tensor weights = softmax(scores, -1);
  if (dead.defined()) weights = where(dead, scalar_tensor(0.0, weights.dtype()), weights);
  return weights;
}

// A mask as the fused kernel reads it: offsets per flattened batch entry and the strides of
// its last two axes over (batch..., L, S), 0 where it broadcasts. Nothing is materialised.
kernel::MaskView view_of(const Tensor& m, const Shape& batch, std::int64_t L, std::int64_t S) {
  kernel::MaskView view;
  if (!m.defined()) return view;
  Shape full = batch;
  full.insert(full.end(), {L, S});
  const Shape strides = detail::broadcast_strides(m.shape(), full);
  const std::size_t nb = batch.size();
  view.data = m;
  view.row_stride = strides[nb];
  view.col_stride = strides[nb + 1];
  const std::int64_t B = shape_numel(batch);
  view.batch_offset.resize(static_cast<std::size_t>(B));
  for (std::int64_t b = 0; b < B; ++b) {
    std::int64_t rest = b, offset = 0;
    for (std::size_t d = nb; d-- > 0;) {
      offset += (rest % batch[d]) * strides[d];
      rest /= batch[d];
    }
    view.batch_offset[static_cast<std::size_t>(b)] = offset;
  }
  return view;
}

// The fused path: one recorded node whose forward streams over key blocks (tensor/attention.cpp)
// and keeps only the output and each query's log-sum-exp. Its backward recomputes the
// probabilities block by block; when a gradient of the gradient is being built (grad mode on
// in backward: create_graph), it computes the same gradients from composed operations instead,
// so higher orders still hold.
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMasks& masks, double scale,
                       const Shape& batch) {
  const Tensor q3 = to_batch3(q, batch), k3 = to_batch3(k, batch), v3 = to_batch3(v, batch);
  const std::int64_t L = q3.size(1), S = k3.size(1);
  kernel::AttentionArgs args;
  args.keep = view_of(masks.keep, batch, L, S);
  args.bias = view_of(masks.bias, batch, L, S);
  args.causal = masks.causal;
  args.scale = scale;
  auto fwd = kernel::attention_forward(q3, k3, v3, args);
  const Tensor lse = fwd[1];
  // The masks are constants without a graph, so holding them in the closure makes no cycle.
  const Tensor out3 = record("scaled_dot_product_attention", {q3, k3, v3}, fwd[0], {q3, k3, v3, fwd[0], lse},
                            [args, masks, scale, batch](Node& n, const Tensor& gy) {
    const auto s = n.saved();
    const Tensor &Q = s[0], &K = s[1], &V = s[2];
    if (!is_grad_enabled()) {
      const auto g = kernel::attention_backward(Q, K, V, s[3], s[4], gy, args);
      return tensor_list{g[0], g[1], g[2]};
    }
    // dV = P^T gy; dP = gy V^T; dS = P (dP - rowsum(dP P)); dQ = scale dS K; dK = scale dS^T Q.
    const Tensor P = to_batch3(probabilities(Q, K, batch, masks, scale), batch);
    const Tensor dP = mm(gy, V, false, true);
    const Tensor dS = P * (dP - sum(dP * P, {-1}, true));
    return tensor_list{mm(dS, K, false, false) * scale, mm(dS, Q, true, false) * scale, mm(P, gy, true, false)};
  });
  return from_batch3(out3, batch);
}

}  // namespace

std::tuple<Tensor, Tensor> attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionMasks& masks,
                                     const WeightsFn& on_weights, double scale, bool want_weights) {
  const std::int64_t L = q.shape()[q.dim() - 2], S = k.shape()[k.dim() - 2];
  Shape batch = detail::broadcast_shapes(detail::broadcast_shapes(leading(q), leading(k), "attention"), leading(v),
                                         "attention");
  for (const Tensor* m : {&masks.keep, &masks.bias})
    if (m->defined() && m->dim() > 2)
      batch = detail::broadcast_shapes(batch, Shape(m->shape().begin(), m->shape().end() - 2), "attention");

  if (L == 0 || S == 0) {  // nothing to attend with or to: zeros, as PyTorch's
    Shape o = batch, w = batch;
    o.insert(o.end(), {L, v.shape()[v.dim() - 1]});
    w.insert(w.end(), {L, S});
    const TensorOptions like_q = TensorOptions(q.dtype()).device(q.device());
    return {zeros(o, like_q), want_weights ? zeros(w, like_q) : Tensor()};
  }
  // Nobody looks at the weights (no dropout, no hook, not returned) and a float mask is not
  // trained: the weights need never exist.
  // The fused kernel is the CPU's; on a GPU the composed path runs (its products are cuBLAS's).
  if (!want_weights && !on_weights && !(masks.bias.defined() && masks.bias.requires_grad()) && fused_attention_enabled() &&
      q.device().is_cpu())
    return {fused_attention(q, k, v, masks, scale, batch), Tensor()};
  Tensor weights = probabilities(to_batch3(q, batch), to_batch3(k, batch), batch, masks, scale);
  if (on_weights) weights = on_weights(weights);
  const Tensor out = from_batch3(mm(to_batch3(weights, batch), to_batch3(v, batch), false, false), batch);
  return {out, want_weights ? weights : Tensor()};
}

}  // namespace autograd

namespace {
std::atomic<bool> g_fused{true};
}

bool fused_attention_enabled() { return g_fused.load(); }
void set_fused_attention_enabled(bool on) { g_fused.store(on); }

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  constexpr const char* op = "scaled_dot_product_attention";
  detail::CallScope call(op);
  for (const Tensor* t : {&query, &key, &value}) {
    if (!t->defined()) fail(op, ": query, key and value must be defined");
    if (t->dim() < 2)
      fail(op, ": query ", detail::shape_str(query.shape()), ", key ", detail::shape_str(key.shape()), ", value ",
           detail::shape_str(value.shape()), ": each needs at least 2 dimensions (..., sequence, features)");
    if (t->dtype() == kInt64) fail(op, ": int64 query, key or value; convert with .to(xg::kFloat32)");
  }
  const std::int64_t E = query.shape()[query.dim() - 1], L = query.shape()[query.dim() - 2];
  const std::int64_t S = key.shape()[key.dim() - 2];
  if (key.shape()[key.dim() - 1] != E || value.shape()[value.dim() - 2] != S)
    fail(op, ": query ", detail::shape_str(query.shape()), ", key ", detail::shape_str(key.shape()), ", value ",
         detail::shape_str(value.shape()), ": expected query (..., L, E), key (..., S, E), value (..., S, Ev)");
  if (is_causal && attn_mask.defined())
    fail(op, ": is_causal and an explicit attn_mask ", detail::shape_str(attn_mask.shape()),
         " were both given; pass one (PyTorch refuses both)");
  if (!(dropout_p >= 0 && dropout_p <= 1)) fail(op, ": dropout_p must be in [0, 1], got ", dropout_p);
  if (scale && !std::isfinite(*scale)) fail(op, ": scale must be finite, got ", *scale);
  {
    const Shape bq = leading(query), bk = leading(key), bv = leading(value);
    const auto broadcasts = [](const Shape& a, const Shape& b) {
      for (std::size_t i = 1; i <= std::min(a.size(), b.size()); ++i)
        if (a[a.size() - i] != b[b.size() - i] && a[a.size() - i] != 1 && b[b.size() - i] != 1) return false;
      return true;
    };
    if (!broadcasts(bq, bk) || !broadcasts(bq, bv) || !broadcasts(bk, bv))
      fail(op, ": query ", detail::shape_str(query.shape()), ", key ", detail::shape_str(key.shape()), ", value ",
           detail::shape_str(value.shape()), ": their leading (batch) axes do not broadcast");
  }
  Dtype dt = promote(promote(query.dtype(), key.dtype()), value.dtype());
  autograd::AttentionMasks masks;
  masks.causal = is_causal;
  if (attn_mask.defined()) {
    Shape scores = detail::broadcast_shapes(leading(query), leading(key), op);
    scores.push_back(L);
    scores.push_back(S);
    autograd::check_attention_mask(op, "attn_mask", attn_mask, scores, true);
    if (attn_mask.dtype() == kInt64) {
      masks.keep = attn_mask;
    } else {
      dt = promote(dt, attn_mask.dtype());
      masks.bias = attn_mask.to(dt);
    }
  }
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(E));
  autograd::WeightsFn drop;
  if (dropout_p > 0) drop = [dropout_p](const Tensor& w) { return dropout(w, dropout_p, true); };
  return std::get<0>(autograd::attention(query.to(dt), key.to(dt), value.to(dt), masks, drop, s, false));
}

}  // namespace xg
