// xg::Tensor: a cheap, shared handle to a contiguous row-major n-d array with a runtime
// dtype, plus the autograd state that the graph records on it. Copies share storage
// (as libtorch); `clone()` copies data. No xtensor or BLAS header is reachable from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <xgrad/accessor.h>
#include <xgrad/device.h>
#include <xgrad/dtype.h>
#include <xgrad/error.h>
#include <xgrad/shape.h>

namespace xg {

using Axes = std::vector<std::int64_t>;

namespace detail {
struct TensorImpl;
}
namespace autograd {
class Node;
}

class Tensor;
namespace indexing {
class TensorIndex;
}
using tensor_list = std::vector<Tensor>;
struct NamedTensor;
/// Named tensors in a fixed order, as a module's named_parameters() returns them.
using NamedTensors = std::vector<NamedTensor>;

class Tensor {
 public:
  /// An undefined tensor (`defined()` is false), as returned by `grad()` before backward.
  Tensor() = default;
  explicit Tensor(std::shared_ptr<detail::TensorImpl> impl);
  Tensor(const Tensor&) = default;
  Tensor(Tensor&&) noexcept = default;
  ~Tensor() = default;
  /// Assigning to a handle rebinds it, as libtorch's; assigning to a temporary writes into
  /// the tensor, as libtorch's `x[0] = v` and `x.index({Slice(), 0}) = 1.5` do (copy_ and
  /// fill_, through to x where the temporary is a view copy: autograd/views.h).
  Tensor& operator=(const Tensor&) & = default;
  Tensor& operator=(Tensor&&) & noexcept = default;
  Tensor& operator=(const Tensor& src) && { return copy_(src); }
  Tensor& operator=(double value) && { return fill_(value); }

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  /// Size of one axis; negative axes count from the end.
  std::int64_t size(std::int64_t axis) const;
  std::int64_t dim() const;
  std::int64_t numel() const;
  Dtype dtype() const;
  /// Where the elements live (the CPU in a build without the CUDA backend).
  Device device() const;
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  /// The value of a one-element tensor, as double.
  double item() const;
  /// The value of a one-element tensor as T (libtorch's `item<float>()`, `item<int64_t>()`).
  /// An integer T reads an int64 tensor exactly (not through a double, which holds 53 bits)
  /// and a float tensor's value truncated toward zero; a value T cannot hold (NaN, infinity,
  /// out of T's range) is an xg::Error, as libtorch's overflow check, never C++'s undefined
  /// conversion. bool: whether the value is nonzero.
  template <class T>
  T item() const {
    if constexpr (std::is_same_v<T, bool>) {
      return item() != 0;
    } else if constexpr (std::is_integral_v<T>) {
      constexpr std::int64_t top = sizeof(T) < 8 || std::is_signed_v<T> ? static_cast<std::int64_t>(std::numeric_limits<T>::max())
                                                                          : std::numeric_limits<std::int64_t>::max();
      return static_cast<T>(integer_item(static_cast<std::int64_t>(std::numeric_limits<T>::min()), top));
    } else {
      return static_cast<T>(item());
    }
  }
  /// item<T>()'s integer read: the value, checked to lie in [lo, hi] (exact for int64).
  std::int64_t integer_item(std::int64_t lo, std::int64_t hi) const;
  /// All elements, converted to T, in row-major order.
  template <class T>
  std::vector<T> to_vector() const;
  /// Raw pointer to the elements; T must match dtype(). Writing through it is not recorded.
  template <class T>
  T* data();
  template <class T>
  const T* data() const;
  /// libtorch's `x.data()`: the values as a tensor outside the graph (detach(): the same
  /// storage, and the same version counter, so a backward that saved x still notices writes).
  Tensor data() const { return detach(); }
  /// The value at a multi-index, as double (bounds-checked; negative indices count from the end).
  double at(const std::vector<std::int64_t>& index) const;
  /// True when both handles share the same tensor.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- autograd ----
  /// Marks a leaf as a parameter whose gradient backward() accumulates into grad().
  Tensor& requires_grad_(bool requires_grad = true);
  bool requires_grad() const;
  /// True for tensors not produced by a recorded operation.
  bool is_leaf() const;
  /// Name of the node that produced this tensor ("MulBackward"), or "" for a leaf.
  std::string grad_fn_name() const;
  /// The node that produced this tensor (null for a leaf); for debugging and leak tests.
  std::shared_ptr<autograd::Node> grad_fn() const;
  /// Accumulated gradient; undefined until a backward reaches this leaf.
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  /// Drops the accumulated gradient (it becomes undefined, as PyTorch's set_to_none).
  void zero_grad();
  /// Backpropagates from this tensor. A non-scalar needs `grad_output` of its shape.
  void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;
  /// A new handle on the same storage, cut from the graph.
  Tensor detach() const;
  /// A copy of the data (differentiable).
  Tensor clone() const;
  /// Converts the dtype (differentiable between float types); returns *this if equal.
  Tensor to(Dtype dtype) const;
  /// Moves to `device` (differentiable: the gradient flows back to this device); returns
  /// *this when already there. A device this process cannot use is an xg::Error.
  Tensor to(Device device) const;
  Tensor to(Device device, Dtype dtype) const;
  /// to(kCPU) and to(kCUDA).
  Tensor cpu() const;
  Tensor cuda() const;
  /// Storage version, bumped by every in-place operation.
  std::uint64_t version() const;

