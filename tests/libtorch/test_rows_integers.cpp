// Rows of docs/libtorch.md on integer arithmetic (floor division, the bitwise operations),
// compiled and run as test_rows_tensors.cpp's: each block, marked `// row:` with the row's
// libtorch cell, writes the row's xgrad spelling and checks its meaning.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include <xgrad/xgrad.h>

TEST(LibtorchRows, IntegerMath) {
  {
    // row: `torch::div(a, b, /*rounding_mode=*/"floor")`, `torch::floor_divide(a, b)`
    const auto a = xg::tensor({7.0f, -7.0f}), b = xg::tensor({2.0f});
    EXPECT_EQ(xg::div(a, b, /*rounding_mode=*/"floor").to_vector<float>(), (std::vector<float>{3, -4}));
    EXPECT_EQ(xg::div(a, b, "trunc").to_vector<float>(), (std::vector<float>{3, -3}));
    EXPECT_EQ(xg::floor_divide(a, b).to_vector<float>(), (std::vector<float>{3, -4}));
    const auto flat = xg::tensor({0, 5, 11, -1}, xg::kInt64);
    EXPECT_EQ(xg::div(flat, xg::tensor({4}, xg::kInt64), "floor").to_vector<std::int64_t>(),
              (std::vector<std::int64_t>{0, 1, 2, -1}));
  }
  {
    // row: `torch::bitwise_and(a, b)`, `a & b`, `torch::bitwise_or(a, 1)`, `a ^ b`, `~a`, `a.bitwise_not()`, `torch::bitwise_left_shift(a, 3)`, `a.bitwise_right_shift(b)`
    const auto a = xg::tensor({12, -12, 5}, xg::kInt64), b = xg::tensor({10, 3, 1}, xg::kInt64);
    EXPECT_EQ(xg::bitwise_and(a, b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{8, 0, 1}));
    EXPECT_EQ((a & b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{8, 0, 1}));
    EXPECT_EQ((a | 1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{13, -11, 5}));
    EXPECT_EQ((a ^ b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{6, -9, 4}));
    EXPECT_EQ((~a).to_vector<std::int64_t>(), (std::vector<std::int64_t>{-13, 11, -6}));
    EXPECT_EQ(a.bitwise_not().to_vector<std::int64_t>(), (std::vector<std::int64_t>{-13, 11, -6}));
    EXPECT_EQ(xg::bitwise_left_shift(a, 3).to_vector<std::int64_t>(), (std::vector<std::int64_t>{96, -96, 40}));
    EXPECT_EQ(a.bitwise_right_shift(b).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, -2, 2}));
    EXPECT_EQ(xg::bitwise_left_shift(a, 64).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 0}));  // PyTorch 2's rule
    EXPECT_THROW(xg::tensor({1.0f}) & xg::tensor({1.0f}), xg::Error);  // int64 only
    const auto nan_or_inf = xg::tensor({NAN, 1.0f, INFINITY}).isnan() | xg::tensor({NAN, 1.0f, INFINITY}).isinf();
    EXPECT_EQ(nan_or_inf.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 1}));  // masks combine
  }
}
