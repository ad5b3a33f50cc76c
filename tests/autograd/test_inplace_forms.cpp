// libtorch's in-place forms (x.exp_(), x.clamp_(0, 1), x.scatter_(1, idx, 1.0), ...): each
// gives its operation's values bit for bit, writes through views, bumps the version, and
// refuses a parameter while recording, naming the in-place call.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <xgrad/detail/format.h>

#include "test_util.h"

using namespace xg;
using namespace xg::test;

namespace {

::testing::AssertionResult same(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << dtype_name(a.dtype()) << " " << detail::shape_str(a.shape()) << " vs "
                                         << dtype_name(b.dtype()) << " " << detail::shape_str(b.shape());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (std::size_t i = 0; i < va.size(); ++i)
    if (!(va[i] == vb[i]) && !(std::isnan(va[i]) && std::isnan(vb[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << va[i] << " vs " << vb[i];
  return ::testing::AssertionSuccess();
}

using Form = std::pair<std::function<Tensor&(Tensor&)>, std::function<Tensor(const Tensor&)>>;

// Runs the in-place form on a copy of x and checks it against the out-of-place result: the
// values, the returned handle, the version.
void expect_form(const std::string& name, const Tensor& x, const Form& form) {
  SCOPED_TRACE(name + " on " + dtype_name(x.dtype()));
  Tensor y = x.clone();
  const auto v0 = y.version();
  Tensor& r = form.first(y);
  EXPECT_EQ(&r, &y);
  EXPECT_GT(y.version(), v0);
  EXPECT_TRUE(same(y, form.second(x)));
}

}  // namespace

TEST(InPlaceForms, UnaryFormsGiveTheirOperationsValuesBitForBit) {
  const std::vector<std::pair<std::string, Form>> forms = {
#define XG_FORM(f) {#f "_", {[](Tensor& t) -> Tensor& { return t.f##_(); }, [](const Tensor& t) { return xg::f(t); }}}
      XG_FORM(abs),   XG_FORM(neg),   XG_FORM(exp),   XG_FORM(log),     XG_FORM(log1p), XG_FORM(expm1),
      XG_FORM(sqrt),  XG_FORM(rsqrt), XG_FORM(sin),   XG_FORM(cos),     XG_FORM(tanh),  XG_FORM(sigmoid),
      XG_FORM(relu),  XG_FORM(sign),  XG_FORM(floor), XG_FORM(ceil),    XG_FORM(round), XG_FORM(trunc),
      XG_FORM(frac),  XG_FORM(reciprocal), XG_FORM(erf),
#undef XG_FORM
  };
  // Positive values where log, sqrt and rsqrt need them; signs and halves elsewhere.
  const Tensor positive = tensor({{0.3, 1.7, 2.5}, {0.5, 3.25, 1.5}}, kFloat64);
  const Tensor mixed = tensor({{-1.5, 0.0, 2.5}, {-0.3, 0.7, -2.5}}, kFloat64);
  for (const auto& [name, form] : forms)
    for (const Tensor& x : {positive, positive.to(kFloat32)}) expect_form(name, x, form);
  for (const auto& [name, form] : forms) {
    if (name == "log_" || name == "sqrt_" || name == "rsqrt_") continue;
    expect_form(name, mixed, form);
  }
  // The values themselves, not only agreement with the operation.
  Tensor y = mixed.clone();
  y.relu_();
  EXPECT_TRUE(values_near(y, {0, 0, 2.5, 0, 0.7, 0}, 0));
  y = mixed.clone();
  y.round_();  // half to even, as the operation
  EXPECT_TRUE(values_near(y, {-2, 0, 2, 0, 1, -2}, 0));
  Tensor e = tensor({0.0, 1.0}, kFloat64);
  e.exp_();
  EXPECT_TRUE(values_near(e, {1.0, std::exp(1.0)}, 0));
}

TEST(InPlaceForms, ParameterisedFormsGiveTheirOperationsValues) {
  for (const Dtype dt : {kFloat64, kFloat32}) {
    const Tensor x = tensor({{0.3, -1.7, 2.5}, {0.5, 3.25, -1.5}}, dt);
    const Tensor other = tensor({{1.0, 2.0, -3.0}, {0.5, 0.25, 2.0}}, dt);
    const Tensor row = tensor({2.0, -1.0, 0.5}, dt);  // broadcast to x's shape
    const Tensor idx = tensor({{2, 0, 1}, {1, 1, 0}}, kInt64);
    const Tensor rows = tensor({1, 0}, kInt64);
    const Tensor mask = tensor({{1, 0, 0}, {0, 1, 1}}, kInt64);
    const std::vector<std::pair<std::string, Form>> forms = {
        {"pow_", {[](Tensor& t) -> Tensor& { return t.abs_().pow_(2.5); }, [](const Tensor& t) { return xg::pow(xg::abs(t), 2.5); }}},
        {"pow_ tensor", {[&](Tensor& t) -> Tensor& { return t.abs_().pow_(row); }, [&](const Tensor& t) { return xg::pow(xg::abs(t), row); }}},
        {"clamp_", {[](Tensor& t) -> Tensor& { return t.clamp_(-1.0, 1.0); }, [](const Tensor& t) { return xg::clamp(t, -1.0, 1.0); }}},
        {"clamp_ tensors", {[&](Tensor& t) -> Tensor& { return t.clamp_(-xg::abs(row), xg::abs(row)); },
                            [&](const Tensor& t) { return xg::clamp(t, -xg::abs(row), xg::abs(row)); }}},
        {"clamp_min_", {[](Tensor& t) -> Tensor& { return t.clamp_min_(0.4); }, [](const Tensor& t) { return xg::clamp_min(t, 0.4); }}},
        {"clamp_max_", {[](Tensor& t) -> Tensor& { return t.clamp_max_(0.4); }, [](const Tensor& t) { return xg::clamp_max(t, 0.4); }}},
        {"addcmul_", {[&](Tensor& t) -> Tensor& { return t.addcmul_(other, row, 0.5); },
                      [&](const Tensor& t) { return xg::addcmul(t, other, row, 0.5); }}},
        {"addcdiv_", {[&](Tensor& t) -> Tensor& { return t.addcdiv_(other, row, -2.0); },
                      [&](const Tensor& t) { return xg::addcdiv(t, other, row, -2.0); }}},
        {"lerp_", {[&](Tensor& t) -> Tensor& { return t.lerp_(other, 0.25); }, [&](const Tensor& t) { return xg::lerp(t, other, 0.25); }}},
        {"lerp_ tensor", {[&](Tensor& t) -> Tensor& { return t.lerp_(other, row); }, [&](const Tensor& t) { return xg::lerp(t, other, row); }}},
        {"masked_fill_", {[&](Tensor& t) -> Tensor& { return t.masked_fill_(mask, -9.0); },
                          [&](const Tensor& t) { return xg::masked_fill(t, mask, -9.0); }}},
        {"index_fill_", {[&](Tensor& t) -> Tensor& { return t.index_fill_(1, tensor({2}, kInt64), 7.0); },
                         [&](const Tensor& t) { return xg::index_fill(t, 1, tensor({2}, kInt64), 7.0); }}},
        {"index_copy_", {[&](Tensor& t) -> Tensor& { return t.index_copy_(0, rows, other); },
                         [&](const Tensor& t) { return xg::index_copy(t, 0, rows, other); }}},
        {"index_add_", {[&](Tensor& t) -> Tensor& { return t.index_add_(0, rows, other, 2.0); },
                        [&](const Tensor& t) { return xg::index_add(t, 0, rows, other, 2.0); }}},
        {"scatter_", {[&](Tensor& t) -> Tensor& { return t.scatter_(1, idx, other); }, [&](const Tensor& t) { return xg::scatter(t, 1, idx, other); }}},
        {"scatter_ value", {[&](Tensor& t) -> Tensor& { return t.scatter_(1, idx, 4.0); }, [&](const Tensor& t) { return xg::scatter(t, 1, idx, 4.0); }}},
        {"scatter_add_", {[&](Tensor& t) -> Tensor& { return t.scatter_add_(1, idx, other); },
                          [&](const Tensor& t) { return xg::scatter_add(t, 1, idx, other); }}},
        {"scatter_reduce_", {[&](Tensor& t) -> Tensor& { return t.scatter_reduce_(1, idx, other, "amax", false); },
                             [&](const Tensor& t) { return xg::scatter_reduce(t, 1, idx, other, "amax", false); }}},
        {"nan_to_num_", {[](Tensor& t) -> Tensor& { return t.log_().nan_to_num_(-1.0); },
                         [](const Tensor& t) { return xg::nan_to_num(xg::log(t), -1.0); }}},
    };
    for (const auto& [name, form] : forms) expect_form(name, x, form);
  }
  // Literal values: a one-hot matrix built in place, as libtorch users write it.
  Tensor onehot = zeros({3, 4}, kFloat64);
  onehot.scatter_(1, tensor({{3}, {0}, {2}}, kInt64), 1.0);
  EXPECT_TRUE(values_near(onehot, {0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0}, 0));
  Tensor acc = zeros({2}, kFloat64);
  acc.index_add_(0, tensor({1, 1, 0}, kInt64), tensor({1.0, 2.0, 5.0}, kFloat64));
  EXPECT_TRUE(values_near(acc, {5, 3}, 0));
  Tensor w = tensor({-3.0, 0.5, 3.0}, kFloat64);
  w.clamp_(-1.0, 1.0).mul_(2.0);
  EXPECT_TRUE(values_near(w, {-2, 1, 2}, 0));
  // An int64 tensor keeps its dtype where the operation does.
  Tensor counts = tensor({3, -4, 5}, kInt64);
  counts.abs_().clamp_max_(4).neg_();
  EXPECT_EQ(counts.dtype(), kInt64);
  EXPECT_EQ(counts.to_vector<std::int64_t>(), (std::vector<std::int64_t>{-3, -4, -4}));
  // A float64 result is rounded into a float32 tensor (libtorch's casting rule).
  Tensor f = tensor({2.0f, 3.0f});
  const Tensor third = tensor({1.0 / 3.0, 1.0 / 3.0}, kFloat64);
  f.pow_(third);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TRUE(same(f, xg::pow(tensor({2.0f, 3.0f}), third).to(kFloat32)));
}

TEST(InPlaceForms, WriteThroughViewsAndAreSeenByBackward) {
  Tensor x = tensor({{1.0, -2.0}, {3.0, -4.0}}, kFloat64);
  Tensor flat = x.view(-1);
  flat.clamp_min_(0.0);  // through the view, into x
  EXPECT_TRUE(values_near(x, {1, 0, 3, 0}, 0));
  x.exp_();
  EXPECT_TRUE(values_near(flat, {std::exp(1.0), 1, std::exp(3.0), 1}, 0));
  // A tensor saved for backward and changed afterwards: backward refuses, naming the node.
  auto w = param({1.0, 2.0}, {2});
  Tensor c = tensor({3.0, 4.0}, kFloat64);
  auto loss = (w * c).sum();  // saves c
  c.sqrt_();
  EXPECT_XG_ERROR(loss.backward(), "MulBackward", "modified by an in-place operation");
}

TEST(InPlaceForms, RefuseAParameterWhileRecording) {
  auto w = param({0.5, -0.5}, {2});
  EXPECT_XG_ERROR(w.exp_(), "exp_: in-place operation on a leaf tensor of shape (2,) that requires grad",
                  "write the out-of-place form (x = x.exp() for x.exp_())", "NoGradGuard");
  EXPECT_TRUE(values_near(w, {0.5, -0.5}, 0));  // nothing was written
  // Non-leaf tensors and operands that require grad are recorded (test_inplace_recorded.cpp).
  auto h = w * 2.0;
  Tensor buffer = zeros({3, 2}, kFloat64);
  {
    NoGradGuard guard;  // a parameter update: WGAN's weight clipping; nothing recorded
    w.clamp_(-0.1, 0.1);
    buffer.index_copy_(0, tensor({1}, kInt64), h.unsqueeze(0));
  }
  EXPECT_TRUE(values_near(w, {0.1, -0.1}, 0));
  EXPECT_TRUE(values_near(buffer, {0, 0, 1, -1, 0, 0}, 0));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_FALSE(buffer.requires_grad());
}

TEST(InPlaceForms, ErrorsNameTheInPlaceCall) {
  Tensor x = zeros({2, 3}, kFloat64);
  EXPECT_XG_ERROR(x.scatter_(1, tensor({{3}, {0}}, kInt64), 1.0), "scatter_: ", "3");
  EXPECT_XG_ERROR(x.index_fill_(2, tensor({0}, kInt64), 1.0), "index_fill_: ");
  EXPECT_XG_ERROR(x.scatter_reduce_(1, tensor({{0}}, kInt64), ones({1, 1}, kFloat64), "median"), "scatter_reduce_: ", "median");
  // The other operands broadcast to the tensor; a result that would grow it is refused.
  Tensor r = zeros({3}, kFloat64);
  EXPECT_XG_ERROR(r.addcmul_(ones({2, 3}, kFloat64), ones({2, 3}, kFloat64)),
                  "addcmul_: the result has shape (2,3), which cannot be written into this tensor of shape (3,)");
  EXPECT_XG_ERROR(r.lerp_(ones({2, 3}, kFloat64), 0.5), "lerp_: the result has shape (2,3)");
  // A float result cannot go into an int64 tensor.
  Tensor labels = tensor({1, 2}, kInt64);
  EXPECT_XG_ERROR(labels.sqrt_(), "sqrt_: ");
  EXPECT_XG_ERROR(labels.pow_(0.5), "pow_: ");
  EXPECT_XG_ERROR(labels.add_(tensor({1, 1}, kInt64), 0.5), "add_: alpha 0.5 is not an integer");
  EXPECT_XG_ERROR(labels.sub_(tensor({1, 1}, kInt64), 1.5), "sub_: alpha 1.5 is not an integer");
  EXPECT_EQ(labels.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2}));
  labels.add_(tensor({1, 1}, kInt64), 3.0).sub_(tensor({1, 1}, kInt64), 2.0);
  EXPECT_EQ(labels.to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 3}));
  Tensor undefined;
  EXPECT_XG_ERROR(undefined.exp_(), "exp_: the tensor is undefined");
  EXPECT_XG_ERROR(undefined.add_(1.0), "add_: the tensor is undefined");
  EXPECT_XG_ERROR(zeros({2}).bernoulli_(1.5), "bernoulli_: ", "1.5");
}

