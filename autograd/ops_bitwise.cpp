// Bitwise operations on int64 tensors: one kernel kind each (tensor/kernels.h; the shifts'
// rules in tensor/pointwise_rules.h, shared with the GPU). Integers carry no gradient, so
// nothing is recorded: the results are plain int64 tensors.
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include <cmath>

#include "autograd/scalar_operand.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg {

namespace {

using kernel::Binary;

// The one check every bitwise operation makes before its kernel: defined int64 operands
// (the kernel then checks devices and broadcasting, naming `op`).
Tensor bitwise(Binary kind, const Tensor& a, const Tensor& b, const char* op) {
  detail::CallScope call(op);
  if (!a.defined() || !b.defined()) fail(op, ": an operand is undefined");
  if (a.dtype() != kInt64 || b.dtype() != kInt64)
    fail(op, ": expected int64 tensors, got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
         " (a comparison gives float 1/0: convert it with .to(xg::kInt64))");
  return kernel::binary(kind, a, b, op);
}

// An integral scalar beside an int64 tensor, as a 0-d int64 operand on the CPU (a scalar
// beside a GPU tensor, libtorch's rule); a fractional one is refused, as PyTorch refuses a
// float operand.
Tensor integral(const Tensor& x, double v, const char* op) {
  detail::CallScope call(op);
  if (!x.defined()) fail(op, ": an operand is undefined");
  if (!(v == std::floor(v) && v >= -0x1p63 && v < 0x1p63))
    fail(op, ": expected an integral scalar within int64's range, got ", v);
  return autograd::scalar_like(x, v);
}

}  // namespace

#define XG_BITWISE(name, kind)                                                                             \
  Tensor name(const Tensor& a, const Tensor& b) { return bitwise(kind, a, b, #name); }                     \
  Tensor name(const Tensor& a, double b) { return bitwise(kind, a, integral(a, b, #name), #name); }        \
  Tensor name(double a, const Tensor& b) { return bitwise(kind, integral(b, a, #name), b, #name); }
XG_BITWISE(bitwise_and, Binary::BitAnd)
XG_BITWISE(bitwise_or, Binary::BitOr)
XG_BITWISE(bitwise_xor, Binary::BitXor)
XG_BITWISE(bitwise_left_shift, Binary::ShiftLeft)
XG_BITWISE(bitwise_right_shift, Binary::ShiftRight)
#undef XG_BITWISE

Tensor bitwise_not(const Tensor& x) {
  if (!x.defined()) fail("bitwise_not: the input is undefined");
  if (x.dtype() != kInt64) fail("bitwise_not: expected an int64 tensor, got ", dtype_name(x.dtype()));
  return bitwise(Binary::BitXor, x, scalar_tensor(-1.0, kInt64), "bitwise_not");  // ~x = x ^ ...1111
}

Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator&(const Tensor& a, double b) { return bitwise_and(a, b); }
Tensor operator&(double a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator|(const Tensor& a, double b) { return bitwise_or(a, b); }
Tensor operator|(double a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }
Tensor operator^(const Tensor& a, double b) { return bitwise_xor(a, b); }
Tensor operator^(double a, const Tensor& b) { return bitwise_xor(a, b); }
Tensor operator~(const Tensor& x) { return bitwise_not(x); }

}  // namespace xg
