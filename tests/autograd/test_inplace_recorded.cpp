// In-place operations recorded while recording is on (libtorch's rebase of a tensor's
// history): `h.relu_()`, `out += identity`, `buffer.index_copy_(0, idx, h)` differentiate as
// their out-of-place forms, to every order; a parameter, a view and a tensor saved for backward
// are refused before anything is written.
#include <vector>

#include <xgrad/gradcheck.h>
#include <xgrad/nn/functional.h>
#include <xgrad/nn/layers.h>

#include "test_util.h"

using namespace xg;
using namespace xg::test;

namespace {

// The same function written with in-place updates of non-leaf tensors and with operands
// that require grad written into buffers, and out of place.
Tensor with_inplace(const tensor_list& in) {
  const Tensor& x = in[0];
  const Tensor& s = in[1];
  Tensor h = x * 2.0 - 0.3;
  h.relu_();
  h += s;
  h.mul_(x);
  h.sin_();  // sin saves its input: the recorded copy of the old values
  h -= 0.25;
  h /= s + 3.0;
  h.clamp_(-0.8, 0.8).addcmul_(x, s, 0.5).tanh_();
  Tensor buffer = zeros({4, 3}, kFloat64);
  buffer.index_copy_(0, tensor({2, 0}, kInt64), h);
  buffer.index_put_({1}, s.select(0, 1));
  buffer *= 1.5;
  return buffer;
}

Tensor out_of_place(const tensor_list& in) {
  const Tensor& x = in[0];
  const Tensor& s = in[1];
  Tensor h = relu(x * 2.0 - 0.3) + s;
  h = sin(h * x) - 0.25;
  h = h / (s + 3.0);
  h = tanh(addcmul(clamp(h, -0.8, 0.8), x, s, 0.5));
  Tensor buffer = index_copy(zeros({4, 3}, kFloat64), 0, tensor({2, 0}, kInt64), h);
  buffer = concat({buffer.slice(0, 0, 1), s.select(0, 1).unsqueeze(0), buffer.slice(0, 2, 4)}, 0);
  return buffer * 1.5;
}

tensor_list inputs() {
  return {tensor({{0.4, -0.7, 1.1}, {0.9, 0.2, -0.5}}, kFloat64).requires_grad_(),
          tensor({{0.3, 0.8, -0.6}, {-0.2, 0.5, 0.7}}, kFloat64).requires_grad_()};
}

}  // namespace

TEST(InPlaceRecorded, GradientsAreThoseOfTheOutOfPlaceForms) {
  const tensor_list a = inputs(), b = inputs();
  const Tensor ya = with_inplace(a), yb = out_of_place(b);
  ASSERT_TRUE(ya.requires_grad());
  EXPECT_LT(max_abs_diff(ya, yb), 1e-15);
  const Tensor gy = tensor({{1.0, -2.0, 0.5}, {0.3, 0.7, -1.1}, {2.0, 0.1, 0.4}, {-0.6, 1.3, 0.9}}, kFloat64);
  ya.backward(gy);
  yb.backward(gy);
  EXPECT_LT(max_abs_diff(a[0].grad(), b[0].grad()), 1e-14);
  EXPECT_LT(max_abs_diff(a[1].grad(), b[1].grad()), 1e-14);
  EXPECT_GT(max_abs_diff(a[0].grad(), zeros({2, 3}, kFloat64)), 0.1);  // not a zero gradient
  EXPECT_TRUE(gradcheck(with_inplace, inputs()));
  EXPECT_TRUE(gradgradcheck(with_inplace, inputs()));
}

TEST(InPlaceRecorded, TheTensorTakesTheNewHistory) {
  const Tensor x = tensor({1.0, -2.0, 3.0}, kFloat64).requires_grad_();
  Tensor h = x * 3.0;
  Tensor alias = h;  // another handle: the same tensor, as in libtorch
  h.relu_();
  EXPECT_EQ(h.grad_fn_name(), "ReluBackward");
  EXPECT_EQ(alias.grad_fn_name(), "ReluBackward");
  EXPECT_GT(h.version(), 0U);
  EXPECT_TRUE(values_near(alias, {3, 0, 9}, 0));
  alias.sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {3, 0, 3}, 0));
  // A buffer that did not require grad takes an operand's history.
  const Tensor w = tensor({0.5, -1.5}, kFloat64).requires_grad_();
  Tensor b = zeros({2}, kFloat64);
  b.copy_(w);
  EXPECT_TRUE(b.requires_grad());
  EXPECT_FALSE(b.is_leaf());
  (b * b).sum().backward();
  EXPECT_TRUE(values_near(w.grad(), {1.0, -3.0}, 0));
  // fill_ makes it a constant: no gradient reaches the old values.
  Tensor f = x * 2.0;
  f.fill_(4.0);
  EXPECT_TRUE(f.requires_grad());  // as libtorch's: a zero gradient to the old values
  (f * x).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {3 + 4, 0 + 4, 3 + 4}, 0));
}

