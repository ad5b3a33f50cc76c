// Creation functions: from values, nested lists, constants and ranges.
#include <xgrad/detail/format.h>
#include <cmath>

#include "tensor/checked.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

using detail::make_tensor;

using detail::checked_dtype;
using detail::like;
using detail::finish_creation;

Tensor tensor(const std::vector<double>& values, const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("tensor");
  const Dtype dtype = checked_dtype(options, kFloat32, "tensor");
  const auto n = shape_numel(shape);
  if (n != static_cast<std::int64_t>(values.size()))
    fail("tensor: ", values.size(), " values do not fill shape ", detail::shape_str(shape), " (", n,
         " elements)");
  // Converting a double outside int64's range (or NaN) is undefined behaviour, not a
  // wrap-around: refused, naming the value and its place. A fraction is truncated, as libtorch's.
  if (dtype == kInt64)
    for (std::int64_t i = 0; i < n; ++i)
      if (!(values[i] >= -0x1p63 && values[i] < 0x1p63))
        fail("tensor: value ", values[i], " at position ", i, " is outside int64's range [-2^63, 2^63)");
  Tensor t = make_tensor(shape, dtype);
  detail::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(values[i]);
  });
  return finish_creation(t, options);
}

namespace {

// Flattens a nested list, checking that every level is rectangular.
void flatten_into(const NestedList& list, std::vector<double>& out, Shape& shape, std::size_t depth) {
  if (list.is_scalar()) {
    if (depth != shape.size())
      fail("tensor: ragged nested list: a number at depth ", depth, " where lists of depth ", shape.size(),
           " were expected");
    out.push_back(list.value());
    return;
  }
  const auto n = static_cast<std::int64_t>(list.items().size());
  if (out.empty() && shape.size() == depth) {
    shape.push_back(n);  // the first path down fixes the shape
  } else if (shape.size() <= depth || shape[depth] != n) {
    fail("tensor: ragged nested list: a list at depth ", depth, " has ", n, " elements, expected ",
         shape.size() <= depth ? std::string("a number") : std::to_string(shape[depth]));
  }
  for (const auto& item : list.items()) flatten_into(item, out, shape, depth + 1);
}

}  // namespace

Tensor tensor(const NestedList& values, const TensorOptions& options) {
  std::vector<double> flat;
  Shape shape;
  flatten_into(values, flat, shape, 0);
  return tensor(flat, shape, options);
}

Tensor scalar_tensor(double value, const TensorOptions& options) {
  detail::CallScope call("scalar_tensor");
  return full({}, value, options);
}

Tensor empty(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("empty");
  const Dtype dtype = checked_dtype(options, kFloat32, "empty");
  // No values to make: allocated where it lives (no host buffer of its size on the way;
  // finish_creation finds it already there).
  return finish_creation(make_tensor(shape, dtype, options.device()), options);
}

Tensor full(const Shape& shape, double value, const TensorOptions& options) {
  detail::CallScope call("full");
  const Dtype dtype = checked_dtype(options, kFloat32, detail::call_or("full"));
  // Converting a double outside int64's range is undefined behaviour, not a wrap-around.
  if (dtype == kInt64 && !(value == std::trunc(value) && value >= -0x1p63 && value < 0x1p63))
    fail(detail::call_or("full"), ": value ", value, " is not an int64 (an integer in [-2^63, 2^63))");
  // Filled where it lives: on a GPU by a kernel, with no host buffer and no wait.
  Tensor t = make_tensor(shape, dtype, options.device());
  kernel::fill_inplace(t, value);
  return finish_creation(t, options);
}

Tensor zeros(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("zeros");
  return full(shape, 0.0, options);
}
Tensor ones(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("ones");
  return full(shape, 1.0, options);
}
Tensor zeros_like(const Tensor& x, const TensorOptions& options) { return zeros(x.shape(), like(x, options)); }
Tensor ones_like(const Tensor& x, const TensorOptions& options) { return ones(x.shape(), like(x, options)); }
Tensor full_like(const Tensor& x, double value, const TensorOptions& options) {
  return full(x.shape(), value, like(x, options));
}

Tensor arange(double start, double stop, double step, const TensorOptions& options) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    fail("arange: start ", start, ", stop ", stop, ", step ", step, " do not define a range");
  detail::CallScope call("arange");
  const Dtype dtype = checked_dtype(options, kInt64, "arange");
  // The count in double first: a range of more than 2^62 elements is refused, not cast (UB).
  const double count = std::ceil((stop - start) / step);
  if (!(count < 4.6e18)) fail("arange: start ", start, ", stop ", stop, ", step ", step, " give ", count, " elements");
  // A range that runs backwards is empty, however far: cast only a count in [0, 2^62).
  const std::int64_t n = count > 0 ? static_cast<std::int64_t>(count) : 0;
  Tensor t = make_tensor({n}, dtype, options.device());
  if (!t.device().is_cpu()) {  // made where it lives, as full's values: no host buffer, no wait
    detail::gpu::iota(t, start, step);
    return finish_creation(t, options);
  }
  detail::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return finish_creation(t, options);
}

