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
  const bool corners = o.align_corners().value_or(false);
  if (by_size) {
    if (o.size().size() != 2)
      fail("interpolate: expected a size of 2 values (H, W) for a 4-D input, got ", o.size().size());
    return xg::interpolate(x, {o.size()[0], o.size()[1]}, o.mode(), corners);
  }
  const std::vector<double>& f = *o.scale_factor();
  if (f.size() != 1 && f.size() != 2)
    fail("interpolate: expected a scale_factor of 1 or 2 values (H, W) for a 4-D input, got ", f.size());
  const double sh = f.front(), sw = f.back();
  if (!(sh > 0 && sw > 0 && std::isfinite(sh) && std::isfinite(sw)))
    fail("interpolate: scale_factor must be positive and finite, got (", sh, ", ", sw, ")");
  if (x.dim() != 4) fail("interpolate: expected an (N, C, H, W) input, got shape ", detail::shape_str(x.shape()));
  const std::int64_t H = x.shape()[2], W = x.shape()[3];
  // PyTorch's floor(in · scale), computed in double and bounded before it becomes a size.
  const auto out = [&](std::int64_t in, double s) {
    const double v = std::floor(static_cast<double>(in) * s);
    if (!(v < 0x1p62))
      fail("interpolate: scale_factor (", sh, ", ", sw, ") on input ", detail::shape_str(x.shape()),
           " gives an output size beyond int64");
    return static_cast<std::int64_t>(v);
  };
  const std::int64_t OH = out(H, sh), OW = out(W, sw);
  if (H > 0 && W > 0 && (OH < 1 || OW < 1))
    fail("interpolate: scale_factor (", sh, ", ", sw, ") on input ", detail::shape_str(x.shape()), " gives an output (",
         OH, ", ", OW, "); sizes must be positive");
  if (o.recompute_scale_factor().value_or(false)) return xg::interpolate(x, {OH, OW}, o.mode(), corners);
  return autograd::interpolate_scaled(x, {OH, OW}, o.mode(), corners, sh, sw);
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
