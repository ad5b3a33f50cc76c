// linear_t and the recurrent cell functions: values against the formulas, float64
// gradcheck and gradgradcheck, and the shape errors.
#include "test_util.h"

#include "autograd/recurrent_steps.h"
#include "tensor/tensor_impl.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(LinearT, IsXTimesWTransposedPlusB) {
  xg::manual_seed(7);
  auto x = randp({5, 3}), W = randp({4, 3}), b = randp({4});
  EXPECT_LT(max_abs_diff(xg::linear_t(x, W, b), xg::matmul(x, W.transpose(0, 1)) + b), 1e-14);
  EXPECT_LT(max_abs_diff(xg::linear_t(x, W), xg::matmul(x, W.transpose(0, 1))), 1e-14);
  const auto f = [](L v) { return xg::linear_t(v[0], v[1], v[2]); };
  EXPECT_TRUE(gradcheck_ok(f, {x, W, b}));
  EXPECT_TRUE(gradgradcheck_ok(f, {x, W, b}));
  EXPECT_XG_ERROR(xg::linear_t(x, randp({4, 2}), b), "linear_t: x (5,3) @ W^T (4,2) + b (4,)", "W (out, in)");
}

TEST(RecurrentCells, FollowTheirFormulas) {
  xg::manual_seed(8);
  const std::int64_t N = 2, I = 3, H = 4;
  auto x = randp({N, I}), h = randp({N, H}), c = randp({N, H});
  auto w_ih = randp({4 * H, I}), w_hh = randp({4 * H, H}), b_ih = randp({4 * H}), b_hh = randp({4 * H});
  // LSTM: gates i, f, g, o, in that order.
  auto gates = xg::chunk(xg::matmul(x, w_ih.transpose(0, 1)) + b_ih + xg::matmul(h, w_hh.transpose(0, 1)) + b_hh, 4, 1);
  auto c1 = xg::sigmoid(gates[1]) * c + xg::sigmoid(gates[0]) * xg::tanh(gates[2]);
  auto [h_got, c_got] = xg::lstm_cell(x, {h, c}, w_ih, w_hh, b_ih, b_hh);
  EXPECT_LT(max_abs_diff(c_got, c1), 1e-14);
  EXPECT_LT(max_abs_diff(h_got, xg::sigmoid(gates[3]) * xg::tanh(c1)), 1e-14);
  // GRU: r, z, n; the reset gate scales the hidden projection including its bias.
  auto gw_ih = randp({3 * H, I}), gw_hh = randp({3 * H, H});
  auto gi = xg::chunk(xg::matmul(x, gw_ih.transpose(0, 1)), 3, 1), gh = xg::chunk(xg::matmul(h, gw_hh.transpose(0, 1)), 3, 1);
  auto r = xg::sigmoid(gi[0] + gh[0]), z = xg::sigmoid(gi[1] + gh[1]), n = xg::tanh(gi[2] + r * gh[2]);
  EXPECT_LT(max_abs_diff(xg::gru_cell(x, h, gw_ih, gw_hh), (1.0 - z) * n + z * h), 1e-14);
  auto rw_ih = randp({H, I}), rw_hh = randp({H, H});
  auto pre = xg::matmul(x, rw_ih.transpose(0, 1)) + xg::matmul(h, rw_hh.transpose(0, 1));
  EXPECT_LT(max_abs_diff(xg::rnn_tanh_cell(x, h, rw_ih, rw_hh), xg::tanh(pre)), 1e-14);
  EXPECT_LT(max_abs_diff(xg::rnn_relu_cell(x, h, rw_ih, rw_hh), xg::relu(pre)), 1e-14);
}

