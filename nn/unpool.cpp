// MaxUnpool1d, MaxUnpool2d, MaxUnpool3d: the options handed to xg::max_unpool1d/2d/3d
// (autograd/ops_unpool.cpp), which check and name the call.
#include <xgrad/nn/unpool.h>

#include <xgrad/detail/format.h>

namespace xg::nn {

Tensor MaxUnpoolBase::forward(const Tensor&) {
  fail(type_name(), ": takes the pooled input and its indices, forward(x, indices), not one input");
}

Tensor MaxUnpoolBase::operator()(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size) {
  return call(x, [&](const Tensor& a) { return forward(a, indices, output_size); });
}

Tensor MaxUnpool1d::forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size) {
  const auto& o = options_;
  return max_unpool1d(x, indices, o.kernel_size(), o.stride(), o.padding(), output_size);
}

Tensor MaxUnpool2d::forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size) {
  const auto& o = options_;
  return max_unpool2d(x, indices, o.kernel_size(), o.stride().value_or(Int2()), o.padding(), output_size);
}

Tensor MaxUnpool3d::forward(const Tensor& x, const Tensor& indices, const std::vector<std::int64_t>& output_size) {
  const auto& o = options_;
  return max_unpool3d(x, indices, o.kernel_size(), o.stride().value_or(Int3()), o.padding(), output_size);
}

}  // namespace xg::nn
