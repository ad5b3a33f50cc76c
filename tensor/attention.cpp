// Fused attention (tensor/attention_kernels.h): FlashAttention's schedule on the CPU. Each
// block of 64 queries meets blocks of 128 keys; scores go through gemm into a small scratch
// block, an online softmax rescales the running output, and only the output and a
// log-sum-exp per query are kept. Backward recomputes each block's probabilities from the
// log-sum-exp. Memory is O(L·E) per batch entry instead of O(L·S).
#include <xgrad/detail/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "tensor/attention_kernels.h"
#include "tensor/blas.h"
#include "tensor/parallel.h"
#include "tensor/simd_io.h"
#include "tensor/tensor_impl.h"

namespace xg::kernel {

namespace {

constexpr std::int64_t kQueryBlock = 64, kKeyBlock = 128;

using detail::gemm;  // the one matrix-product seam (tensor/blas.h)

// row[c] = exp(row[c] - shift) over a row of n scores, returning their sum: xsimd's vector
// exp with a scalar tail (a -inf score, a masked key, gives 0). The exponentials were a tenth
// of a small GPT's training step through libm's scalar expf.
template <class T>
T exp_shifted(T* row, std::int64_t n, T shift) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t w = static_cast<std::int64_t>(B::size);
  const B sb(shift);
  B acc(T(0));
  std::int64_t c = 0;
  for (; c + w <= n; c += w) {
    const B e = xsimd::exp(detail::simd::load<B>(row + c) - sb);
    detail::simd::store(row + c, e);
    acc += e;
  }
  T lanes[w];  // the lanes summed in order (xsimd::hadd trips a GCC 12 warning on AVX-512)
  acc.store_unaligned(lanes);
  T sum = 0;
  for (const T v : lanes) sum += v;
  for (; c < n; ++c) sum += (row[c] = std::exp(row[c] - shift));
  return sum;
}

// The scaled scores of queries i0.. against keys j0.. (rows x cols, leading dimension cols),
// with the masks applied: -inf where a key does not take part.
template <class T>
void block_scores(const T* q, const T* k, std::int64_t E, std::int64_t b, std::int64_t i0, std::int64_t rows,
                  std::int64_t j0, std::int64_t cols, const AttentionArgs& a, T* s) {
  gemm(false, true, rows, cols, E, static_cast<T>(a.scale), q + i0 * E, E, k + j0 * E, E, T(0), s, cols);
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const std::int64_t* keep = a.keep.data.defined() ? a.keep.data.data<std::int64_t>() : nullptr;
  const T* bias = a.bias.data.defined() ? a.bias.data.data<T>() : nullptr;
  if (!keep && !bias && !a.causal) return;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t i = i0 + r;
    T* row = s + r * cols;
    if (bias) {
      const T* br = bias + a.bias.batch_offset[static_cast<std::size_t>(b)] + i * a.bias.row_stride + j0 * a.bias.col_stride;
      for (std::int64_t c = 0; c < cols; ++c) row[c] += br[c * a.bias.col_stride];
    }
    if (keep) {
      const std::int64_t* kr =
          keep + a.keep.batch_offset[static_cast<std::size_t>(b)] + i * a.keep.row_stride + j0 * a.keep.col_stride;
      for (std::int64_t c = 0; c < cols; ++c)
        if (kr[c * a.keep.col_stride] == 0) row[c] = kNegInf;
    }
    if (a.causal)
      for (std::int64_t c = std::max<std::int64_t>(0, i + 1 - j0); c < cols; ++c) row[c] = kNegInf;
  }
}

// Keys a block of queries i0 .. i0+rows-1 can see: all, or up to the last query under causality.
std::int64_t key_limit(const AttentionArgs& a, std::int64_t S, std::int64_t i0, std::int64_t rows) {
  return a.causal ? std::min(S, i0 + rows) : S;
}

template <class T>
void forward_batch(const T* q, const T* k, const T* v, std::int64_t b, std::int64_t L, std::int64_t S, std::int64_t E,
                   std::int64_t Ev, const AttentionArgs& a, T* out, T* lse) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  std::vector<T> s(static_cast<std::size_t>(kQueryBlock * kKeyBlock)), m(kQueryBlock), l(kQueryBlock);
  for (std::int64_t i0 = 0; i0 < L; i0 += kQueryBlock) {
    const std::int64_t rows = std::min(kQueryBlock, L - i0);
    T* o = out + i0 * Ev;
    std::fill(o, o + rows * Ev, T(0));
    std::fill(m.begin(), m.end(), kNegInf);
    std::fill(l.begin(), l.end(), T(0));
    const std::int64_t limit = key_limit(a, S, i0, rows);
    for (std::int64_t j0 = 0; j0 < limit; j0 += kKeyBlock) {
      const std::int64_t cols = std::min(kKeyBlock, limit - j0);
      block_scores(q, k, E, b, i0, rows, j0, cols, a, s.data());
      for (std::int64_t r = 0; r < rows; ++r) {
        T* row = s.data() + r * cols;
        const T m_new = std::max(m[static_cast<std::size_t>(r)], *std::max_element(row, row + cols));
        if (m_new == kNegInf) {  // no key so far: this block adds nothing to the row
          std::fill(row, row + cols, T(0));
          continue;
        }
        // Online softmax: what was accumulated against the old maximum is rescaled to the new.
        const T alpha = std::exp(m[static_cast<std::size_t>(r)] - m_new);
        const T sum = exp_shifted(row, cols, m_new);
        l[static_cast<std::size_t>(r)] = l[static_cast<std::size_t>(r)] * alpha + sum;
        m[static_cast<std::size_t>(r)] = m_new;
        if (alpha != T(1))
          for (std::int64_t e = 0; e < Ev; ++e) o[r * Ev + e] *= alpha;
      }
      gemm(false, false, rows, Ev, cols, T(1), s.data(), cols, v + j0 * Ev, Ev, T(1), o, Ev);
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      const T lr = l[static_cast<std::size_t>(r)];
      if (lr == T(0)) {  // every key masked: zeros, as PyTorch's safe softmax
        std::fill(o + r * Ev, o + (r + 1) * Ev, T(0));
        lse[i0 + r] = kNegInf;
        continue;
      }
      for (std::int64_t e = 0; e < Ev; ++e) o[r * Ev + e] /= lr;
      lse[i0 + r] = m[static_cast<std::size_t>(r)] + std::log(lr);
    }
  }
}

