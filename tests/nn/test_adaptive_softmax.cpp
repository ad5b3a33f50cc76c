// AdaptiveLogSoftmaxWithLoss against PyTorch 1.13 in float64
// (tests/fixtures/torch_adaptive_softmax.npz, scripts/make_adaptive_softmax_fixtures.py):
// each target's log-probability, the loss and every gradient, log_prob, predict, one
// unbatched sample; gradchecks, the parameters' names and shapes, errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_adaptive_softmax.npz";
Tensor fx(const std::string& key) { return xg::test::fixture(kFile, key); }

nn::AdaptiveLogSoftmaxWithLossOptions options() {
  return nn::AdaptiveLogSoftmaxWithLossOptions(16, 20, {5, 12}).div_value(2.0).head_bias(true).dtype(kFloat64);
}

// PyTorch's name of one of ours: head.W -> head.weight (transposed: Linear keeps (in, out)).
std::string torch_name(const std::string& name) {
  const auto dot = name.rfind('.');
  return name.substr(0, dot) + (name.substr(dot + 1) == "W" ? ".weight" : ".bias");
}

void load_pytorch(nn::AdaptiveLogSoftmaxWithLoss& m) {
  for (const auto& [name, p] : m.named_parameters()) {
    const Tensor v = fx("p." + torch_name(name));
    m.set_parameter(name, name.back() == 'W' ? v.transpose(0, 1).contiguous() : v);
  }
}
}  // namespace

TEST(AdaptiveSoftmax, MatchesPyTorch) {
  nn::AdaptiveLogSoftmaxWithLoss m(options());
  load_pytorch(m);
  const Tensor x = fx("x").clone().requires_grad_();
  const auto [output, loss] = m(x, fx("t"));
  EXPECT_LT(max_abs_diff(output, fx("output")), 1e-14);
  EXPECT_NEAR(loss.item(), fx("loss").item(), 1e-14);
  (((output * fx("gy")).sum()) + loss).backward();
  EXPECT_LT(max_abs_diff(x.grad(), fx("grad.x")), 1e-14);
  for (const auto& [name, p] : m.named_parameters()) {
    const Tensor g = fx("grad." + torch_name(name));
    EXPECT_LT(max_abs_diff(p.grad(), name.back() == 'W' ? g.transpose(0, 1) : g), 1e-14) << name;
  }
  EXPECT_LT(max_abs_diff(m.log_prob(fx("x")), fx("log_prob")), 1e-14);
  EXPECT_EQ(m.predict(fx("x")).to_vector<std::int64_t>(), fx("predict").to_vector<std::int64_t>());
  EXPECT_NEAR(m.log_prob(fx("x")).exp().sum(1).sum().item(), 9.0, 1e-12);  // nine distributions
  // One sample: (16) with a 0-d target gives a 0-d output.
  const auto one = m(fx("one.x"), fx("one.t"));
  EXPECT_EQ(one.output.dim(), 0);
  EXPECT_NEAR(one.output.item(), fx("one.output").item(), 1e-14);
  EXPECT_NEAR(one.loss.item(), fx("one.loss").item(), 1e-14);
  EXPECT_EQ(m.log_prob(fx("one.x")).shape(), (Shape{20}));
  EXPECT_EQ(m(fx("x")).shape(), (Shape{9, 20}));  // the Module interface: log_prob
}

TEST(AdaptiveSoftmax, ParametersHavePyTorchsStructure) {
  nn::AdaptiveLogSoftmaxWithLoss m(nn::AdaptiveLogSoftmaxWithLossOptions(64, 1000, {10, 100, 500}));
  std::vector<std::string> names;
  std::vector<Shape> shapes;
  for (const auto& [name, p] : m.named_parameters()) {
    names.push_back(name);
    shapes.push_back(p.shape());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"head.W", "tail.0.0.W", "tail.0.1.W", "tail.1.0.W", "tail.1.1.W",
                                             "tail.2.0.W", "tail.2.1.W"}));
  // head: 10 shortlist classes + 3 cluster tokens; tails in / 4^(i+1) features.
  EXPECT_EQ(shapes, (std::vector<Shape>{{64, 13}, {64, 16}, {16, 90}, {64, 4}, {4, 400}, {64, 1}, {1, 500}}));
  EXPECT_EQ(m.shortlist_size(), 10);
  EXPECT_EQ(m.n_clusters(), 3);
}

