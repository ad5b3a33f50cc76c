// Private: what an xg::Tensor handle points to. Included by the library's own sources only.
#pragma once

#include <xgrad/detail/format.h>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>

#include <xgrad/tensor.h>

namespace xg::autograd {
struct HookList;
}

namespace xg::detail {

/// A 64-byte aligned buffer with the version counter that in-place operations bump
/// (shared by every tensor viewing the buffer, so a reshape sees the same version), or a
/// library-internal view of another's byte range (see the second constructor; not aligned).
struct ViewOrigin;

struct Storage {
  /// On `device` ("cuda" means the current CUDA device); CUDA storage comes from the caching
  /// allocator (tensor/cuda/allocator.cpp).
  explicit Storage(std::size_t nbytes, Device device = Device());
  /// `nbytes` of `base`'s bytes from `offset`, without a copy; keeps `base` alive and frees
  /// nothing. For the library's own read-only views (rows_view): its version counter is its
  /// own, so nothing may write through it or into `base` while it lives.
  Storage(std::shared_ptr<Storage> base, std::size_t offset, std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  /// `data` for code that reads or writes it on the host: an xg::Error naming the user's
  /// call for storage on a GPU (an operation without CUDA kernels yet), never a host
  /// access to device memory.
  void* host() const {
    if (!device.is_cpu()) elements_on_gpu();
    return data;
  }
  [[noreturn]] void elements_on_gpu() const;

  void* data = nullptr;  // on `device`: use host() to touch it from the CPU
  std::size_t nbytes = 0;
  Device device;  // the CPU, or a CUDA device with its index
  std::uint64_t version = 0;
  std::uint64_t serial = 0;  // creation order, process-wide: older storages have smaller serials
  std::shared_ptr<Storage> base;  // set for a view of another storage's bytes (which owns them)
  /// Set when these bytes are a copy of a view libtorch would share (select, slice, permute,
  /// ...): where in-place writes into them are written through to (autograd/views.cpp).
  std::shared_ptr<ViewOrigin> view_origin;
};

/// What libtorch returns as a view of another tensor (select, slice, narrow, permute,
/// transpose, diagonal, split, expand) is a copy here, since storage is always contiguous;
/// this is how the copy reaches the tensor it was taken from, so that an in-place write into
/// it is written through (`x[0].fill_(1)`, `x.narrow(0, 1, 2).zero_()`), as in libtorch.
struct ViewOrigin {
  std::weak_ptr<TensorImpl> base;  // the tensor the view was taken from: its history, when recording
  std::weak_ptr<Storage> storage;  // its bytes, written while any tensor holds them
  Shape shape;                     // its shape and dtype
  Dtype dtype = kFloat32;
  std::uint64_t version = 0;       // the version of its bytes that the copy's values reflect
  std::function<Tensor(const Tensor&)> view;  // the view, taken again from a tensor of `shape`
  const char* op = "";                        // the operation that made it ("select", "expand", ...)
  bool writable = true;  // false after expand: libtorch refuses writes into elements that share memory
};

/// The serial the next storage will get (a write journal ignores storages born after it).
std::uint64_t next_storage_serial();

/// This thread's CPU buffer cache (tensor/tensor.cpp): the bytes it holds, and how many
/// requests for a large buffer (over 4 KiB) it served and missed. For tests and benchmarks.
struct BufferCacheStats {
  std::size_t bytes = 0;
  std::uint64_t large_hits = 0, large_misses = 0;
};
BufferCacheStats buffer_cache_stats();

/// Where a registered parameter lives: the member variable holding it and a description
/// ("'W' of Linear"). Set by nn::Module; lets an optimizer notice that the member was
/// reassigned after the optimizer took the tensor.
struct ParameterHome {
  const Tensor* member;
  std::string what;
};

struct TensorImpl {
  // User-provided, so that allocate_shared<TensorImpl>() runs the member initialisers
  // without first zeroing the whole object (a memset per tensor).
  TensorImpl() {}  // NOLINT(modernize-use-equals-default)
  std::shared_ptr<Storage> storage;
  Shape shape;
  std::int64_t numel = 0;
  Dtype dtype = kFloat32;

  // autograd state; the graph only ever points from outputs to inputs.
  bool requires_grad = false;
  std::shared_ptr<autograd::Node> grad_fn;  // null for leaves
  std::uint32_t output_nr = 0;              // which output of grad_fn this is
  std::shared_ptr<TensorImpl> grad;         // accumulated by backward (leaves)
  std::weak_ptr<const ParameterHome> home;   // set while a module holds this as a parameter
  std::shared_ptr<autograd::HookList> hooks;  // a leaf's gradient hooks (non-leaves: on grad_fn)
  bool retains_grad = false;                  // retain_grad() was called on this non-leaf
  bool in_out_layout = false;  // a 2-D weight stored (in, out), as the house's Linear.W: PyTorch's is (out, in)