template <class T>
void backward_batch(const T* q, const T* k, const T* v, const T* gy, const T* lse, const T* delta, std::int64_t b,
                    std::int64_t L, std::int64_t S, std::int64_t E, std::int64_t Ev, const AttentionArgs& a, T* dq, T* dk,
                    T* dv) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  std::vector<T> p(static_cast<std::size_t>(kQueryBlock * kKeyBlock)), dp(p.size());
  for (std::int64_t i0 = 0; i0 < L; i0 += kQueryBlock) {
    const std::int64_t rows = std::min(kQueryBlock, L - i0), limit = key_limit(a, S, i0, rows);
    for (std::int64_t j0 = 0; j0 < limit; j0 += kKeyBlock) {
      const std::int64_t cols = std::min(kKeyBlock, limit - j0);
      block_scores(q, k, E, b, i0, rows, j0, cols, a, p.data());
      for (std::int64_t r = 0; r < rows; ++r) {  // P = exp(S - lse): the forward's probabilities
        const T lr = lse[i0 + r];
        T* row = p.data() + r * cols;
        if (lr == kNegInf) std::fill(row, row + cols, T(0));
        else exp_shifted(row, cols, lr);
      }
      // dV += P^T dO; dP = dO V^T; dS = P (dP - rowsum(dO O)); dQ += scale dS K; dK += scale dS^T Q.
      gemm(true, false, cols, Ev, rows, T(1), p.data(), cols, gy + i0 * Ev, Ev, T(1), dv + j0 * Ev, Ev);
      gemm(false, true, rows, cols, Ev, T(1), gy + i0 * Ev, Ev, v + j0 * Ev, Ev, T(0), dp.data(), cols);
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
          const std::size_t x = static_cast<std::size_t>(r * cols + c);
          dp[x] = p[x] * (dp[x] - delta[i0 + r]);
        }
      gemm(false, false, rows, E, cols, static_cast<T>(a.scale), dp.data(), cols, k + j0 * E, E, T(1), dq + i0 * E, E);
      gemm(true, false, cols, E, rows, static_cast<T>(a.scale), dp.data(), cols, q + i0 * E, E, T(1), dk + j0 * E, E);
    }
  }
}

double attention_work(std::int64_t L, std::int64_t S, std::int64_t E, std::int64_t Ev) {
  return static_cast<double>(L) * static_cast<double>(S) * static_cast<double>(E + Ev);
}

}  // namespace

std::vector<Tensor> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args) {
  const std::int64_t B = q.size(0), L = q.size(1), E = q.size(2), S = k.size(1), Ev = v.size(2);
  Tensor out = detail::make_tensor({B, L, Ev}, q.dtype()), lse = detail::make_tensor({B, L}, q.dtype());
  detail::dispatch_float(q.dtype(), "attention", [&](auto tag) {
    using T = decltype(tag);
    detail::parallel_for(B, static_cast<double>(B) * attention_work(L, S, E, Ev), [&](std::int64_t b0, std::int64_t b1, int) {
      for (std::int64_t b = b0; b < b1; ++b)
        forward_batch(q.data<T>() + b * L * E, k.data<T>() + b * S * E, v.data<T>() + b * S * Ev, b, L, S, E, Ev, args,
                      out.data<T>() + b * L * Ev, lse.data<T>() + b * L);
    });
  });
  return {out, lse};
}

std::vector<Tensor> attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                       const Tensor& lse, const Tensor& gy, const AttentionArgs& args) {
  const std::int64_t B = q.size(0), L = q.size(1), E = q.size(2), S = k.size(1), Ev = v.size(2);
  Tensor dq = zeros(q.shape(), q.dtype()), dk = zeros(k.shape(), k.dtype()), dv = zeros(v.shape(), v.dtype());
  Tensor delta = detail::make_tensor({B, L}, q.dtype());
  detail::dispatch_float(q.dtype(), "attention", [&](auto tag) {
    using T = decltype(tag);
    const T *po = out.data<T>(), *pg = gy.data<T>();
    T* pd = delta.data<T>();
    for (std::int64_t r = 0; r < B * L; ++r) {  // rowsum(dO ∘ O) = Σ_j P_ij dP_ij
      T acc = 0;
      for (std::int64_t e = 0; e < Ev; ++e) acc += po[r * Ev + e] * pg[r * Ev + e];
      pd[r] = acc;
    }
    detail::parallel_for(B, 2.0 * static_cast<double>(B) * attention_work(L, S, E, Ev), [&](std::int64_t b0, std::int64_t b1, int) {
      for (std::int64_t b = b0; b < b1; ++b)
        backward_batch(q.data<T>() + b * L * E, k.data<T>() + b * S * E, v.data<T>() + b * S * Ev, pg + b * L * Ev,
                       lse.data<T>() + b * L, pd + b * L, b, L, S, E, Ev, args, dq.data<T>() + b * L * E,
                       dk.data<T>() + b * S * E, dv.data<T>() + b * S * Ev);
    });
  });
  return {dq, dk, dv};
}

}  // namespace xg::kernel