TEST(RecurrentCells, GradcheckAndGradgradcheck) {
  // H 2: the fused cells' scalar tail only; H 5: a 4-lane float64 batch and a tail. The second
  // order runs the fused cells' composed backward.
  for (const std::int64_t H : {2, 5}) {
    xg::manual_seed(9);
    const std::int64_t N = 2, I = 3;
    auto x = randp({N, I}), h = randp({N, H}), c = randp({N, H});
    const auto lstm = [](L v) {
      auto [h1, c1] = xg::lstm_cell(v[0], {v[1], v[2]}, v[3], v[4], v[5], v[6]);
      return xg::concat({h1, c1 * 0.5}, 1);
    };
    const auto lstm_h = [](L v) { return std::get<0>(xg::lstm_cell(v[0], {v[1], v[2]}, v[3], v[4], v[5], v[6])); };
    const xg::tensor_list lstm_in{x, h, c, randp({4 * H, I}), randp({4 * H, H}), randp({4 * H}), randp({4 * H})};
    EXPECT_TRUE(gradcheck_ok(lstm, lstm_in)) << H;
    EXPECT_TRUE(gradgradcheck_ok(lstm, lstm_in)) << H;
    EXPECT_TRUE(gradcheck_ok(lstm_h, lstm_in)) << H;  // c' unused: its gradient is the engine's zeros
    EXPECT_TRUE(gradgradcheck_ok(lstm_h, lstm_in)) << H;
    const auto gru = [](L v) { return xg::gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]); };
    const xg::tensor_list gru_in{x, h, randp({3 * H, I}), randp({3 * H, H}), randp({3 * H}), randp({3 * H})};
    EXPECT_TRUE(gradcheck_ok(gru, gru_in)) << H;
    EXPECT_TRUE(gradgradcheck_ok(gru, gru_in)) << H;
    for (bool relu : {false, true}) {
      const auto rnn = [relu](L v) { return (relu ? xg::rnn_relu_cell : xg::rnn_tanh_cell)(v[0], v[1], v[2], v[3], v[4], v[5]); };
      const xg::tensor_list rnn_in{x, h, randp({H, I}), randp({H, H}), randp({H}), randp({H})};
      EXPECT_TRUE(gradcheck_ok(rnn, rnn_in)) << H;
      EXPECT_TRUE(gradgradcheck_ok(rnn, rnn_in)) << H;
    }
  }
}

namespace {
// The gradients of sum(w_h h' + w_c c') (or of h' alone) with respect to every input; with
// create_graph the fused cells compute them by their composed second-order path.
xg::tensor_list grads_of(const xg::tensor_list& outs, const xg::tensor_list& ins, std::uint64_t seed,
                         bool create_graph = false) {
  xg::Generator g(seed);
  xg::GeneratorGuard use(g);
  xg::Tensor loss = xg::zeros({}, outs[0].dtype());
  for (const auto& o : outs) loss = loss + (o * xg::randn(o.shape(), o.dtype())).sum();
  return xg::grad({loss}, ins, {}, true, create_graph);
}
}  // namespace

