// max_norm, norm_type and scale_grad_by_freq of F::embedding, Embedding, F::embedding_bag and
// EmbeddingBag against PyTorch 1.13 in float64 (tests/fixtures/torch_embedding_lookup.npz from
// scripts/make_embedding_lookup_fixtures.py): values, the table renormalised in place, the
// gradients (plain and create_graph); the modules and from_pretrained; the bags' frequency
// rule where PyTorch 1.13's CPU is wrong; gradchecks; errors.
#include <cmath>
#include <limits>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_embedding_lookup.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

F::EmbeddingFuncOptions embedding_options(const std::string& name) {
  F::EmbeddingFuncOptions o;
  if (name == "max_norm" || name == "max_norm_pad" || name == "freq_max_norm") o.max_norm(2.0);
  if (name == "max_norm_p1") o.max_norm(3.0).norm_type(1.0);
  if (name == "max_norm_inf") o.max_norm(1.0).norm_type(std::numeric_limits<double>::infinity());
  if (name == "max_norm_pad") o.padding_idx(4);
  if (name == "freq_pad") o.padding_idx(1);
  if (name.rfind("freq", 0) == 0) o.scale_grad_by_freq(true);
  return o;
}
}  // namespace

TEST(EmbeddingLookup, MaxNormAndFrequencyMatchPyTorch) {
  for (const std::string name :
       {"max_norm", "max_norm_p1", "max_norm_inf", "max_norm_pad", "freq", "freq_pad", "freq_max_norm"}) {
    SCOPED_TRACE(name);
    const tensor_list in = xg::test::fixture_inputs(kFile, name, 1);
    const Tensor y = F::embedding(fixture(name + ".idx"), in[0], embedding_options(name));
    // The rows read were renormalised in the table itself; the rows not read are untouched.
    EXPECT_LT(max_abs_diff(in[0], fixture(name + ".after")), 1e-15);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-15, 1e-15);
  }
}

TEST(EmbeddingLookup, BagsMatchPyTorch) {
  for (const std::string name : {"bag_sum_max_norm", "bag_mean_max_norm", "bag_max_max_norm", "bag_sum_freq",
                                 "bag_mean_freq", "bag_weights_freq"}) {
    SCOPED_TRACE(name);
    const bool weighted = name == "bag_weights_freq";
    const tensor_list in = xg::test::fixture_inputs(kFile, name, weighted ? 2 : 1);
    F::EmbeddingBagFuncOptions o;
    if (name.find("max_max") != std::string::npos) o.mode(xg::kMax);
    else o.mode(name.find("mean") != std::string::npos ? xg::kMean : xg::kSum);
    if (name.find("freq") != std::string::npos) o.max_norm(2.5).scale_grad_by_freq(true);
    else o.max_norm(2.0);
    if (weighted) o.per_sample_weights(in[1]);
    const Tensor y = F::embedding_bag(fixture(name + ".idx"), in[0], o);
    EXPECT_LT(max_abs_diff(in[0], fixture(name + ".after")), 1e-15);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-14, 1e-14);
  }
}

TEST(EmbeddingLookup, ModulesAndPretrainedTablesTakeTheOptions) {
  const Tensor idx = fixture("freq_max_norm.idx");
  nn::Embedding emb(nn::EmbeddingOptions(9, 4).max_norm(2.0).scale_grad_by_freq(true).dtype(kFloat64));
  {
    NoGradGuard no_grad;
    emb.W.copy_(fixture("freq_max_norm.in0"));
  }
  EXPECT_EQ(emb.options().max_norm(), std::optional<double>(2.0));
  const tensor_list params{emb.W};
  xg::test::expect_fixture_case(kFile, "freq_max_norm", emb(idx), params, 1e-15, 1e-15);
  EXPECT_LT(max_abs_diff(emb.W, fixture("freq_max_norm.after")), 1e-15);

  const Tensor table = fixture("freq_max_norm.in0").clone();
  auto pretrained = nn::Embedding::from_pretrained(
      table, nn::EmbeddingFromPretrainedOptions().freeze(false).max_norm(2.0).scale_grad_by_freq(true));
  xg::test::expect_fixture_case(kFile, "freq_max_norm", pretrained(idx), {pretrained.W}, 1e-15, 1e-15);
  EXPECT_LT(max_abs_diff(table, fixture("freq_max_norm.after")), 1e-15);  // the caller's storage, as PyTorch's

  nn::EmbeddingBag bag(nn::EmbeddingBagOptions(9, 4).mode(xg::kMean).max_norm(2.5).scale_grad_by_freq(true).dtype(kFloat64));
  {
    NoGradGuard no_grad;
    bag.W.copy_(fixture("bag_mean_freq.in0"));
  }
  xg::test::expect_fixture_case(kFile, "bag_mean_freq", bag(idx), {bag.W}, 1e-14, 1e-14);
  auto frozen = nn::EmbeddingBag::from_pretrained(
      fixture("bag_sum_max_norm.in0").clone(), nn::EmbeddingBagFromPretrainedOptions().mode(xg::kSum).max_norm(2.0));
  EXPECT_LT(max_abs_diff(frozen(idx), fixture("bag_sum_max_norm.y")), 1e-14);
  EXPECT_FALSE(frozen.W.requires_grad());
}

