// One direction of one LSTM layer over a whole sequence as one graph node (issue 21): what
// cuDNN's LSTM does, from the same kernels as the cell. Forward, per step: one product
// accumulated onto that step's input projection in place (both biases were added once for
// the whole sequence) and one fused cell kernel writing h and c into the layer's sequences.
// Backward, per step: the fused cell backward and one product carrying h's gradient to the
// step before; the weights' gradients are one product each over all steps, the biases' one
// sum. The step-by-step composition (a few graph nodes per step) made 4 launches per step
// forward and about 7 backward on a GPU, and a weight-gradient accumulation per step.
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

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

// The layer from the step functions: for operands the kernels do not take (mixed dtypes or
// devices), and, recomputed from the saved inputs, for the gradient's own gradient.
tensor_list composed(const Tensor& x, const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih, const Tensor& b_hh,
                     const Tensor& h0, const Tensor& c0, bool reverse) {
  const std::int64_t T = x.shape()[0], N = x.shape()[1];
  const tensor_list xp =
      time_steps(reshape(linear_t(reshape(x, {T * N, x.shape()[2]}), W_ih, b_ih), {T, N, W_ih.shape()[0]}));
  Tensor h = h0, c = c0;
  tensor_list out(static_cast<std::size_t>(T));
  for (std::int64_t s = 0; s < T; ++s) {
    const auto t = static_cast<std::size_t>(reverse ? T - 1 - s : s);
    std::tie(h, c) = lstm_step(xp[t], h, c, W_hh, b_hh);
    out[t] = h;
  }
  return {stack(out, 0), h, c};
}

bool fusable(const Tensor& x, std::initializer_list<const Tensor*> others) {
  if (!is_floating(x.dtype())) return false;
  for (const Tensor* t : others)
    if (t->defined() && (t->dtype() != x.dtype() || t->device() != x.device())) return false;
  return true;
}

// What the node saves: x, W_ih, W_hh, h0, c0, then y, c and the activations of every step,
// then the biases that are defined. The layer's inputs, in record's order, from those.
struct Saved {
  Tensor x, W_ih, W_hh, b_ih, b_hh, h0, c0, y, cs, acts;
};
Saved unpack(const Node& n, bool has_b_ih, bool has_b_hh) {
  const auto s = n.saved();
  return {s[0], s[1], s[2], has_b_ih ? s[8] : Tensor(), has_b_hh ? s[has_b_ih ? 9 : 8] : Tensor(), s[3], s[4], s[5], s[6], s[7]};
}

