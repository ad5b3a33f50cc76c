// The textbook's numerical gradient, gradient_check's report, gradcheck and gradgradcheck.
#include <cstring>

#include "test_util.h"

using xg::test::param;
using xg::test::values_near;

TEST(NumericalGradient, TextbookFigures) {
  // numerical_gradient(x0^2 + x1^2) at (3,4), (0,2), (3,0) is (6,8), (0,4), (6,0).
  for (const auto& [at, expected] : std::vector<std::pair<std::vector<double>, std::vector<double>>>{
           {{3, 4}, {6, 8}}, {{0, 2}, {0, 4}}, {{3, 0}, {6, 0}}}) {
    auto x = xg::tensor(at, {2}, xg::kFloat64);
    auto g = xg::numerical_gradient([&] { return (x * x).sum(); }, x);
    EXPECT_TRUE(values_near(g, expected, 1e-7));
  }
}

TEST(NumericalGradient, NumericalDiffOfTheTextbookFunction) {
  // numerical_diff(0.01x^2 + 0.1x) at 5 and 10 (the book prints these digits).
  auto x = xg::tensor({5.0}, xg::kFloat64);
  auto f = [&] { return (0.01 * x.pow(2) + 0.1 * x).sum(); };
  EXPECT_DOUBLE_EQ(xg::numerical_gradient(f, x).item(), 0.1999999999990898);
  x.fill_(10.0);
  EXPECT_DOUBLE_EQ(xg::numerical_gradient(f, x).item(), 0.2999999999986347);
}

TEST(NumericalGradient, GradientDescentConvergesDivergesOrStalls) {
  // The textbook's gradient_descent from (-3, 4), 100 steps, with three learning rates.
  auto descend = [](double lr) {
    auto x = xg::tensor({-3.0, 4.0}, xg::kFloat64);
    for (int i = 0; i < 100; ++i) x.sub_(xg::numerical_gradient([&] { return (x * x).sum(); }, x) * lr);
    return x.to_vector<double>();
  };
  const auto good = descend(0.1);
  EXPECT_NEAR(good[0], -6.11110793e-10, 1e-15);
  EXPECT_NEAR(good[1], 8.14814391e-10, 1e-15);
  const auto big = descend(10.0);
  EXPECT_NEAR(big[0] / -2.58983747e+13, 1.0, 1e-6);
  EXPECT_NEAR(big[1] / -1.29524862e+12, 1.0, 1e-6);
  const auto tiny = descend(1e-10);
  EXPECT_NEAR(tiny[0], -2.99999994, 1e-8);
  EXPECT_NEAR(tiny[1], 3.99999992, 1e-8);
}

TEST(NumericalGradient, RestoresEveryValueExactlyEvenWhenFThrows) {
  auto x = xg::tensor({0.1f, 0.2f, 0.3f});
  const auto before = x.to_vector<float>();
  auto g = xg::numerical_gradient([&] { return x.sum(); }, x);
  EXPECT_EQ(x.to_vector<float>(), before);
  int calls = 0;
  EXPECT_THROW(xg::numerical_gradient(
                   [&] {
                     if (++calls == 4) throw std::runtime_error("boom");
                     return x.sum();
                   },
                   x),
               std::runtime_error);
  EXPECT_EQ(x.to_vector<float>(), before);
  EXPECT_XG_ERROR(xg::numerical_gradient([&] { return x; }, x), "numerical_gradient: the function must return a one-element tensor, got shape (3,)");
  EXPECT_XG_ERROR(xg::numerical_gradient([&] { return x.sum(); }, xg::arange(3)), "numerical_gradient: x must be a float tensor");
}