  /// libtorch's gradient hook: `hook(grad)` runs each time a backward (or xg::grad)
  /// computes this tensor's gradient, once, with every contribution summed, before it is
  /// accumulated, captured or passed on. It may return a replacement gradient of the same
  /// shape, or return void / an undefined tensor to keep it. Hooks run in registration
  /// order; with create_graph the gradient they see and return is differentiable. A
  /// non-leaf's hooks stay with the operation that produced it. Returns a handle for
  /// remove_hook. The tensor must require grad.
  template <class F>
  unsigned register_hook(F&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const Tensor&>>)
      return add_hook([h = std::forward<F>(hook)](const Tensor& g) mutable {
        h(g);
        return Tensor();
      });
    else
      return add_hook(std::function<Tensor(const Tensor&)>(std::forward<F>(hook)));
  }
  /// libtorch's post-accumulate-grad hook: on a leaf, `hook(leaf)` runs each time backward
  /// has accumulated a gradient into the leaf's grad() (not for xg::grad, which accumulates
  /// nothing), so it sees the accumulated gradient. What DistributedDataParallel starts its
  /// all-reduce from. Returns a handle for remove_hook.
  unsigned register_post_accumulate_grad_hook(std::function<void(const Tensor& leaf)> hook) const;
  /// Removes the hook `handle` that register_hook or register_post_accumulate_grad_hook
  /// returned; an unknown handle throws.
  void remove_hook(unsigned handle) const;
  /// Keeps this non-leaf's gradient in grad() at the next backward (accumulating, as a
  /// leaf's), after its hooks have run. A no-op on leaves, which always keep theirs.
  void retain_grad() const;
  bool retains_grad() const;

  // ---- in-place (with kernels that write in place when not recorded: optimizers, initialisers;
  // recorded as the forms in detail/tensor_inplace_methods.h when they must be) ----
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double value);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(double value);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double value);
  Tensor& fill_(double value);
  Tensor& zero_();
  /// Copies `src` (broadcast and converted) into this tensor's storage.
  Tensor& copy_(const Tensor& src);
  /// libtorch's indexing (xgrad/indexing.h): `x.index({Slice(1, None), 0})` is Python's
  /// x[1:, 0], differentiable; `x.index_put_({Slice(), 0}, v)` writes v (broadcast) there in
  /// place (with accumulate, adds; repeated positions then add up), recorded as copy_ is.
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value, bool accumulate = false);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, double value);
#include <xgrad/detail/tensor_inplace_methods.h>  // IWYU pragma: export

  // ---- method forms of common operations (see xgrad/ops.h) ----
  Tensor sum(const Axes& axes = {}, bool keepdims = false) const;
  Tensor mean(const Axes& axes = {}, bool keepdims = false) const;
  Tensor max(const Axes& axes = {}, bool keepdims = false) const;
  Tensor min(const Axes& axes = {}, bool keepdims = false) const;
  Tensor var(const Axes& axes = {}, bool keepdims = false, std::int64_t ddof = 0) const;
  Tensor argmax() const;
  Tensor argmax(std::int64_t axis, bool keepdims = false) const;
  Tensor argmin() const;
  Tensor argmin(std::int64_t axis, bool keepdims = false) const;
  Tensor reshape(const Shape& shape) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor unflatten(std::int64_t dim, const Shape& sizes) const;
  /// xg::flip, roll, repeat, repeat_interleave, movedim, std, norm (autograd/tensor_methods.cpp).
  Tensor flip(const std::vector<std::int64_t>& dims) const;
  Tensor roll(const std::vector<std::int64_t>& shifts, const std::vector<std::int64_t>& dims = {}) const;
  Tensor repeat(const Shape& repeats) const;
  Tensor repeat_interleave(std::int64_t repeats, std::optional<std::int64_t> dim = std::nullopt) const;
  Tensor movedim(const std::vector<std::int64_t>& source, const std::vector<std::int64_t>& destination) const;
  Tensor std(const Axes& axes = {}, bool keepdims = false, std::int64_t ddof = 0) const;
  Tensor norm(double p = 2.0, const Axes& axes = {}, bool keepdims = false) const;
  Tensor rsqrt() const;
  Tensor reciprocal() const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& other) const;
  // ---- method forms of the math, the order statistics and the conveniences ----