// The backward without a graph: BPTT over the saved sequences.
tensor_list backward(Node& n, const Saved& v, const tensor_list& gys, bool reverse) {
  const char* op = "LSTM";
  const Tensor &x = v.x, &W_ih = v.W_ih, &W_hh = v.W_hh, &h0 = v.h0, &c0 = v.c0, &y = v.y, &cs = v.cs, &acts = v.acts;
  const std::int64_t T = x.shape()[0], N = x.shape()[1], H = W_hh.shape()[1];
  const auto step = [&](std::int64_t k) { return reverse ? T - 1 - k : k; };  // the k-th step computed
  // Each step's h gradient: the output's, plus (below) what the next step sends back.
  Tensor gh = kernel::copy(gys[0]);
  Tensor last = rows_view(gh, step(T - 1), 1, true);
  kernel::binary_inplace(kernel::Binary::Add, last, gys[1], op);
  Tensor dgates = detail::make_tensor({T * N, 4 * H}, x.dtype(), x.device());
  Tensor dc_buf[2] = {detail::make_tensor({N, H}, x.dtype(), x.device()), detail::make_tensor({N, H}, x.dtype(), x.device())};
  Tensor dc_next = gys[2], dh0;
  for (std::int64_t k = T - 1; k >= 0; --k) {
    const std::int64_t t = step(k);
    const Tensor c_prev = k == 0 ? c0 : rows_view(cs, step(k - 1), 1, true);
    kernel::LstmCellGrads g{rows_view(dgates, t * N, N, false), dc_buf[k % 2]};
    kernel::lstm_cell_backward_into(rows_view(acts, t * N, N, false), c_prev, rows_view(cs, t, 1, true),
                                    rows_view(gh, t, 1, true), dc_next, g, op);
    dc_next = g.c;
    if (k > 0) {
      Tensor gh_prev = rows_view(gh, step(k - 1), 1, true);
      kernel::gemm_into(gh_prev, g.gates, W_hh, false, false, 1.0);
    } else if (n.needs_input_grad(5)) {
      dh0 = kernel::gemm(g.gates, W_hh, false, false);
    }
  }
  tensor_list grads(7);
  const Tensor x2 = detail::alias(x, {T * N, x.shape()[2]});
  if (n.needs_input_grad(0)) grads[0] = detail::alias(kernel::gemm(dgates, W_ih, false, false), x.shape());
  if (n.needs_input_grad(1)) grads[1] = autograd::gradient_product(n, 1, dgates, x2, true, false);
  if (n.needs_input_grad(2)) {
    // h_{t-1} of every step, in the order of dgates' rows: h0 first (last when reversed).
    const Tensor h0_row = detail::alias(h0, {1, N, H}), others = rows_view(y, reverse ? 1 : 0, T - 1, false);
    const Tensor hprev = kernel::concat(reverse ? tensor_list{others, h0_row} : tensor_list{h0_row, others}, 0);
    grads[2] = autograd::gradient_product(n, 2, dgates, detail::alias(hprev, {T * N, H}), true, false);
  }
  if (n.needs_input_grad(3) || n.needs_input_grad(4)) {
    const Tensor db = kernel::reduce(kernel::Reduce::Sum, dgates, {0}, false);
    grads[3] = n.needs_input_grad(3) ? db : Tensor();
    grads[4] = n.needs_input_grad(4) ? (grads[3].defined() ? kernel::copy(db) : db) : Tensor();
  }
  grads[5] = dh0;
  if (n.needs_input_grad(6)) grads[6] = dc_next;
  return grads;
}

}  // namespace

tensor_list lstm_layer(const Tensor& x, const Tensor& W_ih, const Tensor& W_hh, const Tensor& b_ih, const Tensor& b_hh,
                       const Tensor& h0, const Tensor& c0, bool reverse) {
  if (!fusable(x, {&W_ih, &W_hh, &b_ih, &b_hh, &h0, &c0})) return composed(x, W_ih, W_hh, b_ih, b_hh, h0, c0, reverse);
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
  const bool has_b_ih = b_ih.defined(), has_b_hh = b_hh.defined();
  tensor_list saved{x, W_ih, W_hh, h0, c0, y, cs, acts};
  if (has_b_ih) saved.push_back(b_ih);
  if (has_b_hh) saved.push_back(b_hh);
  // h_T and c_T as tensors of their own: the views' bytes are the sequences'.
  return autograd::record(
      "lstm_layer", {x, W_ih, W_hh, b_ih, b_hh, h0, c0}, {y, kernel::copy(h), kernel::copy(c)}, saved,
      [reverse, has_b_ih, has_b_hh](Node& n, const tensor_list& gys) {
        const Saved v = unpack(n, has_b_ih, has_b_hh);
        if (!is_grad_enabled()) return backward(n, v, gys, reverse);
        // Higher orders: the layer recomputed step by step from the saved inputs (composed,
        // so differentiable), and its gradient taken.
        const Tensor in[7] = {v.x, v.W_ih, v.W_hh, v.b_ih, v.b_hh, v.h0, v.c0};
        tensor_list wrt;
        std::vector<std::size_t> where;
        for (std::size_t i = 0; i < 7; ++i)
          if (in[i].defined() && in[i].requires_grad() && n.needs_input_grad(i)) {
            wrt.push_back(in[i]);
            where.push_back(i);
          }
        tensor_list grads(7);
        if (wrt.empty()) return grads;
        const tensor_list out = composed(v.x, v.W_ih, v.W_hh, v.b_ih, v.b_hh, v.h0, v.c0, reverse);
        const tensor_list g = grad(out, wrt, gys, true, true, true);
        for (std::size_t j = 0; j < where.size(); ++j) grads[where[j]] = g[j];
        return grads;
      });
}

}  // namespace xg::steps