TEST(InPlaceForms, BernoulliDrawsWhatBernoulliDraws) {
  manual_seed(7);
  Tensor m = empty({1000}, kFloat64);
  m.bernoulli_(0.25);
  manual_seed(7);
  const Tensor expected = bernoulli(zeros({1000}, kFloat64), 0.25);
  EXPECT_TRUE(same(m, expected));
  const double ones_fraction = m.mean().item();
  EXPECT_GT(ones_fraction, 0.2);
  EXPECT_LT(ones_fraction, 0.3);
  for (double v : m.to_vector<double>()) EXPECT_TRUE(v == 0.0 || v == 1.0) << v;
}

TEST(InPlaceForms, GradientChecksPutBackWhatTheyWrite) {
  // A loss that keeps its own state with in-place forms: the check's evaluations leave it as
  // it was, as for add_.
  auto W = param({0.5, -1.0, 2.0, 0.1}, {2, 2});
  Tensor ema = tensor({1.0, 2.0}, kFloat64), seen = zeros({4}, kFloat64);
  const auto report = gradient_check(
      [&] {
        {
          NoGradGuard guard;
          ema.lerp_(W.detach().sum(1), 0.1).clamp_(-1.5, 1.5);
          seen.index_add_(0, tensor({0}, kInt64), ones({1}, kFloat64)).exp_();
        }
        return (W * W).sum();
      },
      {{"W", W}});
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(values_near(ema, {1.0, 2.0}, 0));
  EXPECT_TRUE(values_near(seen, {0, 0, 0, 0}, 0));
}
