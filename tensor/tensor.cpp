// The handle's metadata, element access and the byte helpers the kernels share (the bytes
// themselves, Storage and its buffer cache, are in tensor/storage.cpp).
#include <algorithm>
#include <xgrad/detail/format.h>
#include <xgrad/detail/sanitizers.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <unordered_map>
#include <vector>

#include "tensor/checked.h"
#include "tensor/cuda/runtime.h"
#include "tensor/small_alloc.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace detail {

Tensor make_tensor(const Shape& shape, Dtype dtype, Device device) {
  auto impl = std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>());
  // Every tensor passes here: the overflow test inline, the message only when it fails.
  const std::size_t itemsize = dtype_size(dtype);
  const char* op = call_or("tensor");
  std::size_t nbytes;
  if (!nbytes_fit(shape, itemsize, &nbytes)) nbytes = checked_nbytes(shape, itemsize, op);
  // The message is built only for a refusal: formatting it for every tensor cost more than
  // the rest of a small operation (bench/ops OpOverhead).
  if (nbytes > allocation_limit())
    check_allocation(nbytes, op, detail::cat("a ", shape_str(shape), " ", dtype_name(dtype), " tensor"));
  impl->numel = static_cast<std::int64_t>(nbytes / itemsize);
  impl->storage = device.is_cpu() ? std::allocate_shared<Storage>(PoolAllocator<Storage>(), nbytes)
                                  : std::allocate_shared<Storage>(PoolAllocator<Storage>(), nbytes, device);
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor copy_to(const Tensor& x, Device device, const char* op) {
  const Device from = x.device(), to = gpu::resolve(device);
  if (from == to) return x;
  Tensor y = make_tensor(x.shape(), x.dtype(), to);
  gpu::copy(y.impl()->storage->data, to, x.impl()->storage->data, from,
            static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype()), op);
  return y;
}

void read_bytes(const Storage& s, std::size_t offset, void* dst, std::size_t nbytes, const char* op) {
  if (s.device.is_cpu()) std::memcpy(dst, static_cast<const char*>(s.data) + offset, nbytes);
  else gpu::copy(dst, Device(kCPU), static_cast<const char*>(s.data) + offset, s.device, nbytes, op);
}

void write_bytes(Storage& s, std::size_t offset, const void* src, std::size_t nbytes, const char* op) {
  if (s.device.is_cpu()) std::memcpy(static_cast<char*>(s.data) + offset, src, nbytes);
  else gpu::copy(static_cast<char*>(s.data) + offset, s.device, src, Device(kCPU), nbytes, op);
}

double read_element(const Tensor& t, std::int64_t k, const char* op) {
  return dispatch(t.dtype(), [&](auto tag) {
    decltype(tag) v;
    read_bytes(*t.impl()->storage, static_cast<std::size_t>(k) * sizeof v, &v, sizeof v, op);
    return static_cast<double>(v);
  });
}

void write_element(const Tensor& t, std::int64_t k, double value, const char* op) {
  dispatch(t.dtype(), [&](auto tag) {
    const auto v = static_cast<decltype(tag)>(value);
    write_bytes(*t.impl()->storage, static_cast<std::size_t>(k) * sizeof v, &v, sizeof v, op);
  });
}

Tensor alias(const Tensor& x, const Shape& shape) {
  auto impl = std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>());
  impl->storage = x.impl()->storage;
  impl->shape = shape;
  impl->numel = x.numel();
  impl->dtype = x.dtype();
  return Tensor(std::move(impl));
}

