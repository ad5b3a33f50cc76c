// Integer division of int64 tensors (div's "floor" and "trunc" modes, floor_divide, remainder,
// fmod, operator%): values against PyTorch 1.13 (tests/fixtures/torch_integer_division.npz,
// scripts/make_integer_division_fixtures.py), promotion beside float tensors and scalars, the
// one overflowing quotient, and the zero divisor's error.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "test_util.h"

using xg::Tensor;
using xg::test::fixture;

namespace {

const char* kFile = "torch_integer_division.npz";

// Bit-for-bit equality of two tensors of one dtype and shape (int64 exactly; float64 too:
// PyTorch's promoted result is the same arithmetic).
::testing::AssertionResult same(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "dtype " << xg::dtype_name(got.dtype()) << " vs " << xg::dtype_name(want.dtype());
  if (got.shape() != want.shape()) return ::testing::AssertionFailure() << "shape differs";
  const Tensor g = got.to(xg::kFloat64), w = want.to(xg::kFloat64);
  if (got.dtype() == xg::kInt64) {
    const auto a = got.to_vector<std::int64_t>(), b = want.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
    return ::testing::AssertionSuccess();
  }
  const auto a = g.to_vector<double>(), b = w.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i]) && !(std::isnan(a[i]) && std::isnan(b[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs " << b[i];
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(IntegerDivision, MatchesPyTorch) {
  for (const char* c : {"signs", "random", "large", "large_small_divisor", "int64_min", "broadcast", "mixed_int_float",
                        "mixed_float_int"}) {
    SCOPED_TRACE(c);
    const std::string k = c;
    const Tensor a = fixture(kFile, k + ".a"), b = fixture(kFile, k + ".b");
    EXPECT_TRUE(same(xg::div(a, b, "floor"), fixture(kFile, k + ".floor")));
    EXPECT_TRUE(same(a.floor_divide(b), fixture(kFile, k + ".floor")));
    EXPECT_TRUE(same(a.div(b, "trunc"), fixture(kFile, k + ".trunc")));
    EXPECT_TRUE(same(xg::remainder(a, b), fixture(kFile, k + ".remainder")));
    EXPECT_TRUE(same(a % b, fixture(kFile, k + ".remainder")));
    EXPECT_TRUE(same(a.fmod(b), fixture(kFile, k + ".fmod")));
  }
}

TEST(IntegerDivision, ScalarsKeepInt64WhenIntegral) {
  const Tensor a = xg::tensor({7, -7, 0, 12}, xg::kInt64);
  const Tensor r = a % 3.0;
  EXPECT_EQ(r.dtype(), xg::kInt64);
  EXPECT_EQ(r.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 0, 0}));
  EXPECT_EQ(xg::fmod(a, -3.0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, -1, 0, 0}));
  EXPECT_EQ(a.remainder(-5.0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-3, -2, 0, -3}));
  // 20 % a: the scalar is the dividend (libtorch's Scalar % Tensor).
  const Tensor d = xg::tensor({3, -3, 7}, xg::kInt64);
  EXPECT_EQ((20.0 % d).to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, -1, 6}));
  // A fractional scalar promotes an int64 tensor to float32, as PyTorch's torch.remainder(a, 2.5).
  const Tensor f = a % 2.5;
  EXPECT_EQ(f.dtype(), xg::kFloat32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{2, 0.5, 0, 2}));
  EXPECT_EQ(xg::fmod(a, 2.5).to_vector<float>(), (std::vector<float>{2, -2, 0, 2}));
  // A float tensor's scalar forms are as before.
  EXPECT_EQ(xg::tensor({5.5, -5.5}, xg::kFloat64).remainder(2.0).to_vector<double>(), (std::vector<double>{1.5, 0.5}));
}

