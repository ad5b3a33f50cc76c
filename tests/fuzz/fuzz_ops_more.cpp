// The ops fuzzer's cases along a line and among the newer functions: logcumsumexp, cummax,
// cummin, prod, searchsorted, bucketize, the two-operand math (logaddexp, logaddexp2, hypot,
// xlogy), EmbeddingBag, the counting functions and adaptive 1-D pooling, on decoded shapes,
// dtypes, axes, sides, sorters, bins, ranges, offsets and options.
#include <optional>
#include <string>
#include <tuple>

#include "fuzz_ops_reader.h"

namespace xg::fuzz {

void run_more(Reader& r) {
  auto x = leaf(r.tensor(1 + r.byte() % 3));
  const std::int64_t a = r.arg();
  const xg::Tensor values = x.defined() ? x.detach() : x;
  switch (r.byte() % 9) {
    case 0: backprop(xg::logcumsumexp(r.flag() && x.defined() ? x * static_cast<double>(r.arg()) : x, a)); break;
    case 1: backprop(std::get<0>(r.flag() ? xg::cummax(x, a) : xg::cummin(x, a))); break;
    case 2: backprop(xg::prod(x, a, r.flag())); break;
    case 3: {
      static const char* const sides[] = {"left", "right", "up"};
      std::optional<std::string> side;
      if (r.flag()) side = sides[r.byte() % 3];
      std::optional<xg::Tensor> sorter;
      if (r.flag()) sorter = r.tensor(1 + r.byte() % 2).to(xg::kInt64);
      (void)xg::searchsorted(r.tensor(r.byte() % 3), values, false, r.flag(), side, sorter);
      break;
    }
    case 5: {  // two-operand math with decoded shapes and dtypes (broadcast errors, int64)
      const auto other = leaf(r.tensor(r.byte() % 3));
      static xg::Tensor (*const fns[])(const xg::Tensor&, const xg::Tensor&) = {xg::logaddexp, xg::logaddexp2,
                                                                                 xg::hypot, xg::xlogy};
      backprop(fns[r.byte() % 4](x, other));
      break;
    }
    case 6: {  // EmbeddingBag: decoded indices, offsets, modes and options
      namespace F = xg::nn::functional;
      F::EmbeddingBagFuncOptions o;
      if (r.flag()) o.offsets(r.tensor(1).to(xg::kInt64));
      o.mode(static_cast<xg::nn::EmbeddingBagMode>(r.byte() % 3)).include_last_offset(r.flag());
      if (r.flag()) o.padding_idx(a);
      if (r.flag()) o.per_sample_weights(leaf(r.tensor(1)));
      const auto indices = r.tensor(1 + r.byte() % 2);
      backprop(F::embedding_bag(indices.defined() ? indices.to(xg::kInt64) : indices, leaf(r.tensor(2)), o));
      break;
    }
    case 7: {  // counting: decoded bins, ranges, lengths (values up to the decoded extremes)
      const auto v = values.defined() ? values : r.tensor(1);
      switch (r.byte() % 4) {
        case 0: (void)xg::histc(v, a, static_cast<double>(r.arg()) - 4.0, static_cast<double>(r.arg())); break;
        case 1: (void)xg::bincount(v.defined() ? (v * static_cast<double>(r.arg())).to(xg::kInt64) : v, r.tensor(1), a); break;
        case 2: (void)xg::unique(v, r.flag(), r.flag(), r.flag()); break;
        default: (void)xg::unique_consecutive(v, r.flag(), r.flag());
      }
      break;
    }
    case 8: {  // adaptive 1-D pooling: decoded ranks, lengths and output sizes
      backprop(r.flag() ? xg::adaptive_avg_pool1d(x, a) : std::get<0>(xg::adaptive_max_pool1d_with_indices(x, a)));
      break;
    }
    default: (void)(r.flag() ? xg::bucketize(values, r.tensor(1 + r.byte() % 2), false, r.flag())
                             : xg::bucketize(static_cast<double>(a), r.tensor(1)));
  }
}

}  // namespace xg::fuzz
