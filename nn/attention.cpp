// MultiheadAttention: the input projections, the heads as a (N, num_heads, L, head_dim)
// batch for the attention core (autograd/attention.h), the output projection. PyTorch's
// mask conventions (true = masked out) are translated here into the core's (true = takes part).
#include <xgrad/detail/format.h>

#include <cmath>

#include <xgrad/nn/attention.h>
#include <xgrad/nn/init.h>
#include <xgrad/ops.h>

#include "autograd/attention.h"
#include "tensor/checked.h"

namespace xg::nn {

namespace {

constexpr const char* kOp = "MultiheadAttention";

std::string shapes(const Tensor& q, const Tensor& k, const Tensor& v) {
  return "query " + xg::detail::shape_str(q.shape()) + ", key " + xg::detail::shape_str(k.shape()) + ", value " +
         xg::detail::shape_str(v.shape());
}

}  // namespace

MultiheadAttention::MultiheadAttention(const MultiheadAttentionOptions& o) : options_(o) {
  xg::detail::CallScope call(kOp);
  const std::int64_t E = o.embed_dim(), H = o.num_heads();
  if (E <= 0 || H <= 0) fail(kOp, ": embed_dim and num_heads must be positive, got ", E, " and ", H);
  if (E % H != 0) fail(kOp, ": embed_dim ", E, " is not divisible by num_heads ", H);
  if (o.kdim() <= 0 || o.vdim() <= 0) fail(kOp, ": kdim and vdim must be positive, got ", o.kdim(), " and ", o.vdim());
  if (!(o.dropout() >= 0 && o.dropout() <= 1)) fail(kOp, ": dropout must be in [0, 1], got ", o.dropout());
  using xg::detail::size_add, xg::detail::size_mul;
  const std::int64_t inputs = size_add(size_add(E, o.kdim(), kOp, "the projections"), o.vdim(), kOp, "the projections");
  xg::detail::checked_buffer(size_mul(E, size_add(inputs, E, kOp, "the projections"), kOp, "the projections"),
                             dtype_size(o.dtype()), kOp, "the projections");
  if (o.kdim() == E && o.vdim() == E) {
    in_proj_weight = empty({3 * E, E}, o.dtype());
    init::xavier_uniform_(in_proj_weight);
    register_parameter("in_proj_weight", in_proj_weight);
  } else {
    q_proj_weight = empty({E, E}, o.dtype());
    k_proj_weight = empty({E, o.kdim()}, o.dtype());
    v_proj_weight = empty({E, o.vdim()}, o.dtype());
    for (auto* w : {&q_proj_weight, &k_proj_weight, &v_proj_weight}) init::xavier_uniform_(*w);
    register_parameter("q_proj_weight", q_proj_weight);
    register_parameter("k_proj_weight", k_proj_weight);
    register_parameter("v_proj_weight", v_proj_weight);
  }
  if (o.bias()) {
    in_proj_bias = zeros({3 * E}, o.dtype());
    register_parameter("in_proj_bias", in_proj_bias);
  }
  if (o.add_bias_kv()) {  // PyTorch's order: after in_proj_bias, before out_proj; xavier_normal_
    bias_k = empty({1, 1, E}, o.dtype());
    bias_v = empty({1, 1, E}, o.dtype());
    init::xavier_normal_(bias_k);
    init::xavier_normal_(bias_v);
    register_parameter("bias_k", bias_k);
    register_parameter("bias_v", bias_v);
  }
  out_proj = std::make_shared<Linear>(LinearOptions(E, E).bias(o.bias()).dtype(o.dtype()));
  init::kaiming_uniform_(out_proj->W, std::sqrt(5.0));  // PyTorch's Linear: U(±1/sqrt(E)); bias stays 0
  register_module("out_proj", *out_proj);
  attn_drop = std::make_shared<Dropout>(o.dropout());
  register_module("attn_drop", *attn_drop);
}

Tensor MultiheadAttention::forward(const Tensor& x) { return std::get<0>(forward(x, x, x, Tensor(), false)); }

std::tuple<Tensor, Tensor> MultiheadAttention::operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                                          const Tensor& key_padding_mask, bool need_weights,
                                                          const Tensor& attn_mask, bool average_attn_weights) {
  Tensor weights;
  Tensor out = call(query, [&](const Tensor& q) {
    // A self-attention call stays one (a pre-hook's replacement query is its key and value too).
    const bool self = query.impl() == key.impl() && key.impl() == value.impl();
    auto [o, w] = forward(q, self ? q : key, self ? q : value, key_padding_mask, need_weights, attn_mask,
                          average_attn_weights);
    weights = w;
    return o;
  });
  return {out, weights};
}