TEST(IntegerDivision, TheOverflowingQuotientWraps) {
  // INT64_MIN / -1 is 2^63, outside int64: it wraps to INT64_MIN (numpy's answer; C++ leaves it
  // undefined, x86 traps, and PyTorch 1.13 dies with SIGFPE), and its remainder is 0.
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const Tensor a = xg::tensor({double(lo), 9.0}, xg::kInt64), m1 = xg::tensor({-1, -1}, xg::kInt64);
  EXPECT_EQ(xg::div(a, m1, "floor").to_vector<std::int64_t>(), (std::vector<std::int64_t>{lo, -9}));
  EXPECT_EQ(xg::div(a, m1, "trunc").to_vector<std::int64_t>(), (std::vector<std::int64_t>{lo, -9}));
  EXPECT_EQ(xg::remainder(a, m1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(xg::fmod(a, m1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0}));
}

TEST(IntegerArithmetic, OverflowWrapsAroundAsPyTorchs) {
  // Two's complement, as PyTorch's int64 (C++ leaves signed overflow undefined: found by the
  // operations' fuzzer in a product): sums, differences, products, negation, abs, reductions.
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  const auto ints = [](const std::vector<std::int64_t>& v) {  // exact (a double cannot hold INT64_MAX)
    Tensor t = xg::tensor(std::vector<double>(v.size()), {static_cast<std::int64_t>(v.size())}, xg::kInt64);
    std::copy(v.begin(), v.end(), t.data<std::int64_t>());
    return t;
  };
  const Tensor a = ints({hi, lo, 3037000500}), b = ints({1, 1, 3037000500});
  EXPECT_EQ((a + b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{lo, lo + 1, 6074001000}));
  EXPECT_EQ((a - b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{hi - 1, hi, 0}));
  // 3037000500² = 9223372037000250000 = 2^63 + 145474192: wraps to INT64_MIN + 145224192.
  EXPECT_EQ((a * b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{hi, lo, lo + 145474192}));
  EXPECT_EQ((a * ints({2, 2, 1})).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-2, 0, 3037000500}));
  EXPECT_EQ((a * -1.0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-hi, lo, -3037000500}));
  EXPECT_EQ((-a).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-hi, lo, -3037000500}));
  EXPECT_EQ(a.abs().to_vector<std::int64_t>(), (std::vector<std::int64_t>{hi, lo, 3037000500}));
  EXPECT_EQ(ints({hi, 1}).sum().item<std::int64_t>(), lo);
  EXPECT_EQ(ints({hi, 2}).prod().item<std::int64_t>(), -2);
  EXPECT_EQ(ints({hi, 1}).cumsum(0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{hi, lo}));
  // The scatters and index_add add into one target: the same rule.
  const Tensor twice = xg::tensor({0, 0}, xg::kInt64);
  EXPECT_EQ(xg::zeros({1}, xg::kInt64).scatter_add(0, twice, ints({hi, 1})).item<std::int64_t>(), lo);
  EXPECT_EQ(xg::zeros({1}, xg::kInt64).index_add(0, twice, ints({hi, 1})).item<std::int64_t>(), lo);
  EXPECT_EQ(xg::zeros({2, 1}, xg::kInt64).index_add(0, twice, ints({hi, 1}).reshape({2, 1})).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{lo, 0}));  // a row per index
  EXPECT_EQ(ints({1}).scatter_reduce(0, twice, ints({hi, 1}), "sum").item<std::int64_t>(), lo + 1);
  EXPECT_EQ(ints({1}).scatter_reduce(0, twice, ints({hi, 2}), "prod").item<std::int64_t>(), -2);
}

