// One direction of one LSTM or GRU layer over a whole sequence as one graph node (issue 21):
// what cuDNN's recurrent layers do, from the same fused kernels as the cells. Forward, per
// step: one product accumulated in place onto that step's slot of a sequence-long buffer
// (the LSTM's pre-activations, which start as the input projection with both biases; the
// GRU's hidden projection, which starts as b_hh) and one fused cell kernel writing into the
// layer's sequences. Backward, per step: the fused cell backward and one product carrying h's
// gradient to the step before (the GRU adds its direct term too); the weights' gradients are
// one product each over all steps, the biases' one sum each. Composed step by step (a few
// graph nodes per step) an LSTM step took 4 launches forward and about 7 backward on a GPU,
// with a weight-gradient accumulation per step. Higher orders recompute the composed layer.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <functional>

#include "autograd/graph.h"
#include "autograd/matmul.h"
#include "autograd/recurrent_steps.h"
#include "tensor/cell_kernels.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg::steps {

using autograd::Node;
using detail::rows_view;

namespace {

// Inputs in record's order: x, W_ih, W_hh, b_ih, b_hh, h0 and, for the LSTM, c0 (and, for
// the composed LSTM only, the projection W_hr).
enum In : std::size_t { kX, kWih, kWhh, kBih, kBhh, kH0, kC0, kWhr };

// The layer from the step functions: for operands the kernels do not take (mixed dtypes or
// devices), and, recomputed from the saved inputs, for the gradient's own gradient.
tensor_list composed(bool lstm, const tensor_list& in, bool reverse) {
  const Tensor& x = in[kX];
  const std::int64_t T = x.shape()[0], N = x.shape()[1];
  const tensor_list xp =
      time_steps(reshape(linear_t(reshape(x, {T * N, x.shape()[2]}), in[kWih], in[kBih]), {T, N, in[kWih].shape()[0]}));
  Tensor h = in[kH0], c = lstm ? in[kC0] : Tensor();
  tensor_list out(static_cast<std::size_t>(T));
  for (std::int64_t s = 0; s < T; ++s) {
    const auto t = static_cast<std::size_t>(reverse ? T - 1 - s : s);
    if (lstm) {
      std::tie(h, c) = lstm_step(xp[t], h, c, in[kWhh], in[kBhh]);
      if (in.size() > kWhr && in[kWhr].defined()) h = linear_t(h, in[kWhr]);  // LSTMP: h W_hr^T
    } else {
      h = gru_step(xp[t], h, in[kWhh], in[kBhh]);
    }
    out[t] = h;
  }
  return lstm ? tensor_list{stack(out, 0), h, c} : tensor_list{stack(out, 0), h};
}

bool fusable(const tensor_list& in) {
  if (!is_floating(in[kX].dtype())) return false;
  for (const Tensor& t : in)
    if (t.defined() && (t.dtype() != in[kX].dtype() || t.device() != in[kX].device())) return false;
  return true;
}

// The node saves the inputs that are defined, then the layer's own sequences; `present` says
// which inputs were there (a bit each), so unpack() gives both lists back in their places.
tensor_list to_save(const tensor_list& in, const tensor_list& sequences, unsigned& present) {
  tensor_list saved;
  present = 0;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i].defined()) {
      saved.push_back(in[i]);
      present |= 1u << i;
    }
  saved.insert(saved.end(), sequences.begin(), sequences.end());
  return saved;
}
std::pair<tensor_list, tensor_list> unpack(const Node& n, std::size_t inputs, unsigned present) {
  const auto s = n.saved();
  tensor_list in(inputs);
  std::size_t k = 0;
  for (std::size_t i = 0; i < inputs; ++i)
    if (present & (1u << i)) in[i] = s[k++];
  return {in, tensor_list(s.begin() + static_cast<std::ptrdiff_t>(k), s.end())};
}

