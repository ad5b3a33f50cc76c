// einsum, diagonal and trace: values and gradients against PyTorch 1.13 (tests/fixtures/
// torch_einsum.npz from scripts/make_einsum_fixtures.py, whose CASES this table mirrors),
// gradcheck and gradgradcheck, and errors in torch::einsum's terms.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_einsum.npz", key); }

// y and the gradients of sum(y * gy) for case `name` with `inputs` operands.
void check(const std::string& name, std::size_t inputs, const std::function<xg::Tensor(const xg::tensor_list&)>& f) {
  SCOPED_TRACE(name);
  xg::tensor_list in;
  for (std::size_t i = 0; i < inputs; ++i) in.push_back(fx(name + ".in" + std::to_string(i)).requires_grad_());
  const auto y = f(in);
  ASSERT_EQ(y.shape(), fx(name + ".y").shape());
  if (y.numel() == 0) return;  // nothing to compare (the shape was)
  EXPECT_LT(max_abs_diff(y, fx(name + ".y")), 1e-12);
  const auto g = xg::grad({(y * fx(name + ".gy")).sum()}, in);
  for (std::size_t i = 0; i < inputs; ++i) EXPECT_LT(max_abs_diff(g[i], fx(name + ".g" + std::to_string(i))), 1e-12) << i;
}

const std::vector<std::pair<const char*, std::size_t>> kCases{
    {"ij,jk->ik", 2},      {"bij,bjk->bik", 2},      {"ii->i", 1},       {"ii", 1},
    {"iij->ji", 1},        {"...ij,...jk", 2},       {"bhqd,bhkd->bhqk", 2}, {"i,j->ij", 2},
    {"ij,ij->", 2},        {"ij,jk,kl->il", 3},      {"ij,jk", 2},       {"b...i,b...i->b...", 2},
    {"zA,Ay", 2},          {"ijk->kji", 1},          {"ij,kl->", 2},     {"i,i,i->i", 3},
    {"bn,anm,bm->ba", 3},  {" i j -> j i ", 1}};

}  // namespace

TEST(Einsum, MatchesPyTorch) {
  for (std::size_t k = 0; k < kCases.size(); ++k) {
    const std::string eq = kCases[k].first;
    check("e" + std::to_string(k), kCases[k].second, [eq](const xg::tensor_list& v) { return xg::einsum(eq, v); });
  }
}

TEST(Einsum, IsTheProductsItNames) {
  xg::manual_seed(51);
  const auto a = xg::randn({2, 3, 4}, xg::kFloat64), b = xg::randn({2, 4, 5}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(xg::einsum("bij,bjk->bik", {a, b}), xg::matmul(a, b)), 1e-14);
  EXPECT_EQ(max_abs_diff(xg::einsum("bij->bji", {a}), a.transpose(1, 2)), 0.0);
  const auto m = xg::randn({4, 4}, xg::kFloat64);
  EXPECT_NEAR(xg::einsum("ii", {m}).item(), xg::trace(m).item(), 1e-14);
  // Float32 stays float32; the implicit output sorts capitals first, as PyTorch.
  EXPECT_EQ(xg::einsum("ij,jk", {xg::ones({2, 3}), xg::ones({3, 4})}).dtype(), xg::kFloat32);
  EXPECT_EQ(xg::einsum("aB,Bc", {xg::ones({2, 3}), xg::ones({3, 4})}).shape(), (xg::Shape{2, 4}));
  EXPECT_EQ(xg::einsum("bA,Ca", {xg::ones({2, 3}), xg::ones({4, 5})}).shape(), (xg::Shape{3, 4, 5, 2}));  // A C a b
}

TEST(Einsum, GradcheckAndGradgradcheck) {
  xg::manual_seed(52);
  const auto attention = [](const xg::tensor_list& v) { return xg::einsum("bqd,bkd->bqk", {v[0], v[1]}); };
  EXPECT_TRUE(gradcheck_ok(attention, {randp({2, 3, 4}), randp({2, 5, 4})}));
  EXPECT_TRUE(gradgradcheck_ok(attention, {randp({2, 3, 4}), randp({2, 5, 4})}));
  // A diagonal, a broadcast ellipsis and a chain of three.
  const auto mixed = [](const xg::tensor_list& v) { return xg::einsum("iij,...j,jk->...ik", {v[0], v[1], v[2]}); };
  const xg::tensor_list in{randp({3, 3, 2}), randp({2, 1, 2}), randp({2, 4})};
  EXPECT_TRUE(gradcheck_ok(mixed, in));
  EXPECT_TRUE(gradgradcheck_ok(mixed, in));
}