TEST(RecurrentCells, FusedCellsMatchTheComposedFormulasAndTheirGradients) {
  // H 9: vector batches and a scalar tail in both dtypes (4 or 8 lanes, then 1).
  for (const xg::Dtype dtype : {xg::kFloat64, xg::kFloat32}) {
    const double tol = dtype == xg::kFloat64 ? 1e-12 : 2e-5;
    xg::manual_seed(11);
    const std::int64_t N = 3, I = 4, H = 9;
    auto r = [&](xg::Shape s) { return xg::randn(s, dtype).requires_grad_(); };
    auto x = r({N, I}), h = r({N, H}), c = r({N, H});
    auto w_ih = r({4 * H, I}), w_hh = r({4 * H, H}), b_ih = r({4 * H}), b_hh = r({4 * H});
    const xg::tensor_list in{x, h, c, w_ih, w_hh, b_ih, b_hh};
    auto [h1, c1] = xg::lstm_cell(x, {h, c}, w_ih, w_hh, b_ih, b_hh);
    EXPECT_EQ(h1.grad_fn_name(), "LstmCellBackward");
    auto g = xg::chunk(xg::linear_t(x, w_ih, b_ih) + xg::linear_t(h, w_hh, b_hh), 4, 1);
    auto c_ref = xg::sigmoid(g[1]) * c + xg::sigmoid(g[0]) * xg::tanh(g[2]);
    auto h_ref = xg::sigmoid(g[3]) * xg::tanh(c_ref);
    EXPECT_LT(max_abs_diff(h1, h_ref), tol);
    EXPECT_LT(max_abs_diff(c1, c_ref), tol);
    // Both outputs used, then h' alone (c' gets no gradient: the kernel's zeros).
    for (bool both : {true, false})
      for (bool create_graph : {false, true}) {
        const auto got = grads_of(both ? xg::tensor_list{h1, c1} : xg::tensor_list{h1}, in, 5, create_graph);
        const auto want = grads_of(both ? xg::tensor_list{h_ref, c_ref} : xg::tensor_list{h_ref}, in, 5);
        for (std::size_t i = 0; i < in.size(); ++i)
          EXPECT_LT(max_abs_diff(got[i], want[i]), tol) << "LSTM input " << i << (create_graph ? ", create_graph" : "");
      }
    auto gw_ih = r({3 * H, I}), gw_hh = r({3 * H, H}), gb_ih = r({3 * H}), gb_hh = r({3 * H});
    const xg::tensor_list gin{x, h, gw_ih, gw_hh, gb_ih, gb_hh};
    auto h2 = xg::gru_cell(x, h, gw_ih, gw_hh, gb_ih, gb_hh);
    EXPECT_EQ(h2.grad_fn_name(), "GruCellBackward");
    auto gi = xg::chunk(xg::linear_t(x, gw_ih, gb_ih), 3, 1), gh = xg::chunk(xg::linear_t(h, gw_hh, gb_hh), 3, 1);
    auto rr = xg::sigmoid(gi[0] + gh[0]), z = xg::sigmoid(gi[1] + gh[1]), n = xg::tanh(gi[2] + rr * gh[2]);
    auto h2_ref = (1.0 - z) * n + z * h;
    EXPECT_LT(max_abs_diff(h2, h2_ref), tol);
    for (bool create_graph : {false, true}) {
      const auto got = grads_of({h2}, gin, 6, create_graph), want = grads_of({h2_ref}, gin, 6);
      for (std::size_t i = 0; i < gin.size(); ++i)
        EXPECT_LT(max_abs_diff(got[i], want[i]), tol) << "GRU input " << i << (create_graph ? ", create_graph" : "");
    }
  }
}

TEST(RecurrentCells, ErrorsNameTheFunctionAndShapes) {
  auto x = xg::ones({2, 3}), h = xg::ones({2, 4});
  EXPECT_XG_ERROR(xg::lstm_cell(x, {h, h}, xg::ones({16, 3}), xg::ones({12, 4})),
                  "lstm_cell: expected w_hh of shape (4·H, H) (x (2,3), state (2,4), state (2,4), w_ih (16,3), w_hh (12,4))");
  EXPECT_XG_ERROR(xg::gru_cell(x, xg::ones({3, 4}), xg::ones({12, 3}), xg::ones({12, 4})),
                  "gru_cell: expected states of shape (2, 4)");
  EXPECT_XG_ERROR(xg::rnn_tanh_cell(x, h, xg::ones({4, 2}), xg::ones({4, 4})), "rnn_tanh_cell: expected w_ih of shape (4, 3)");
  EXPECT_XG_ERROR(xg::rnn_relu_cell(xg::ones({3}), h, xg::ones({4, 3}), xg::ones({4, 4})),
                  "rnn_relu_cell: expected x of shape (N, input_size)");
}

