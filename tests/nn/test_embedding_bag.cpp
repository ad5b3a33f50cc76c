// EmbeddingBag and F::embedding_bag against PyTorch 1.13 in float64
// (tests/fixtures/torch_embedding_bag.npz from scripts/make_embedding_bag_fixtures.py): sum,
// mean and max with an empty bag, 2-D inputs, include_last_offset, per_sample_weights and
// padding_idx, values and gradients (plain and create_graph); gradchecks, the module, errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
namespace F = xg::nn::functional;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_embedding_bag.npz";
Tensor fixture(const std::string& key, bool required = true) { return xg::test::fixture(kFile, key, required); }

F::EmbeddingBagFuncOptions options_for(const std::string& name) {
  F::EmbeddingBagFuncOptions o;
  const Tensor off = fixture(name + ".off", false);
  if (off.defined()) o.offsets(off);
  if (name.rfind("sum", 0) == 0 || name == "last_offset" || name == "weights" || name == "padding_sum") o.mode(xg::kSum);
  if (name.rfind("max", 0) == 0 || name == "last_offset_max" || name == "padding_max") o.mode(xg::kMax);
  if (name.rfind("last_offset", 0) == 0) o.include_last_offset(true);
  if (name == "padding_sum") o.padding_idx(4);
  if (name == "padding_max") o.padding_idx(2);
  return o;
}
}  // namespace

TEST(EmbeddingBag, MatchesPyTorchInEveryMode) {
  for (const std::string name : {"sum", "sum_2d", "mean", "mean_2d", "max", "max_2d", "last_offset", "last_offset_max",
                                 "weights", "padding_sum", "padding_max"}) {
    SCOPED_TRACE(name);
    const std::size_t inputs = name == "weights" ? 2 : 1;
    const tensor_list in = xg::test::fixture_inputs(kFile, name, inputs);
    F::EmbeddingBagFuncOptions o = options_for(name);
    if (inputs == 2) o.per_sample_weights(in[1]);
    const Tensor y = F::embedding_bag(fixture(name + ".idx"), in[0], o);
    xg::test::expect_fixture_case(kFile, name, y, in, 1e-12, 1e-12);
  }
}

TEST(EmbeddingBag, MeanLeavesPaddingOutOfTheCountAndGradchecks) {
  // mean with a padding_idx (PyTorch 1.13 corrupts its heap there): by hand.
  const Tensor w = xg::arange(0, 12, 1, kFloat64).reshape({6, 2});
  const Tensor idx = xg::tensor({1, 4, 3, 4, 4}, kInt64), off = xg::tensor({0, 3, 4}, kInt64);
  const Tensor y = F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(off).padding_idx(4));
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{4, 5, 0, 0, 0, 0}));  // (row 1 + row 3) / 2; two empty bags
  xg::manual_seed(5);
  for (auto mode : {nn::EmbeddingBagMode::Sum, nn::EmbeddingBagMode::Mean, nn::EmbeddingBagMode::Max}) {
    const auto f = [&](L v) {
      return F::embedding_bag(idx, v[0], F::EmbeddingBagFuncOptions().offsets(off).mode(mode)) * 1.5;
    };
    EXPECT_TRUE(gradcheck_ok(f, {xg::randn({6, 2}, kFloat64).requires_grad_()}));
    EXPECT_TRUE(gradgradcheck_ok(f, {xg::randn({6, 2}, kFloat64).requires_grad_()}));
  }
  const auto weighted = [&](L v) {
    return F::embedding_bag(idx, v[0], F::EmbeddingBagFuncOptions().offsets(off).mode(xg::kSum).per_sample_weights(v[1]));
  };
  EXPECT_TRUE(gradgradcheck_ok(weighted, {xg::randn({6, 2}, kFloat64).requires_grad_(), xg::randn({5}, kFloat64).requires_grad_()}));
}

