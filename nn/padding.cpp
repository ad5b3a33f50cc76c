// The padding layers: a check of the sizes and the input's rank, naming the layer, then
// xg::pad in the layer's mode.
#include <xgrad/detail/format.h>

#include <xgrad/nn/padding.h>

#include "nn/repr.h"
#include "tensor/checked.h"

namespace xg::nn {

using detail_repr::py_tuple;

PadLayer::PadLayer(const char* name, std::size_t dims, std::vector<std::int64_t> padding, PadMode mode, double value,
                   bool show_value)
    : name_(name), dims_(dims), padding_(std::move(padding)), mode_(mode), value_(value), show_value_(show_value) {
  if (padding_.size() != 2 * dims_)
    fail(name_, ": expected 1 or ", 2 * dims_, " padding sizes (",
         dims_ == 1 ? "left, right" : "left, right, top, bottom", dims_ == 3 ? ", front, back" : "", "), got ",
         padding_.size(), ": ", py_tuple(padding_));
}

std::string PadLayer::describe() const {
  if (show_value_) return detail::cat(name_, "(padding=", py_tuple(padding_), ", value=", value_, ")");
  return detail::cat(name_, "(", py_tuple(padding_), ")");
}

Tensor PadLayer::forward(const Tensor& x) {
  detail::CallScope call(name_);  // pad's own messages name the layer
  const auto rank = static_cast<std::size_t>(x.dim());
  if (rank != dims_ + 1 && rank != dims_ + 2)
    fail(describe(), ": expected a ", dims_ + 1, "-D (unbatched) or ", dims_ + 2, "-D (batched) input, got ",
         detail::shape_str(x.shape()));
  return pad(x, padding_, mode_, mode_ == PadMode::Constant ? value_ : 0.0);
}

}  // namespace xg::nn