// What both layers' backward ends with, from the gradients of the pre-activations that the
// input and the hidden projections fed (dxp and dhp: (T·N, G·H), one tensor for the LSTM):
// x's gradient, each weight's as one product over all steps, each bias's as one sum.
void weight_gradients(const Node& n, const tensor_list& in, const Tensor& y, const Tensor& dxp, const Tensor& dhp,
                      bool reverse, tensor_list& grads) {
  const Tensor &x = in[kX], &h0 = in[kH0];
  const std::int64_t T = x.shape()[0], N = x.shape()[1], H = h0.shape()[1];
  const Tensor x2 = detail::alias(x, {T * N, x.shape()[2]});
  if (n.needs_input_grad(kX)) grads[kX] = detail::alias(kernel::gemm(dxp, in[kWih], false, false), x.shape());
  if (n.needs_input_grad(kWih)) grads[kWih] = autograd::gradient_product(n, kWih, dxp, x2, true, false);
  if (n.needs_input_grad(kWhh)) {
    // h_{t-1} of every step, in the order of the rows: h0 first (last when reversed).
    const Tensor h0_row = detail::alias(h0, {1, N, H}), others = rows_view(y, reverse ? 1 : 0, T - 1, false);
    const Tensor hprev = kernel::concat(reverse ? tensor_list{others, h0_row} : tensor_list{h0_row, others}, 0);
    grads[kWhh] = autograd::gradient_product(n, kWhh, dhp, detail::alias(hprev, {T * N, H}), true, false);
  }
  if (n.needs_input_grad(kBih)) grads[kBih] = kernel::reduce(kernel::Reduce::Sum, dxp, {0}, false);
  if (n.needs_input_grad(kBhh))
    grads[kBhh] = dhp.is_same(dxp) && grads[kBih].defined() ? grads[kBih] : kernel::reduce(kernel::Reduce::Sum, dhp, {0}, false);
}

// Each step's h gradient starts as the output's; h_T's joins the last step computed.
Tensor h_gradients(const tensor_list& gys, std::int64_t last, const char* op) {
  Tensor gh = kernel::copy(gys[0]);
  Tensor row = rows_view(gh, last, 1, true);
  kernel::binary_inplace(kernel::Binary::Add, row, gys[1], op);
  return gh;
}

// BPTT over the saved sequences, without a graph. Saved: y, c, the activations.
tensor_list lstm_backward(const Node& n, const tensor_list& in, const tensor_list& seq, const tensor_list& gys,
                          bool reverse) {
  const char* op = "LSTM";
  const Tensor &x = in[kX], &W_hh = in[kWhh], &y = seq[0], &cs = seq[1], &acts = seq[2];
  const std::int64_t T = x.shape()[0], N = x.shape()[1], H = W_hh.shape()[1];
  const auto step = [&](std::int64_t k) { return reverse ? T - 1 - k : k; };  // the k-th step computed
  Tensor gh = h_gradients(gys, step(T - 1), op);
  Tensor dgates = detail::make_tensor({T * N, 4 * H}, x.dtype(), x.device());
  Tensor dc_buf[2] = {detail::make_tensor({N, H}, x.dtype(), x.device()), detail::make_tensor({N, H}, x.dtype(), x.device())};
  Tensor dc_next = gys[2];
  tensor_list grads(7);
  for (std::int64_t k = T - 1; k >= 0; --k) {
    const std::int64_t t = step(k);
    const Tensor c_prev = k == 0 ? in[kC0] : rows_view(cs, step(k - 1), 1, true);
    kernel::LstmCellGrads g{rows_view(dgates, t * N, N, false), dc_buf[k % 2]};
    kernel::lstm_cell_backward_into(rows_view(acts, t * N, N, false), c_prev, rows_view(cs, t, 1, true),
                                    rows_view(gh, t, 1, true), dc_next, g, op);
    dc_next = g.c;
    if (k > 0) {
      Tensor gh_prev = rows_view(gh, step(k - 1), 1, true);
      kernel::gemm_into(gh_prev, g.gates, W_hh, false, false, 1.0);
    } else if (n.needs_input_grad(kH0)) {
      grads[kH0] = kernel::gemm(g.gates, W_hh, false, false);
    }
  }
  if (n.needs_input_grad(kC0)) grads[kC0] = dc_next;
  weight_gradients(n, in, y, dgates, dgates, reverse, grads);
  return grads;
}

