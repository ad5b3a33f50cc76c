// Private: libtorch's unbatched inputs. An operation over (N, C, spatial...) of rank `rank`
// also takes (C, spatial...): it checks the shape as given (so errors show the user's
// shape), runs on a batch of one and drops that axis from its results.
#pragma once

#include <cstdint>

#include <xgrad/ops.h>

namespace xg::detail {

/// x as a batch: unsqueezed at 0 when it has rank − 1 axes.
inline Tensor as_batch(const Tensor& x, std::int64_t rank) { return x.dim() == rank - 1 ? unsqueeze(x, 0) : x; }

/// y, computed from as_batch(x, rank), in x's form: the batch axis dropped if x had none.
inline Tensor as_given(const Tensor& x, std::int64_t rank, const Tensor& y) {
  return x.dim() == rank - 1 ? squeeze(y, 0) : y;
}

}  // namespace xg::detail
