// F::interpolate's options (a size, or scale factors and the output size they give) and the
// Upsample layer over it; the resampling itself is autograd/ops_resize.cpp's.
#include <xgrad/detail/format.h>

#include <xgrad/nn/upsample.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "autograd/interpolate.h"
#include "nn/repr.h"
#include "tensor/checked.h"

namespace xg::nn {

// Python's repr of a float (nn/repr.h).
std::string detail_repr::py_float(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

namespace functional {

Tensor interpolate(const Tensor& x, const InterpolateFuncOptions& o) {
  detail::CallScope call("interpolate");
  const bool by_size = !o.size().empty(), by_scale = o.scale_factor().has_value();
  if (by_size == by_scale)
    fail("interpolate: give either size or scale_factor", by_size ? ", not both" : "");
  if (!x.defined()) fail("interpolate: the input is undefined");
  if (x.dim() < 3 || x.dim() > 5)
    fail("interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, got shape ",
         detail::shape_str(x.shape()));
  const std::size_t k = static_cast<std::size_t>(x.dim() - 2);
  static const char* const kAxes[] = {"(L)", "(H, W)", "(D, H, W)"};
  const bool corners = o.align_corners().value_or(false);
  if (by_size) {
    if (o.size().size() != k)
      fail("interpolate: expected a size of ", k, " values ", kAxes[k - 1], " for a ", x.dim(), "-D input, got ",
           o.size().size());
    return autograd::interpolate_scaled(x, o.size(), o.mode(), corners, {});
  }
  const std::vector<double>& given = *o.scale_factor();
  if (given.size() != 1 && given.size() != k)
    fail("interpolate: expected a scale_factor of 1 or ", k, " values ", kAxes[k - 1], " for a ", x.dim(),
         "-D input, got ", given.size());
  const std::vector<double> f(k == given.size() ? given : std::vector<double>(k, given[0]));
  std::string shown;
  for (std::size_t a = 0; a < k; ++a) shown += (a ? ", " : "") + detail::cat(f[a]);
  for (double v : f)
    if (!(v > 0 && std::isfinite(v))) fail("interpolate: scale_factor must be positive and finite, got (", shown, ")");
  // PyTorch's floor(in · scale), computed in double and bounded before it becomes a size.
  std::vector<std::int64_t> out(k);
  for (std::size_t a = 0; a < k; ++a) {
    const double v = std::floor(static_cast<double>(x.shape()[2 + a]) * f[a]);
    if (!(v < 0x1p62))
      fail("interpolate: scale_factor (", shown, ") on input ", detail::shape_str(x.shape()),
           " gives an output size beyond int64");
    out[a] = static_cast<std::int64_t>(v);
  }
  for (std::size_t a = 0; a < k; ++a)
    if (x.shape()[2 + a] > 0 && out[a] < 1) {
      std::string sizes;
      for (std::size_t b = 0; b < k; ++b) sizes += (b ? ", " : "") + std::to_string(out[b]);
      fail("interpolate: scale_factor (", shown, ") on input ", detail::shape_str(x.shape()), " gives an output (",
           sizes, "); sizes must be positive");
    }
  if (o.recompute_scale_factor().value_or(false)) return autograd::interpolate_scaled(x, out, o.mode(), corners, {});
  return autograd::interpolate_scaled(x, out, o.mode(), corners, f);
}

}  // namespace functional

Upsample::Upsample(const UpsampleOptions& options) : options_(options) {
  const auto& o = options_;
  if (o.size().empty() == !o.scale_factor().has_value())
    fail("Upsample: give either size or scale_factor", o.size().empty() ? "" : ", not both");
}

std::string Upsample::describe() const {
  const auto& o = options_;
  using detail_repr::py_float;
  std::string s = "Upsample(";
  if (o.scale_factor()) {
    const auto& f = *o.scale_factor();
    s += "scale_factor=" + (f.size() == 1 ? py_float(f[0]) : detail_repr::py_tuple(f, py_float));
  } else {
    s += "size=" + detail_repr::py_tuple(o.size());
  }
  return s + ", mode=" + interpolate_mode_name(o.mode()) + ")";
}

Tensor Upsample::forward(const Tensor& x) {
  const auto& o = options_;
  auto f = functional::InterpolateFuncOptions().size(o.size()).mode(o.mode());
  if (o.scale_factor()) f.scale_factor(*o.scale_factor());
  if (o.align_corners()) f.align_corners(*o.align_corners());
  return functional::interpolate(x, f);
}

}  // namespace xg::nn