TEST(TimeSteps, ReadTheSequenceInPlaceWithUnbindsValuesAndGradients) {
  // The layers' per-step input projections: views of the sequence's bytes, not copies.
  xg::manual_seed(9);
  const auto x = randp({5, 2, 3});
  const auto steps = xg::steps::time_steps(x), copies = xg::unbind(x, 0);
  ASSERT_EQ(steps.size(), 5u);
  const auto* base = static_cast<const unsigned char*>(x.impl()->storage->data);
  for (std::size_t t = 0; t < 5; ++t) {
    EXPECT_EQ(steps[t].shape(), (xg::Shape{2, 3}));
    EXPECT_EQ(max_abs_diff(steps[t], copies[t]), 0.0);
    EXPECT_EQ(steps[t].impl()->storage->data, base + t * 6 * sizeof(double)) << "step " << t << " was copied";
  }
  // unbind's gradient, to the second order: each step weighted differently, squared.
  const auto f = [](L v) {
    const auto s = xg::steps::time_steps(v[0]);
    xg::Tensor y = s[0] * s[0];
    for (std::size_t t = 1; t < s.size(); ++t) y = y + s[t] * s[t] * static_cast<double>(t + 1);
    return y;
  };
  EXPECT_TRUE(gradcheck_ok(f, {x}));
  EXPECT_TRUE(gradgradcheck_ok(f, {x}));
  // A view outlives the sequence's handle, and a view of a view keeps one owner.
  xg::Tensor last;
  {
    const auto seq = randp({4, 3}) * 2.0;
    const double want = seq.at({3, 1});
    last = xg::steps::time_steps(xg::reshape(seq, {4, 1, 3}))[3];
    EXPECT_EQ(last.at({0, 1}), want);
  }
  EXPECT_TRUE(std::isfinite(last.sum().item()));
  const auto again = xg::steps::time_steps(xg::reshape(last, {3, 1}));
  EXPECT_EQ(again[2].impl()->storage->base, last.impl()->storage->base);
  EXPECT_EQ(again[2].item(), last.at({0, 2}));
  // No steps, empty steps, and a 0-d input as unbind says.
  EXPECT_TRUE(xg::steps::time_steps(xg::zeros({0, 3})).empty());
  EXPECT_EQ(xg::steps::time_steps(xg::zeros({2, 0, 3}))[1].numel(), 0);
  EXPECT_XG_ERROR(xg::steps::time_steps(xg::scalar_tensor(1.0)), "unbind: a 0-d tensor has no axis to unbind");
}

namespace {
// One direction from the public cell, step by step: the reference for the layer nodes.
// v: x, W_ih, W_hh, b_ih, b_hh, h0 and, for the LSTM, c0.
xg::tensor_list by_cells(L v, bool lstm, bool reverse) {
  const std::int64_t T = v[0].shape()[0];
  xg::Tensor h = v[5], c = lstm ? v[6] : xg::Tensor();
  xg::tensor_list out(static_cast<std::size_t>(T));
  for (std::int64_t k = 0; k < T; ++k) {
    const std::int64_t t = reverse ? T - 1 - k : k;
    if (lstm) std::tie(h, c) = xg::lstm_cell(v[0].select(0, t), {h, c}, v[1], v[2], v[3], v[4]);
    else h = xg::gru_cell(v[0].select(0, t), h, v[1], v[2], v[3], v[4]);
    out[static_cast<std::size_t>(t)] = h;
  }
  return lstm ? xg::tensor_list{xg::stack(out, 0), h, c} : xg::tensor_list{xg::stack(out, 0), h};
}

xg::tensor_list layer(L v, bool lstm, bool reverse) {
  return lstm ? xg::steps::lstm_layer(v[0], v[1], v[2], v[3], v[4], v[5], v[6], reverse)
              : xg::steps::gru_layer(v[0], v[1], v[2], v[3], v[4], v[5], reverse);
}

// x (T, N, I), the weights and biases of G gates, h0 (and c0).
xg::tensor_list layer_inputs(bool lstm, std::int64_t T, std::int64_t N, std::int64_t I, std::int64_t H, bool bias) {
  const std::int64_t G = lstm ? 4 : 3;
  xg::tensor_list v{randp({T, N, I}), randp({G * H, I}), randp({G * H, H}), bias ? randp({G * H}) : xg::Tensor(),
                    bias ? randp({G * H}) : xg::Tensor(), randp({N, H})};
  if (lstm) v.push_back(randp({N, H}));
  return v;
}
}  // namespace

