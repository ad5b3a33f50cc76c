// libtorch's spellings of Tensor's methods: the one-integer forms of the axis reductions and
// shape changes, (values, indices) max/min along a dim, the libtorch names of the core
// operations (sizes, view, t, mm, the comparisons, data_ptr, accessor, options, new_*, split,
// chunk, select, ...), each meaning what it means in libtorch (docs/libtorch.md). A fragment of
// class Tensor, included once inside its body by xgrad/tensor.h, so that header keeps the
// handle, its state and the core operations readable; do not include it anywhere else.
// NOLINT(build/header_guard): a class-body fragment has no guard.

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
  /// In-place fills from the global generator, libtorch's (autograd/tensor_random_fills.cpp;
  /// not recorded; refused on a tensor that requires grad while recording).
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  Tensor& normal_(double mean = 0.0, double std = 1.0);
  /// Exponential(lambd) draws, -ln(1 - u) / lambd.
  Tensor& exponential_(double lambd = 1.0);
  /// The number of Bernoulli(p) trials to the first success: 1, 2, ... (any dtype).
  Tensor& geometric_(double p);
  /// Cauchy(median, sigma) draws.
  Tensor& cauchy_(double median = 0.0, double sigma = 1.0);
  /// exp of Normal(mean, std) draws (libtorch's defaults: mean 1, std 2).
  Tensor& log_normal_(double mean = 1.0, double std = 2.0);
  /// Integers uniform in [from, to) (any dtype; a float tensor's must be exact in it); without
  /// `to`, up to the dtype's last exact integer (2^24, 2^53; int64: 2^63 - 2). random_(to) is
  /// [0, to), random_() [0, that bound].
  Tensor& random_(std::int64_t from, std::optional<std::int64_t> to);
  Tensor& random_(std::int64_t to);
  Tensor& random_();
