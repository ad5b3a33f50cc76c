// Creation, access, printing and the reproducible generator.
#include <cmath>
#include <limits>
#include <sstream>

#include "test_util.h"

using xg::test::values_near;

TEST(Creation, FromNestedListsHasShapeAndDtype) {
  auto a = xg::tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(a.shape(), (xg::Shape{2, 3}));
  EXPECT_EQ(a.dtype(), xg::kFloat32);
  EXPECT_EQ(a.numel(), 6);
  EXPECT_EQ(a.dim(), 2);
  EXPECT_EQ(a.at({1, 2}), 6.0);
  auto b = xg::tensor({{{1, 2}}, {{3, 4}}}, xg::kFloat64);
  EXPECT_EQ(b.shape(), (xg::Shape{2, 1, 2}));
  EXPECT_EQ(b.dtype(), xg::kFloat64);
  auto c = xg::tensor({{{{1}, {2}}}});
  EXPECT_EQ(c.shape(), (xg::Shape{1, 1, 2, 1}));
  auto labels = xg::tensor({3, 1, 2}, xg::kInt64);
  EXPECT_EQ(labels.dtype(), xg::kInt64);
  EXPECT_EQ(labels.data<std::int64_t>()[0], 3);
}

TEST(Creation, FromVectorAndShape) {
  auto t = xg::tensor(std::vector<double>(12, 0.5), {3, 4}, xg::kFloat64);
  EXPECT_EQ(t.shape(), (xg::Shape{3, 4}));
  EXPECT_TRUE(values_near(t.sum(), {6.0}));
  EXPECT_XG_ERROR(xg::tensor(std::vector<double>(5), {2, 3}), "tensor:", "5 values", "(2,3)");
  // int64 from doubles: a fraction truncates, as libtorch's cast; a value beyond int64's range
  // or NaN is an error (its conversion would be undefined behaviour).
  EXPECT_EQ(xg::tensor(std::vector<double>{2.7, -2.7, -0x1p63}, {3}, xg::kInt64).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{2, -2, std::numeric_limits<std::int64_t>::min()}));
  EXPECT_XG_ERROR(xg::tensor(std::vector<double>{1.0, 3e41}, {2}, xg::kInt64),
                  "tensor: value 3e+41 at position 1 is outside int64's range [-2^63, 2^63)");
  EXPECT_XG_ERROR(xg::tensor(std::vector<double>{0x1p63}, {1}, xg::kInt64), "tensor: value", "at position 0");
  EXPECT_XG_ERROR(xg::tensor(std::vector<double>{std::nan("")}, {1}, xg::kInt64), "tensor: value nan at position 0");
}

TEST(Creation, RaggedListsThrow) {
  EXPECT_XG_ERROR(xg::tensor({{1, 2}, {3}}), "ragged", "expected 2");
  EXPECT_XG_ERROR(xg::tensor({{{1, 2}}, {{3, 4}, {5, 6}}}), "ragged");
}

TEST(Creation, ConstantsRangesAndIdentity) {
  EXPECT_TRUE(values_near(xg::zeros({2, 2}), {0, 0, 0, 0}));
  EXPECT_TRUE(values_near(xg::ones({3}), {1, 1, 1}));
  EXPECT_TRUE(values_near(xg::full({2}, 7.5, xg::kFloat64), {7.5, 7.5}));
  auto r = xg::arange(5);
  EXPECT_EQ(r.dtype(), xg::kInt64);
  EXPECT_TRUE(values_near(r, {0, 1, 2, 3, 4}));
  EXPECT_TRUE(values_near(xg::arange(0, 1, 0.25, xg::kFloat64), {0, 0.25, 0.5, 0.75}));
  EXPECT_TRUE(values_near(xg::eye(2), {1, 0, 0, 1}));
  auto x = xg::tensor({1.0, 2.0}, xg::kFloat64);
  EXPECT_EQ(xg::zeros_like(x).dtype(), xg::kFloat64);
  EXPECT_TRUE(values_near(xg::full_like(x, 3), {3, 3}));
  EXPECT_EQ(xg::scalar_tensor(4.0).dim(), 0);
  EXPECT_EQ(xg::scalar_tensor(4.0).item(), 4.0);
  EXPECT_XG_ERROR(xg::arange(0, 1, 0), "arange");
  // A range running backwards is empty however far it runs (a count of -5.5e19 was once cast).
  EXPECT_EQ(xg::arange(0.0, -5.5e19, 1.0).numel(), 0);
  EXPECT_EQ(xg::arange(0.0, 3.0, -1e-300).numel(), 0);
  EXPECT_XG_ERROR(xg::zeros({2, -1}), "negative dimension", "(2,-1)");
}

