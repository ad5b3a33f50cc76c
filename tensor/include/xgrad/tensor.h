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
  /// The shape (libtorch's IntArrayRef sizes()).
  const Shape& sizes() const { return shape(); }
  /// One-axis reductions: `x.sum(1)`, `x.mean(-1, true)` (a list of axes takes the forms above).
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor sum(I dim, bool keepdim = false) const { return sum(Axes{static_cast<std::int64_t>(dim)}, keepdim); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor mean(I dim, bool keepdim = false) const { return mean(Axes{static_cast<std::int64_t>(dim)}, keepdim); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor amax(I dim, bool keepdim = false) const { return amax(Axes{static_cast<std::int64_t>(dim)}, keepdim); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor nansum(I dim, bool keepdim = false) const { return nansum(Axes{static_cast<std::int64_t>(dim)}, keepdim); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor nanmean(I dim, bool keepdim = false) const { return nanmean(Axes{static_cast<std::int64_t>(dim)}, keepdim); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor amin(I dim, bool keepdim = false) const { return amin(Axes{static_cast<std::int64_t>(dim)}, keepdim); }
  /// One axis where libtorch takes an IntArrayRef (which converts from one integer):
  /// `x.flip(-1)`, `x.roll(1, 0)`, `x.repeat(3)` (a 1-D or 0-d x).
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor flip(I dim) const { return flip(std::vector<std::int64_t>{static_cast<std::int64_t>(dim)}); }
  template <class I, class J, class = std::enable_if_t<std::is_integral_v<I> && std::is_integral_v<J>>>
  Tensor roll(I shift, J dim) const {
    return roll(std::vector<std::int64_t>{static_cast<std::int64_t>(shift)}, std::vector<std::int64_t>{static_cast<std::int64_t>(dim)});
  }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor roll(I shift) const { return roll(std::vector<std::int64_t>{static_cast<std::int64_t>(shift)}); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor repeat(I times) const { return repeat(Shape{static_cast<std::int64_t>(times)}); }
  template <class I, class J, class = std::enable_if_t<std::is_integral_v<I> && std::is_integral_v<J>>>
  Tensor movedim(I source, J destination) const {
    return movedim(std::vector<std::int64_t>{static_cast<std::int64_t>(source)},
                   std::vector<std::int64_t>{static_cast<std::int64_t>(destination)});
  }
  /// (values, indices) of the maximum / minimum along `dim`, as libtorch's `x.max(1)`; the
  /// first of tied maxima. (`x.max()` and `x.max({axes})` give the values only.)
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  std::tuple<Tensor, Tensor> max(I dim, bool keepdim = false) const { return max_dim(static_cast<std::int64_t>(dim), keepdim, true); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  std::tuple<Tensor, Tensor> min(I dim, bool keepdim = false) const { return max_dim(static_cast<std::int64_t>(dim), keepdim, false); }
  /// Every axis of size 1 removed (libtorch's squeeze()).
  Tensor squeeze() const;
  /// The transpose of a matrix; a 0-d or 1-d tensor itself (libtorch's t()).
  Tensor t() const;
  /// libtorch's view: the same storage with a new shape (one entry may be -1). xgrad's
  /// tensors are always contiguous, so it is reshape, and always a view.
  Tensor view(const Shape& shape) const { return reshape(shape); }
  /// One integer, as libtorch's `x.view(-1)`, `x.reshape(-1)`: a 1-D shape.
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor view(I n) const { return reshape(Shape{static_cast<std::int64_t>(n)}); }
  template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
  Tensor reshape(I n) const { return reshape(Shape{static_cast<std::int64_t>(n)}); }
  /// Returns the tensor itself: xgrad's tensors are always contiguous (libtorch copies a
  /// non-contiguous one; here there is none).
  Tensor contiguous() const { return *this; }
  /// Cuts this tensor from the graph in place: no grad_fn, requires_grad false.
  Tensor& detach_();
  /// Repeats size-1 axes to `shape` (-1 keeps an axis), libtorch's expand (a copy here).
  Tensor expand(const Shape& shape) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor neg() const;
  Tensor square() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor clamp(double min, double max) const;
  /// Elementwise bounds (xg::clamp's tensor form, broadcasting).
  Tensor clamp(const Tensor& min, const Tensor& max) const;
  Tensor softmax(std::int64_t dim) const;
  /// log(sum(exp(x))) along dim, stable (libtorch's x.logsumexp(1)).
  Tensor logsumexp(std::int64_t dim, bool keepdim = false) const;
  Tensor log_softmax(std::int64_t dim) const;
  Tensor add(const Tensor& other) const;
  Tensor sub(const Tensor& other) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  /// Matrix product of 2-D tensors (libtorch's mm; matmul broadcasts).
  Tensor mm(const Tensor& other) const;
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  /// The comparisons with a number (libtorch's `x.lt(0.5)`): 1/0 in x's dtype, as the operators.
  Tensor eq(double other) const;
  Tensor ne(double other) const;
  Tensor lt(double other) const;
  Tensor le(double other) const;
  Tensor gt(double other) const;
  Tensor ge(double other) const;
  /// x's dtype and device (libtorch's `x.options()`, for `xg::zeros({2}, x.options())`);
  /// requires_grad is not carried, as there.
  TensorOptions options() const { return TensorOptions(dtype()).device(device()); }
  /// libtorch's name for dtype().
  Dtype scalar_type() const { return dtype(); }
  /// Bytes per element and in all; xgrad's tensors are always contiguous.
  std::int64_t element_size() const;
  std::int64_t nbytes() const { return numel() * element_size(); }
  bool is_contiguous() const { return true; }
  /// libtorch's ndimension() (= dim()); stride(d) and strides(): the row-major strides, in
  /// elements, of this always contiguous tensor (a negative d counts from the end).
  std::int64_t ndimension() const { return dim(); }
  std::int64_t stride(std::int64_t dim) const;
  std::vector<std::int64_t> strides() const;
  /// libtorch's dtype tests: float32 or float64; every xgrad dtype is signed.
  bool is_floating_point() const { return is_floating(dtype()); }
  bool is_signed() const { return dtype() == kFloat32 || dtype() == kFloat64 || dtype() == kInt64; }
  /// libtorch's names for data<T>() (T must match dtype(); a CUDA tensor's is a device
  /// address). Writing through the pointer is not recorded.
  template <class T>
  T* data_ptr() { return data<T>(); }
  template <class T>
  const T* const_data_ptr() const { return data<T>(); }
  /// libtorch's `x.accessor<float, 2>()`: a[i][j] reads and writes the element (xgrad/accessor.h;
  /// indices checked). The tensor must be on the CPU, of dimension N and dtype T.
  template <class T, std::size_t N>
  TensorAccessor<T, N> accessor() const {
    check_accessor(N, "accessor");
    std::array<std::int64_t, N> sizes{}, strides{};
    const auto st = this->strides();
    for (std::size_t k = 0; k < N; ++k) {
      sizes[k] = shape()[k];
      strides[k] = st[k];
    }
    return TensorAccessor<T, N>(const_cast<Tensor*>(this)->data<T>(), sizes, strides);
  }
  /// A sum or mean computed in `dtype` (libtorch's `x.sum(torch::kFloat64)`: the input is
  /// converted first, so an int64 mean or a float32 sum in float64 is one call). Templates so
  /// that a braced list, `x.sum({})`, still means axes.
  template <class D, class = std::enable_if_t<std::is_same_v<D, Dtype>>>
  Tensor sum(D dtype) const { return to(dtype).sum(); }
  template <class D, class = std::enable_if_t<std::is_same_v<D, Dtype>>>
  Tensor sum(const Axes& dims, bool keepdim, D dtype) const { return to(dtype).sum(dims, keepdim); }
  template <class D, class = std::enable_if_t<std::is_same_v<D, Dtype>>>
  Tensor mean(D dtype) const { return to(dtype).mean(); }
  template <class D, class = std::enable_if_t<std::is_same_v<D, Dtype>>>
  Tensor mean(const Axes& dims, bool keepdim, D dtype) const { return to(dtype).mean(dims, keepdim); }
  /// libtorch's toType (= to(dtype)) and to(dtype, non_blocking, copy): with copy, a new
  /// tensor even when the dtype is already this one's (non_blocking changes nothing here).
  Tensor toType(Dtype dtype) const { return to(dtype); }
  Tensor to(Dtype dtype, bool non_blocking, bool copy = false) const;
  /// libtorch's x.where(condition, other) = xg::where(condition, x, other).
  Tensor where(const Tensor& condition, const Tensor& other) const;
  /// Shaped, typed or placed like `other` (libtorch's *_as): expand, view, reshape, to.
  Tensor expand_as(const Tensor& other) const;
  Tensor view_as(const Tensor& other) const;
  Tensor reshape_as(const Tensor& other) const;
  /// to(other's dtype and device), as libtorch's type_as.
  Tensor type_as(const Tensor& other) const;
  /// New tensors with x's dtype and device unless `options` sets them (libtorch's new_*).
  Tensor new_zeros(const Shape& shape, const TensorOptions& options = {}) const;
  Tensor new_ones(const Shape& shape, const TensorOptions& options = {}) const;
  Tensor new_full(const Shape& shape, double value, const TensorOptions& options = {}) const;
  Tensor new_empty(const Shape& shape, const TensorOptions& options = {}) const;
  /// Pieces of `split_size` along dim, the last one smaller (libtorch's split); or of the
  /// given sizes (split_with_sizes, also xg::split).
  std::vector<Tensor> split(std::int64_t split_size, std::int64_t dim = 0) const;
  std::vector<Tensor> split(const std::vector<std::int64_t>& sizes, std::int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(const std::vector<std::int64_t>& sizes, std::int64_t dim = 0) const;
  /// value where mask is nonzero (an int64 mask: xgrad has no bool; xg::masked_fill's rules).
  Tensor masked_fill(const Tensor& mask, double value) const;
  Tensor index_select(std::int64_t dim, const Tensor& index) const;
  Tensor gather(std::int64_t dim, const Tensor& index) const;
  std::vector<Tensor> chunk(std::int64_t chunks, std::int64_t dim = 0) const;
  std::vector<Tensor> unbind(std::int64_t dim = 0) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  /// x[i] = x.select(0, i), libtorch's integer operator[] (negative counts from the end).
  Tensor operator[](std::int64_t index) const { return select(0, index); }
  Tensor cumsum(std::int64_t dim) const;
  /// The running sum computed in `dtype` (the input converted first, as libtorch's).
  template <class D, class = std::enable_if_t<std::is_same_v<D, Dtype>>>
  Tensor cumsum(std::int64_t dim, D dtype) const { return to(dtype).cumsum(dim); }
  std::tuple<Tensor, Tensor> sort(std::int64_t dim = -1, bool descending = false) const;
  Tensor argsort(std::int64_t dim = -1, bool descending = false) const;
  /// xg::diagonal (a copy; entries (i, i + offset) of axes dim1, dim2 as a last axis).
  Tensor diagonal(std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1) const;
  std::tuple<Tensor, Tensor> topk(std::int64_t k, std::int64_t dim = -1, bool largest = true, bool sorted = true) const;
  /// In-place fills from the global generator (libtorch's uniform_, normal_; not recorded).
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  Tensor& normal_(double mean = 0.0, double std = 1.0);

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