TEST(GradientCheck, ReportsTheTextbookFigurePerParameter) {
  xg::manual_seed(60);
  auto W = (0.1 * xg::randn({4, 3}, xg::kFloat64)).requires_grad_();
  auto b = xg::zeros({3}, xg::kFloat64).requires_grad_();
  auto x = xg::randn({5, 4}, xg::kFloat64);
  auto t = xg::tensor({0, 1, 2, 1, 0}, xg::kInt64);
  auto loss = [&] { return -xg::pick(xg::log_softmax(xg::matmul(x, W) + b), t).mean(); };
  auto report = xg::gradient_check(loss, {{"W", W}, {"b", b}});
  ASSERT_EQ(report.params.size(), 2u);
  EXPECT_TRUE(report.ok()) << report;
  EXPECT_FALSE(report.promoted);
  EXPECT_EQ(report.params[0].name, "W");
  EXPECT_LT(report.params[0].mean_abs_diff, 1e-9);
  EXPECT_EQ(report.params[0].max_abs_at.size(), 2u);
  const std::string text = report.str();
  EXPECT_EQ(text.rfind("gradient check (h=0.0001, atol=1e-05, rtol=0.0001): ok\nW:", 0), 0u) << text;
  EXPECT_NE(text.find("\nb:"), std::string::npos);
  EXPECT_FALSE(W.grad().defined());  // the check does not touch grad()
}

TEST(GradientCheck, Float32ParametersAreCheckedInFloat64AndRestoredBitExactly) {
  xg::manual_seed(61);
  auto W = xg::randn({3, 2}).requires_grad_();
  auto x = xg::randn({4, 3});
  const auto before = W.to_vector<float>();
  auto report = xg::gradient_check([&] { return xg::sigmoid(xg::matmul(x, W)).sum(); }, {{"W", W}});
  EXPECT_TRUE(report.promoted);
  EXPECT_TRUE(report.ok()) << report;
  EXPECT_LT(report.params[0].mean_abs_diff, 1e-6);  // h = 1e-4: central differences are off by ~h^2  // float64 accuracy, not float32's 5e-4
  EXPECT_EQ(W.dtype(), xg::kFloat32);
  const auto after = W.to_vector<float>();
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)), 0);
  EXPECT_NE(report.str().find("float32 parameters checked in float64"), std::string::npos);
}

namespace {
struct WrongTanh : xg::Function {  // claims d tanh = 1
  xg::tensor_list forward(const xg::tensor_list& in) override { return {xg::tanh(in[0])}; }
  xg::tensor_list backward(const xg::tensor_list& gy) override { return {gy[0]}; }
};
}  // namespace

TEST(GradientCheck, FindsAWrongBackwardAndSaysWhere) {
  auto W = param({0.5, -1.0, 2.0, 0.1}, {2, 2});
  auto report = xg::gradient_check([&] { return xg::apply<WrongTanh>({W})[0].sum(); }, {{"W", W}});
  EXPECT_FALSE(report.ok());
  EXPECT_FALSE(report.params[0].ok);
  EXPECT_EQ(report.params[0].max_abs_at, (std::vector<std::int64_t>{1, 0}));  // tanh'(2) is furthest from 1
  auto assertion = xg::testing::gradients_match([&] { return xg::apply<WrongTanh>({W})[0].sum(); }, {{"W", W}});
  EXPECT_FALSE(assertion);
  EXPECT_NE(std::string(assertion.message()).find("MISMATCH"), std::string::npos);
}

