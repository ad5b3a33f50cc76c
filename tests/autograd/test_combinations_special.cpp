// torch::combinations, torch::cross without dim, torch::special's names, sort's stable form and
// the small method forms of the third probe: values (PyTorch 1.13's, written out), float64
// gradchecks and gradgradchecks, and errors.
#include <cmath>

#include "test_util.h"

using namespace xg;
using namespace xg::test;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

TEST(Combinations, RowsAreLexicographicAsPyTorchs) {
  const Tensor x = tensor({10.0, 20.0, 30.0, 40.0}, kFloat64);
  EXPECT_EQ(combinations(x).shape(), (Shape{6, 2}));
  EXPECT_TRUE(values_near(combinations(x), {10, 20, 10, 30, 10, 40, 20, 30, 20, 40, 30, 40}, 0));
  const Tensor three = combinations(x, 3, true);  // multisets: C(6, 3) = 20
  EXPECT_EQ(three.shape(), (Shape{20, 3}));
  EXPECT_TRUE(values_near(three.narrow(0, 0, 5), {10, 10, 10, 10, 10, 20, 10, 10, 30, 10, 10, 40, 10, 20, 20}, 0));
  EXPECT_TRUE(values_near(three.narrow(0, 19, 1), {40, 40, 40}, 0));
  EXPECT_EQ(combinations(x, 1).shape(), (Shape{4, 1}));  // PyTorch 1.13's (n, 1)
  EXPECT_EQ(combinations(x, 0).shape(), (Shape{0}));
  EXPECT_EQ(combinations(x, 5).shape(), (Shape{0, 5}));
  EXPECT_EQ(combinations(x, std::int64_t{1} << 62).shape(), (Shape{0, std::int64_t{1} << 62}));  // nothing sized by r
  EXPECT_EQ(combinations(zeros({0}), 2).shape(), (Shape{0, 2}));
  EXPECT_EQ(combinations(zeros({0}), 2, true).shape(), (Shape{0, 2}));
  EXPECT_EQ(combinations(tensor({7, 8, 9}, kInt64), 2).dtype(), kInt64);
  EXPECT_EQ(combinations(arange(30.0), 28).size(0), 435);  // C(30, 28), counted as C(30, 2)
}

TEST(Combinations, GradientsSumOverEveryAppearance) {
  auto x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  combinations(x, 2).sum().backward();  // each element appears in n - 1 = 2 pairs
  EXPECT_TRUE(values_near(x.grad(), {2, 2, 2}, 0));
  manual_seed(5);
  const auto in = tensor_list{randp({4})};
  const auto f = [](L v) { return combinations(v[0], 2) * combinations(v[0], 2).flip(-1); };
  EXPECT_TRUE(gradcheck_ok(f, in));
  EXPECT_TRUE(gradgradcheck_ok(f, in));
  EXPECT_TRUE(gradcheck_ok([](L v) { return combinations(v[0], 3, true).prod(1); }, in));
}

TEST(Combinations, RefusesWhatItCannotBuild) {
  EXPECT_XG_ERROR(combinations(zeros({2, 2})), "combinations: expects a 1-d tensor, got (2,2)");
  EXPECT_XG_ERROR(combinations(zeros({3}), -1), "combinations: r must be non-negative, got -1");
  EXPECT_XG_ERROR(combinations(zeros({100}), 50), "combinations: C(100, 50) rows overflow int64");
  EXPECT_XG_ERROR(combinations(zeros({2000}), 5), "combinations");  // 2.6e14 rows: over the allocation limit
  EXPECT_XG_ERROR(combinations(Tensor()), "combinations");
}

TEST(CrossWithoutDim, TakesTheFirstAxisOfSizeThree) {
  const Tensor a = tensor({{1.0, 0.0, 0.0, 2.0}, {0.0, 1.0, 0.0, 2.0}, {0.0, 0.0, 1.0, 2.0}}, kFloat64);
  const Tensor b = tensor({{0.0, 0.0, 1.0, 1.0}, {1.0, 0.0, 0.0, 1.0}, {0.0, 1.0, 0.0, 1.0}}, kFloat64);
  EXPECT_TRUE(values_near(cross(a, b), linalg::cross(a, b, 0).to_vector<double>(), 0));  // axis 0, not -1
  EXPECT_TRUE(values_near(cross(a.t(), b.t(), 1), linalg::cross(a.t(), b.t(), 1).to_vector<double>(), 0));
  EXPECT_XG_ERROR(cross(zeros({2, 4}), zeros({2, 4})), "cross: no axis of size 3 in both (2,4) and (2,4); pass dim");
  EXPECT_XG_ERROR(cross(zeros({3, 4}), zeros({3, 4}), 1), "cross: inputs dimension 1 must have length 3");
  EXPECT_XG_ERROR(cross(zeros({3}), Tensor()), "cross: a tensor is undefined");
}

TEST(Special, NamesGiveTheirOperationsAndNdtrItsTail) {
  const Tensor x = tensor({-1.5, -0.25, 0.5, 2.0}, kFloat64);
  EXPECT_EQ(special::expit(x).to_vector<double>(), sigmoid(x).to_vector<double>());
  EXPECT_EQ(special::gammaln(x.abs()).to_vector<double>(), lgamma(x.abs()).to_vector<double>());
  EXPECT_EQ(special::psi(x).to_vector<double>(), digamma(x).to_vector<double>());
  EXPECT_EQ(special::logsumexp(x, 0).item(), logsumexp(x, 0).item());
  // scipy.special.ndtr: 0.5, 0.8413447460685429, and the far tail 7.619853024160527e-24.
  const auto v = special::ndtr(tensor({0.0, 1.0, -10.0}, kFloat64)).to_vector<double>();
  EXPECT_EQ(v[0], 0.5);
  EXPECT_NEAR(v[1], 0.8413447460685429, 2.3e-16);
  EXPECT_NEAR(v[2] / 7.619853024160527e-24, 1.0, 1e-13);
  EXPECT_TRUE(gradcheck_ok([](L in) { return special::ndtr(in[0]); }, {x.detach().requires_grad_()}));
}