TEST(InPlaceRecorded, RetainGradMovesHooksStayWithTheOldValues) {
  const Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x * 3.0;
  h.retain_grad();
  std::vector<double> seen;
  h.register_hook([&](const Tensor& g) { seen = g.to_vector<double>(); });
  h.mul_(2.0);
  (h * 5.0).sum().backward();
  EXPECT_TRUE(values_near(h.grad(), {5, 5}, 0));             // of the new values
  EXPECT_EQ(seen, (std::vector<double>{10, 10}));           // of the old values
  EXPECT_TRUE(values_near(x.grad(), {30, 30}, 0));
}

TEST(InPlaceRecorded, LibtorchSpellings) {
  const Tensor x = tensor({{-1.0, 2.0}, {3.0, -4.0}}, kFloat64).requires_grad_();
  Tensor a = x * 1.0, b = x * 1.0, c = x * 1.0;
  xg::relu_(a);
  nn::functional::relu(b, nn::functional::ReLUFuncOptions().inplace(true));
  nn::ReLU relu_module(nn::ReLUOptions().inplace(true));
  const Tensor out = relu_module.forward(c);
  EXPECT_EQ(out.grad_fn_name(), "ReluBackward");
  EXPECT_TRUE(values_near(c, {0, 2, 3, 0}, 0));  // the module rectified its input
  EXPECT_TRUE(values_near(a, {0, 2, 3, 0}, 0));
  EXPECT_TRUE(values_near(b, {0, 2, 3, 0}, 0));
  Tensor d = x * 1.0;
  d += x;
  d *= 3.0;
  d -= x * 0.5;
  d /= 2.0;
  d += 1.0;
  d.sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {2.75, 2.75, 2.75, 2.75}, 1e-15));  // d = (6x - x/2) / 2 + 1
  (a + b + out).sum().backward();
  EXPECT_TRUE(values_near(x.grad(), {2.75, 5.75, 5.75, 2.75}, 1e-15));  // relu' = 1 on the positives
  EXPECT_TRUE(values_near(d, {(-6.0 + 0.5) / 2 + 1, (12.0 - 1) / 2 + 1, (18.0 - 1.5) / 2 + 1, (-24.0 + 2) / 2 + 1}, 1e-15));
  nn::ReLU plain;
  Tensor e = x * 1.0;
  (void)plain.forward(e);
  EXPECT_TRUE(values_near(e, {-1, 2, 3, -4}, 0));  // not in place by default
}

TEST(InPlaceRecorded, RefusesWhatItCannotRebase) {
  const Tensor w = tensor({0.5, -0.5}, kFloat64).requires_grad_();
  Tensor p = w;
  EXPECT_XG_ERROR(p.exp_(), "exp_: in-place operation on a leaf tensor of shape (2,) that requires grad",
                  "NoGradGuard", "x = x.exp() for x.exp_()");
  EXPECT_XG_ERROR(p += 1.0, "add_: in-place operation on a leaf tensor");
  // A view shares the storage: its history could not follow.
  Tensor h = w * 2.0;
  Tensor view = h.view({2, 1});
  EXPECT_XG_ERROR(h.relu_(), "relu_: in-place operation on a tensor of shape (2,) whose storage another tensor shares",
                  "a view");
  EXPECT_XG_ERROR(view.mul_(2.0), "mul_: ", "whose storage another tensor shares");
  // exp saves its output, which the write would change: refused before, not at backward.
  Tensor e = w.exp();
  EXPECT_XG_ERROR(e.add_(1.0), "add_: ", "saved for backward");
  EXPECT_TRUE(values_near(h, {1, -1}, 0));  // nothing was written
  EXPECT_TRUE(values_near(e, {std::exp(0.5), std::exp(-0.5)}, 1e-15));
  // A float operand that requires grad cannot go into an int64 tensor.
  Tensor labels = tensor({1, 2}, kInt64);
  EXPECT_XG_ERROR(labels.copy_(h), "copy_: cannot write float64 values into an int64 tensor");
  EXPECT_XG_ERROR(zeros({2}, kFloat64).requires_grad_().uniform_(), "uniform_: ", "NoGradGuard");
  // A tensor a later operation saved as its input: written, then that backward refuses
  // (libtorch's version check; the saved handle is the tensor itself).
  Tensor k = w * 2.0;
  const Tensor sq = k * k;
  k.add_(1.0);
  EXPECT_XG_ERROR(sq.sum().backward(), "MulBackward", "modified by an in-place operation");
  // Outside recording nothing changes: a parameter update writes in place, history kept.
  {
    NoGradGuard guard;
    p.sub_(tensor({0.1, 0.1}, kFloat64));
  }
  EXPECT_TRUE(values_near(w, {0.4, -0.6}, 1e-15));
  EXPECT_TRUE(w.is_leaf());
}