  template <class T>
  T* ptr() const {
    return static_cast<T*>(storage->host());
  }
};

/// The device a storage made for `device` lives on ("cuda" means cuda:0 in this version).
Device resolved(Device device);
/// Throws, naming `op`, unless this process can use `device` (before any work is done).
void check_device(Device device, const char* op);
/// What every creation function does with its options besides the dtype: the device is
/// checked before any work (checked_dtype, which returns the dtype set or `fallback`); the
/// values, made on the host, are moved to the device and requires_grad is applied
/// (finish_creation).
Dtype checked_dtype(const TensorOptions& options, Dtype fallback, const char* op);
Tensor finish_creation(Tensor t, const TensorOptions& options);
/// x's dtype and device where `options` sets none (the *_like functions).
TensorOptions like(const Tensor& x, const TensorOptions& options);

/// An operand of an operation, named as the user knows it ("a", "input", "weight").
struct Operand {
  const char* name;
  const Tensor& tensor;
};
/// The device rule: the one device an operation's operands live on, where it runs. A 0-d
/// CPU tensor beside GPU tensors is a scalar (libtorch's rule) and does not count; anything
/// else mixed is an xg::Error naming `op`, both devices and both operands, and the fix.
Device compute_device_mixed(std::initializer_list<Operand> operands, const char* op);
inline Device compute_device(std::initializer_list<Operand> operands, const char* op) {
  // The common case, all on the CPU, decided inline: this runs for every recorded operation.
  for (const Operand& o : operands)
    if (o.tensor.defined() && !o.tensor.impl()->storage->device.is_cpu()) return compute_device_mixed(operands, op);
  return Device();
}

/// A fresh tensor with uninitialised storage.
Tensor make_tensor(const Shape& shape, Dtype dtype, Device device = Device());
/// A one-operand kernel's result on x's GPU, or an undefined tensor for a CPU x (the CPU
/// paths allocate their own).
inline Tensor on_gpu_like(const Tensor& x, Dtype dtype) {
  return x.device().is_cpu() ? Tensor() : make_tensor(x.shape(), dtype, x.device());
}
/// `x`'s values on `device` (x itself when already there): a copy between host and GPU
/// memory, or between GPUs; the only copies that wait for the GPU are those to the CPU.
Tensor copy_to(const Tensor& x, Device device, const char* op);
/// `nbytes` from byte `offset` of a storage to host memory, or from host memory into it, on
/// any device (a GPU copy waits: for the gradient checks' perturbations and journal).
void read_bytes(const Storage& s, std::size_t offset, void* dst, std::size_t nbytes, const char* op);
void write_bytes(Storage& s, std::size_t offset, const void* src, std::size_t nbytes, const char* op);
/// Flat element k of t as a double / set from a double (converted to t's dtype), on any device.
double read_element(const Tensor& t, std::int64_t k, const char* op);
void write_element(const Tensor& t, std::int64_t k, double value, const char* op);
/// A new handle sharing `x`'s storage with another shape (same numel), no autograd state.
Tensor alias(const Tensor& x, const Shape& shape);
/// Rows [start, start + count) of x's leading axis, without a copy (shape: x's, the leading
/// size count; squeezed to x's trailing shape when `squeeze` and count is 1), no autograd
/// state. The bytes are x's: read-only, for the library's own use (an RNN's time steps).
Tensor rows_view(const Tensor& x, std::int64_t start, std::int64_t count, bool squeeze);

/// Calls f(T{}) with T the C++ type of `dtype`.
template <class F>
decltype(auto) dispatch(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Float32:
      return f(float{});
    case Dtype::Float64:
      return f(double{});
    case Dtype::Int64:
      break;
  }
  return f(std::int64_t{});
}

/// Calls f(T{}) for float dtypes; throws for int64, naming `op`.
template <class F>
decltype(auto) dispatch_float(Dtype dtype, const char* op, F&& f) {
  if (dtype == Dtype::Int64) fail(op, ": expected a float tensor, got int64");
  if (dtype == Dtype::Float32) return f(float{});
  return f(double{});
}

/// A clamp bound given as a double, in T: for int64 it saturates at the type's range (±inf
/// and beyond, where a cast is undefined behaviour; NaN is no bound on that side) and
/// truncates a fraction, as the cast; float types take the cast.
template <class T>
T bound_as(double v, bool upper) {
  if constexpr (std::is_integral_v<T>) {
    constexpr T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    if (std::isnan(v)) return upper ? hi : lo;
    if (v <= static_cast<double>(lo)) return lo;
    if (v >= 9223372036854775808.0) return hi;  // 2^63: the first double above int64's range
    return static_cast<T>(v);
  } else {
    return static_cast<T>(v);
  }
}

/// Normalises a possibly negative axis against `ndim`, naming `op` in the error.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t ndim, const char* op);
/// Row-major element strides of a contiguous shape.
Shape contiguous_strides(const Shape& shape);

}  // namespace xg::detail