Tensor arange(double stop, const TensorOptions& options) { return arange(0.0, stop, 1.0, options); }

namespace {

// PyTorch's linspace rule, in `compute` (the dtype, or double for int64): start + step i for
// the first half, end - step (steps - 1 - i) for the rest, so both ends are exact. Made with
// kernels where the result lives: the same bits on every device, no host buffer.
Tensor spaced(double start, double end, std::int64_t steps, Dtype compute, Device device, const char* op) {
  if (steps < 0) fail(op, ": number of steps must be non-negative, got ", steps);
  if (!std::isfinite(start) || !std::isfinite(end)) fail(op, ": start ", start, " and end ", end, " must be finite");
  detail::checked_buffer(steps, dtype_size(compute), op, "values");  // bounded before the ranges below
  const TensorOptions on = TensorOptions().dtype(compute).device(device);
  if (steps <= 1) return full({steps}, start, on);
  const auto scalar = [&](double v) { return full({}, v, TensorOptions().dtype(compute)); };
  const Tensor s = scalar(start), e = scalar(end);  // rounded to the dtype, as PyTorch's scalar_t
  const Tensor step = kernel::binary(kernel::Binary::Div, kernel::binary(kernel::Binary::Sub, e, s, op),
                                     scalar(static_cast<double>(steps - 1)), op);
  const Tensor i = arange(0.0, static_cast<double>(steps), 1.0, on);
  const Tensor rest = arange(static_cast<double>(steps - 1), -1.0, -1.0, on);  // steps - 1 - i
  const Tensor low = kernel::binary(kernel::Binary::Add, s, kernel::binary(kernel::Binary::Mul, step, i, op), op);
  const Tensor high = kernel::binary(kernel::Binary::Sub, e, kernel::binary(kernel::Binary::Mul, step, rest, op), op);
  const Tensor first_half =
      kernel::binary(kernel::Binary::Lt, i, scalar(static_cast<double>(steps / 2)), op);
  return kernel::where(first_half, low, high);
}

}  // namespace

Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& options) {
  detail::CallScope call("linspace");
  const Dtype dtype = checked_dtype(options, kFloat32, "linspace");
  const Device device = options.has_device() ? detail::resolved(options.device()) : Device(kCPU);
  // int64: the ends truncated first, the values computed in double and truncated (PyTorch's).
  const bool ints = dtype == kInt64;
  // Every value lies between the ends, so ends that fit int64 keep the conversion defined.
  const auto fits = [](double v) { return std::trunc(v) >= -0x1p63 && std::trunc(v) < 0x1p63; };
  if (ints && !(fits(start) && fits(end)))
    fail("linspace: start ", start, " and end ", end, " do not fit int64");
  const Tensor t = spaced(ints ? std::trunc(start) : start, ints ? std::trunc(end) : end, steps, ints ? kFloat64 : dtype,
                          device, "linspace");
  return finish_creation(ints ? kernel::cast(t, kInt64) : t, options);
}

Tensor logspace(double start, double end, std::int64_t steps, double base, const TensorOptions& options) {
  detail::CallScope call("logspace");
  const Dtype dtype = checked_dtype(options, kFloat32, "logspace");
  if (dtype == kInt64) fail("logspace: expected a float dtype, got int64");
  const Device device = options.has_device() ? detail::resolved(options.device()) : Device(kCPU);
  // base^(the linspace exponents), each power taken in the dtype, as PyTorch's.
  const Tensor exponents = spaced(start, end, steps, dtype, device, "logspace");
  return finish_creation(kernel::binary(kernel::Binary::Pow, full({}, base, TensorOptions().dtype(dtype)), exponents,
                                        "logspace"),
                         options);
}

Tensor eye(std::int64_t n, const TensorOptions& options) {
  detail::CallScope call("eye");
  return eye(n, n, options);
}

Tensor eye(std::int64_t n, std::int64_t m, const TensorOptions& options) {
  detail::CallScope call("eye");
  if (n < 0 || m < 0) fail("eye: n and m must be non-negative, got ", n, " and ", m);
  const Dtype dtype = checked_dtype(options, kFloat32, "eye");
  if (options.has_device() && !detail::resolved(options.device()).is_cpu()) {
    // On a GPU, row index == column index, from two aranges made there: no host copy.
    const TensorOptions ints = TensorOptions().dtype(kInt64).device(options.device());
    const Tensor r = arange(0.0, static_cast<double>(n), 1.0, ints), c = arange(0.0, static_cast<double>(m), 1.0, ints);
    const Tensor same = kernel::binary(kernel::Binary::Eq, detail::alias(r, {n, 1}), detail::alias(c, {1, m}), "eye");
    return finish_creation(kernel::cast(same, dtype), options);
  }
  Tensor t = zeros({n, m}, dtype);
  detail::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return finish_creation(t, options);
}

}  // namespace xg