std::tuple<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                       const Tensor& key_padding_mask, bool need_weights,
                                                       const Tensor& attn_mask, bool average_attn_weights) {
  xg::detail::CallScope call(kOp);
  const auto& o = options_;
  const std::int64_t E = o.embed_dim(), H = o.num_heads(), d = head_dim();
  if (!query.defined() || !key.defined() || !value.defined()) fail(kOp, ": query, key and value must be defined");
  const auto r = query.dim();
  if ((r != 2 && r != 3) || key.dim() != r || value.dim() != r)
    fail(kOp, ": ", shapes(query, key, value), ": expected all 3-D (", o.batch_first() ? "batch, seq" : "seq, batch",
         ", feature), or all 2-D (seq, feature) unbatched");
  if (query.shape()[r - 1] != E || key.shape()[r - 1] != o.kdim() || value.shape()[r - 1] != o.vdim())
    fail(kOp, ": ", shapes(query, key, value), ": the last axes must be embed_dim ", E, ", kdim ", o.kdim(),
         " and vdim ", o.vdim());
  const bool batched = r == 3;
  const std::int64_t bax = batched && !o.batch_first() ? 1 : 0, sax = batched ? 1 - bax : 0;
  if (batched && (key.shape()[bax] != query.shape()[bax] || value.shape()[bax] != query.shape()[bax])) {
    // (seq, batch) read as (batch, seq), or the other way round, is the usual cause.
    const std::int64_t other = 1 - bax;
    const bool swapped = key.shape()[other] == query.shape()[other] && value.shape()[other] == query.shape()[other];
    fail(kOp, ": ", shapes(query, key, value), ": batch sizes (axis ", bax, ") differ",
         swapped ? std::string("; they agree on axis ") + std::to_string(other) + ": is batch_first(" +
                       (o.batch_first() ? "false" : "true") + ") meant?"
                 : std::string());
  }
  if (key.shape()[sax] != value.shape()[sax])
    fail(kOp, ": ", shapes(query, key, value), ": key and value sequence lengths (axis ", sax, ") differ");
  const std::int64_t N = batched ? query.shape()[bax] : 1, L = query.shape()[sax], S = key.shape()[sax];

  Dtype dt = promote(promote(query.dtype(), key.dtype()), value.dtype());
  dt = promote(dt, out_proj->W.dtype());
  // (N, T, features), then each projection as (N, H, T, d).
  const auto to_batch_major = [&](const Tensor& x) {
    const Tensor y = x.to(dt);
    return !batched ? y.unsqueeze(0) : o.batch_first() ? y : y.transpose(0, 1);
  };
  const auto heads = [&](const Tensor& x, std::int64_t T) { return x.reshape({N, T, H, d}).permute({0, 2, 1, 3}); };
  const auto bias_part = [&](std::int64_t i) { return in_proj_bias.defined() ? in_proj_bias.narrow(0, i * E, E) : Tensor(); };
  const Tensor q_in = to_batch_major(query).reshape({N * L, E});
  Tensor q, k, v;
  if (in_proj_weight.defined() && query.impl() == key.impl() && key.impl() == value.impl()) {
    const auto qkv = chunk(linear_t(q_in, in_proj_weight, in_proj_bias), 3, 1);  // one product for all three
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    const auto weight = [&](std::int64_t i, const Tensor& separate) {
      return in_proj_weight.defined() ? in_proj_weight.narrow(0, i * E, E) : separate;
    };
    q = linear_t(q_in, weight(0, q_proj_weight), bias_part(0));
    k = linear_t(to_batch_major(key).reshape({N * S, o.kdim()}), weight(1, k_proj_weight), bias_part(1));
    v = linear_t(to_batch_major(value).reshape({N * S, o.vdim()}), weight(2, v_proj_weight), bias_part(2));
  }

  // add_bias_kv appends the learned key and value to every sequence, add_zero_attn then a
  // zero one to every head (PyTorch's order); the masks, sized for the given keys, are
  // extended so that every query attends to them.
  std::int64_t keys = S;
  if (bias_k.defined()) {
    k = cat({k.reshape({N, S, E}), bias_k.to(dt).expand({N, 1, E})}, 1).reshape({N * (S + 1), E});
    v = cat({v.reshape({N, S, E}), bias_v.to(dt).expand({N, 1, E})}, 1).reshape({N * (S + 1), E});
    ++keys;
  }
  Tensor kh = heads(k, keys), vh = heads(v, keys);
  if (o.add_zero_attn()) {
    const Tensor zero = zeros({N, H, 1, d}, TensorOptions().dtype(dt).device(kh.device()));
    kh = cat({kh, zero}, 2);
    vh = cat({vh, zero}, 2);
  }
  const std::int64_t extra = kh.shape()[2] - S;
  const auto extend = [&](const Tensor& m, double fill) {
    if (extra == 0) return m;
    Shape s = m.shape();
    s.back() = extra;
    return cat({m, full(s, fill, TensorOptions().dtype(m.dtype()).device(m.device()))}, -1);
  };

  autograd::AttentionMasks masks;
  if (attn_mask.defined()) {
    const bool ok = (attn_mask.dim() == 2 && attn_mask.shape() == Shape{L, S}) ||
                    (attn_mask.dim() == 3 && attn_mask.shape() == Shape{N * H, L, S});
    if (!ok)
      fail(kOp, ": attn_mask ", xg::detail::shape_str(attn_mask.shape()), " must be (L, S) = (", L, ", ", S,
           ") or (N * num_heads, L, S) = (", N * H, ", ", L, ", ", S, ")");
    const Tensor m = attn_mask.dim() == 3 ? attn_mask.reshape({N, H, L, S}) : attn_mask;
    if (m.dtype() == kInt64)
      masks.keep = extend(m == 0.0, 1.0);
    else
      masks.bias = extend(m.to(dt), 0.0);
  }
  if (key_padding_mask.defined()) {
    const Shape want = batched ? Shape{N, S} : Shape{S};
    if (key_padding_mask.shape() != want)
      fail(kOp, ": key_padding_mask ", xg::detail::shape_str(key_padding_mask.shape()), " must be ",
           batched ? "(N, S) = " : "(S) = ", xg::detail::shape_str(want));
    const Tensor m = key_padding_mask.reshape({N, 1, 1, S});
    if (m.dtype() == kInt64) {
      const Tensor keep = extend(m == 0.0, 1.0);
      masks.keep = masks.keep.defined() ? masks.keep * keep : keep;
    } else {
      const Tensor bias = extend(m.to(dt), 0.0);
      masks.bias = masks.bias.defined() ? masks.bias + bias : bias;
    }
  }

  // The weights go through attn_drop only when something happens there (dropout in training,
  // or a hook reading them); otherwise attention may run fused, never forming them.
  autograd::WeightsFn drop;
  if (attn_drop->has_hooks() || (is_training() && o.dropout() > 0))
    drop = [this](const Tensor& w) { return (*attn_drop)(w); };
  auto [att, w] = autograd::attention(heads(q, L), kh, vh, masks, drop,
                                      1.0 / std::sqrt(static_cast<double>(d)), need_weights);
  Tensor out = (*out_proj)(att.permute({0, 2, 1, 3}).reshape({N * L, E})).reshape({N, L, E});
  out = !batched ? out.squeeze(0) : o.batch_first() ? out : out.transpose(0, 1);
  if (need_weights) {
    if (average_attn_weights) w = w.mean({1});
    if (!batched) w = w.squeeze(0);
  }
  return {out, w};
}

Tensor generate_square_subsequent_mask(std::int64_t sz, const TensorOptions& options) {
  xg::detail::CallScope call("generate_square_subsequent_mask");
  if (sz < 0) fail("generate_square_subsequent_mask: size must be non-negative, got ", sz);
  if (!is_floating(options.dtype()))
    fail("generate_square_subsequent_mask: the mask holds -inf, so its dtype must be a float type, got ",
         dtype_name(options.dtype()));
  xg::detail::checked_buffer(xg::detail::size_mul(sz, sz, "generate_square_subsequent_mask", "the mask"),
                             dtype_size(options.dtype()), "generate_square_subsequent_mask", "the mask");
  // Made where it is used (full and triu run on the device), so a GPU model's mask is no copy.
  return triu(full({sz, sz}, -std::numeric_limits<double>::infinity(), options.requires_grad(false)), 1);
}

}  // namespace xg::nn