TEST(EmbeddingBag, ModuleTrainsItsTableAndKeepsPaddingZero) {
  xg::manual_seed(6);
  nn::EmbeddingBag bag(nn::EmbeddingBagOptions(20, 4).mode(xg::kSum).padding_idx(0));
  EXPECT_EQ(bag.W.shape(), (Shape{20, 4}));
  EXPECT_EQ(std::get<0>(bag.W.select(0, 0).abs().max(0)).item(), 0.0);
  const Tensor idx = xg::tensor({3, 0, 7, 7, 0}, kInt64), off = xg::tensor({0, 2}, kInt64);
  const Tensor y = bag(idx, off);
  EXPECT_EQ(y.shape(), (Shape{2, 4}));
  EXPECT_LT(max_abs_diff(y.select(0, 0), bag.W.select(0, 3)), 1e-7);
  y.sum().backward();
  EXPECT_EQ(std::get<0>(bag.W.grad().select(0, 0).abs().max(0)).item(), 0.0);  // padding never learns
  EXPECT_EQ(bag.W.grad().select(0, 7).to_vector<float>(), (std::vector<float>{2, 2, 2, 2}));
  nn::EmbeddingBag table(8, 3);
  EXPECT_EQ(table(xg::tensor({{1, 2}, {3, 3}}, kInt64)).shape(), (Shape{2, 3}));  // 2-D: a bag per row, mean
  EXPECT_EQ(table.named_parameters().size(), 1u);
  EXPECT_EQ(table(xg::tensor({1, 2}, kInt64), xg::zeros({0}, kInt64)).shape(), (Shape{0, 3}));  // no bags
  EXPECT_EQ(table(xg::zeros({0}, kInt64), xg::tensor({0, 0}, kInt64)).to_vector<float>(), std::vector<float>(6, 0.0f));
}

TEST(EmbeddingBag, ErrorsNameTheCallAndTheProblem) {
  const Tensor w = xg::zeros({5, 2});
  const Tensor idx = xg::tensor({1, 2, 3}, kInt64);
  EXPECT_XG_ERROR(F::embedding_bag(idx, w), "embedding_bag: a 1-D input needs offsets");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({1, 2}, kInt64))),
                  "embedding_bag: offsets[0] has to be 0", "got 1");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0, 2, 1}, kInt64))),
                  "embedding_bag: offsets must not decrease, got offsets[1] = 2 and offsets[2] = 1");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0, 4}, kInt64))),
                  "embedding_bag: offsets[-1] = 4 is past the input's length 3");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0, 2}, kInt64)).include_last_offset(true)),
                  "embedding_bag: with include_last_offset the last offset closes the last bag and must be the input's length 3, got 2");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0.0, 1.0}))),
                  "embedding_bag: offsets must be a 1-D int64 tensor, got float32 (2,)");
  EXPECT_XG_ERROR(F::embedding_bag(xg::tensor({{1, 2}}, kInt64), w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0}, kInt64))),
                  "embedding_bag: offsets go with a 1-D input; a 2-D input (1,2) is one bag per row");
  EXPECT_XG_ERROR(F::embedding_bag(xg::tensor({1, 5}, kInt64), w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0}, kInt64))),
                  "embedding_bag", "index 5", "outside [0, 5)");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0}, kInt64)).per_sample_weights(xg::ones({3}))),
                  "embedding_bag: per_sample_weights is only supported for mode sum, got mode mean");
  EXPECT_XG_ERROR(F::embedding_bag(idx, w, F::EmbeddingBagFuncOptions().offsets(xg::tensor({0}, kInt64)).mode(xg::kSum).per_sample_weights(xg::ones({2}))),
                  "embedding_bag: per_sample_weights must have the input's shape (3,) and the weight's dtype float32, got float32 (2,)");
  EXPECT_XG_ERROR(F::embedding_bag(idx.to(kFloat32), w), "embedding_bag: indices must be int64, got float32");
  EXPECT_XG_ERROR(F::embedding_bag(idx, xg::zeros({5})), "embedding_bag: expected a float weight (num_embeddings, dim), got float32 (5,)");
  EXPECT_XG_ERROR(F::EmbeddingBagFuncOptions().mode(xg::kNone), "embedding_bag: mode must be kSum, kMean or kMax, got kNone");
  EXPECT_XG_ERROR(nn::EmbeddingBag(0, 3), "EmbeddingBag: sizes must be positive, got num_embeddings=0, embedding_dim=3");
  EXPECT_XG_ERROR(nn::EmbeddingBag(nn::EmbeddingBagOptions(4, 3).padding_idx(4)), "EmbeddingBag: padding_idx 4 is out of range for 4 embeddings");
}