TEST(GradientCheck, LeavesBuffersAsItFoundThem) {
  // A model in training mode updates BatchNorm's running statistics on every forward: the
  // check's hundreds of evaluations once left them moved. Parameters and buffers alike are
  // now restored bit for bit, and so is anything else the loss writes in place.
  xg::manual_seed(4);
  xg::nn::Sequential net;
  net.emplace<xg::nn::Linear>(3, 4);
  net.emplace<xg::nn::BatchNorm1d>(4);
  net.emplace<xg::nn::Tanh>();
  net.emplace<xg::nn::Linear>(4, 2);
  const auto x = xg::randn({6, 3});
  const auto t = xg::tensor({0, 1, 1, 0, 1, 0}, xg::kInt64);
  auto loss = [&] { return xg::nn::cross_entropy(net(x), t); };
  loss();  // running statistics away from their initial values
  auto counter = xg::zeros({1});
  std::vector<std::vector<float>> before;
  for (const auto& [name, v] : net.state()) before.push_back(v.to_vector<float>());
  const auto report = xg::gradient_check([&] {
    counter.add_(1.0);  // the user's own state, written in place by the loss
    return loss();
  }, net.named_parameters());
  EXPECT_TRUE(report.ok()) << report;
  std::size_t i = 0;
  for (const auto& [name, v] : net.state()) EXPECT_EQ(v.to_vector<float>(), before[i++]) << name;
  EXPECT_EQ(counter.item(), 0.0);
  // numerical_gradient and gradcheck likewise.
  auto W = net.named_parameters()[0].second;
  (void)xg::numerical_gradient([&] { return loss(); }, W);
  EXPECT_TRUE(xg::gradcheck([&](const xg::tensor_list& in) { return net(in[0]); }, {x.to(xg::kFloat64).requires_grad_()}));
  i = 0;
  for (const auto& [name, v] : net.state()) EXPECT_EQ(v.to_vector<float>(), before[i++]) << name;
}

TEST(GradientCheck, ParametersMustRequireGrad) {
  auto W = xg::ones({2});
  EXPECT_XG_ERROR(xg::gradient_check([&] { return W.sum(); }, {{"W", W}}), "gradient_check: parameter 'W' does not require grad");
}

TEST(Gradcheck, NeedsAnInputThatRequiresGrad) {
  EXPECT_XG_ERROR(xg::gradcheck([](const xg::tensor_list& x) { return x[0]; }, {xg::ones({2})}), "gradcheck: no input requires grad");
}

TEST(Gradcheck, OnlyChecksInputsThatRequireGrad) {
  // A mask input (not requiring grad) must not be perturbed: where() would flip.
  auto mask = xg::tensor({1.0, 0.0, 1.0}, xg::kFloat64);
  auto x = xg::test::param({1, 2, 3}, {3});
  EXPECT_TRUE(xg::testing::gradcheck_ok([](const xg::tensor_list& in) { return xg::where(in[0], in[1], in[1] * 2.0); }, {mask, x}));
}

TEST(GradientCheck, SaysSoWhenTheLossIsNotDeterministic) {
  xg::manual_seed(61);
  xg::nn::Sequential net;
  net.emplace<xg::nn::Linear>(4, 8);
  net.emplace<xg::nn::Dropout>(0.5);
  net.emplace<xg::nn::Linear>(8, 3);
  net.to(xg::kFloat64);
  const auto x = xg::randn({5, 4}, xg::kFloat64);
  const auto t = xg::tensor({0, 1, 2, 0, 1}, xg::kInt64);
  auto loss = [&] { return xg::nn::cross_entropy(net(x), t); };
  // Training mode: dropout draws a new mask per evaluation.
  EXPECT_XG_ERROR(xg::gradient_check(loss, net.named_parameters()), "gradient_check: the loss is not deterministic",
                  "call model.eval()");
  net.eval();
  EXPECT_TRUE(xg::gradient_check(loss, net.named_parameters()).ok());
}

TEST(GradientCheck, ChecksALossThatDifferentiatesInside) {
  // A gradient penalty: the loss is built from xg::grad with create_graph.
  xg::manual_seed(62);
  auto W = xg::randn({3, 2}, xg::kFloat64).requires_grad_();
  const auto x = xg::randn({4, 3}, xg::kFloat64).requires_grad_();
  auto penalty = [&] {
    auto y = xg::tanh(xg::matmul(x, W)).sum();
    auto gx = xg::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
    return (gx * gx).sum();
  };
  const auto report = xg::gradient_check(penalty, {{"W", W}});
  EXPECT_TRUE(report.ok()) << report;
  EXPECT_LT(report.params[0].mean_abs_diff, 1e-6);  // h = 1e-4: central differences are off by ~h^2
  // The textbook's numerical_gradient evaluates with recording off, and says what to do.
  EXPECT_XG_ERROR(xg::numerical_gradient(penalty, W), "numerical_gradient evaluates f with recording off",
                  "check it with gradient_check");
}
