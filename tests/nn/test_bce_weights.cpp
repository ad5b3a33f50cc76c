// Binary cross-entropy with libtorch's options (weight, pos_weight, every reduction), on
// probabilities and on logits, against PyTorch 1.13 in float64 (tests/fixtures/torch_bce.npz
// from scripts/make_bce_fixtures.py): values and gradients (plain and under create_graph);
// gradchecks and gradgradchecks; the modules; errors.
#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
constexpr const char* kFile = "torch_bce.npz";
Tensor fx(const std::string& key) { return xg::test::fixture(kFile, key); }
nn::Reduction reduction_of(const std::string& name) {
  if (name.find("none") != std::string::npos) return nn::Reduction::None;
  return name.find("sum") != std::string::npos ? nn::Reduction::Sum : nn::Reduction::Mean;
}
}  // namespace

TEST(BceWeights, ProbabilitiesMatchPyTorchWithWeightAndEveryReduction) {
  for (const std::string name : {"bce_mean", "bce_sum", "bce_none", "bce_soft_none"}) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    nn::BCELossOptions o;
    o.reduction(reduction_of(name));
    if (const Tensor w = xg::test::fixture(kFile, name + ".w", false); w.defined()) o.weight(w);
    const Tensor y = name == "bce_mean" ? nn::BCELoss(o)(in[0], fx(name + ".t")) : F::binary_cross_entropy(in[0], fx(name + ".t"), o);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-14, 1e-13);
  }
}

TEST(BceWeights, LogitsMatchPyTorchWithWeightPosWeightAndEveryReduction) {
  for (const std::string name : {"logits_mean", "logits_sum", "logits_none", "logits_pos_only", "logits_weight_sum"}) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 2);  // logits and targets
    nn::BCEWithLogitsLossOptions o;
    o.reduction(reduction_of(name));
    if (const Tensor w = xg::test::fixture(kFile, name + ".w", false); w.defined()) o.weight(w);
    if (const Tensor pw = xg::test::fixture(kFile, name + ".pw", false); pw.defined()) o.pos_weight(pw);
    const Tensor y = name == "logits_mean" ? nn::BCEWithLogitsLoss(o)(in[0], in[1])
                                           : F::binary_cross_entropy_with_logits(in[0], in[1], o);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-13, 1e-13);
  }
}

TEST(BceWeights, GradcheckGradgradcheckAndTheTextbookForm) {
  const Tensor x = xg::randn({4, 3}, kFloat64).requires_grad_(), w = (xg::rand({3}, kFloat64) + 0.5).requires_grad_();
  const Tensor t = (xg::rand({4, 3}, kFloat64) > 0.5).to(kFloat64), pw = xg::tensor({0.5, 2.0, 3.0}, kFloat64);
  const auto logits = [&](const tensor_list& v) {
    return F::binary_cross_entropy_with_logits(v[0], t, F::BinaryCrossEntropyWithLogitsFuncOptions().weight(v[1]).pos_weight(pw).reduction(xg::kSum));
  };
  EXPECT_TRUE(gradcheck_ok(logits, {x, w}));
  EXPECT_TRUE(gradgradcheck_ok(logits, {x, w}));
  const auto probabilities = [&](const tensor_list& v) {
    return F::binary_cross_entropy(xg::sigmoid(v[0]), t, F::BinaryCrossEntropyFuncOptions().weight(v[1]).reduction(nn::Reduction::None));
  };
  EXPECT_TRUE(gradcheck_ok(probabilities, {x, w}));
  EXPECT_TRUE(gradgradcheck_ok(probabilities, {x, w}));
  // Without options, the textbook's mean and libtorch's default agree, on both forms.
  EXPECT_LT(max_abs_diff(nn::binary_cross_entropy(xg::sigmoid(x), t), nn::BCELoss()(xg::sigmoid(x), t)), 1e-15);
  EXPECT_LT(max_abs_diff(nn::sigmoid_binary_cross_entropy(x, t), nn::BCEWithLogitsLoss()(x, t)), 1e-15);
  // pos_weight of ones is no pos_weight.
  EXPECT_LT(max_abs_diff(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(xg::ones({3}, kFloat64)))(x, t),
                         nn::BCEWithLogitsLoss()(x, t)),
            1e-15);
}

TEST(BceWeights, ErrorsNameTheLossAndTheShapes) {
  const Tensor x = xg::zeros({4, 3}), t = xg::zeros({4, 3});
  EXPECT_XG_ERROR(F::binary_cross_entropy_with_logits(x, t, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(xg::ones({4}))),
                  "binary_cross_entropy_with_logits: pos_weight of shape (4,) does not broadcast to the input's shape (4,3)");
  EXPECT_XG_ERROR(nn::BCELoss(nn::BCELossOptions().weight(xg::ones({2, 4, 3})))(xg::full({4, 3}, 0.5), t),
                  "binary_cross_entropy: weight of shape (2,4,3) does not broadcast to the input's shape (4,3)");
  EXPECT_XG_ERROR(nn::BCEWithLogitsLoss()(x, xg::zeros({4})), "binary_cross_entropy_with_logits: prediction (4,3) and target (4,) differ in shape");
}