#include <xgrad/detail/tensor_math_methods.h>  // IWYU pragma: export
  Tensor squeeze(std::int64_t axis) const;
  Tensor unsqueeze(std::int64_t axis) const;
  /// Reverses the axes (numpy's `.T`); for a matrix, its transpose.
  Tensor T() const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor permute(const Axes& perm) const;
  Tensor matmul(const Tensor& other) const;
  Tensor pow(double exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  /// Entries start..end-1 (step `step`) of axis `dim`, as libtorch's `slice(dim, start, end)`.
  Tensor slice(std::int64_t dim = 0, std::int64_t start = 0, std::int64_t end = INT64_MAX, std::int64_t step = 1) const;
  /// `length` entries of axis `dim` from `start`, as libtorch's narrow (must fit).
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;

  // ---- libtorch's spellings (each means what it means in libtorch; see docs/libtorch.md) ----
#include <xgrad/detail/tensor_libtorch_methods.h>  // IWYU pragma: export

  /// Internal handle, for the library's own layers.
  const std::shared_ptr<detail::TensorImpl>& impl() const { return impl_; }

 private:
  unsigned add_hook(std::function<Tensor(const Tensor&)> hook) const;
  void check_accessor(std::size_t n, const char* op) const;
  std::tuple<Tensor, Tensor> max_dim(std::int64_t dim, bool keepdim, bool is_max) const;
  std::shared_ptr<detail::TensorImpl> impl_;
};

/// A (name, tensor) pair: `auto& [name, t] = item`, `item.first`, or libtorch's
/// OrderedDict item spelling `item.key()`, `item.value()`.
struct NamedTensor : std::pair<std::string, Tensor> {
  using std::pair<std::string, Tensor>::pair;
  NamedTensor(std::pair<std::string, Tensor> p) : std::pair<std::string, Tensor>(std::move(p)) {}  // NOLINT: implicit
  const std::string& key() const { return first; }
  Tensor& value() { return second; }
  const Tensor& value() const { return second; }
};

/// numpy-style printing: values, then shape and dtype.
std::ostream& operator<<(std::ostream& os, const Tensor& x);
/// The shortest text that reads back as exactly `v`, as Python's repr ("2.0", "1.4545454545454546").
std::string repr(double v);
/// Number of elements of a shape.
std::int64_t shape_numel(const Shape& shape);

}  // namespace xg

#include <xgrad/creation.h>
#include <xgrad/indexing.h>
#include <xgrad/runtime.h>

// ---- a compiler message where libtorch's habit meets a deliberate difference ----
// libtorch's `auto [y, hc] = lstm->forward(x);` unpacks a tuple; xgrad's lstm(x) (the Module
// interface, so Sequential and summary work) returns the output sequence only. Unpacking a
// Tensor is never valid, so it is made to fail with a message that leads to the fix.
namespace xg {
template <std::size_t I>
Tensor get(const Tensor&) {
  static_assert(I != I,
                "an xg::Tensor cannot be unpacked. A recurrent layer's forward(x) (lstm(x)) returns the output "
                "sequence only; for libtorch's (output, state) write auto [y, hc] = lstm(x, {}) (LSTM: state "
                "{h0, c0}; RNN, GRU: h0). See docs/libtorch.md, 'Recurrent layers'.");
  return Tensor();
}
}  // namespace xg
namespace std {
template <>
struct tuple_size<xg::Tensor> : integral_constant<size_t, 2> {};
template <size_t I>
struct tuple_element<I, xg::Tensor> {
  using type = xg::Tensor;
};
}  // namespace std
