// F::unfold and F::fold: im2col and col2im (the textbook's layout, (N·L, C·KH·KW)) moved to
// and from PyTorch's (N, C·KH·KW, L), with its checks and messages.
#include <xgrad/detail/format.h>

#include <xgrad/nn/shape_layers.h>

#include "tensor/checked.h"
#include "tensor/conv_kernels.h"

namespace xg::nn::functional {

namespace {
kernel::ConvGeom blocks(const char* op, const Shape& image, const UnfoldOptions& o) {
  const Int2 k = o.kernel_size(), s = o.stride(), p = o.padding(), d = o.dilation();
  return kernel::make_geometry(op, image, {k.h, k.w, s.h, s.w, p.h, p.w, d.h, d.w});
}
}  // namespace

Tensor unfold(const Tensor& x, const UnfoldFuncOptions& o) {
  detail::CallScope call("unfold");
  if (!x.defined() || (x.dim() != 3 && x.dim() != 4))
    fail("unfold: expected a 3-D (unbatched) or 4-D (batched) input (N, C, H, W), got ",
         x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  const Tensor xb = x.dim() == 4 ? x : x.unsqueeze(0);
  const kernel::ConvGeom g = blocks("unfold", xb.shape(), o);
  const Tensor cols = im2col(xb, o.kernel_size(), o.stride(), o.padding(), o.dilation());  // (N·L, C·KH·KW)
  const Tensor y = cols.reshape({g.N, g.OH * g.OW, g.col_rows()}).transpose(1, 2);
  return x.dim() == 4 ? y : y.squeeze(0);
}

Tensor fold(const Tensor& x, const FoldFuncOptions& o) {
  detail::CallScope call("fold");
  if (!x.defined() || (x.dim() != 2 && x.dim() != 3))
    fail("fold: expected a 2-D (unbatched) or 3-D (batched) input (N, C·KH·KW, L), got ",
         x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  const Tensor xb = x.dim() == 3 ? x : x.unsqueeze(0);
  const std::int64_t N = xb.shape()[0], CK = xb.shape()[1], L = xb.shape()[2];
  const Int2 k = o.kernel_size(), out = o.output_size();
  if (k.h <= 0 || k.w <= 0) fail("fold: kernel_size must be positive, got (", k.h, ", ", k.w, ")");
  const std::int64_t kk = detail::size_mul(k.h, k.w, "fold", "the kernel's size");
  if (CK % kk != 0)
    fail("fold: expected size of input's dimension 1 to be divisible by the product of kernel_size, but got ",
         CK, " and kernel_size (", k.h, ", ", k.w, ")");
  const kernel::ConvGeom g = blocks("fold", {N, CK / kk, out.h, out.w}, o);
  if (L != g.OH * g.OW)
    fail("fold: given output_size (", out.h, ", ", out.w, ") and kernel_size (", k.h, ", ", k.w,
         "), expected the input's last dimension to match the number of sliding blocks ", g.OH, " * ", g.OW, " = ",
         g.OH * g.OW, ", but got ", L, " in ", detail::shape_str(x.shape()));
  const Tensor cols = xb.transpose(1, 2).reshape({N * L, CK});
  const Tensor y = col2im(cols, {N, CK / kk, out.h, out.w}, k, o.stride(), o.padding(), o.dilation());
  return x.dim() == 3 ? y : y.squeeze(0);
}

}  // namespace xg::nn::functional
