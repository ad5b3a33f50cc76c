// The functional forms layers are built from (autograd/ops_attention.cpp,
// autograd/ops_recurrent.cpp): masked_fill, tril / triu, scaled_dot_product_attention and the
// fused-attention switch, and libtorch's recurrent cells. Part of ops.h (which includes it),
// in its own header to keep that one readable; same conventions.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include <xgrad/tensor.h>

namespace xg {
// ---- attention (autograd/ops_attention.cpp) ----
// xgrad has no bool dtype: a boolean mask is an int64 tensor, nonzero meaning true. A float
// mask given where a boolean one is expected is an error (comparisons such as x > 0 give
// floats: convert with .to(xg::kInt64)), except where PyTorch itself adds float masks.
/// x with `value` wherever the int64 `mask` (broadcast to x's shape) is nonzero; the gradient
/// flows to the kept entries only. torch::masked_fill.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
/// The lower (upper) triangle of the last two axes: entries (i, j) with j - i <= diagonal
/// (>= diagonal for triu), the rest zero. torch::tril / torch::triu.
Tensor tril(const Tensor& x, std::int64_t diagonal = 0);
Tensor triu(const Tensor& x, std::int64_t diagonal = 0);
/// Attention as PyTorch 2's torch.nn.functional.scaled_dot_product_attention:
/// softmax(q k^T · scale + mask) v for q (..., L, E), k (..., S, E), v (..., S, Ev), leading
/// axes broadcasting; scale defaults to 1/√E. attn_mask broadcasts to (..., L, S): int64 is
/// boolean, nonzero = takes part (PyTorch's bool), float is added to the scores. is_causal
/// lets query i see keys j <= i (top-left aligned, tril of an (L, S) matrix of ones) and
/// excludes attn_mask. dropout_p drops attention weights (inverted dropout) whenever > 0,
/// as PyTorch's. A query row whose keys are all masked gives zeros (PyTorch >= 2.5's safe
/// softmax), and passes no gradient.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);
/// Whether attention (scaled_dot_product_attention, MultiheadAttention) may run fused: a
/// kernel that streams over key blocks and keeps no (L, S) matrix, taken when nobody needs the
/// weights (no dropout on them, no hook on MultiheadAttention's attn_drop, need_weights false)
/// and a float mask is not trained. On by default; off gives the composed operations (as
/// torch.backends' enable_flash_sdp / enable_math_sdp choose PyTorch's).
void set_fused_attention_enabled(bool on);
bool fused_attention_enabled();

// ---- recurrent cells (autograd/ops_recurrent.cpp): libtorch's functions. x (N, I), states
// (N, H), weights in PyTorch's layout: w_ih (G·H, I), w_hh (G·H, H), biases (G·H) or undefined.
/// h' = tanh(x w_ih^T + b_ih + h w_hh^T + b_hh); rnn_relu_cell with relu.
Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
/// (h', c') with gates i, f, g, o: c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const std::tuple<Tensor, Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
/// h' = (1 - z) n + z h with gates r, z, n; n = tanh(x_n + r (h w_hn^T + b_hn)).
Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());

}  // namespace xg
