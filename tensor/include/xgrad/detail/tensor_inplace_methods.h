// libtorch's in-place forms of the elementwise math, clamps, interpolations and scatters
// (x.exp_(), x.clamp_(0, 1), x.scatter_(1, idx, 1.0), ...). A fragment of class Tensor,
// included once inside its body by xgrad/tensor.h; do not include it anywhere else.
// NOLINT(build/header_guard): a class-body fragment has no guard.

  /// Each computes the operation of the same name without the underscore (so the two never
  /// differ) and writes the result into this tensor's storage, bumping its version: every
  /// view of the storage sees the new values, and a backward that saved it refuses to run.
  /// While recording, on a tensor that requires grad (or with an operand that does), the
  /// write is recorded as in libtorch: the tensor takes the operation's history, so
  /// `h = fc(x); h.relu_(); h += skip;` differentiates as `h = (fc(x)).relu() + skip`.
  /// Refused then (xg::Error naming the call) on a leaf that requires grad (update parameters
  /// inside xg::NoGradGuard) and on a tensor whose storage another tensor shares (a view, or
  /// a tensor saved for backward), whose history xgrad cannot rebase. The other operands
  /// broadcast to this tensor's shape, which does not change; a float result into an int64
  /// tensor is refused, float64 into float32 is rounded (libtorch's casting rule). Errors
  /// name the in-place call.
  Tensor& abs_();
  Tensor& neg_();
  Tensor& exp_();
  Tensor& log_();
  Tensor& log1p_();
  Tensor& expm1_();
  Tensor& sqrt_();
  Tensor& rsqrt_();
  Tensor& sin_();
  Tensor& cos_();
  Tensor& tanh_();
  Tensor& sigmoid_();
  Tensor& relu_();
  Tensor& sign_();
  Tensor& floor_();
  Tensor& ceil_();
  Tensor& round_();
  Tensor& trunc_();
  Tensor& frac_();
  Tensor& reciprocal_();
  Tensor& erf_();
  Tensor& pow_(double exponent);
  Tensor& pow_(const Tensor& exponent);
  Tensor& clamp_(double min, double max);
  Tensor& clamp_(const Tensor& min, const Tensor& max);
  Tensor& clamp_min_(double min);
  Tensor& clamp_max_(double max);
  Tensor& nan_to_num_(std::optional<double> nan = 0.0, std::optional<double> posinf = std::nullopt,
                      std::optional<double> neginf = std::nullopt);
  Tensor& addcmul_(const Tensor& tensor1, const Tensor& tensor2, double value = 1);
  Tensor& addcdiv_(const Tensor& tensor1, const Tensor& tensor2, double value = 1);
  Tensor& lerp_(const Tensor& end, double weight);
  Tensor& lerp_(const Tensor& end, const Tensor& weight);
  /// value where the int64 mask is nonzero.
  Tensor& masked_fill_(const Tensor& mask, double value);
  Tensor& masked_scatter_(const Tensor& mask, const Tensor& source);
  Tensor& index_fill_(std::int64_t dim, const Tensor& index, double value);
  Tensor& index_copy_(std::int64_t dim, const Tensor& index, const Tensor& source);
  Tensor& index_add_(std::int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);
  Tensor& scatter_(std::int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(std::int64_t dim, const Tensor& index, double value);
  Tensor& scatter_add_(std::int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_reduce_(std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                          bool include_self = true);
  /// 1 with probability p, else 0, in each element (from the global generator, as
  /// xg::bernoulli(x, p)).
  Tensor& bernoulli_(double p = 0.5);
  /// libtorch's compound assignments: add_, sub_, mul_ and div_ (recorded as they are).
  Tensor& operator+=(const Tensor& other) { return add_(other); }
  Tensor& operator+=(double value) { return add_(value); }
  Tensor& operator-=(const Tensor& other) { return sub_(other); }
  Tensor& operator-=(double value) { return sub_(value); }
  Tensor& operator*=(const Tensor& other) { return mul_(other); }
  Tensor& operator*=(double value) { return mul_(value); }
  Tensor& operator/=(const Tensor& other) { return div_(other); }
  Tensor& operator/=(double value) { return div_(value); }
  /// libtorch's in-place shape changes: this tensor's shape (every handle of it sees the new
  /// one; reshapes of its storage keep theirs), its history a reshape or transpose of the old
  /// one when recording. transpose_ and t_ move the values and so are refused while another
  /// tensor shares the storage (it would see them moved); all refuse a leaf that requires grad
  /// while recording, as the other in-place forms.
  Tensor& squeeze_();
  Tensor& squeeze_(std::int64_t dim);
  Tensor& unsqueeze_(std::int64_t dim);
  Tensor& transpose_(std::int64_t dim0, std::int64_t dim1);
  Tensor& t_();
