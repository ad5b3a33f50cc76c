// EmbeddingBag and F::embedding_bag, composed: the indices' rows are read once
// (index_select), each entry is told its bag (a bisection of the offsets: searchsorted),
// and the bags are reduced by index_add (sum, mean) or, for max, by one max over a (bags,
// longest bag, dim) gather of the rows with an -inf row for the gaps. So the gradient
// reaches the weight (and per_sample_weights) to every order on every device, with no new
// kernel. Offsets are checked on the CPU; on a GPU reading them would be a wait, and max
// mode's longest bag is one (a documented wait, as nonzero's).
#include <xgrad/nn/embedding_bag.h>

#include <limits>

#include <xgrad/autograd.h>
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "nn/embedding_lookup.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg::nn {

namespace {

EmbeddingBagMode mode_of(Reduction r, const char* op) {
  if (r == Reduction::None) fail(op, ": mode must be kSum, kMean or kMax, got kNone");
  return r == Reduction::Sum ? EmbeddingBagMode::Sum : EmbeddingBagMode::Mean;
}

const char* mode_name(EmbeddingBagMode m) {
  return m == EmbeddingBagMode::Sum ? "sum" : m == EmbeddingBagMode::Mean ? "mean" : "max";
}

// Each entry's bag (int64, length L; -1 past a closing offset: no part), where each bag
// starts, and the number of bags, from a 2-D input or offsets.
struct Bags {
  Tensor bag, starts;
  std::int64_t count;
};

Bags bags_of(const Tensor& input, const EmbeddingBagFuncOptions& o, std::int64_t length) {
  const TensorOptions ints = TensorOptions().dtype(kInt64).device(input.device());
  if (input.dim() == 2) {
    if (o.offsets().defined())
      fail("embedding_bag: offsets go with a 1-D input; a 2-D input ", detail::shape_str(input.shape()),
           " is one bag per row");
    const std::int64_t bags = input.size(0), per = input.size(1);
    const Tensor ids = arange(0.0, static_cast<double>(bags), 1.0, ints);
    return {repeat_interleave(ids, per), ids * per, bags};
  }
  const Tensor& offsets = o.offsets();
  if (!offsets.defined()) fail("embedding_bag: a 1-D input needs offsets (where each bag starts)");
  if (offsets.dtype() != kInt64 || offsets.dim() != 1)
    fail("embedding_bag: offsets must be a 1-D int64 tensor, got ", dtype_name(offsets.dtype()), " ",
         detail::shape_str(offsets.shape()));
  const std::int64_t count = offsets.size(0);
  if (o.include_last_offset() && count == 0)
    fail("embedding_bag: include_last_offset needs at least one offset (the end of the last bag)");
  if (offsets.device().is_cpu() && count > 0) {
    const auto v = offsets.to_vector<std::int64_t>();
    if (v[0] != 0) fail("embedding_bag: offsets[0] has to be 0 (the first bag starts at the first index), got ", v[0]);
    for (std::size_t i = 1; i < v.size(); ++i)
      if (v[i] < v[i - 1])
        fail("embedding_bag: offsets must not decrease, got offsets[", i - 1, "] = ", v[i - 1], " and offsets[", i,
             "] = ", v[i]);
    if (v.back() > length)
      fail("embedding_bag: offsets[-1] = ", v.back(), " is past the input's length ", length);
    // PyTorch's documented CSR form (its 1.13 corrupts memory otherwise).
    if (o.include_last_offset() && v.back() != length)
      fail("embedding_bag: with include_last_offset the last offset closes the last bag and must be the input's "
           "length ", length, ", got ", v.back());
  }
  const std::int64_t bags = o.include_last_offset() ? count - 1 : count;
  Tensor bag = searchsorted(offsets.detach(), arange(0.0, static_cast<double>(length), 1.0, ints), false, true) - 1;
  if (o.include_last_offset())  // past the closing offset: no bag
    bag = where((bag < static_cast<double>(bags)), bag, full({}, -1.0, TensorOptions().dtype(kInt64)));
  return {bag, offsets.detach().narrow(0, 0, bags), bags};
}

}  // namespace

EmbeddingBagFuncOptions& EmbeddingBagFuncOptions::mode(Reduction v) {
  mode_ = mode_of(v, "embedding_bag");
  return *this;
}
EmbeddingBagOptions& EmbeddingBagOptions::mode(Reduction v) {
  mode_ = mode_of(v, "EmbeddingBag");
  return *this;
}
EmbeddingBagFromPretrainedOptions& EmbeddingBagFromPretrainedOptions::mode(Reduction v) {
  mode_ = mode_of(v, "EmbeddingBag::from_pretrained");
  return *this;
}

