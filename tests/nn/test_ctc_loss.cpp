// nn::CTCLoss and F::ctc_loss against PyTorch 1.13 in float64 (tests/fixtures/torch_ctc.npz
// from scripts/make_ctc_fixtures.py): padded and concatenated targets, every reduction, a
// nonzero blank, repeated labels, an empty target, impossible alignments with and without
// zero_infinity, one unbatched sequence and a long batch; the logits' gradient through
// log_softmax, plain and under create_graph; gradchecks and gradgradchecks for log_probs
// itself; float32; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {
const char* kFile = "torch_ctc.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

struct Case {
  const char* name;
  F::CTCLossFuncOptions options;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"padded_mean", F::CTCLossFuncOptions()},
      {"concat_sum", F::CTCLossFuncOptions().blank(2).reduction(xg::kSum)},
      {"none_empty_target", F::CTCLossFuncOptions().reduction(xg::kNone)},
      {"infeasible_none", F::CTCLossFuncOptions().reduction(xg::kNone)},
      {"infeasible_zero", F::CTCLossFuncOptions().reduction(xg::kSum).zero_infinity(true)},
      {"unbatched", F::CTCLossFuncOptions().reduction(xg::kNone)},
      {"long", F::CTCLossFuncOptions()},
  };
  return all;
}

Tensor loss_of(const std::string& name, const Tensor& logits, const F::CTCLossFuncOptions& o) {
  return F::ctc_loss(logits.log_softmax(-1), fixture(name + ".targets"), fixture(name + ".input_lengths"),
                     fixture(name + ".target_lengths"), o);
}
}  // namespace

TEST(CTCLoss, MatchesPyTorchWithTheLogitsGradient) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const std::string name = c.name;
    auto logits = fixture(name + ".logits").clone().requires_grad_();
    const Tensor y = loss_of(name, logits, c.options);
    const Tensor want = fixture(name + ".y");
    ASSERT_EQ(y.shape(), want.shape());
    const auto got = y.to_vector<double>(), w = want.to_vector<double>();
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (std::isinf(w[i])) EXPECT_EQ(got[i], w[i]) << i;
      else EXPECT_NEAR(got[i], w[i], 1e-11 * std::max(1.0, std::fabs(w[i]))) << i;
    }
    // The gradient of the finite losses. An infinite one passes none: 0 here, where PyTorch's
    // backward gives NaN for its sequence even when the loss is masked out.
    const Tensor finite = where(y.isfinite(), y, zeros_like(y));
    const Tensor want_g = fixture(name + ".g").nan_to_num(0.0);
    for (const bool create_graph : {false, true}) {
      const Tensor g = grad({(finite * fixture(name + ".gy")).sum()}, {logits}, {}, true, create_graph)[0];
      EXPECT_LT(max_abs_diff(g, want_g), 1e-11) << create_graph;
    }
  }
}

TEST(CTCLoss, AnImpossibleSequencePassesNoGradient) {
  // Sequence 1 needs 4 frames and has 3: its loss is inf (PyTorch's), its gradient 0 (PyTorch
  // gives NaN), and the other sequence's gradient is untouched.
  EXPECT_TRUE(fixture("infeasible_none.g").select(1, 1).select(0, 0).isnan().all().item<std::int64_t>());
  auto logits = fixture("infeasible_none.logits").clone().requires_grad_();
  const Tensor y = loss_of("infeasible_none", logits, F::CTCLossFuncOptions().reduction(xg::kNone));
  EXPECT_TRUE(std::isinf(y.to_vector<double>()[1]));
  const Tensor g = grad({y.select(0, 0)}, {logits})[0];
  EXPECT_EQ(max_abs_diff(g.select(1, 1), zeros({6, 5}, kFloat64)), 0);
  EXPECT_GT(max_abs_diff(g.select(1, 0), zeros({6, 5}, kFloat64)), 0.1);
}