TEST(AdaptiveSoftmax, GradcheckAndTraining) {
  xg::manual_seed(6);
  nn::AdaptiveLogSoftmaxWithLoss m(nn::AdaptiveLogSoftmaxWithLossOptions(6, 9, {3, 6}).div_value(2.0).dtype(kFloat64));
  const Tensor t = xg::tensor({0, 4, 8, 2, 6}, kInt64);
  const auto f = [&](L v) { return m(v[0], t).output; };
  EXPECT_TRUE(gradcheck_ok(f, {xg::randn({5, 6}, kFloat64).requires_grad_()}));
  EXPECT_TRUE(gradgradcheck_ok(f, {xg::randn({5, 6}, kFloat64).requires_grad_()}));
  const Tensor x = xg::randn({5, 6}, kFloat64);
  // The textbook's checker over every parameter (central differences, h = 1e-4).
  EXPECT_TRUE(xg::testing::gradients_match([&] { return m(x, t).loss; }, m.named_parameters()));
  // A few Adam steps fit five samples.
  xg::optim::Adam opt(m.parameters(), 0.05);
  const double first = m(x, t).loss.item();
  for (int i = 0; i < 100; ++i) {
    opt.zero_grad();
    m(x, t).loss.backward();
    opt.step();
  }
  EXPECT_LT(m(x, t).loss.item(), first * 0.1);
  EXPECT_EQ(m.predict(x).to_vector<std::int64_t>(), t.to_vector<std::int64_t>());
}

TEST(AdaptiveSoftmax, ErrorsNameTheModuleAndTheSizes) {
  using O = nn::AdaptiveLogSoftmaxWithLossOptions;
  using M = nn::AdaptiveLogSoftmaxWithLoss;
  EXPECT_XG_ERROR(M(O(8, 10, {5, 3})), "AdaptiveLogSoftmaxWithLoss: cutoffs should be a non-empty increasing sequence",
                  "[1, n_classes - 1 = 9], got (5,3)");
  EXPECT_XG_ERROR(M(O(8, 10, {})), "AdaptiveLogSoftmaxWithLoss: cutoffs should be");
  EXPECT_XG_ERROR(M(O(8, 10, {10})), "AdaptiveLogSoftmaxWithLoss: cutoffs should be", "got (10,)");
  EXPECT_XG_ERROR(M(O(8, 10, {0, 4})), "AdaptiveLogSoftmaxWithLoss: cutoffs should be");
  EXPECT_XG_ERROR(M(O(8, 10, {4}).div_value(0)), "AdaptiveLogSoftmaxWithLoss: div_value must be positive, got 0");
  EXPECT_XG_ERROR(M(O(4, 10, {2, 5})), "AdaptiveLogSoftmaxWithLoss: cluster 1's projection would have no features",
                  "in_features 4 / div_value 4^2");
  EXPECT_XG_ERROR(M(O(0, 10, {2})), "AdaptiveLogSoftmaxWithLoss: in_features must be positive");
  M m(O(8, 10, {4}));
  EXPECT_XG_ERROR(m(xg::ones({3, 8}), xg::tensor({0, 1}, kInt64)),
                  "AdaptiveLogSoftmaxWithLoss: expected targets (N) for input (N, 8)", "got (2,) for (3,8)");
  EXPECT_XG_ERROR(m(xg::ones({3, 7}), xg::tensor({0, 1, 2}, kInt64)), "AdaptiveLogSoftmaxWithLoss: expected input (N, 8) or (8), got (3,7)");
  EXPECT_XG_ERROR(m(xg::ones({3, 8}), xg::tensor({0, 10, 2}, kInt64)), "AdaptiveLogSoftmaxWithLoss", "10");
  EXPECT_XG_ERROR(m.log_prob(xg::ones({2, 2, 8})), "AdaptiveLogSoftmaxWithLoss::log_prob: expected input (N, 8) or (8), got (2,2,8)");
  EXPECT_XG_ERROR(m.predict(xg::ones({5})), "AdaptiveLogSoftmaxWithLoss::predict: expected input (N, 8) or (8), got (5,)");
}
