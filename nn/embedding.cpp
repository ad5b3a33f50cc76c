// Embedding and F::embedding, and how every embedding reads its rows (embedding_lookup.h):
// composed of index_select, so the gradient reaches the table to every order on every
// device. max_norm is PyTorch's embedding_renorm_, a data write into the table under no
// grad (the storage's version moves, so a backward that saved the table says so);
// scale_grad_by_freq is a hook on the rows read, dividing their gradient by how often each
// index was read (a count by index_add: no host read, so no wait on a GPU).
#include <xgrad/detail/format.h>
#include <cmath>
#include <memory>
#include <mutex>

#include <xgrad/autograd.h>
#include <xgrad/nn/functional.h>
#include <xgrad/nn/layers.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "nn/embedding_lookup.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg::nn {

namespace detail_lookup {

void check_lookup_rule(const LookupRule& rule, const char* op, bool max_mode) {
  if (rule.max_norm && !(*rule.max_norm > 0))
    fail(op, ": max_norm must be positive, got ", *rule.max_norm);
  // xg::norm's p: positive or infinite (p = 0 counts, which no renormalisation can lower).
  if (rule.max_norm && !(rule.norm_type > 0))
    fail(op, ": norm_type must be positive or infinite, got ", rule.norm_type);
  if (max_mode && rule.scale_grad_by_freq)  // a bag's maximum reads one row per column
    fail(op, ": mode max does not support scale_grad_by_freq");
}

Tensor read_rows(const Tensor& weight, const Tensor& flat, const LookupRule& rule) {
  if (rule.max_norm && flat.numel() > 0) {
    NoGradGuard no_grad;
    const Tensor rows = index_select(weight, 0, flat);
    // PyTorch's arithmetic: the norm in the table's dtype, the scale in double.
    const Tensor norms = rows.norm(rule.norm_type, {1}, true).to(kFloat64);
    const Tensor scale = where(norms > *rule.max_norm, *rule.max_norm / (norms + 1e-7), ones_like(norms));
    Tensor table = weight;  // a handle: the write reaches the caller's table
    // A repeated index writes the same row twice: the last write wins, and both agree.
    table.index_put_({flat}, rows * scale.to(weight.dtype()));
  }
  Tensor rows = index_select(weight, 0, flat);
  if (rule.scale_grad_by_freq && rows.requires_grad()) {
    const TensorOptions like = TensorOptions().dtype(weight.dtype()).device(weight.device());
    const Tensor counts = index_add(zeros({weight.size(0)}, like), 0, flat, ones({flat.numel()}, like));
    const Tensor inverse = (1.0 / index_select(counts, 0, flat)).unsqueeze(1);
    rows.register_hook([inverse](const Tensor& g) { return g * inverse; });
  }
  return rows;
}

}  // namespace detail_lookup

namespace functional {

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& o) {
  detail::CallScope call("embedding");
  if (!weight.defined() || weight.dim() != 2)
    fail("embedding: expected a weight (num_embeddings, dim), got ",
         weight.defined() ? detail::shape_str(weight.shape()) : "an undefined tensor");
  const std::int64_t n = weight.shape()[0];
  if (!input.defined()) fail("embedding: the indices are undefined");
  if (input.dtype() != kInt64) fail("embedding: indices must be int64, got ", dtype_name(input.dtype()));
  const detail_lookup::LookupRule rule = detail_lookup::lookup_rule(o);
  detail_lookup::check_lookup_rule(rule, "embedding");
  std::optional<std::int64_t> pad;
  if (o.padding_idx()) {
    pad = *o.padding_idx() < 0 ? *o.padding_idx() + n : *o.padding_idx();
    if (*pad < 0 || *pad >= n) fail("embedding: padding_idx ", *o.padding_idx(), " is out of range for ", n, " embeddings");
  }
  kernel::check_labels(input, n, "embedding", "index");
  Shape shape = input.shape();
  shape.push_back(weight.shape()[1]);
  const Tensor flat = reshape(input, {-1});
  Tensor rows = detail_lookup::read_rows(weight, flat, rule);
  if (pad) {
    // The padding positions read the weight without a gradient into it.
    const Tensor is_pad = (flat == static_cast<double>(*pad)).to(weight.dtype()).reshape({-1, 1});
    rows = rows * (1.0 - is_pad) + index_select(weight.detach(), 0, flat) * is_pad;
  }
  return reshape(rows, shape);
}

}  // namespace functional

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Dtype dtype)
    : Embedding(EmbeddingOptions(num_embeddings, embedding_dim).dtype(dtype)) {}

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, std::int64_t padding_idx, Dtype dtype)
    : Embedding(EmbeddingOptions(num_embeddings, embedding_dim).padding_idx(padding_idx).dtype(dtype)) {}

