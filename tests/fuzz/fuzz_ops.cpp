// libFuzzer harness over operation arguments: bytes decoded into shapes, kernel sizes,
// strides, paddings, dilations, groups, output sizes, hidden sizes and batch sizes for
// convolution, pooling, pad, interpolate, im2col/col2im, the recurrent layers and cells, the
// layers' constructors, creation functions, the DataLoader and attention (matmul's broadcast
// ranks, masks, scaled_dot_product_attention, MultiheadAttention), grid_sample and affine_grid, and
// the order statistics (kthvalue, median, quantile, nan*), and in fuzz_ops_more.cpp the
// running reductions, sorted search, counting, two-operand math, EmbeddingBag and adaptive
// 1-D pooling. Input tensors stay small (each axis 0..6), the arguments range over small values and the extremes (0, -1, 2^31, 2^62,
// INT64_MAX, INT64_MIN, ...). Every outcome must be a value or an xg::Error; a result is
// also backpropagated. Allocations are capped at 64 MiB (xg::set_allocation_limit), so a
// size that passes the checks cannot exhaust the fuzzer's memory or clock.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_ops_reader.h"
#include "fuzz_util.h"

namespace {

using xg::fuzz::backprop;
using xg::fuzz::leaf;
using xg::fuzz::Reader;
using xg::fuzz::run_more;

void run(Reader& r) {
  switch (r.byte() % 19) {
    case 0: {  // (N, C, H, W) or unbatched (C, H, W)
      auto x = leaf(r.tensor(3 + r.byte() % 2)), W = leaf(r.tensor(4)), b = r.flag() ? leaf(r.tensor(1)) : xg::Tensor();
      const auto s = r.int2(), p = r.int2(), d = r.int2();
      backprop(xg::conv2d(x, W, b, s, p, d, r.arg()));
      break;
    }
    case 1: {
      auto x = leaf(r.tensor(3 + r.byte() % 2)), W = leaf(r.tensor(4)), b = r.flag() ? leaf(r.tensor(1)) : xg::Tensor();
      const auto s = r.int2(), p = r.int2(), op = r.int2();
      const std::int64_t g = r.arg();
      backprop(xg::conv_transpose2d(x, W, b, s, p, op, g, r.int2()));
      break;
    }
    case 2: {
      auto x = leaf(r.tensor(3 + r.byte() % 2));
      const auto k = r.int2(), s = r.flag() ? r.int2() : xg::Int2(), p = r.int2();
      backprop(xg::max_pool2d(x, k, s, p, r.int2(), r.flag()));
      break;
    }
    case 3: {
      auto x = leaf(r.tensor(3 + r.byte() % 2));
      const auto k = r.int2(), s = r.flag() ? r.int2() : xg::Int2(), p = r.int2();
      const bool ceil = r.flag(), include = r.flag();
      backprop(xg::avg_pool2d(x, k, s, p, ceil, include, r.flag() ? std::optional<std::int64_t>(r.arg()) : std::nullopt));
      break;
    }
    case 4:
      backprop(r.flag() ? xg::adaptive_avg_pool2d(leaf(r.tensor(3 + r.byte() % 2)), r.int2())
                        : xg::adaptive_max_pool2d(leaf(r.tensor(3 + r.byte() % 2)), r.int2()));
      break;
    case 5: {
      auto x = leaf(r.tensor(1 + r.byte() % 4));
      std::vector<std::int64_t> pads(r.byte() % 9);
      for (auto& v : pads) v = r.arg();
      const auto mode = static_cast<xg::PadMode>(r.byte() % 4);
      backprop(mode == xg::kConstant ? xg::pad(x, pads, 0.5) : xg::pad(x, pads, mode));
      break;
    }
    case 6: {
      auto x = leaf(r.tensor(4));
      const auto size = r.int2();
      const auto mode = static_cast<xg::InterpolateMode>(r.byte() % 3);
      if (!r.flag()) {
        backprop(xg::interpolate(x, size, mode, r.flag()));
        break;
      }
      // By scale factors: a decoded argument over 1..256 (0, negatives and 2^62 included).
      namespace F = xg::nn::functional;
      const double sh = static_cast<double>(size.h) / (1 + r.byte()), sw = static_cast<double>(size.w) / (1 + r.byte());
      backprop(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({sh, sw}).mode(mode).recompute_scale_factor(r.flag())));
      break;
    }
    case 7: {
      auto x = leaf(r.tensor(4));
      const auto k = r.int2(), s = r.int2(), p = r.int2(), d = r.int2();
      auto cols = xg::im2col(x, k, s, p, d);
      backprop(cols);
      backprop(xg::col2im(leaf(cols.detach()), x.shape(), k, s, p, d));
      break;
    }
    case 8: {  // a recurrent layer from decoded options, then a forward on a small sequence
      std::int64_t in = r.arg(), hidden = r.arg();
      // Thousands of layers are valid, only slow: deep stacks stay shallow here, while sizes
      // that must be refused (2^31 and up) still reach the constructor. Likewise widths: a
      // 3-layer GRU of hidden size 1000 on float64 input casts 27M weights per step, 10 s
      // under the fuzzer's instrumentation (a timeout it found, not a fault).
      std::int64_t layers = r.arg();
      if (layers > 4 && layers < (1LL << 31)) layers = 4;
      if (in > 64 && in < (1LL << 31)) in = 64;
      if (hidden > 64 && hidden < (1LL << 31)) hidden = 64;
      auto o = xg::nn::RNNOptions(in, hidden).num_layers(layers).bidirectional(r.flag()).batch_first(r.flag());
      o.dropout(static_cast<double>(r.byte() % 3) / 2.0).bias(r.flag());
      const auto kind = r.byte() % 3;
      auto x = leaf(r.tensor(1 + r.byte() % 3));
      if (kind == 0) {
        xg::nn::RNN m(o.nonlinearity(r.flag() ? "relu" : "tanh"));
        backprop(std::get<0>(m(x, r.flag() ? leaf(r.tensor(3)) : xg::Tensor())));
      } else if (kind == 1) {
        if (r.flag()) o.proj_size(r.arg());  // any size: most are refused, the rest project
        xg::nn::LSTM m(o);
        backprop(std::get<0>(m(x, r.flag() ? std::make_tuple(leaf(r.tensor(3)), leaf(r.tensor(3))) : std::tuple<xg::Tensor, xg::Tensor>{})));
      } else {
        xg::nn::GRU m(o);
        backprop(m(x));
      }
      break;
    }
    case 9: {
      const std::int64_t in = r.arg(), hidden = r.arg();
      auto x = leaf(r.tensor(1 + r.byte() % 2));
      if (r.flag()) {
        xg::nn::LSTMCell m(in, hidden, r.flag());
        backprop(std::get<1>(m(x, {})));
      } else {
        xg::nn::GRUCell m(in, hidden, r.flag());
        backprop(m(x, r.flag() ? leaf(r.tensor(2)) : xg::Tensor()));
      }
      break;
    }
    case 10: {  // a DataLoader over n samples with a decoded batch size
      const std::int64_t n = r.dim() + 1, batch = r.arg();
      xg::data::TensorDataset ds(xg::arange(static_cast<double>(n), xg::kFloat32).reshape({n, 1}), xg::arange(static_cast<double>(n)));
      xg::data::DataLoader loader(ds, batch, xg::data::DataLoaderOptions().set_drop_last(r.flag()));
      std::int64_t seen = 0;
      for (auto& [x, t] : loader) seen += x.size(0);
      if (seen > n) __builtin_trap();  // an epoch visits each sample at most once
      if (r.flag()) (void)loader.sample();
      break;
    }
    case 11: {  // layers' constructors
      const std::int64_t a = r.arg(), b = r.arg(), c = r.arg();
      switch (r.byte() % 6) {
        case 5: {  // and a forward on decoded inputs and weight
          xg::nn::Bilinear layer(a, b, c);
          backprop(layer(leaf(r.tensor(1 + r.byte() % 3)), leaf(r.tensor(1 + r.byte() % 3))));
          backprop(xg::nn::functional::bilinear(leaf(r.tensor(2)), leaf(r.tensor(2)), leaf(r.tensor(r.byte() % 4)),
                                                r.tensor(r.byte() % 2)));
          break;
        }
        case 0: xg::nn::Linear(a, b); break;
        case 1: xg::nn::Conv2d(xg::nn::Conv2dOptions(a, b, c).groups(r.arg())); break;
        case 2: xg::nn::ConvTranspose2d(xg::nn::ConvTranspose2dOptions(a, b, c).groups(r.arg())); break;
        case 3: xg::nn::Embedding(a, b); break;
        default: xg::nn::BatchNorm2d{a}; break;
      }
      break;
    }
    case 12: {  // creation from decoded sizes
      xg::Shape shape(r.byte() % 4);
      for (auto& d : shape) d = r.arg();
      switch (r.byte() % 8) {
        case 5: (void)xg::linspace(-1.0, static_cast<double>(r.byte()), r.arg(), r.flag() ? xg::kInt64 : xg::kFloat64); break;
        case 6: (void)xg::multinomial(r.tensor(r.byte() % 4), r.arg(), r.flag()); break;  // any values and shapes
        case 0: (void)xg::zeros(shape); break;
        case 1: (void)xg::randn(shape, xg::kFloat64); break;
        case 2: (void)(r.flag() ? xg::eye(r.arg()) : xg::eye(r.arg(), r.arg())); break;
        case 3: (void)xg::arange(0.0, static_cast<double>(r.arg()), 1.0 / static_cast<double>(1 + r.byte())); break;
        case 4: (void)xg::one_hot(xg::arange(3), r.arg()); break;
        default: {  // and the strides and checked accessor of what was made
          const xg::Tensor t = r.flag() ? xg::full(shape, 2.0, xg::kInt64) : xg::randint(r.arg(), shape);
          (void)t.stride(r.arg());
          if (t.dim() == 2) (void)t.accessor<std::int64_t, 2>()[r.arg()][r.arg()];
          break;
        }
      }
      break;
    }
    case 13: {  // shape operations with decoded arguments
      auto x = leaf(r.tensor(1 + r.byte() % 3));
      const std::int64_t a = r.arg(), b = r.arg(), c = r.arg();
      switch (r.byte() % 13) {
        case 12: {  // libtorch's indexing with a decoded list of up to four entries
          std::vector<xg::indexing::TensorIndex> list;
          for (int k = r.byte() % 5; k > 0; --k) {
            switch (r.byte() % 5) {
              case 0: list.emplace_back(r.arg()); break;
              case 1: list.emplace_back(xg::indexing::Slice(r.arg(), r.arg(), r.arg())); break;
              case 2: list.emplace_back(xg::indexing::None); break;
              case 3: list.emplace_back(xg::indexing::Ellipsis); break;
              default: {
                const auto t = r.tensor(r.byte() % 3);
                list.emplace_back(t.defined() ? t.to(xg::kInt64) : t);
              }
            }
          }
          if (r.flag()) {
            backprop(x.index(list));
          } else if (x.defined()) {  // the write on a copy that is out of autograd's way
            auto y = x.detach().clone();
            y.index_put_({list.empty() ? xg::indexing::TensorIndex(xg::indexing::Ellipsis) : list[0]}, 1.0);
          }
          break;
        }
        case 10: {  // user indices and masks of decoded shapes, values and dtypes
          const auto index = r.tensor(r.byte() % 4), src = leaf(r.tensor(x.dim() > 0 ? x.dim() : 1));
          if (r.flag()) backprop(xg::index_add(x, a % 4, index.defined() ? index.to(xg::kInt64) : index, src));
          else backprop(xg::scatter_add(x, a % 4, index.defined() ? index.to(xg::kInt64) : index, src));
          break;
        }
        case 11: {
          const auto mask = r.tensor(r.byte() % 4);
          if (r.flag()) backprop(xg::masked_select(x, mask.defined() && r.flag() ? mask.to(xg::kInt64) : mask));
          else (void)xg::nonzero(x);
          break;
        }
        case 0: backprop(xg::reshape(x, {a, b})); break;
        case 1: backprop(xg::narrow(x, a % 4, b, c)); break;
        case 2: backprop(xg::slice(x, a % 4, b, c, r.arg())); break;
        case 3: {  // an empty axis splits into any number of empty chunks: backprop a few
          const auto parts = xg::chunk(x, a, b % 4);
          for (std::size_t i = 0; i < parts.size() && i < 4; ++i) backprop(parts[i]);
          break;
        }
        case 4: backprop(xg::broadcast_to(x, {a, b, c})); break;
        case 5: backprop(xg::select(x, a % 4, b)); break;
        case 6: {  // sizes that must add up (decoded, so huge or negative ones too), or a split_size
          const auto parts = r.flag() ? xg::split(x, {a, b, c}, r.arg() % 4) : x.split(a, r.arg() % 4);
          for (std::size_t i = 0; i < parts.size() && i < 4; ++i) backprop(parts[i]);
          if (x.defined() && x.numel() > 0)  // a number that may not fit (NaN, huge): an error, never UB
            (void)(r.flag() ? x.sum().item<int>() : x.max().item<std::int64_t>());
          break;
        }
        case 7: backprop(r.flag() ? xg::prod(x, a % 5, r.flag()) : xg::prod(x)); break;
        case 8: backprop(r.flag() ? xg::cumsum(x, a % 5) : xg::cumprod(x, a % 5)); break;
        case 9: {  // sorting along a decoded axis, topk of a decoded k
          backprop(std::get<0>(xg::sort(x, a % 5, r.flag())));
          backprop(std::get<0>(xg::topk(x, b, c % 5, r.flag())));
          break;
        }
        default: backprop(xg::flatten(x, a, b)); break;
      }
      break;
    }
    case 14: {  // normalisation layers over decoded shapes; the fused layer_norm and gelu; 1-D layers
      auto x = leaf(r.tensor(2 + r.byte() % 3));
      const std::int64_t a = r.arg();
      switch (r.byte() % 6) {
        case 0: {
          xg::nn::LayerNorm m({a});
          backprop(m(x));
          break;
        }
        case 1: {
          xg::nn::BatchNorm1d m(a);
          backprop(m(x));
          break;
        }
        case 2: {  // any trailing shape, weight and bias of decoded shapes and dtypes
          const xg::Shape ns = r.flag() ? xg::Shape{a} : xg::Shape{a, r.arg()};
          auto w = r.flag() ? leaf(r.tensor(1 + r.byte() % 2)) : xg::Tensor();
          auto b = r.flag() ? leaf(r.tensor(1 + r.byte() % 2)) : xg::Tensor();
          backprop(xg::layer_norm(x, ns, w, b, r.flag() ? 1e-5 : static_cast<double>(r.arg())));
          break;
        }
        case 3:
          backprop(xg::gelu(x, r.flag() ? "tanh" : (r.flag() ? "none" : "fast")));
          break;
        case 4: {  // group_norm with decoded groups and affine tensors
          auto w = r.flag() ? leaf(r.tensor(1)) : xg::Tensor();
          backprop(xg::group_norm(x, a, w, r.flag() ? leaf(r.tensor(1)) : xg::Tensor()));
          break;
        }
        case 5: {  // the 1-D convolution and pooling with decoded geometry
          auto W = leaf(r.tensor(1 + r.byte() % 3)), b = r.flag() ? leaf(r.tensor(1)) : xg::Tensor();
          const std::int64_t s = r.arg(), p = r.arg(), d = r.arg();
          switch (r.byte() % 3) {
            case 0: backprop(xg::conv1d(x, W, b, s, p, d, r.arg())); break;
            case 1: backprop(xg::max_pool1d(x, a, r.flag() ? std::optional<std::int64_t>(s) : std::nullopt, p, d, r.flag())); break;
            case 2: { const bool ceil = r.flag(); backprop(xg::avg_pool1d(x, a, s, p, ceil, r.flag())); break; }
          }
          break;
        }
      }
      break;
    }
    case 15: {  // attention (broadcasting matmul, masks, scaled dot-product, multi-head attention), linalg
      auto a = leaf(r.tensor(1 + r.byte() % 4)), b = leaf(r.tensor(1 + r.byte() % 4));
      switch (r.byte() % 8) {
        case 7:  // dense linear algebra on decoded matrices: often singular, non-square or not positive-definite
          switch (r.byte() % 14) {
            case 10: backprop(xg::linalg::matrix_power(a, static_cast<std::int64_t>(r.byte()) - 128)); break;
            case 11: backprop(xg::linalg::multi_dot({a, b, leaf(r.tensor(1 + r.byte() % 2))})); break;
            case 12: backprop(xg::linalg::cross(a, b, r.arg() % 4 - 2)); break;
            case 13: (void)xg::linalg::matrix_rank(a, static_cast<double>(r.byte() % 3), std::nullopt, r.flag()); break;
            case 6: {
              auto [U, S, Vh] = xg::linalg::svd(a, r.flag());
              backprop(S.sum() + (U * U).sum() + (Vh * Vh).sum());
              break;
            }
            case 7: backprop(std::get<1>(xg::linalg::qr(a, r.flag() ? "reduced" : r.flag() ? "complete" : "r"))); break;
            case 8: backprop(xg::linalg::pinv(a, static_cast<double>(r.byte() % 3))); break;
            case 9: backprop(r.flag() ? xg::linalg::matrix_norm(a, r.flag() ? "fro" : "nuc")
                                      : xg::linalg::matrix_norm(a, static_cast<double>(r.byte() % 5) - 2.0)); break;
            case 0: backprop(xg::linalg::inv(a)); break;
            case 1: backprop(r.flag() ? xg::linalg::det(a) : std::get<1>(xg::linalg::slogdet(a))); break;
            case 2: backprop(xg::linalg::solve(a, b, r.flag())); break;
            case 3: backprop(xg::linalg::solve_triangular(a, b, r.flag(), r.flag(), r.flag())); break;
            case 4: backprop(xg::linalg::cholesky(a, r.flag())); break;
            default: backprop(std::get<1>(xg::linalg::eigh(a, r.flag() ? "L" : "U"))); break;
          }
          break;
        case 5: {  // einsum: an equation of decoded characters over one to three operands
          static constexpr char kChars[] = "ijkA.,->i j";
          std::string equation;
          for (int n = r.byte() % 14; n > 0; --n) equation += kChars[r.byte() % (sizeof(kChars) - 1)];
          xg::tensor_list operands{a};
          if (r.flag()) operands.push_back(b);
          if (r.flag()) operands.push_back(leaf(r.tensor(r.byte() % 4)));
          backprop(xg::einsum(equation, operands));
          break;
        }
        case 6: backprop(xg::diagonal(a, r.arg(), r.arg() % 5, r.arg() % 5)); break;
        case 0: backprop(xg::matmul(a, b)); break;
        case 1: backprop(xg::masked_fill(a, r.tensor(r.byte() % 3).to(xg::kInt64), -1.0)); break;
        case 2: backprop(r.flag() ? xg::tril(a, r.arg()) : xg::triu(a, r.arg())); break;
        case 3: {
          auto v = leaf(r.tensor(2 + r.byte() % 2));
          auto mask = r.tensor(r.byte() % 4);
          if (mask.defined() && r.flag()) mask = mask.to(xg::kInt64);
          backprop(xg::scaled_dot_product_attention(a, b, v, mask, static_cast<double>(r.byte() % 3) / 2.0, r.flag()));
          break;
        }
        default: {
          const std::int64_t e = r.arg(), h = r.arg();
          xg::nn::MultiheadAttention m(xg::nn::MultiheadAttentionOptions(e, h).batch_first(r.flag()));
          auto q = leaf(r.tensor(2 + r.byte() % 2));
          auto pad = r.flag() ? r.tensor(1 + r.byte() % 2).to(xg::kInt64) : xg::Tensor();
          backprop(std::get<0>(m(q, q, q, pad, r.flag())));
          break;
        }
      }
      break;
    }
    case 16: {  // grid_sample / affine_grid (coordinates far off the image, NaN, inf); order statistics
      auto x = leaf(r.tensor(1 + r.byte() % 4));
      if (r.flag()) {
        auto grid = r.tensor(4);
        if (grid.defined() && xg::is_floating(grid.dtype())) grid = r.byte() == 0 ? grid / 0.0 : grid * static_cast<double>(r.arg());
        backprop(xg::grid_sample(x, leaf(grid), static_cast<xg::InterpolateMode>(r.byte() % 3),
                                 static_cast<xg::PadMode>(r.byte() % 4), r.flag()));
        xg::Shape size(r.byte() % 6);
        for (auto& v : size) v = r.arg();
        backprop(xg::affine_grid(leaf(r.tensor(3)), size, r.flag()));
        break;
      }
      const std::int64_t a = r.arg(), b = r.arg();
      static const char* const interpolations[] = {"linear", "lower", "higher", "midpoint", "nearest", "cubic"};
      switch (r.byte() % 4) {
        case 0: backprop(std::get<0>(xg::kthvalue(x, a, b % 5, r.flag()))); break;
        case 1: backprop(r.flag() ? xg::median(x) : std::get<0>(xg::nanmedian(x, a % 5, r.flag()))); break;
        case 2: {
          auto q = r.tensor(r.byte() % 3);
          if (q.defined() && r.flag()) q = (q + 2.0) / 4.0;  // inside [0, 1] now and then
          const char* how = interpolations[r.byte() % 6];
          backprop(r.flag() ? xg::quantile(x, q, a % 5, r.flag(), how) : xg::nanquantile(x, q, std::nullopt, r.flag(), how));
          break;
        }
        default: backprop(r.flag() ? xg::nansum(x, {a % 5}, r.flag()) : xg::nanmean(x, {a % 5, b % 5})); break;
      }
      break;
    }
    case 17:  // running reductions, sorted search, counting, two-operand math, EmbeddingBag,
              // adaptive 1-D pooling: tests/fuzz/fuzz_ops_more.cpp
      run_more(r);
      break;
    default: {  // losses with decoded class counts and label values
      auto logits = leaf(r.tensor(2 + r.byte() % 2));
      auto labels = r.tensor(1 + r.byte() % 2).to(xg::kInt64);
      backprop(xg::nn::cross_entropy(logits, labels));
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xg::set_allocation_limit(std::size_t{64} << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader r(data, size);
  xg::fuzz::expect_clean([&] { run(r); });
  return 0;
}