TEST(ThirdProbeForms, SortsStablyAndTakesTensorBoundsAndDtypes) {
  const Tensor x = tensor({3.0, 1.0, 3.0, 1.0}, kFloat64);
  const auto [values, order] = sort(x, /*stable=*/true, 0, true);
  EXPECT_EQ(order.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 2, 1, 3}));  // ties in order
  // libtorch's overloads: sort(x, true) is sort along dim 1, not a stable flag.
  EXPECT_XG_ERROR(sort(x, true), "sort", "1");
  EXPECT_TRUE(values_near(x.clamp(tensor({2.0}, kFloat64), tensor({2.5, 2.5, 4.0, 4.0}, kFloat64)), {2.5, 2, 3, 2}, 0));
  EXPECT_EQ(tensor({16777216.0f, 1.0f, 1.0f}).cumsum(0, kFloat64).to_vector<double>(),
            (std::vector<double>{16777216, 16777217, 16777218}));
  EXPECT_TRUE(x.is_floating_point());
  EXPECT_FALSE(tensor({1}, kInt64).is_floating_point());
  EXPECT_TRUE(tensor({1}, kInt64).is_signed());
  EXPECT_NEAR(cosine_similarity(tensor({{1.0, 0.0}}, kFloat64), tensor({{1.0, 1.0}}, kFloat64)).item(), std::sqrt(0.5), 1e-15);
  EXPECT_NEAR(pairwise_distance(tensor({{0.0, 0.0}}, kFloat64), tensor({{3.0, 4.0}}, kFloat64), 2.0, 0.0).item(), 5.0, 1e-15);
}

TEST(MaskedScatter, FillsTheSelectedPlacesInOrderAsPyTorch) {
  // PyTorch 1.13: torch.zeros(2, 3).masked_scatter(mask, torch.arange(1., 7.)), and a row mask
  // broadcast over a (2, 3) tensor with a (2, 2) source read as one line.
  const Tensor mask = tensor({{1, 0, 1}, {0, 1, 0}}, kInt64);
  EXPECT_TRUE(values_near(masked_scatter(zeros({2, 3}, kFloat64), mask, arange(1.0, 7.0, 1.0, kFloat64)), {1, 0, 2, 0, 3, 0}, 0));
  const Tensor x = arange(6.0, kFloat64).reshape({2, 3});
  EXPECT_TRUE(values_near(x.masked_scatter(tensor({1, 0, 1}, kInt64), tensor({{9.0, 8.0}, {7.0, 6.0}}, kFloat64)),
                          {9, 1, 8, 7, 4, 6}, 0));
  Tensor y = x.clone();
  y.masked_scatter_(tensor({0, 1, 0}, kInt64), tensor({-1.0, -2.0}, kFloat64));
  EXPECT_TRUE(values_near(y, {0, -1, 2, 3, -2, 5}, 0));
  // Gradients: x's unselected places, source's used elements (the rest get zero).
  manual_seed(8);
  const auto f = [&](L v) { return masked_scatter(v[0], mask, v[1]) * masked_scatter(v[0], mask, v[1]); };
  const tensor_list in{randp({2, 3}), randp({5})};
  EXPECT_TRUE(gradcheck_ok(f, in));
  EXPECT_TRUE(gradgradcheck_ok(f, in));
  // A row mask broadcast over x's rows, source longer than needed.
  const Tensor row = tensor({0, 1, 1}, kInt64);
  const auto g = [&](L v) { return masked_scatter(v[0], row, v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck_ok(g, in));
  EXPECT_TRUE(gradgradcheck_ok(g, in));
  auto s = randp({5});
  masked_scatter(zeros({2, 3}, kFloat64), mask, s).sum().backward();
  EXPECT_TRUE(values_near(s.grad(), {1, 1, 1, 0, 0}, 0));
}

TEST(MaskedScatter, RefusesAShortSourceAFloatMaskAndAnotherDtype) {
  const Tensor x = zeros({2, 3}, kFloat64), mask = tensor({{1, 1, 1}, {0, 1, 0}}, kInt64);
  EXPECT_XG_ERROR(masked_scatter(x, mask, ones({3}, kFloat64)), "masked_scatter: the mask selects 4 elements, but source (3,) has only 3");
  EXPECT_XG_ERROR(masked_scatter(x, mask.to(kFloat64), ones({6}, kFloat64)), "masked_scatter: the mask must be int64");
  EXPECT_XG_ERROR(masked_scatter(x, mask, ones({6})), "masked_scatter: source must have self's dtype, got float32 and float64");
  EXPECT_XG_ERROR(masked_scatter(x, ones({3, 1}, kInt64), ones({6}, kFloat64)), "masked_scatter", "(2,3)", "(3,1)");
  Tensor y = zeros({3}, kFloat64);
  EXPECT_XG_ERROR(y.masked_scatter_(ones({2, 3}, kInt64), ones({6}, kFloat64)), "masked_scatter_: the result has shape (2,3)");
}