TEST(IntegerDivision, ZeroDivisorIsAnErrorNamingTheCall) {
  const Tensor a = xg::tensor({4, 5, 6, 7, 8, 9}, xg::kInt64).reshape({2, 3});
  const Tensor b = xg::tensor({1, 2, 0}, xg::kInt64);
  EXPECT_XG_ERROR(xg::div(a, b, "floor"), "div: integer division by zero: element 2 (flat) of the divisor (shape (3,)) is 0");
  EXPECT_XG_ERROR(xg::div(a, b, "trunc"), "div: integer division by zero", "element 2");
  EXPECT_XG_ERROR(xg::floor_divide(a, b.reshape({3, 1}).narrow(0, 1, 2)), "div: integer division by zero: element 1 (flat)",
                  "(2,1)");
  EXPECT_XG_ERROR(a % b, "remainder: integer division by zero: element 2");
  EXPECT_XG_ERROR(xg::fmod(a, 0.0), "fmod: integer division by zero: element 0 (flat) of the divisor (shape ()) is 0");
  EXPECT_XG_ERROR(0.0 % b, "remainder: integer division by zero: element 2");
  // A float divisor of 0 is IEEE arithmetic, not an error, int64 dividend or not.
  EXPECT_TRUE(std::isnan(xg::remainder(a, xg::zeros({1}, xg::kFloat64)).to_vector<double>()[0]));
  EXPECT_TRUE(std::isinf(xg::div(a, xg::zeros({1}), "floor").to_vector<float>()[0]));
  // Undefined operands and the shapes of a failed broadcast.
  EXPECT_XG_ERROR(xg::div(a, Tensor(), "floor"), "div: an operand is undefined");
  EXPECT_XG_ERROR(xg::remainder(Tensor(), 2.0), "remainder: the input is undefined");
  EXPECT_XG_ERROR(a % xg::tensor({1, 2}, xg::kInt64), "remainder:", "(2,3)", "(2,)");
}

TEST(IntegerDivision, FloatOperandsKeepTheirGradients) {
  // An int64 operand beside a float64 one takes no gradient; the float one gets PyTorch's.
  const Tensor x = xg::tensor({5.5, -3.25, 7.0}, xg::kFloat64).requires_grad_();
  const Tensor n = xg::tensor({2, 2, -3}, xg::kInt64);
  const auto g = xg::grad({(x % n).sum()}, {x});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{1, 1, 1}));
  const Tensor d = xg::tensor({2.5, -2.0}, xg::kFloat64).requires_grad_();
  const auto gd = xg::grad({xg::remainder(xg::tensor({7, 7}, xg::kInt64), d).sum()}, {d});
  EXPECT_EQ(gd[0].to_vector<double>(), (std::vector<double>{-2, 4}));  // -floor(7 / d)
}

TEST(IntegerDivision, OneDivisorForAllMatchesTheElementwiseRules) {
  // A one-element divisor takes libdivide's multiply-and-shift (tensor/int_divide.cpp); the same
  // divisor repeated for every element takes the element-by-element rules. Both must agree
  // everywhere: int64's extremes, every sign, powers of two, divisors near 2^31 and 2^63.
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> values{lo, lo + 1, hi, hi - 1, 0, 1, -1, 2, -2, 999, -999, 1000, -1000, 1001, -1001};
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 4000; ++i) {  // xorshift: every magnitude
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    values.push_back(static_cast<std::int64_t>(state) >> (i % 60));
  }
  Tensor a = xg::tensor(std::vector<double>(values.size()), {static_cast<std::int64_t>(values.size())}, xg::kInt64);
  std::copy(values.begin(), values.end(), a.data<std::int64_t>());
  for (const std::int64_t d : {std::int64_t{1}, std::int64_t{2}, std::int64_t{-2}, std::int64_t{3}, std::int64_t{-7},
                               std::int64_t{1000}, std::int64_t{1} << 31, (std::int64_t{1} << 31) + 1, -(std::int64_t{1} << 62),
                               hi, lo, lo + 1, std::int64_t{-3}}) {
    SCOPED_TRACE(d);
    Tensor one = xg::full({1}, 0.0, xg::kInt64), every = xg::full({a.numel()}, 0.0, xg::kInt64);
    one.data<std::int64_t>()[0] = d;
    std::fill_n(every.data<std::int64_t>(), every.numel(), d);
    EXPECT_TRUE(same(xg::div(a, one, "floor"), xg::div(a, every, "floor")));
    EXPECT_TRUE(same(xg::div(a, one, "trunc"), xg::div(a, every, "trunc")));
    EXPECT_TRUE(same(a % one, a % every));
    EXPECT_TRUE(same(xg::fmod(a, one), xg::fmod(a, every)));
  }
}