Tensor rows_view(const Tensor& x, std::int64_t start, std::int64_t count, bool squeeze) {
  const Shape& xs = x.shape();
  if (xs.empty() || start < 0 || count < 0 || count > xs[0] - start)
    fail("rows_view: rows [", start, ", ", start + count, ") of ", shape_str(xs), " (an internal error)");
  const std::int64_t row = xs[0] == 0 ? 0 : x.numel() / xs[0];
  const std::size_t itemsize = dtype_size(x.dtype());
  auto impl = std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>());
  // A view of a view shares the owner, so chains of views keep one buffer alive, not many.
  const auto& s = x.impl()->storage;
  const std::size_t offset = static_cast<std::size_t>(start * row) * itemsize +
                             (s->base ? static_cast<std::size_t>(static_cast<unsigned char*>(s->data) -
                                                                 static_cast<unsigned char*>(s->base->data))
                                      : 0);
  impl->storage = std::make_shared<Storage>(s->base ? s->base : s, offset, static_cast<std::size_t>(count * row) * itemsize);
  impl->shape = xs;
  impl->shape[0] = count;
  if (squeeze && count == 1) impl->shape.erase(impl->shape.begin());
  impl->numel = count * row;
  impl->dtype = x.dtype();
  return Tensor(std::move(impl));
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t ndim, const char* op) {
  const std::int64_t lo = -std::max<std::int64_t>(ndim, 1), hi = std::max<std::int64_t>(ndim, 1) - 1;
  if (axis < lo || axis > hi)
    fail(op, ": axis ", axis, " is out of range for a tensor of dimension ", ndim, " (valid: ", lo,
         " to ", hi, ")");
  return axis < 0 ? axis + std::max<std::int64_t>(ndim, 1) : axis;
}

Shape contiguous_strides(const Shape& shape) {
  Shape s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::string shape_str(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace detail

using detail::TensorImpl;

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32:
      return "float32";
    case Dtype::Float64:
      return "float64";
    case Dtype::Int64:
      return "int64";
  }
  return "?";
}

std::size_t dtype_size(Dtype dtype) { return dtype == Dtype::Float32 ? 4 : 8; }

std::int64_t shape_numel(const Shape& shape) { return detail::checked_numel(shape, "shape_numel"); }

Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

static const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl, const char* what) {
  // Inside a call (conv2d(x, W) with an undefined W), the call is what the user sees.
  if (!impl) fail(detail::call_or(what), ": a tensor is undefined (default-constructed, or a grad() never computed)");
  return *impl;
}

const Shape& Tensor::shape() const { return checked(impl_, "shape").shape; }
std::int64_t Tensor::dim() const { return static_cast<std::int64_t>(shape().size()); }
std::int64_t Tensor::numel() const { return checked(impl_, "numel").numel; }
Dtype Tensor::dtype() const { return checked(impl_, "dtype").dtype; }
Device Tensor::device() const { return checked(impl_, "device").storage->device; }

std::int64_t Tensor::size(std::int64_t axis) const {
  if (dim() == 0) fail("size: a 0-d tensor has no axes");
  return shape()[detail::normalize_axis(axis, dim(), "size")];
}

std::int64_t Tensor::stride(std::int64_t axis) const {
  if (dim() == 0) fail("stride: a 0-d tensor has no axes");
  const auto a = static_cast<std::size_t>(detail::normalize_axis(axis, dim(), "stride"));
  return strides()[a];
}

void Tensor::check_accessor(std::size_t n, const char* op) const {
  if (!defined()) fail(op, ": the tensor is undefined");
  if (static_cast<std::size_t>(dim()) != n)
    fail(op, ": expected a ", n, "-d tensor, got ", dim(), "-d ", detail::shape_str(shape()));
  if (!device().is_cpu())
    fail(op, ": the tensor is on ", device().str(), ", whose memory the host cannot index; use .cpu() first");
}

std::vector<std::int64_t> Tensor::strides() const {
  const Shape& s = shape();
  std::vector<std::int64_t> out(s.size(), 1);
  for (std::size_t i = s.size(); i-- > 1;) out[i - 1] = out[i] * std::max<std::int64_t>(s[i], 1);
  return out;
}

static double element(const TensorImpl& t, std::int64_t i) {
  return detail::dispatch(t.dtype, [&](auto tag) { return static_cast<double>(t.ptr<decltype(tag)>()[i]); });
}

double Tensor::item() const {
  const auto& t = checked(impl_, "item");
  if (!t.storage->device.is_cpu()) return detail::copy_to(*this, kCPU, "item").item();  // waits for the GPU
  if (t.numel != 1)
    fail("item: only a one-element tensor converts to a number, got shape ", detail::shape_str(t.shape),
         " with ", t.numel, " elements");
  return element(t, 0);
}