TEST(Access, ItemAndDataCheckTheirPreconditions) {
  auto t = xg::tensor({1.0, 2.0});
  EXPECT_XG_ERROR(t.item(), "item", "(2,)", "2 elements");
  EXPECT_XG_ERROR(t.data<double>(), "data<float64>", "float32");
  EXPECT_XG_ERROR(t.at({2}), "index 2 is out of range", "axis 0 of size 2");
  EXPECT_EQ(t.at({-1}), 2.0);
  EXPECT_EQ(t.to_vector<int>(), (std::vector<int>{1, 2}));
  EXPECT_XG_ERROR(xg::Tensor().shape(), "undefined");
}

TEST(Access, CopiesShareStorageAndCloneDoesNot) {
  auto a = xg::zeros({3});
  auto b = a;
  b.add_(1.0);
  EXPECT_TRUE(values_near(a, {1, 1, 1}));
  auto c = a.clone();
  c.add_(1.0);
  EXPECT_TRUE(values_near(a, {1, 1, 1}));
  EXPECT_TRUE(values_near(c, {2, 2, 2}));
}

TEST(Printing, ShowsValuesShapeAndDtype) {
  std::ostringstream os;
  os << xg::tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(os.str(), "tensor([[1., 2.],\n        [3., 4.]], shape=(2,2), dtype=float32)");
  os.str("");
  os << xg::tensor({0.5, -1.25}, xg::kFloat64);
  EXPECT_EQ(os.str(), "tensor([  0.5, -1.25], shape=(2,), dtype=float64)");
  os.str("");
  os << xg::arange(3);
  EXPECT_EQ(os.str(), "tensor([0, 1, 2], shape=(3,), dtype=int64)");
  os.str("");
  // int64 exactly: through a double, INT64_MAX printed as INT64_MIN and 2^53 + 1 as 2^53.
  xg::Tensor big = xg::zeros({3}, xg::kInt64);
  big.data<std::int64_t>()[0] = std::numeric_limits<std::int64_t>::max();
  big.data<std::int64_t>()[1] = (std::int64_t{1} << 53) + 1;
  big.data<std::int64_t>()[2] = std::numeric_limits<std::int64_t>::min();
  os << big;
  EXPECT_EQ(os.str(),
            "tensor([ 9223372036854775807,     9007199254740993, -9223372036854775808], shape=(3,), dtype=int64)");
  os.str("");
  os << xg::zeros({40, 40});
  EXPECT_NE(os.str().find("..."), std::string::npos);  // summarised like numpy
  EXPECT_LT(os.str().size(), 400u);
}

TEST(Printing, ReprIsShortestRoundTrip) {
  EXPECT_EQ(xg::repr(2.0), "2.0");
  EXPECT_EQ(xg::repr(1.4545454545454546), "1.4545454545454546");
  EXPECT_EQ(xg::repr(0.1), "0.1");
  EXPECT_EQ(xg::repr(1e-20), "1e-20");
}

TEST(Random, SeededAndReproducible) {
  xg::manual_seed(42);
  auto a = xg::randn({1000}, xg::kFloat64);
  xg::manual_seed(42);
  auto b = xg::randn({1000}, xg::kFloat64);
  EXPECT_EQ(a.to_vector<double>(), b.to_vector<double>());
  // Moments of a standard normal and of a uniform on [0, 1).
  EXPECT_NEAR(a.mean().item(), 0.0, 0.1);
  EXPECT_NEAR(a.var().item(), 1.0, 0.1);
  auto u = xg::rand({1000}, xg::kFloat64);
  EXPECT_GE(u.min().item(), 0.0);
  EXPECT_LT(u.max().item(), 1.0);
  EXPECT_NEAR(u.mean().item(), 0.5, 0.05);
}

TEST(Random, SameSequenceOnEveryPlatform) {
  // The generator is std::mt19937_64 (fixed by the standard) with our own distributions,
  // so these values are the same with every compiler and standard library.
  xg::Generator g(5489);
  EXPECT_EQ(g.next_u64(), 14514284786278117030ull);
  xg::manual_seed(0);
  auto r = xg::randn({2}, xg::kFloat64).to_vector<double>();
  xg::Generator h(0);
  EXPECT_EQ(r[0], h.normal());
  EXPECT_EQ(r[1], h.normal());
}

TEST(Random, IntegersAndPermutations) {
  xg::manual_seed(1);
  auto r = xg::randint(3, 7, {500});
  EXPECT_EQ(r.dtype(), xg::kInt64);
  EXPECT_EQ(r.min().item(), 3);
  EXPECT_EQ(r.max().item(), 6);
  auto p = xg::randperm(10).to_vector<std::int64_t>();
  std::sort(p.begin(), p.end());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(p[i], i);
  EXPECT_XG_ERROR(xg::randint(3, 3, {1}), "randint", "empty range");
  EXPECT_XG_ERROR(xg::randn({2}, xg::kInt64), "randn", "int64");
}

