// Private: int64 integer division by one divisor for every element (x // 7, idx % width),
// through libdivide's multiply-and-shift instead of the CPU's divide instruction.
#pragma once

#include <cstdint>

#include "tensor/kernels.h"

namespace xg::detail {

/// out[i] = a[i] (kind) b for i in [0, n), kind one of integer division's (Fmod, Remainder,
/// FloorDivide, TruncDivide), with tensor/pointwise_rules.h's results. False, writing
/// nothing, where the divisor has no multiplier (0, and -1, whose one overflowing quotient
/// the rules define): the caller then runs the rules.
bool divide_by_one_int64(kernel::Binary kind, const std::int64_t* a, std::int64_t b, std::int64_t* out, std::int64_t n);

}  // namespace xg::detail
