// Private: arithmetic on sizes that come from a file or from a user, checked in one place.
// Every reader (npz/npy, IDX, CSV, optimizer state) and every creation path goes through
// these, so a shape whose element count or byte size overflows is an xg::Error, never a
// wrapped-around small number that passes a later "enough bytes follow" check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <xgrad/tensor.h>

namespace xg::detail {

/// a * b for non-negative a and b; false (and *out untouched) when it overflows int64.
bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t* out);

/// Number of elements of `shape`. Throws xg::Error naming `what` and the shape when a
/// dimension is negative or the product overflows int64, and also when the product of its
/// non-zero dimensions does: an empty tensor's strides are computed from its other axes, so
/// (0, 2^62, 2^62) would hold 0 elements and a stride of 2^124 (PyTorch refuses it too).
std::int64_t checked_numel(const Shape& shape, std::string_view what);

/// Bytes needed by `shape` with elements of `itemsize` bytes; throws xg::Error naming
/// `what` when the count or the byte size overflows.
std::size_t checked_nbytes(const Shape& shape, std::size_t itemsize, std::string_view what);

/// The same test without the message, inline, for the path every tensor's creation takes:
/// the byte size in *bytes, or false when a size is negative or a product (of the sizes, of
/// the non-zero sizes, of the elements and the item size) overflows int64 (then
/// checked_nbytes says which, naming the call).
inline bool nbytes_fit(const Shape& shape, std::size_t itemsize, std::size_t* bytes) {
  std::int64_t count = 1, total = 0;
  bool ok = true;
  for (const std::int64_t d : shape) ok &= d >= 0 && !__builtin_mul_overflow(count, d, &count);
  if (ok && count == 0) {  // empty (rare): its strides, the product of the non-zero sizes, must fit too
    std::int64_t span = 1;
    for (const std::int64_t d : shape) ok &= !__builtin_mul_overflow(span, d == 0 ? 1 : d, &span);
  }
  ok = ok && !__builtin_mul_overflow(count, static_cast<std::int64_t>(itemsize), &total);
  *bytes = static_cast<std::size_t>(total);
  return ok;
}

/// a + b, a - b, a * b and a·b + c for sizes computed from a user's arguments (output sizes,
/// spans, counts): xg::Error "<op>: <what> overflows int64 (...)" instead of a wrapped value.
std::int64_t size_add(std::int64_t a, std::int64_t b, const char* op, const char* what);
std::int64_t size_sub(std::int64_t a, std::int64_t b, const char* op, const char* what);
std::int64_t size_mul(std::int64_t a, std::int64_t b, const char* op, const char* what);

/// The one bound on memory derived from arguments: throws xg::Error naming `op` (or the
/// user's call, see CallScope) when `bytes` exceed allocation_limit(). Called by every tensor
/// allocation, and by kernels before sizing a scratch buffer or table from their arguments.
void check_allocation(std::size_t bytes, const char* op, const std::string& what);
/// checked_nbytes, then check_allocation: for `count` elements of `itemsize` bytes.
std::size_t checked_buffer(std::int64_t count, std::size_t itemsize, const char* op, const char* what);

/// The user-facing operation running on this thread (the outermost CallScope), or null.
const char* current_call();
/// `name` if no call is running, else the running call: what an error deep inside names.
const char* call_or(const char* name);

/// RAII, at the top of a public entry point: while it lives, errors raised deep inside
/// (an allocation refused, an undefined tensor's metadata asked for) name this call. Only
/// the outermost scope counts: the user's call, not the operations it is composed of.
class CallScope {
 public:
  explicit CallScope(const char* name);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  const char* previous_;
};

/// Rethrows an xg::Error raised by the operation `from` that a public call `to` is built on,
/// under the name the user called: "from: what" becomes "to: what" (other messages unchanged).
[[noreturn]] void rethrow_as(const Error& e, const std::string& from, const std::string& to);

/// Parses a non-negative decimal integer that fills all of `text`, or throws xg::Error
/// "<what>: '<text>' is not a non-negative integer" (no std::stoll exceptions escape).
std::int64_t parse_size(const std::string& text, const std::string& what);

}  // namespace xg::detail