TEST(TensorItem, IntegersAreExactAndAValueThatDoesNotFitIsAnError) {
  // An int64 past 2^53 reads exactly (through a double it would round: INT64_MIN + 1 came
  // back as INT64_MIN, and INT64_MAX as the undefined conversion of 2^63).
  constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max(), lo = std::numeric_limits<std::int64_t>::min();
  xg::Tensor big = xg::zeros({2}, xg::kInt64);
  big.data<std::int64_t>()[0] = hi;
  big.data<std::int64_t>()[1] = lo + 1;
  EXPECT_EQ(big[0].item<std::int64_t>(), hi);
  EXPECT_EQ(big[1].item<std::int64_t>(), lo + 1);
  EXPECT_EQ(big[1].item<long long>(), lo + 1);
  EXPECT_EQ(xg::tensor({-3.7}).item<std::int64_t>(), -3);  // truncated toward zero, as libtorch and C++
  EXPECT_EQ(xg::tensor({2.5f}).item<int>(), 2);
  EXPECT_EQ(xg::tensor({-0.5}).item<bool>(), true);
  EXPECT_EQ(xg::tensor({0}, xg::kInt64).item<bool>(), false);
  EXPECT_EQ(xg::tensor({2147483647}, xg::kInt64).item<int>(), 2147483647);
  EXPECT_XG_ERROR(xg::tensor({2147483648.0}, xg::kInt64).item<int>(),
                  "item: the value 2147483648 cannot be converted to an integer in [-2147483648, 2147483647] without overflow");
  EXPECT_XG_ERROR(xg::tensor({-1}, xg::kInt64).item<std::uint8_t>(), "item: the value -1", "[0, 255]");
  EXPECT_XG_ERROR(xg::tensor({NAN}).item<std::int64_t>(), "item: the value nan cannot be converted");
  EXPECT_XG_ERROR(xg::tensor({1e19}).item<std::int64_t>(), "item: the value 1e+19", "without overflow");
  EXPECT_XG_ERROR(xg::tensor({INFINITY}).item<int>(), "item: the value inf");
  EXPECT_EQ(xg::tensor({-9223372036854775808.0}, xg::kFloat64).item<std::int64_t>(), lo);  // -2^63 fits
  // to_vector's conversions to integers, the same rule per element.
  EXPECT_EQ(big.to_vector<std::int64_t>(), (std::vector<std::int64_t>{hi, lo + 1}));
  EXPECT_EQ(xg::tensor({1.9, -1.9}).to_vector<int>(), (std::vector<int>{1, -1}));
  EXPECT_XG_ERROR(xg::tensor({1.0, NAN}).to_vector<std::int64_t>(), "to_vector: element 1 (nan) cannot be converted");
  EXPECT_XG_ERROR(xg::tensor({3e9f}, xg::kFloat32).to_vector<int>(), "to_vector: element 0 (3e+09)", "[-2147483648, 2147483647]");
  EXPECT_XG_ERROR(big.to_vector<int>(), "to_vector: element 0 (9.22337e+18)", "without overflow");
}

TEST(LibtorchSpellings, AliasesMeanWhatTheyMeanThere) {
  static_assert(xg::kFloat == xg::kFloat32 && xg::kDouble == xg::kFloat64 && xg::kLong == xg::kInt64);
  auto x = xg::tensor({{1.5, 2.0}}, xg::kDouble);
  EXPECT_EQ(x.slice(1, 0, 1).item<double>(), 1.5);
  EXPECT_EQ(x.sum().item<float>(), 3.5f);
  EXPECT_EQ(xg::tensor({7}, xg::kLong).item<std::int64_t>(), 7);
  EXPECT_XG_ERROR(x.item<float>(), "item: only a one-element tensor");
  EXPECT_EQ(xg::cat({x, x}, 1).shape(), (xg::Shape{1, 4}));
  xg::manual_seed(3);
  const auto r = xg::randn_like(x), u = xg::rand_like(x);
  EXPECT_EQ(r.shape(), x.shape());
  EXPECT_EQ(r.dtype(), xg::kDouble);
  EXPECT_EQ(u.dtype(), xg::kDouble);
  EXPECT_XG_ERROR(xg::randn_like(xg::arange(3)), "randn: dtype must be float32 or float64, got int64");
}

TEST(Creation, Int64FullRefusesValuesNoInt64Holds) {
  for (double v : {0x1p63, -0x1p64, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    try {
      xg::full({2}, v, xg::kInt64);
      ADD_FAILURE() << "expected an error for " << v;
    } catch (const xg::Error& e) {
      EXPECT_NE(std::string(e.what()).find("full: value"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(xg::full({1}, -0x1p63, xg::kInt64).item<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  // An int64 tensor compared with a double no int64 holds compares as floats (PyTorch's rule).
  const auto big = xg::arange(3) <= 1e19;
  EXPECT_EQ(big.dtype(), xg::kFloat32);
  EXPECT_EQ(big.to_vector<float>(), (std::vector<float>{1, 1, 1}));
}
