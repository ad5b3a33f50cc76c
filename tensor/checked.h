// Private: arithmetic on sizes that come from a file or from a user, checked in one place.
// Every reader (npz/npy, IDX, CSV, optimizer state) and every creation path goes through
// these, so a shape whose element count or byte size overflows is an xg::Error, never a
// wrapped-around small number that passes a later "enough bytes follow" check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <xgrad/tensor.h>

namespace xg::detail {

/// a * b for non-negative a and b; false (and *out untouched) when it overflows int64.
bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t* out);

/// Number of elements of `shape`. Throws xg::Error naming `what` and the shape when a
/// dimension is negative or the product overflows int64.
std::int64_t checked_numel(const Shape& shape, const std::string& what);

/// Bytes needed by `shape` with elements of `itemsize` bytes; throws xg::Error naming
/// `what` when the count or the byte size overflows.
std::size_t checked_nbytes(const Shape& shape, std::size_t itemsize, const std::string& what);

/// Parses a non-negative decimal integer that fills all of `text`, or throws xg::Error
/// "<what>: '<text>' is not a non-negative integer" (no std::stoll exceptions escape).
std::int64_t parse_size(const std::string& text, const std::string& what);

}  // namespace xg::detail