TEST(InPlaceRecorded, AResidualBlockTrainsAsItsOutOfPlaceForm) {
  manual_seed(3);
  nn::Linear fc1(4, 4), fc2(4, 4);
  fc1.to(kFloat64);
  fc2.to(kFloat64);
  const Tensor x = randn({5, 4}, kFloat64);
  const auto block = [&](bool in_place) {
    Tensor out = fc1.forward(x);
    if (in_place) {
      out.relu_();
      out = fc2.forward(out);
      out += x;  // libtorch's residual: out += identity; out.relu_()
      out.relu_();
    } else {
      out = relu(fc2.forward(relu(out)) + x);
    }
    return out.pow(2.0).mean();
  };
  std::vector<Tensor> grads;
  for (const bool in_place : {true, false}) {
    fc1.zero_grad();
    fc2.zero_grad();
    block(in_place).backward();
    for (const Tensor& p : fc1.parameters()) grads.push_back(p.grad().clone());
    for (const Tensor& p : fc2.parameters()) grads.push_back(p.grad().clone());
  }
  const std::size_t n = grads.size() / 2;
  for (std::size_t i = 0; i < n; ++i) EXPECT_LT(max_abs_diff(grads[i], grads[n + i]), 1e-15) << i;
}

TEST(InPlaceRecorded, InsideAGradientCheckOnATensorMadeOutsideIt) {
  // The check's write journal holds the state it will put back: not another tensor sharing it.
  Tensor state = zeros({3}, kFloat64);
  const auto fn = [&](const tensor_list& in) {
    state.copy_(in[0]);
    state.mul_(in[0]);
    return state * 2.0;
  };
  EXPECT_TRUE(gradcheck(fn, {tensor({0.5, -1.0, 2.0}, kFloat64).requires_grad_()}));
  EXPECT_TRUE(values_near(state.detach(), {0, 0, 0}, 0));  // put back after the check
}

TEST(InPlaceRecorded, ShapeChangesInPlace) {
  Tensor x = arange(0.0, 6.0, 1.0, kFloat64).reshape({2, 3});
  const Tensor handle = x;         // the same tensor: sees the new shape
  const Tensor flat = x.view({6});  // a reshape of its storage: keeps its own
  x.unsqueeze_(0);
  EXPECT_EQ(handle.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(flat.shape(), (Shape{6}));
  x.squeeze_();
  EXPECT_EQ(x.shape(), (Shape{2, 3}));
  x.unsqueeze_(-1).squeeze_(2);
  EXPECT_EQ(x.shape(), (Shape{2, 3}));
  EXPECT_XG_ERROR(x.t_(), "t_: another tensor shares the storage of this tensor of shape (2,3)", "x = x.transpose(0, 1)");
  Tensor y = arange(0.0, 6.0, 1.0, kFloat64).reshape({2, 3});
  y.t_();
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  y.transpose_(0, 1);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  // A view copy transposed in place still writes into the right places of its base.
  Tensor base = arange(0.0, 6.0, 1.0, kFloat64).reshape({2, 3});
  Tensor r = base.t();
  r.t_();
  r[0].fill_(-1.0);
  EXPECT_EQ(base.to_vector<double>(), (std::vector<double>{-1, -1, -1, 3, 4, 5}));
}

TEST(InPlaceRecorded, ShapeChangesAreRecorded) {
  const auto fn = [](const tensor_list& in) {
    Tensor h = in[0] * 1.5;
    h.unsqueeze_(0);
    h = h * in[0].unsqueeze(0);
    h.squeeze_(0).t_();
    return h.sin();
  };
  const Tensor x = tensor({{0.2, -0.7, 1.3}, {0.5, 0.8, -1.1}}, kFloat64);
  const Tensor a = x.detach().requires_grad_();
  const Tensor y = fn({a});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  y.sum().backward();
  const Tensor expected = (cos((x * x * 1.5).t()) * (x * 3.0).t()).t();  // d/dx sin(1.5 x²) = 3x cos
  EXPECT_LT(max_abs_diff(a.grad(), expected), 1e-14);
  EXPECT_TRUE(gradcheck(fn, {x.detach().requires_grad_()}));
  EXPECT_TRUE(gradgradcheck(fn, {x.detach().requires_grad_()}));
  // A parameter refuses while recording; under NoGradGuard its shape changes, as in libtorch.
  Tensor w = zeros({3}, kFloat64).requires_grad_();
  EXPECT_XG_ERROR(w.unsqueeze_(0), "unsqueeze_: in-place operation on a leaf tensor of shape (3,) that requires grad");
  {
    NoGradGuard guard;
    w.unsqueeze_(0);
  }
  EXPECT_EQ(w.shape(), (Shape{1, 3}));
  // A backward that saved the tensor with its old shape refuses.
  Tensor h = a * 1.0;
  const Tensor sq = h * h;
  h.unsqueeze_(0);
  EXPECT_XG_ERROR(sq.sum().backward(), "MulBackward", "modified by an in-place operation");
}
