// The ops fuzzer's cases along a line and among the newer functions: logcumsumexp, cummax,
// cummin, prod, searchsorted, bucketize, the two-operand math (logaddexp, logaddexp2, hypot,
// xlogy, integer division), EmbeddingBag, the counting functions, adaptive 1-D pooling, the special functions,
// the scaled products and the assembling functions, on decoded shapes, dtypes, axes, sides,
// sorters, bins, ranges, offsets, orders, sections, indices and options; the CTC loss, the
// channel layers, the class margin losses, the stacking and numeric conveniences; the
// volumetric convolutions and pools, max pooling's indices, unpooling and LPPool;
// AdaptiveLogSoftmaxWithLoss and the triplet loss with a distance function; scatter_reduce,
// index_reduce, take, put, mode, diag, inner and mv; packing sequences and running the
// recurrent layers over them; lstsq, cholesky_solve, cholesky_inverse and matrix_exp; the LU family;
// linalg::norm, cond, vecdot and vander; the in-place random fills.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_ops_reader.h"

namespace xg::fuzz {

void run_more(Reader& r) {
  auto x = leaf(r.tensor(1 + r.byte() % 3));
  const std::int64_t a = r.arg();
  const xg::Tensor values = x.defined() ? x.detach() : x;
  switch (r.byte() % 20) {
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
    case 5: {  // two-operand math with decoded shapes and dtypes (broadcast errors, int64); clamp's tensor bounds
      const auto other = leaf(r.tensor(r.byte() % 3));
      static xg::Tensor (*const fns[])(const xg::Tensor&, const xg::Tensor&) = {xg::logaddexp, xg::logaddexp2,
                                                                                 xg::hypot, xg::xlogy, xg::fmax, xg::fmin};
      backprop(fns[r.byte() % 6](x, other));
      if (r.flag()) backprop(xg::clamp(x, r.flag() ? other : xg::Tensor(), r.flag() ? leaf(r.tensor(r.byte() % 3)) : xg::Tensor()));
      if (r.flag()) {  // integer division: int64 or mixed operands, zero divisors, INT64_MIN / -1, scalars
        const auto as_int = [&](const xg::Tensor& t) { return t.defined() && r.flag() ? t.detach().to(xg::kInt64) : t; };
        const auto n = as_int(x), d = as_int(other);
        switch (r.byte() % 6) {
          case 0: backprop(xg::div(n, d, r.flag() ? "floor" : "trunc")); break;
          case 1: backprop(r.flag() ? n % d : xg::fmod(n, d)); break;
          case 2: backprop(r.flag() ? n % static_cast<double>(a) : xg::fmod(n, static_cast<double>(a) / 2)); break;
          case 3: backprop(static_cast<double>(a) % d); break;
          case 4: backprop(r.flag() ? (n & d) | (n ^ static_cast<double>(a)) : ~n); break;  // bitwise, float refused
          default:  // shifts by any count, fractional scalars refused
            backprop(r.flag() ? xg::bitwise_left_shift(n, d) : xg::bitwise_right_shift(n, static_cast<double>(a) / 2));
        }
      }
      break;
    }
    case 6: {  // EmbeddingBag: decoded indices, offsets, modes, options, max_norm, scale_grad_by_freq
      namespace F = xg::nn::functional;
      F::EmbeddingBagFuncOptions o;
      if (r.flag()) o.offsets(r.tensor(1).to(xg::kInt64));
      o.mode(static_cast<xg::nn::EmbeddingBagMode>(r.byte() % 3)).include_last_offset(r.flag());
      if (r.flag()) o.padding_idx(a);
      if (r.flag()) o.per_sample_weights(leaf(r.tensor(1)));
      if (r.flag()) o.max_norm(static_cast<double>(r.byte() % 4) / 2.0).norm_type(static_cast<double>(r.byte() % 4));
      o.scale_grad_by_freq(r.flag());
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
    case 8: {  // adaptive 1-D pooling: decoded ranks, lengths and output sizes; fractional pooling
      if (r.flag()) {  // decoded kernels, output sizes or ratios, and samples (any shape, any values)
        namespace F = xg::nn::functional;
        const auto v = leaf(r.tensor(3 + r.byte() % 3));
        const auto samples = r.flag() ? r.tensor(3) : xg::Tensor();
        if (r.flag()) {
          auto o = F::FractionalMaxPool2dFuncOptions({r.arg(), r.arg()})._random_samples(samples);
          if (r.flag()) o.output_size({r.arg(), r.arg()});
          if (r.flag()) o.output_ratio({static_cast<double>(r.arg()) / 8, static_cast<double>(r.arg()) / 8});
          backprop(F::fractional_max_pool2d(v, o));
        } else {
          auto o = F::FractionalMaxPool3dFuncOptions({r.arg(), r.arg(), r.arg()})._random_samples(samples);
          if (r.flag()) o.output_size({r.arg(), r.arg(), r.arg()});
          if (r.flag()) o.output_ratio(static_cast<double>(r.arg()) / 8);
          backprop(std::get<0>(F::fractional_max_pool3d_with_indices(v, o)));
        }
        break;
      }
      backprop(r.flag() ? xg::adaptive_avg_pool1d(x, a) : std::get<0>(xg::adaptive_max_pool1d_with_indices(x, a)));
      break;
    }
    case 9: {  // special functions: decoded orders, p, signs and operands
      const auto other = leaf(r.tensor(r.byte() % 3));
      switch (r.byte() % 5) {
        case 0: backprop(xg::polygamma(a, x)); break;
        case 1: backprop(xg::mvlgamma(x.defined() ? x * 4.0 : x, a)); break;
        case 2: backprop(xg::copysign(x, other)); break;
        case 3: (void)xg::heaviside(values, other); break;
        default: backprop(xg::lgamma(x) + xg::erfinv(x) + xg::sinc(x) + xg::erfc(x) + xg::digamma(x));
      }
      break;
    }
    case 10: {  // scaled products, tensordot and kron on decoded ranks and shapes
      const auto m = leaf(r.tensor(r.byte() % 4)), n = leaf(r.tensor(r.byte() % 4));
      const double beta = r.flag() ? 0.0 : 0.5;
      switch (r.byte() % 7) {
        case 0: backprop(xg::addmm(x, m, n, beta)); break;
        case 1: backprop(xg::addmv(x, m, n, beta)); break;
        case 2: backprop(xg::addbmm(x, m, n, beta)); break;
        case 3: backprop(xg::baddbmm(x, m, n, beta)); break;
        case 4: backprop(xg::addr(x, m, n, beta)); break;
        case 5: backprop(r.flag() ? xg::tensordot(m, n, a) : xg::tensordot(m, n, {a}, {r.arg()})); break;
        default: backprop(xg::kron(m, n) + xg::addcdiv(x, m, n));
      }
      break;
    }
    case 11: {  // assembling: decoded sections, indices, offsets, dims and index tensors
      const auto other = leaf(r.tensor(r.byte() % 3));
      const auto idx = r.tensor(r.byte() % 3);
      const xg::Tensor index = idx.defined() ? (idx * 2.0).to(xg::kInt64) : idx;
      switch (r.byte() % 8) {
        case 0: backprop(xg::stack(xg::meshgrid({x, other}, r.flag() ? "ij" : "xy"))); break;
        case 1: backprop(xg::cat(r.flag() ? xg::tensor_split(x, a, r.arg()) : xg::tensor_split(x, {a, r.arg()}, r.arg()))); break;
        case 2: {
          if (r.flag()) backprop(xg::combinations(x, r.arg(), r.flag()));  // decoded r, any x
          else backprop(r.flag() ? xg::block_diag({x, other}) : xg::cartesian_prod({x, other}));
          break;
        }
        case 3: (void)(r.flag() ? xg::tril_indices(a, r.arg(), r.arg()) : xg::triu_indices(a, r.arg(), r.arg())); break;
        case 4: backprop(xg::rot90(x, a, {r.arg(), r.arg()})); break;
        case 5: backprop(r.flag() ? xg::take_along_dim(x, index, a) : xg::take_along_dim(x, index)); break;
        case 6: backprop(xg::index_fill(x, a, index, 1.5)); break;
        default: backprop(std::get<1>(xg::aminmax(x, a, r.flag())) + xg::count_nonzero(x, a).to(xg::kFloat32));
      }
      break;
    }
    case 12: {  // CTC loss: decoded lengths, targets (padded or concatenated), blank and options
      namespace F = xg::nn::functional;
      const auto ints = [&](std::size_t rank) {
        const auto t = r.tensor(rank);
        return t.defined() ? (t * static_cast<double>(r.arg() % 8)).abs().to(xg::kInt64) : t;
      };
      const auto targets = ints(1 + r.byte() % 2), in_len = ints(1), tg_len = ints(1);
      const auto o = F::CTCLossFuncOptions().blank(r.arg()).zero_infinity(r.flag()).reduction(
          static_cast<xg::nn::Reduction>(r.byte() % 3));
      backprop(F::ctc_loss(x.defined() && x.dim() == 3 ? x.log_softmax(-1) : x, targets, in_len, tg_len, o));
      break;
    }
    case 13: {  // channel layers and class margin losses on decoded shapes, sizes, groups and labels
      namespace F = xg::nn::functional;
      const auto w = leaf(r.tensor(3));
      const auto labels = r.tensor(1 + r.byte() % 2);
      const xg::Tensor y = labels.defined() ? (labels * 2.0).to(xg::kInt64) : labels;
      switch (r.byte() % 6) {
        case 0: backprop(xg::conv_transpose1d(x, w, {}, a, r.arg(), r.arg(), r.arg(), r.arg())); break;
        case 1: backprop(F::local_response_norm(x, F::LocalResponseNormFuncOptions(a))); break;
        case 2: backprop(F::channel_shuffle(x, a)); break;
        case 3: backprop(F::multi_margin_loss(x, y, F::MultiMarginLossFuncOptions().p(r.arg()))); break;
        case 5: {  // binary cross-entropy with decoded weight and pos_weight shapes, every reduction
          const auto t = r.tensor(1 + r.byte() % 3), weight = r.tensor(r.byte() % 3), pos = r.tensor(r.byte() % 3);
          const xg::nn::Reduction red[] = {xg::nn::Reduction::None, xg::nn::Reduction::Mean, xg::nn::Reduction::Sum};
          const auto reduction = red[r.byte() % 3];
          if (r.flag())
            backprop(F::binary_cross_entropy_with_logits(x, t, F::BinaryCrossEntropyWithLogitsFuncOptions().weight(weight).pos_weight(pos).reduction(reduction)));
          else
            backprop(F::binary_cross_entropy(x.defined() ? xg::sigmoid(x) : x, t, F::BinaryCrossEntropyFuncOptions().weight(weight).reduction(reduction)));
          break;
        }
        default: backprop(F::multilabel_margin_loss(x, y));
      }
      break;
    }
    case 14: {  // stacking and numeric conveniences on decoded shapes, orders, dims and offsets
      const auto other = leaf(r.tensor(r.byte() % 3));
      switch (r.byte() % 10) {
        case 8: {  // logical operations and var_mean / std_mean on decoded dims and ddof
          (void)(xg::logical_and(values, other.defined() ? other.detach() : other) + xg::logical_xor(values, values).logical_not());
          const auto [v, m] = r.flag() ? xg::var_mean(x, {a}, r.flag(), r.arg()) : xg::std_mean(x, {}, r.flag(), r.arg());
          backprop(v + m);
          break;
        }
        case 0: backprop(r.flag() ? xg::hstack({x, other}) : xg::dstack({x, other})); break;
        case 1: backprop(r.flag() ? xg::vstack({x, other}) : xg::column_stack({x, other})); break;
        case 2: backprop(xg::diag_embed(x, a, r.arg(), r.arg())); break;
        case 3: backprop(xg::diff(x, a, r.arg(), r.flag() ? other : xg::Tensor())); break;
        case 4: backprop(r.flag() ? xg::trapezoid(x, other, a) : xg::cumulative_trapezoid(x, other, a)); break;
        case 5: backprop(r.flag() ? xg::cov(x, a) : xg::pdist(x, static_cast<double>(a))); break;
        case 6: (void)(xg::isin(values, other.defined() ? other.detach() : other, r.flag()) + xg::isclose(values, other)); break;
        case 7: {
          const auto idx = r.tensor(r.byte() % 3);
          const xg::Tensor index = idx.defined() ? (idx * 2.0).to(xg::kInt64) : idx;
          backprop(r.flag() ? xg::scatter(x, a, index, other) : xg::index_copy(x, a, index, other));
          break;
        }
        default: backprop(xg::xlog1py(x, other) + xg::logit(x, 0.1));
      }
      break;
    }
    case 15: {  // the volumetric layers: decoded ranks (4-D, 5-D), weights and geometries
      const auto v = leaf(r.tensor(4 + r.byte() % 2)), w = leaf(r.tensor(5));
      const xg::Int3 k = r.int3(), s = r.int3(), p = r.int3();
      switch (r.byte() % 9) {
        case 8:
          backprop(xg::nn::functional::lp_pool3d(v, xg::nn::functional::LPPool3dFuncOptions(static_cast<double>(a) / 2.0, k).stride(s).ceil_mode(r.flag())));
          break;
        case 6: {  // pooling with indices, then unpooling with decoded geometries and sizes
          auto [values, indices] = xg::max_pool3d_with_indices(v, k, s, p, r.int3(), r.flag());
          std::vector<std::int64_t> size;
          for (int i = r.byte() % 6; i > 0; --i) size.push_back(r.arg());
          backprop(xg::max_unpool3d(values, indices, k, r.flag() ? s : r.int3(), r.flag() ? p : r.int3(), size));
          break;
        }
        case 7: {  // unpooling decoded values at decoded (possibly bad) indices
          const auto at = r.tensor(4 + r.byte() % 2);
          backprop(xg::max_unpool2d(leaf(r.tensor(4)), at.defined() ? (at * 3.0).to(xg::kInt64) : at, r.int2(), r.int2(), r.int2()));
          break;
        }
        case 0: backprop(xg::conv3d(v, w, {}, s, p, r.int3(), a)); break;
        case 1: backprop(xg::conv_transpose3d(v, w, {}, s, p, r.int3(), a, r.int3())); break;
        case 2: { const auto st = r.flag() ? s : xg::Int3(); const auto d = r.int3(); backprop(xg::max_pool3d(v, k, st, p, d, r.flag())); break; }
        case 3: {
          const bool ceil = r.flag(), include = r.flag();
          backprop(xg::avg_pool3d(v, k, s, p, ceil, include, r.flag() ? std::optional<std::int64_t>(r.arg()) : std::nullopt));
          break;
        }
        case 4: backprop(xg::adaptive_avg_pool3d(v, k)); break;
        default: backprop(std::get<0>(xg::adaptive_max_pool3d_with_indices(v, k)));
      }
      break;
    }
    case 16: {  // AdaptiveLogSoftmaxWithLoss on decoded sizes, cutoffs and targets; the triplet loss with a distance
      namespace nn = xg::nn;
      std::vector<std::int64_t> cutoffs;
      for (int i = r.byte() % 4; i > 0; --i) cutoffs.push_back(r.arg());
      nn::AdaptiveLogSoftmaxWithLoss m(
          nn::AdaptiveLogSoftmaxWithLossOptions(a, r.arg(), cutoffs).div_value(static_cast<double>(r.byte() % 5)));
      const auto t = r.tensor(r.byte() % 2);
      backprop(m(x, t.defined() ? t.to(xg::kInt64) : t).loss);
      (void)m.predict(values);
      const auto l1 = [](const xg::Tensor& p, const xg::Tensor& q) { return (p - q).abs().sum(-1); };
      backprop(nn::functional::triplet_margin_with_distance_loss(
          x, leaf(r.tensor(1 + r.byte() % 2)), leaf(r.tensor(1 + r.byte() % 2)),
          nn::functional::TripletMarginWithDistanceLossFuncOptions().distance_function(l1).swap(r.flag())));
      break;
    }
    case 17: {  // scatter_reduce / index_reduce, take / put, mode: decoded index tensors, src, dims, reductions, dtypes
      static const char* const kReduces[] = {"sum", "prod", "mean", "amax", "amin", "max"};
      const auto idx = r.tensor(r.byte() % 4);
      const xg::Tensor index = idx.defined() ? (idx * 3.0).to(xg::kInt64) : idx;
      auto src = leaf(r.tensor(r.byte() % 4));
      const char* reduce = kReduces[r.byte() % 6];
      const bool include = r.flag();
      if (r.flag()) {
        backprop(r.flag() ? xg::scatter_reduce(x, a, index, src, reduce, include)
                          : xg::index_reduce(x, a, index, src, reduce, include));
      } else {  // int64
        const auto as_int = [](const xg::Tensor& t) { return t.defined() ? (t.detach() * 4.0).to(xg::kInt64) : t; };
        (void)xg::scatter_reduce(as_int(x), a, index, as_int(src), reduce, include);
      }
      // take and put with indices from either end; mode along a decoded axis.
      const xg::Tensor wide = idx.defined() ? (idx * 8.0).to(xg::kInt64) : idx;
      backprop(r.flag() ? xg::take(x, wide) : xg::put(x, wide, src, r.flag()));
      backprop(std::get<0>(xg::mode(x, r.arg(), r.flag())));
      backprop(r.flag() ? xg::diag(x, r.arg()) : (r.flag() ? xg::inner(x, src) : xg::mv(x, src)));
      // The in-place forms on a copy of x's values with the decoded operands (src requires
      // grad unless detached: then the write is recorded).
      xg::Tensor y = values.defined() ? values.clone() : values;
      const xg::Tensor operand = src.defined() && r.flag() ? src.detach() : src;
      switch (r.byte() % 4) {
        case 0: y.scatter_(a, index, operand).scatter_(a, index, static_cast<double>(r.arg())); break;
        case 1: y.index_add_(a, index, operand, static_cast<double>(r.arg())).index_fill_(a, index, 1.0); break;
        case 2: y.masked_fill_(index, static_cast<double>(a)).clamp_(-1.0, static_cast<double>(r.arg())).exp_(); break;
        default: y.addcmul_(operand, operand, 0.5).lerp_(operand, operand).pow_(operand).sqrt_(); break;
      }
      // A write into a view copy, written through to y (autograd/views.cpp).
      if (y.defined() && y.dim() > 0) (r.flag() ? y.select(0, r.arg()) : y.movedim(0, -1)).mul_(operand);
      backprop(y);  // through the recorded writes, when an operand required grad
      break;
    }
    case 18: {  // pack_padded_sequence on decoded lengths, the PackedSequence checks, pad_packed_sequence, a packed GRU/LSTM
      namespace rnn = xg::nn::utils::rnn;
      const auto raw = r.tensor(r.byte() % 3);
      const xg::Tensor lengths = raw.defined() && r.flag() ? (raw * 2.0).to(xg::kInt64) : raw;
      const bool batch_first = r.flag();
      rnn::PackedSequence p = rnn::pack_padded_sequence(x, lengths, batch_first, r.flag());
      if (r.flag()) p = rnn::PackedSequence(p.data(), r.flag() ? lengths : p.batch_sizes(),
                                            r.flag() ? lengths : p.sorted_indices());
      backprop(std::get<0>(rnn::pad_packed_sequence(p, r.flag(), -1.0, r.flag() ? std::optional<std::int64_t>(a) : std::nullopt)));
      const std::int64_t features = p.data().dim() == 2 ? p.data().size(1) : 1 + r.byte() % 3;
      if (r.flag()) {
        xg::nn::GRU gru(xg::nn::GRUOptions(features, 2).bidirectional(r.flag()).dtype(p.data().dtype()));
        backprop(std::get<0>(gru.forward_with_packed_input(p, r.flag() ? leaf(r.tensor(3)) : xg::Tensor())).data());
      } else {
        xg::nn::LSTM lstm(xg::nn::LSTMOptions(features, 3).proj_size(r.byte() % 3).dtype(p.data().dtype()));
        const auto [out, state] = lstm.forward_with_packed_input(p, {leaf(r.tensor(3)), leaf(r.tensor(3))});
        backprop(out.data() + std::get<0>(state).sum());
      }
      break;
    }
    case 19: {  // lstsq with decoded drivers and rcond, cholesky_solve / cholesky_inverse, matrix_exp; the LU family
      static const char* const kDrivers[] = {"gelsy", "gelsd", "gelss", "gels", "lu"};
      auto B = leaf(r.tensor(1 + r.byte() % 3));
      if (r.flag()) {  // linalg::norm with decoded ords and dims, cond, vecdot, vander
        const std::optional<double> ord = r.flag() ? std::optional<double>(static_cast<double>(a) / 2) : std::nullopt;
        std::optional<xg::Axes> dims;
        if (r.flag()) dims = r.flag() ? xg::Axes{r.arg()} : xg::Axes{r.arg(), r.arg()};
        backprop(r.flag() ? xg::linalg::norm(x, ord, dims, r.flag()) : xg::linalg::norm(x, r.flag() ? "fro" : "nuc", dims));
        backprop(r.flag() ? xg::linalg::cond(x, ord) : xg::linalg::cond(x, r.flag() ? "fro" : "max"));
        backprop(xg::linalg::vecdot(x, B, r.arg()));
        backprop(xg::linalg::vander(x, r.flag() ? std::optional<std::int64_t>(a) : std::nullopt));
        break;
      }
      if (r.flag()) {  // lu_factor or lu, then solves and unpacking with its pivots or decoded ones
        auto [LU, piv] = r.flag() ? xg::linalg::lu_factor(x, r.flag()) : std::tuple<xg::Tensor, xg::Tensor>{x, xg::Tensor()};
        if (!piv.defined() || r.flag()) {
          const auto p = r.tensor(1 + r.byte() % 2);
          piv = p.defined() ? p.to(xg::kInt64) : p;
        }
        if (r.flag()) backprop(std::get<1>(xg::linalg::lu(x)));
        const auto [P, L, U] = xg::lu_unpack(LU, piv, r.flag(), r.flag());
        backprop(L);
        backprop(xg::linalg::lu_solve(LU, piv, B, r.flag(), r.flag()));
        break;
      }
      const std::optional<double> rcond = r.flag() ? std::optional<double>(static_cast<double>(a) * 0.25 - 0.5) : std::nullopt;
      const auto [X, residuals, rank, sv] = xg::linalg::lstsq(x, B, rcond, std::string(kDrivers[r.byte() % 5]));
      backprop(X);
      backprop(r.flag() ? xg::cholesky_solve(B, x, r.flag()) : xg::cholesky_inverse(x, r.flag()));
      backprop(xg::linalg::matrix_exp(x * static_cast<double>(r.byte() % 64)));
      break;
    }
    default:
      if (r.flag()) {
        (void)(r.flag() ? xg::bucketize(values, r.tensor(1 + r.byte() % 2), false, r.flag())
                        : xg::bucketize(static_cast<double>(a), r.tensor(1)));
        break;
      }
      {  // in-place random fills: decoded parameters of any sign, any dtype, or the leaf itself (refused)
        auto t = r.flag() || !values.defined() ? x : values.clone();
        const double p = static_cast<double>(a) / 8 - 0.5;
        switch (r.byte() % 5) {
          case 0: t.exponential_(p); break;
          case 1: t.geometric_(p); break;
          case 2: t.cauchy_(p, p); break;
          case 3: t.log_normal_(p, p); break;
          default: {  // bounds anywhere in int64 (wrapped without overflow), some of them far apart
            const auto wrap = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
            const auto to = static_cast<std::uint64_t>(r.arg()) << (r.flag() ? 0 : 20);
            t.random_(wrap(static_cast<std::uint64_t>(a) - 4), r.flag() ? std::optional<std::int64_t>(wrap(to)) : std::nullopt);
          }
        }
      }
  }
}

}  // namespace xg::fuzz