TEST(RecurrentLayers, EqualTheCellStepByStepWithEveryGradient) {
  // A layer's direction as one node: values and the gradients of every input, both
  // directions, with and without biases, against the public cell's loop (float64).
  xg::manual_seed(12);
  for (const bool lstm : {true, false})
    for (const bool reverse : {false, true})
      for (const bool bias : {true, false}) {
        SCOPED_TRACE(std::string(lstm ? "LSTM" : "GRU") + (reverse ? ", reverse" : ", forward") + (bias ? ", biases" : ", no bias"));
        const auto v = layer_inputs(lstm, 5, 3, 4, 6, bias);
        xg::tensor_list wrt;
        for (const auto& t : v)
          if (t.defined()) wrt.push_back(t);
        const auto got = layer(v, lstm, reverse), want = by_cells(v, lstm, reverse);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t k = 0; k < got.size(); ++k) EXPECT_LT(max_abs_diff(got[k], want[k]), 1e-13) << "output " << k;
        xg::tensor_list w;
        for (const auto& o : got) w.push_back(randp(o.shape()));
        const auto loss = [&](const xg::tensor_list& o) {
          xg::Tensor l = (o[0] * w[0]).sum();
          for (std::size_t k = 1; k < o.size(); ++k) l = l + (o[k] * w[k]).sum();
          return l;
        };
        const auto g_layer = xg::grad({loss(got)}, wrt), g_cells = xg::grad({loss(want)}, wrt);
        for (std::size_t k = 0; k < wrt.size(); ++k) EXPECT_LT(max_abs_diff(g_layer[k], g_cells[k]), 1e-12) << "input " << k;
        // The gradient's own graph (recomputed from the steps) starts from the same first order.
        const auto g_graph = xg::grad({loss(layer(v, lstm, reverse))}, wrt, {}, true, true);
        for (std::size_t k = 0; k < wrt.size(); ++k) EXPECT_LT(max_abs_diff(g_graph[k], g_layer[k]), 1e-12) << "input " << k;
      }
}

TEST(RecurrentLayers, PassGradcheckAndGradgradcheck) {
  xg::manual_seed(13);
  for (const bool lstm : {true, false}) {
    const auto v = layer_inputs(lstm, 3, 2, 2, 2, true);
    for (const bool reverse : {false, true}) {
      const auto f = [lstm, reverse](L x) {
        const auto o = layer(x, lstm, reverse);
        xg::tensor_list flat;
        for (std::size_t k = 0; k < o.size(); ++k) flat.push_back(o[k].reshape({-1}) / static_cast<double>(k + 1));
        return xg::cat(flat, 0);
      };
      EXPECT_TRUE(gradcheck_ok(f, v)) << lstm << reverse;
      EXPECT_TRUE(gradgradcheck_ok(f, v)) << lstm << reverse;
    }
  }
}

TEST(RecurrentLayers, OneStepAnEmptyBatchAndMixedDtypes) {
  xg::manual_seed(14);
  const std::int64_t H = 3;
  for (const bool lstm : {true, false}) {
    SCOPED_TRACE(lstm ? "LSTM" : "GRU");
    const auto one = layer_inputs(lstm, 1, 2, 2, H, true);
    const auto a = layer(one, lstm, false);
    EXPECT_LT(max_abs_diff(a[0], by_cells(one, lstm, false)[0]), 1e-13);
    a[0].sum().backward();
    EXPECT_EQ(one[2].grad().shape(), (xg::Shape{(lstm ? 4 : 3) * H, H}));
    // A batch of 0: empty sequences and states.
    auto empty = one;
    empty[0] = xg::zeros({4, 0, 2}, xg::kFloat64);
    empty[5] = xg::zeros({0, H}, xg::kFloat64);
    if (lstm) empty[6] = xg::zeros({0, H}, xg::kFloat64);
    const auto e = layer(empty, lstm, true);
    EXPECT_EQ(e[0].shape(), (xg::Shape{4, 0, H}));
    EXPECT_EQ(e[1].shape(), (xg::Shape{0, H}));
    // float32 input beside float64 weights: the composed path, promoted as linear_t does.
    auto mixed = one;
    mixed[0] = one[0].to(xg::kFloat32);
    const auto m = layer(mixed, lstm, false);
    EXPECT_EQ(m[0].dtype(), xg::kFloat64);
    EXPECT_LT(max_abs_diff(m[0], a[0]), 1e-6);
  }
}