std::int64_t Tensor::integer_item(std::int64_t lo, std::int64_t hi) const {
  const auto& t = checked(impl_, "item");
  if (!t.storage->device.is_cpu()) return detail::copy_to(*this, kCPU, "item").integer_item(lo, hi);  // waits
  if (t.numel != 1)
    fail("item: only a one-element tensor converts to a number, got shape ", detail::shape_str(t.shape),
         " with ", t.numel, " elements");
  std::int64_t v = 0;
  if (t.dtype == kInt64) {
    v = t.ptr<std::int64_t>()[0];
  } else {
    const double d = std::trunc(element(t, 0));
    // [-2^63, 2^63) is where a double converts to int64 (C++ leaves the rest undefined).
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
      fail("item: the value ", element(t, 0), " cannot be converted to an integer in [", lo, ", ", hi, "] without overflow");
    v = static_cast<std::int64_t>(d);
  }
  if (v < lo || v > hi)
    fail("item: the value ", v, " cannot be converted to an integer in [", lo, ", ", hi, "] without overflow");
  return v;
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  const auto& t = checked(impl_, "at");
  if (!t.storage->device.is_cpu()) return detail::copy_to(*this, kCPU, "at").at(index);  // waits for the GPU
  if (index.size() != t.shape.size())
    fail("at: index ", detail::shape_str(index), " has ", index.size(), " entries for a tensor of shape ",
         detail::shape_str(t.shape));
  std::int64_t flat = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    std::int64_t k = index[i] < 0 ? index[i] + t.shape[i] : index[i];
    if (k < 0 || k >= t.shape[i])
      fail("at: index ", index[i], " is out of range for axis ", i, " of size ", t.shape[i], " (shape ",
           detail::shape_str(t.shape), ")");
    flat = flat * t.shape[i] + k;
  }
  return element(t, flat);
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  const auto& t = checked(impl_, "to_vector");
  if (!t.storage->device.is_cpu()) return detail::copy_to(*this, kCPU, "to_vector").to_vector<T>();  // waits
  std::vector<T> out(static_cast<std::size_t>(t.numel));
  detail::dispatch(t.dtype, [&](auto tag) {
    using S = decltype(tag);
    const S* p = t.ptr<S>();
    if constexpr (std::is_integral_v<T> && (std::is_floating_point_v<S> || sizeof(T) < sizeof(S))) {
      // A conversion that can fail (C++ leaves it undefined): checked, as item<T>(). T is
      // signed (the instantiations below), so its range is [-2^(b-1), 2^(b-1)), both ends
      // exact in any S.
      static_assert(std::is_signed_v<T>);
      const S lo = static_cast<S>(std::numeric_limits<T>::min());
      for (std::int64_t i = 0; i < t.numel; ++i) {
        const S v = std::is_floating_point_v<S> ? static_cast<S>(std::trunc(p[i])) : p[i];
        const bool fits = std::is_floating_point_v<S> ? v >= lo && v < -lo : v >= lo && v <= static_cast<S>(std::numeric_limits<T>::max());
        if (!fits)
          fail("to_vector: element ", i, " (", static_cast<double>(p[i]), ") cannot be converted to an integer in [",
               static_cast<std::int64_t>(std::numeric_limits<T>::min()), ", ",
               static_cast<std::int64_t>(std::numeric_limits<T>::max()), "] without overflow");
        out[i] = static_cast<T>(v);
      }
    } else {
      for (std::int64_t i = 0; i < t.numel; ++i) out[i] = static_cast<T>(p[i]);
    }
  });
  return out;
}

template <class T>
T* Tensor::data() {
  const auto& t = checked(impl_, "data");
  if (t.dtype != dtype_of<T>())
    fail("data<", dtype_name(dtype_of<T>()), ">: the tensor's dtype is ", dtype_name(t.dtype));
  return t.ptr<T>();
}

template <class T>
const T* Tensor::data() const {
  return const_cast<Tensor*>(this)->data<T>();
}

template std::vector<float> Tensor::to_vector() const;
template std::vector<double> Tensor::to_vector() const;
template std::vector<std::int64_t> Tensor::to_vector() const;
template std::vector<int> Tensor::to_vector() const;
template float* Tensor::data();
template double* Tensor::data();
template std::int64_t* Tensor::data();
template const float* Tensor::data() const;
template const double* Tensor::data() const;
template const std::int64_t* Tensor::data() const;

}  // namespace xg