// The same for the GRU. Saved: y, the hidden projections (b_hh included), the activations.
tensor_list gru_backward(const Node& n, const tensor_list& in, const tensor_list& seq, const tensor_list& gys,
                         bool reverse) {
  const char* op = "GRU";
  const Tensor &x = in[kX], &W_hh = in[kWhh], &y = seq[0], &hp = seq[1], &acts = seq[2];
  const std::int64_t T = x.shape()[0], N = x.shape()[1], H = W_hh.shape()[1];
  const auto step = [&](std::int64_t k) { return reverse ? T - 1 - k : k; };
  Tensor gh = h_gradients(gys, step(T - 1), op);
  Tensor dxp = detail::make_tensor({T * N, 3 * H}, x.dtype(), x.device());
  Tensor dhp = detail::make_tensor({T * N, 3 * H}, x.dtype(), x.device());
  Tensor direct = detail::make_tensor({N, H}, x.dtype(), x.device());  // h's gradient through h' = n + z (h - n)
  tensor_list grads(6);
  for (std::int64_t k = T - 1; k >= 0; --k) {
    const std::int64_t t = step(k);
    const Tensor h_prev = k == 0 ? in[kH0] : rows_view(y, step(k - 1), 1, true);
    kernel::GruCellGrads g{rows_view(dxp, t * N, N, false), rows_view(dhp, t * N, N, false), direct};
    kernel::gru_cell_backward_into(rows_view(acts, t * N, N, false), rows_view(hp, t * N, N, false), h_prev,
                                   rows_view(gh, t, 1, true), g, op);
    if (k > 0) {
      Tensor gh_prev = rows_view(gh, step(k - 1), 1, true);
      kernel::binary_inplace(kernel::Binary::Add, gh_prev, direct, op);
      kernel::gemm_into(gh_prev, g.hp, W_hh, false, false, 1.0);
    } else if (n.needs_input_grad(kH0)) {
      grads[kH0] = direct;
      kernel::gemm_into(grads[kH0], g.hp, W_hh, false, false, 1.0);
    }
  }
  weight_gradients(n, in, y, dxp, dhp, reverse, grads);
  return grads;
}

}  // namespace