namespace {
// The checked embeddings' sizes as the module's options.
EmbeddingBagOptions pretrained_options(const Tensor& e, const EmbeddingBagFromPretrainedOptions& o) {
  const char* call = "EmbeddingBag::from_pretrained";
  if (!e.defined() || e.dim() != 2)
    fail(call, ": expected 2-D embeddings (num_embeddings, embedding_dim), got ",
         e.defined() ? detail::shape_str(e.shape()) : std::string("an undefined tensor"));
  if (!is_floating(e.dtype())) fail(call, ": expected float embeddings, got ", dtype_name(e.dtype()));
  if (e.numel() == 0) fail(call, ": the embeddings ", detail::shape_str(e.shape()), " are empty");
  const std::int64_t n = e.shape()[0];
  EmbeddingBagOptions options(n, e.shape()[1]);
  options.mode(o.mode()).include_last_offset(o.include_last_offset()).dtype(e.dtype());
  options.max_norm(o.max_norm()).norm_type(o.norm_type()).scale_grad_by_freq(o.scale_grad_by_freq());
  detail_lookup::check_lookup_rule(detail_lookup::lookup_rule(o), call, o.mode() == EmbeddingBagMode::Max);
  if (o.padding_idx()) {
    const std::int64_t p = *o.padding_idx();
    if (p < -n || p >= n) fail(call, ": padding_idx ", p, " is out of range for ", n, " embeddings");
    options.padding_idx(p);
  }
  return options;
}
}  // namespace

namespace functional {

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagFuncOptions& o) {
  detail::CallScope call("embedding_bag");
  if (!input.defined() || !weight.defined()) fail("embedding_bag: ", !input.defined() ? "input" : "weight", " is undefined");
  if (weight.dim() != 2 || !is_floating(weight.dtype()))
    fail("embedding_bag: expected a float weight (num_embeddings, dim), got ", dtype_name(weight.dtype()), " ",
         detail::shape_str(weight.shape()));
  if (input.dtype() != kInt64) fail("embedding_bag: indices must be int64, got ", dtype_name(input.dtype()));
  if (input.dim() != 1 && input.dim() != 2)
    fail("embedding_bag: expected a 1-D (with offsets) or 2-D input of indices, got ", detail::shape_str(input.shape()));
  const std::int64_t n = weight.size(0), dim = weight.size(1), length = input.numel();
  const Tensor& psw = o.per_sample_weights();
  if (psw.defined()) {
    if (o.mode() != EmbeddingBagMode::Sum)
      fail("embedding_bag: per_sample_weights is only supported for mode sum, got mode ", mode_name(o.mode()));
    if (psw.shape() != input.shape() || psw.dtype() != weight.dtype())
      fail("embedding_bag: per_sample_weights must have the input's shape ", detail::shape_str(input.shape()),
           " and the weight's dtype ", dtype_name(weight.dtype()), ", got ", dtype_name(psw.dtype()), " ",
           detail::shape_str(psw.shape()));
  }
  std::optional<std::int64_t> pad;
  if (o.padding_idx()) {
    pad = *o.padding_idx() < 0 ? *o.padding_idx() + n : *o.padding_idx();
    if (*pad < 0 || *pad >= n) fail("embedding_bag: padding_idx ", *o.padding_idx(), " is out of range for ", n, " embeddings");
  }
  const detail_lookup::LookupRule rule = detail_lookup::lookup_rule(o);
  detail_lookup::check_lookup_rule(rule, "embedding_bag", o.mode() == EmbeddingBagMode::Max);
  kernel::check_labels(input, n, "embedding_bag", "index");
  const auto [bag, starts, bags] = bags_of(input, o, length);
  const TensorOptions like = TensorOptions().dtype(weight.dtype()).device(weight.device());
  const Tensor idx = input.reshape({-1});
  // Which entries count: in a bag, and not the padding index.
  const Tensor in_bag = bag >= 0.0;
  Tensor keep = in_bag.to(weight.dtype());
  if (pad) keep = keep * (idx != static_cast<double>(*pad)).to(weight.dtype());
  const Tensor into = where(in_bag, bag, zeros({}, kInt64));  // a dropped entry adds 0 to bag 0
  const Tensor rows = detail_lookup::read_rows(weight, idx, rule);
  if (bags == 0) return zeros({0, dim}, like) + rows.narrow(0, 0, 0).sum();  // no bags: (0, dim), in the graph
  if (o.mode() != EmbeddingBagMode::Max) {
    Tensor scale = psw.defined() ? keep * psw.reshape({-1}) : keep;
    Tensor out = index_add(zeros({bags, dim}, like), 0, into, rows * scale.unsqueeze(1));
    if (o.mode() == EmbeddingBagMode::Sum) return out;
    const Tensor count = index_add(zeros({bags}, like), 0, into, keep);
    return out / clamp_min(count, 1.0).unsqueeze(1);
  }
  // max: gather the rows into (bags, longest, dim), the gaps and the left-out entries reading
  // an -inf row; an empty bag's -inf becomes 0, as PyTorch's. The longest bag is read on the
  // host (on a GPU, a documented wait).
  const TensorOptions ints = TensorOptions().dtype(kInt64).device(input.device());
  const Tensor entries = arange(0.0, static_cast<double>(length), 1.0, ints);
  const Tensor position = entries - index_select(starts, 0, into);
  const Tensor counted = (keep > 0.0).to(kInt64);
  const std::int64_t longest = bags == 0 || length == 0 ? 0 : static_cast<std::int64_t>(position.max().item()) + 1;
  if (longest == 0) return zeros({bags, dim}, like) + rows.narrow(0, 0, 0).sum();  // zeros, in the graph
  Tensor slots = full({bags * longest}, static_cast<double>(length), ints);  // `length`: the -inf row
  const Tensor filled = masked_select(into * longest + position, counted);
  if (filled.numel() > 0) slots.index_put_({filled}, masked_select(entries, counted));
  const double lowest = -std::numeric_limits<double>::infinity();
  const Tensor grid = index_select(cat({rows, full({1, dim}, lowest, like)}), 0, slots).reshape({bags, longest, dim});
  const Tensor best = std::get<0>(grid.max(1));
  return where((best == lowest), zeros({}, weight.dtype()), best);
}

}  // namespace functional