Embedding::Embedding(const EmbeddingOptions& o) : options_(o) {
  detail::CallScope call("Embedding");
  const std::int64_t num_embeddings = o.num_embeddings(), embedding_dim = o.embedding_dim();
  if (num_embeddings <= 0 || embedding_dim <= 0)
    fail("Embedding: sizes must be positive, got num_embeddings=", num_embeddings, ", embedding_dim=", embedding_dim);
  detail_lookup::check_lookup_rule(detail_lookup::lookup_rule(o), "Embedding");
  W = randn({num_embeddings, embedding_dim}, o.dtype());
  register_parameter("W", W);
  if (!o.has_padding_idx()) return;
  set_padding_idx(o.padding_idx(), "Embedding");
  NoGradGuard no_grad;
  W.index_put_({padding_idx_}, 0.0);  // the padding row starts at zero
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  return Embedding(Pretrained{}, embeddings, options);
}

namespace {
// from_pretrained's checks, then the options it implies (sizes and dtype from the table).
EmbeddingOptions pretrained_options(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& o, const char* call) {
  detail::CallScope scope(call);
  if (!embeddings.defined() || embeddings.dim() != 2)
    fail(call, ": expected 2-D embeddings (num_embeddings, embedding_dim), got ",
         embeddings.defined() ? detail::shape_str(embeddings.shape()) : std::string("an undefined tensor"));
  if (!is_floating(embeddings.dtype())) fail(call, ": expected float embeddings, got ", dtype_name(embeddings.dtype()));
  if (embeddings.numel() == 0) fail(call, ": the embeddings ", detail::shape_str(embeddings.shape()), " are empty");
  detail_lookup::check_lookup_rule(detail_lookup::lookup_rule(o), call);
  EmbeddingOptions options(embeddings.size(0), embeddings.size(1));
  options.max_norm(o.max_norm()).norm_type(o.norm_type()).scale_grad_by_freq(o.scale_grad_by_freq());
  if (o.padding_idx()) options.padding_idx(*o.padding_idx());
  return options.dtype(embeddings.dtype());
}
}  // namespace

Embedding::Embedding(Pretrained, const Tensor& embeddings, const EmbeddingFromPretrainedOptions& o)
    : options_(pretrained_options(embeddings, o, "Embedding::from_pretrained")) {
  const char* call = "Embedding::from_pretrained";
  detail::CallScope scope(call);
  W = embeddings.detach();  // the same storage, as PyTorch's Parameter(embeddings); a leaf of its own
  register_parameter("W", W);
  if (o.padding_idx()) set_padding_idx(*o.padding_idx(), call);  // keeps its pretrained values
  W.requires_grad_(!o.freeze());  // after the padding hook, which needs a tensor requiring grad
}

void Embedding::set_padding_idx(std::int64_t padding_idx, const char* call) {
  const std::int64_t num_embeddings = W.shape()[0];
  if (padding_idx < -num_embeddings || padding_idx >= num_embeddings)
    fail(call, ": padding_idx ", padding_idx, " is out of range for ", num_embeddings, " embeddings");
  padding_idx_ = padding_idx < 0 ? padding_idx + num_embeddings : padding_idx;
  std::vector<double> keep(static_cast<std::size_t>(num_embeddings), 1.0);
  keep[static_cast<std::size_t>(padding_idx_)] = 0.0;
  const Tensor mask = tensor(keep, {num_embeddings, 1}, TensorOptions(W.dtype()).device(W.device()));
  // The padding row never learns: a gradient hook on the table drops that row's gradient.
  // The mask follows the gradient to its device and dtype once (a copy to a GPU waits), then
  // stays there; under a lock, since backward passes on two threads may share the table.
  struct Mask {
    std::mutex lock;
    Tensor values;
  };
  auto held = std::make_shared<Mask>();
  held->values = mask;
  W.register_hook([held](const Tensor& g) {
    Tensor m;
    {
      std::lock_guard<std::mutex> guard(held->lock);
      if (held->values.device() != g.device() || held->values.dtype() != g.dtype())
        held->values = held->values.to(g.device(), g.dtype());
      m = held->values;
    }
    return g * m;
  });
}

Tensor Embedding::forward(const Tensor& indices) {
  kernel::check_labels(indices, W.shape()[0], "Embedding", "index");
  Shape shape = indices.shape();
  shape.push_back(W.shape()[1]);
  return reshape(detail_lookup::read_rows(W, reshape(indices, {-1}), detail_lookup::lookup_rule(options_)), shape);
}

}  // namespace xg::nn