tensor_list lstm_layer(const Tensor& x, const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih, const Tensor& b_hh,
                       const Tensor& h0, const Tensor& c0, bool reverse, const Tensor& W_hr) {
  // A projected layer is composed: each step's fused cell, then one product (a node each).
  if (W_hr.defined()) return composed(true, {x, W_ih, W_hh, b_ih, b_hh, h0, c0, W_hr}, reverse);
  const tensor_list in{x, W_ih, W_hh, b_ih, b_hh, h0, c0};
  if (!fusable(in)) return composed(true, in, reverse);
  const char* op = "LSTM";
  const std::int64_t T = x.shape()[0], N = x.shape()[1], H = W_hh.shape()[1];
  const Tensor bias = b_ih.defined() && b_hh.defined() ? kernel::binary(kernel::Binary::Add, b_ih, b_hh, op)
                                                      : (b_ih.defined() ? b_ih : b_hh);
  const Tensor x2 = detail::alias(x, {T * N, x.shape()[2]});
  // Every step's pre-activations start as its input projection; the steps add h W_hh^T.
  Tensor gates = bias.defined() ? kernel::linear(x2, W_ih, bias, true) : kernel::gemm(x2, W_ih, false, true);
  Tensor y = detail::make_tensor({T, N, H}, x.dtype(), x.device());
  Tensor cs = detail::make_tensor({T, N, H}, x.dtype(), x.device());
  Tensor acts = detail::make_tensor({T * N, 4 * H}, x.dtype(), x.device());
  Tensor h = h0, c = c0;
  for (std::int64_t k = 0; k < T; ++k) {
    const std::int64_t t = reverse ? T - 1 - k : k;
    Tensor g_t = rows_view(gates, t * N, N, false);
    kernel::gemm_into(g_t, h, W_hh, false, true, 1.0);
    kernel::LstmCellOut out{rows_view(y, t, 1, true), rows_view(cs, t, 1, true), rows_view(acts, t * N, N, false)};
    kernel::lstm_cell_forward_into(g_t, c, out, op);
    h = out.h1;
    c = out.c1;
  }
  unsigned present = 0;
  const tensor_list saved = to_save(in, {y, cs, acts}, present);
  // h_T and c_T as tensors of their own: the views' bytes are the sequences'.
  return autograd::record("lstm_layer", {x, W_ih, W_hh, b_ih, b_hh, h0, c0}, {y, kernel::copy(h), kernel::copy(c)}, saved,
                          [reverse, present](Node& n, const tensor_list& gys) {
                            const auto [v, seq] = unpack(n, 7, present);
                            // Higher orders: the composed layer, recomputed step by step.
                            const auto layer = [reverse](const tensor_list& in) { return composed(true, in, reverse); };
                            if (is_grad_enabled()) return autograd::recomputed_gradients(n, v, layer, gys);
                            return lstm_backward(n, v, seq, gys, reverse);
                          });
}

tensor_list gru_layer(const Tensor& x, const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih, const Tensor& b_hh,
                      const Tensor& h0, bool reverse) {
  const tensor_list in{x, W_ih, W_hh, b_ih, b_hh, h0};
  if (!fusable(in)) return composed(false, in, reverse);
  const char* op = "GRU";
  const std::int64_t T = x.shape()[0], N = x.shape()[1], H = W_hh.shape()[1];
  const Tensor x2 = detail::alias(x, {T * N, x.shape()[2]});
  const Tensor xp = b_ih.defined() ? kernel::linear(x2, W_ih, b_ih, true) : kernel::gemm(x2, W_ih, false, true);
  // Every step's hidden projection starts as b_hh (the reset gate scales it with h W_hh^T's n part).
  Tensor hp = b_hh.defined() ? kernel::broadcast_to(b_hh, {T * N, 3 * H}, op) : detail::make_tensor({T * N, 3 * H}, x.dtype(), x.device());
  Tensor y = detail::make_tensor({T, N, H}, x.dtype(), x.device());
  Tensor acts = detail::make_tensor({T * N, 3 * H}, x.dtype(), x.device());
  Tensor h = h0;
  for (std::int64_t k = 0; k < T; ++k) {
    const std::int64_t t = reverse ? T - 1 - k : k;
    Tensor hp_t = rows_view(hp, t * N, N, false);
    kernel::gemm_into(hp_t, h, W_hh, false, true, b_hh.defined() ? 1.0 : 0.0);
    kernel::GruCellOut out{rows_view(y, t, 1, true), rows_view(acts, t * N, N, false)};
    kernel::gru_cell_forward_into(rows_view(xp, t * N, N, false), hp_t, h, out, op);
    h = out.h1;
  }
  unsigned present = 0;
  const tensor_list saved = to_save(in, {y, hp, acts}, present);
  return autograd::record("gru_layer", {x, W_ih, W_hh, b_ih, b_hh, h0}, {y, kernel::copy(h)}, saved,
                          [reverse, present](Node& n, const tensor_list& gys) {
                            const auto [v, seq] = unpack(n, 6, present);
                            const auto layer = [reverse](const tensor_list& in) { return composed(false, in, reverse); };
                            if (is_grad_enabled()) return autograd::recomputed_gradients(n, v, layer, gys);
                            return gru_backward(n, v, seq, gys, reverse);
                          });
}

}  // namespace xg::steps