EmbeddingBag::EmbeddingBag(std::int64_t num_embeddings, std::int64_t embedding_dim, Dtype dtype)
    : EmbeddingBag(EmbeddingBagOptions(num_embeddings, embedding_dim).dtype(dtype)) {}

EmbeddingBag::EmbeddingBag(const EmbeddingBagOptions& o) : options_(o) {
  detail::CallScope call("EmbeddingBag");
  if (o.num_embeddings() <= 0 || o.embedding_dim() <= 0)
    fail("EmbeddingBag: sizes must be positive, got num_embeddings=", o.num_embeddings(), ", embedding_dim=",
         o.embedding_dim());
  if (!is_floating(o.dtype())) fail("EmbeddingBag: dtype must be a float type, got ", dtype_name(o.dtype()));
  detail_lookup::check_lookup_rule(detail_lookup::lookup_rule(o), "EmbeddingBag", o.mode() == EmbeddingBagMode::Max);
  W = randn({o.num_embeddings(), o.embedding_dim()}, o.dtype());
  if (o.padding_idx()) {
    const std::int64_t p = *o.padding_idx(), n = o.num_embeddings();
    if (p < -n || p >= n) fail("EmbeddingBag: padding_idx ", p, " is out of range for ", n, " embeddings");
    NoGradGuard no_grad;
    W.index_put_({p < 0 ? p + n : p}, 0.0);  // the padding row starts at zero (it is never read)
  }
  register_parameter("W", W);
}

EmbeddingBag EmbeddingBag::from_pretrained(const Tensor& embeddings,
                                           const EmbeddingBagFromPretrainedOptions& options) {
  return EmbeddingBag(Pretrained{}, embeddings, options);
}

EmbeddingBag::EmbeddingBag(Pretrained, const Tensor& embeddings, const EmbeddingBagFromPretrainedOptions& o)
    : options_(pretrained_options(embeddings, o)) {
  W = embeddings.detach();  // the same storage, as PyTorch's; a padding row is never read
  register_parameter("W", W);
  W.requires_grad_(!o.freeze());
}

Tensor EmbeddingBag::forward(const Tensor& input) { return forward(input, Tensor(), Tensor()); }

Tensor EmbeddingBag::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  EmbeddingBagFuncOptions f;
  f.offsets(offsets).mode(options_.mode()).per_sample_weights(per_sample_weights).include_last_offset(
      options_.include_last_offset());
  f.max_norm(options_.max_norm()).norm_type(options_.norm_type()).scale_grad_by_freq(options_.scale_grad_by_freq());
  if (options_.padding_idx()) f.padding_idx(*options_.padding_idx());
  return functional::embedding_bag(input, W, f);
}

Tensor EmbeddingBag::operator()(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  return call(input, [&](const Tensor& x) { return forward(x, offsets, per_sample_weights); });
}

}  // namespace xg::nn
