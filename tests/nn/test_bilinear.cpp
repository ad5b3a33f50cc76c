// nn::Bilinear and F::bilinear against PyTorch 1.13's (tests/fixtures/torch_layers.npz from
// scripts/make_layer_fixtures.py): values and every gradient, gradchecks, the module's
// parameters, initialisation, hooks and state, errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
namespace F = xg::nn::functional;

namespace {
Tensor fixture(const std::string& key, bool required = true) {
  return xg::test::fixture("torch_layers.npz", key, required);
}
}  // namespace

TEST(Bilinear, MatchesPyTorchWithEveryGradient) {
  for (const std::string name : {"bilinear", "bilinear_nobias", "bilinear_lead"}) {
    SCOPED_TRACE(name);
    auto x1 = fixture(name + "_x1").clone().requires_grad_(), x2 = fixture(name + "_x2").clone().requires_grad_();
    auto w = fixture(name + "_w").clone().requires_grad_();
    Tensor b = fixture(name + "_b", false);
    tensor_list inputs{x1, x2, w};
    if (b.defined()) inputs.push_back(b = b.clone().requires_grad_());
    const auto y = F::bilinear(x1, x2, w, b);
    EXPECT_LT(max_abs_diff(y, fixture(name + "_y")), 1e-12);
    const auto g = grad({(y * fixture(name + "_gy")).sum()}, inputs);
    EXPECT_LT(max_abs_diff(g[0], fixture(name + "_gx1")), 1e-12);
    EXPECT_LT(max_abs_diff(g[1], fixture(name + "_gx2")), 1e-12);
    EXPECT_LT(max_abs_diff(g[2], fixture(name + "_gw")), 1e-12);
    if (b.defined()) EXPECT_LT(max_abs_diff(g[3], fixture(name + "_gb")), 1e-12);
  }
}

TEST(Bilinear, TheModuleHoldsPyTorchsParametersAndInitialisation) {
  manual_seed(1);
  nn::Bilinear layer(nn::BilinearOptions(20, 30, 40).dtype(kFloat64));
  EXPECT_EQ(layer.W.shape(), Shape({40, 20, 30}));
  EXPECT_EQ(layer.b.shape(), Shape({40}));
  EXPECT_EQ(layer.parameters().size(), 2u);
  // uniform in ±1/sqrt(in1): inside the bound, and spread over it (the std of U(-a, a) is a/√3).
  const double bound = 1.0 / std::sqrt(20.0);
  EXPECT_LE(layer.W.abs().max().item(), bound);
  EXPECT_NEAR(layer.W.std().item(), bound / std::sqrt(3.0), 0.01);
  EXPECT_LE(layer.b.abs().max().item(), bound);
  const auto x1 = randn({7, 20}, kFloat64), x2 = randn({7, 30}, kFloat64);
  EXPECT_EQ(max_abs_diff(layer(x1, x2), F::bilinear(x1, x2, layer.W, layer.b)), 0.0);
  EXPECT_FALSE(nn::Bilinear(2, 3, 4, false).b.defined());
  // The state dict under PyTorch's names.
  std::vector<std::string> names;
  for (const auto& e : layer.state_entries()) names.push_back(e.torch_name);
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias"}));
  // Its forward hooks see the call (input1 and the output).
  int seen = 0;
  layer.register_forward_hook([&](nn::Module&, const Tensor& in, const Tensor& out) {
    seen += in.size(1) == 20 && out.size(1) == 40;
  });
  (void)layer(x1, x2);
  EXPECT_EQ(seen, 1);
}

TEST(Bilinear, GradcheckAndGradgradcheck) {
  manual_seed(2);
  const auto x1 = randn({3, 2}, kFloat64).requires_grad_(), x2 = randn({3, 4}, kFloat64).requires_grad_();
  const auto w = randn({2, 2, 4}, kFloat64).requires_grad_(), b = randn({2}, kFloat64).requires_grad_();
  const auto f = [](const tensor_list& v) { return F::bilinear(v[0], v[1], v[2], v[3]); };
  EXPECT_TRUE(gradcheck_ok(f, {x1, x2, w, b}));
  EXPECT_TRUE(gradgradcheck_ok(f, {x1, x2, w, b}));
}

TEST(Bilinear, BadArgumentsNameTheCall) {
  nn::Bilinear layer(3, 4, 2);
  EXPECT_XG_ERROR(layer(zeros({5, 3})), "Bilinear: takes two inputs, bilinear(input1, input2), not one");
  EXPECT_XG_ERROR(layer(zeros({5, 4}), zeros({5, 4})),
                  "bilinear: expected input1 (..., 3) and input2 (..., 4) for weight (2,3,4), got (5,4) and (5,4)");
  EXPECT_XG_ERROR(layer(zeros({5, 3}), zeros({6, 4})),
                  "bilinear: expected input1 (5,3) and input2 (6,4) to agree on every axis but the last");
  EXPECT_XG_ERROR(F::bilinear(zeros({5, 3}), zeros({5, 4}), zeros({3, 4})),
                  "bilinear: expected a weight of shape (out, in1, in2), got (3,4)");
  EXPECT_XG_ERROR(F::bilinear(zeros({5, 3}), zeros({5, 4}), zeros({2, 3, 4}), zeros({3})),
                  "bilinear: expected a bias of shape (2), got (3,)");
  EXPECT_XG_ERROR(F::bilinear(Tensor(), zeros({5, 4}), zeros({2, 3, 4})), "bilinear: input1 is undefined");
  EXPECT_XG_ERROR(nn::Bilinear(0, 4, 2), "Bilinear: sizes must be positive, got in1=0, in2=4, out=2");
}