TEST(EmbeddingLookup, BagFrequencyIsTheIndexCount) {
  // PyTorch 1.13's CPU divides row 3's gradient by row 1's count here (pytorch#190063):
  // the documented rule, which its CUDA path follows, gives each row its own count.
  const Tensor w = xg::ones({4, 3}, kFloat64).requires_grad_();
  const Tensor idx = xg::tensor({1, 1, 3}, kInt64);
  const Tensor off = xg::tensor({0}, kInt64);
  F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(off).mode(xg::kSum).scale_grad_by_freq(true))
      .sum()
      .backward();
  EXPECT_EQ(w.grad().select(1, 0).to_vector<double>(), (std::vector<double>{0, 1, 0, 1}));
}

TEST(EmbeddingLookup, RowsWithinTheNormStayBitForBitAndGradcheck) {
  xg::manual_seed(3);
  const Tensor idx = xg::tensor({{0, 2, 2}, {3, 0, 2}}, kInt64);
  const Tensor w = xg::randn({5, 3}, kFloat64) * 0.3;  // norms well under 10
  const Tensor before = w.clone();
  (void)F::embedding(idx, w, F::EmbeddingFuncOptions().max_norm(10.0));
  EXPECT_EQ(max_abs_diff(w, before), 0.0);
  // Renormalisation is a data write, not a function the gradient sees (as PyTorch's): within
  // the norm, the lookup is the plain one, to every order.
  const auto f = [&](L v) {
    return F::embedding(idx, v[0], F::EmbeddingFuncOptions().max_norm(10.0).padding_idx(1)) * 1.5;  // row 1 unread
  };
  EXPECT_TRUE(gradcheck_ok(f, {w.clone().requires_grad_()}));
  EXPECT_TRUE(gradgradcheck_ok(f, {w.clone().requires_grad_()}));
  // The frequency rule's second order: the gradient of the scaled gradient with respect to
  // the output's gradient is the same scaling.
  const Tensor leaf = w.clone().requires_grad_();
  const Tensor y = F::embedding(idx, leaf, F::EmbeddingFuncOptions().scale_grad_by_freq(true));
  const Tensor gy = xg::ones_like(y).requires_grad_();
  const Tensor gw = xg::grad({(y * gy).sum()}, {leaf}, {}, true, true)[0];
  EXPECT_EQ(gw.select(1, 0).to_vector<double>(), (std::vector<double>{1, 0, 1, 1, 0}));  // 2/2, 3/3, 1/1
  const Tensor ggy = xg::grad({gw.sum()}, {gy})[0];
  EXPECT_EQ(ggy.select(2, 0).to_vector<double>(), (std::vector<double>{0.5, 1.0 / 3, 1.0 / 3, 1, 0.5, 1.0 / 3}));
  // A frozen table takes the options and reads plainly.
  EXPECT_LT(max_abs_diff(F::embedding(idx, w, F::EmbeddingFuncOptions().scale_grad_by_freq(true)),
                         F::embedding(idx, w)), 1e-300);
}

TEST(EmbeddingLookup, BadOptionsAndATableSavedForBackwardAreErrors) {
  const Tensor idx = xg::tensor({0, 1}, kInt64);
  const Tensor w = xg::randn({3, 2}, kFloat64);
  EXPECT_XG_ERROR(F::embedding(idx, w, F::EmbeddingFuncOptions().max_norm(0.0)), "embedding: max_norm must be positive, got 0");
  EXPECT_XG_ERROR(F::embedding(idx, w, F::EmbeddingFuncOptions().max_norm(std::nan(""))), "embedding: max_norm", "nan");
  EXPECT_XG_ERROR(F::embedding(idx, w, F::EmbeddingFuncOptions().max_norm(1.0).norm_type(0.0)),
                  "embedding: norm_type must be positive or infinite, got 0");
  EXPECT_XG_ERROR(F::embedding(xg::tensor({0, 3}, kInt64), w, F::EmbeddingFuncOptions().max_norm(1.0)), "embedding", "3");
  EXPECT_XG_ERROR(nn::Embedding(nn::EmbeddingOptions(3, 2).max_norm(-1.0)), "Embedding: max_norm must be positive, got -1");
  EXPECT_XG_ERROR(nn::Embedding::from_pretrained(w, nn::EmbeddingFromPretrainedOptions().max_norm(1).norm_type(-2)),
                  "Embedding::from_pretrained: norm_type must be positive or infinite, got -2");
  EXPECT_XG_ERROR(F::embedding_bag(xg::tensor({{0, 1}}, kInt64), w,
                                   F::EmbeddingBagFuncOptions().mode(xg::kMax).scale_grad_by_freq(true)),
                  "embedding_bag: mode max does not support scale_grad_by_freq");
  EXPECT_XG_ERROR(nn::EmbeddingBag(nn::EmbeddingBagOptions(3, 2).mode(xg::kMax).scale_grad_by_freq(true)),
                  "EmbeddingBag: mode max does not support scale_grad_by_freq");
  EXPECT_XG_ERROR(nn::EmbeddingBag::from_pretrained(w, nn::EmbeddingBagFromPretrainedOptions().max_norm(0.0)),
                  "EmbeddingBag::from_pretrained: max_norm must be positive");
  // The renormalisation writes into the table: an operation that saved the table for its
  // backward (exp saves its output) then refuses to run that backward, as PyTorch's.
  const Tensor a = xg::randn({3, 2}, kFloat64).requires_grad_();
  const Tensor table = a.exp();
  (void)F::embedding(idx, table, F::EmbeddingFuncOptions().max_norm(0.01));
  EXPECT_XG_ERROR(table.sum().backward(), "modified by an in-place operation");
}