TEST(Einsum, DiagonalAndTraceMatchPyTorch) {
  check("d0", 1, [](const xg::tensor_list& v) { return xg::diagonal(v[0], 1, 0, 2); });
  check("d1", 1, [](const xg::tensor_list& v) { return v[0].diagonal(-2, 2, 1); });
  check("d2", 1, [](const xg::tensor_list& v) { return xg::diagonal(v[0]); });
  check("d3", 1, [](const xg::tensor_list& v) { return xg::diagonal(v[0], 5); });  // past the edge: empty
  check("trace", 1, [](const xg::tensor_list& v) { return xg::trace(v[0]); });
  EXPECT_TRUE(gradgradcheck_ok([](const xg::tensor_list& v) { return xg::diagonal(v[0] * v[0], -1, 1, 0); }, {randp({3, 4})}));
  EXPECT_EQ(xg::diagonal(xg::zeros({3, 4}), std::numeric_limits<std::int64_t>::min()).shape(), (xg::Shape{0}));
}

TEST(Einsum, ErrorsInTorchsTerms) {
  const auto a = xg::zeros({2, 3}), b = xg::zeros({3, 4});
  EXPECT_XG_ERROR(xg::einsum("ij,jk", {a}), "einsum: 'ij,jk' has 2 operand subscripts, but 1 operands were given");
  EXPECT_XG_ERROR(xg::einsum("ij", {xg::zeros({2, 3, 4})}), "einsum: operand 0 has 3 axes (2,3,4) but its subscripts 'ij' name 2 and no ellipsis was given");
  EXPECT_XG_ERROR(xg::einsum("ijkl...", {a}), "einsum: operand 0 has 2 axes (2,3) but its subscripts 'ijkl...' name 4 besides the ellipsis");
  EXPECT_XG_ERROR(xg::einsum("ij,jk", {xg::zeros({2, 2}), b}), "einsum: subscript j has size 3 for operand 1 which does not broadcast with previously seen size 2");
  EXPECT_XG_ERROR(xg::einsum("ii", {a}), "einsum: subscript i is repeated for operand 0 but its sizes differ, 2 != 3");
  EXPECT_XG_ERROR(xg::einsum("i->ii", {xg::zeros({3})}), "einsum: output subscript i appears more than once in the output");
  EXPECT_XG_ERROR(xg::einsum("i->j", {xg::zeros({3})}), "einsum: output subscript j does not appear in any operand");
  EXPECT_XG_ERROR(xg::einsum("i1", {a}), "einsum: subscripts are letters a-z and A-Z, got '1' in operand subscripts 'i1'");
  EXPECT_XG_ERROR(xg::einsum("i.j", {a}), "einsum: operand subscripts 'i.j' has a '.' that is not part of one '...'");
  EXPECT_XG_ERROR(xg::einsum("ij->...", {a}), "einsum: the output '...' has an ellipsis but no operand does");
  EXPECT_XG_ERROR(xg::einsum("ij,jk", {a, b.to(xg::kFloat64)}), "einsum: expected operands of one dtype, got float32 (operand 0) and float64 (operand 1)");
  EXPECT_XG_ERROR(xg::einsum("i", {xg::zeros({3}, xg::kInt64)}), "einsum: expected float operands, got int64 for operand 0");
  EXPECT_XG_ERROR(xg::einsum("", {}), "einsum: expected at least one operand");
  EXPECT_XG_ERROR(xg::diagonal(xg::zeros({3})), "diagonal: expected a tensor of at least 2 axes, got (3,)");
  EXPECT_XG_ERROR(xg::diagonal(a, 0, 1, -1), "diagonal: dim1 and dim2 are both axis 1 of (2,3)");
  EXPECT_XG_ERROR(xg::trace(xg::zeros({2, 2, 2})), "trace: expected a 2-D tensor, got (2,2,2)");
}