TEST(CTCLoss, ModuleAndFloat32) {
  const auto& c = cases()[0];
  const Tensor logits = fixture("padded_mean.logits");
  nn::CTCLoss ctc(nn::CTCLossOptions().blank(0));
  const Tensor y = ctc(logits.log_softmax(-1), fixture("padded_mean.targets"), fixture("padded_mean.input_lengths"),
                       fixture("padded_mean.target_lengths"));
  EXPECT_NEAR(y.item(), fixture("padded_mean.y").item(), 1e-12);
  const Tensor y32 = loss_of(c.name, logits.to(kFloat32), c.options);
  EXPECT_EQ(y32.dtype(), kFloat32);
  EXPECT_NEAR(y32.item(), fixture("padded_mean.y").item(), 1e-5);
}

TEST(CTCLoss, GradcheckAndGradgradcheckForLogProbs) {
  // The true derivative with respect to log_probs (not PyTorch's, which adds exp(log_probs)).
  xg::manual_seed(5);
  const Tensor targets = xg::tensor({{1.0, 2.0, 2.0}, {3.0, 0.0, 0.0}}, kInt64);
  const Tensor in_len = xg::tensor({6.0, 4.0}, kInt64), tg_len = xg::tensor({3.0, 1.0}, kInt64);
  const auto lp = (xg::randn({6, 2, 4}, kFloat64)).log_softmax(-1).detach().requires_grad_();
  const auto f = [&](const xg::tensor_list& v) { return F::ctc_loss(v[0], targets, in_len, tg_len); };
  EXPECT_TRUE(gradcheck_ok(f, {lp}));
  EXPECT_TRUE(gradgradcheck_ok(f, {lp}));
}

TEST(CTCLoss, ErrorsNameTheCall) {
  const Tensor lp = xg::randn({5, 2, 4}, kFloat64).log_softmax(-1);
  const Tensor t = xg::tensor({{1.0, 2.0}, {3.0, 1.0}}, kInt64), il = xg::tensor({5.0, 5.0}, kInt64),
               tl = xg::tensor({2.0, 2.0}, kInt64);
  EXPECT_XG_ERROR(F::ctc_loss(lp.to(kInt64), t, il, tl), "ctc_loss: log_probs must be a float tensor, got int64");
  EXPECT_XG_ERROR(F::ctc_loss(lp.reshape({40}), t, il, tl), "ctc_loss: log_probs must be (T, N, C) or (T, C), got (40,)");
  EXPECT_XG_ERROR(F::ctc_loss(lp, t, il, tl, F::CTCLossFuncOptions().blank(4)),
                  "ctc_loss: blank must be in the class range [0, 4), got 4");
  EXPECT_XG_ERROR(F::ctc_loss(lp, t.to(kFloat32), il, tl), "ctc_loss: targets and lengths must be int64, got float32");
  EXPECT_XG_ERROR(F::ctc_loss(lp, t, xg::tensor({5.0}, kInt64), tl), "ctc_loss: input_lengths (1,) and target_lengths (2,) must have N = 2 elements each");
  EXPECT_XG_ERROR(F::ctc_loss(lp, t, xg::tensor({5.0, 6.0}, kInt64), tl), "ctc_loss: input_lengths[1] = 6 is outside [0, T = 5]");
  EXPECT_XG_ERROR(F::ctc_loss(lp, t, il, xg::tensor({2.0, 3.0}, kInt64)), "ctc_loss: target_lengths[1] = 3 exceeds the padded targets' length 2");
  EXPECT_XG_ERROR(F::ctc_loss(lp, t, il, xg::tensor({-1.0, 2.0}, kInt64)), "ctc_loss: target_lengths[0] = -1 is negative");
  EXPECT_XG_ERROR(F::ctc_loss(lp, xg::tensor({1.0, 2.0, 3.0}, kInt64), il, tl),
                  "ctc_loss: the target lengths add up to 4, but the concatenated targets have 3 elements");
  EXPECT_XG_ERROR(F::ctc_loss(lp, xg::tensor({{1.0, 4.0}, {3.0, 1.0}}, kInt64), il, tl),
                  "ctc_loss: target 4 of sequence 0 (position 1) is out of range for 4 classes");
  EXPECT_XG_ERROR(F::ctc_loss(lp, xg::tensor({{1.0, 2.0}, {0.0, 1.0}}, kInt64), il, tl),
                  "ctc_loss: target 0 of sequence 1 (position 0) is the blank index");
  EXPECT_XG_ERROR(F::ctc_loss(lp, xg::zeros({3, 2}, kInt64), il, tl), "ctc_loss: targets must be (N, S) with N = 2");
}
