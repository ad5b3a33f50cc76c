// libtorch's indexing API (autograd/ops_indexing.cpp): `x.index({Slice(1, None), 0})`,
// `x.index({"...", None})`, `x.index({idx})`, and `x.index_put_({Slice(), 0}, value)`, with
// `using namespace xg::indexing;` as `using namespace torch::indexing;`. Included by tensor.h.
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>

namespace xg {

class Tensor;

namespace indexing {

/// `None` in an index adds an axis of size 1 there; as a Slice bound it means "from the start"
/// or "to the end" (libtorch's c10::nullopt).
inline constexpr std::nullopt_t None = std::nullopt;
/// `...` (or the string "..."): as many full slices as the other indices leave axes.
struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};

/// start:stop:step of one axis, Python's rules (negative bounds count from the end, out of
/// range clamps); the step must be positive, as libtorch's.
struct Slice {
  Slice(std::optional<std::int64_t> start = std::nullopt, std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start(start), stop(stop), step(step) {}
  std::optional<std::int64_t> start, stop, step;
};

/// One entry of an index list: an integer (selects, removing the axis), a Slice, None, the
/// Ellipsis, or an int64 tensor (the positions along one axis: index_select, the axis
/// replaced by the tensor's shape). xgrad has no bool, so a tensor index is never a mask
/// (masked_select is). At most one tensor index per list.
class TensorIndex {
 public:
  enum class Kind { Integer, Slice, None, Ellipsis, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}  // NOLINT: implicit, as libtorch's
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}  // NOLINT
  TensorIndex(const char* text);  // NOLINT: "..." only
  TensorIndex(int integer) : kind_(Kind::Integer), integer_(integer) {}  // NOLINT
  template <class I, class = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, int>>>
  TensorIndex(I integer) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(integer)) {}  // NOLINT
  /// PyTorch's x[True] adds an axis; xgrad has no bool index, so it does not compile rather
  /// than select row 1.
  TensorIndex(bool) = delete;
  TensorIndex(Slice slice) : kind_(Kind::Slice), slice_(slice) {}  // NOLINT
  TensorIndex(const Tensor& tensor);  // NOLINT
  TensorIndex(const TensorIndex& other);
  TensorIndex& operator=(const TensorIndex& other);
  ~TensorIndex();

  Kind kind() const { return kind_; }
  std::int64_t integer() const { return integer_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const;

 private:
  Kind kind_;
  std::int64_t integer_ = 0;
  Slice slice_;
  Tensor* tensor_ = nullptr;  // owned; a pointer because Tensor is incomplete here
};

}  // namespace indexing
}  // namespace xg
