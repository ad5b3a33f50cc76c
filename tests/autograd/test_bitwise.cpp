// Bitwise operations on int64 tensors against PyTorch 1.13 (tests/fixtures/torch_bitwise.npz
// from scripts/make_bitwise_fixtures.py): every sign pair, int64's extremes, broadcasting,
// shift counts 0 to 63, through the functions, the operators and the methods; PyTorch 2's
// rule for counts outside [0, 63]; masks; errors naming the call.
#include <cstdint>
#include <limits>

#include "test_util.h"

using namespace xg;

namespace {
const char* kFile = "torch_bitwise.npz";
Tensor fx(const std::string& key) { return xg::test::fixture(kFile, key); }
std::vector<std::int64_t> ints(const Tensor& t) { return t.to_vector<std::int64_t>(); }
}  // namespace

TEST(Bitwise, LogicMatchesPyTorch) {
  for (const std::string c : {"signs", "large", "broadcast"}) {
    SCOPED_TRACE(c);
    const Tensor a = fx(c + ".a"), b = fx(c + ".b");
    ASSERT_EQ(a.dtype(), kInt64);
    const Tensor want_and = fx(c + ".and"), want_or = fx(c + ".or"), want_xor = fx(c + ".xor");
    for (const Tensor& got : {bitwise_and(a, b), a & b, a.bitwise_and(b)}) {
      EXPECT_EQ(got.dtype(), kInt64);
      EXPECT_EQ(got.shape(), want_and.shape());
      EXPECT_EQ(ints(got), ints(want_and));
    }
    for (const Tensor& got : {bitwise_or(a, b), a | b, a.bitwise_or(b)}) EXPECT_EQ(ints(got), ints(want_or));
    for (const Tensor& got : {bitwise_xor(a, b), a ^ b, a.bitwise_xor(b)}) EXPECT_EQ(ints(got), ints(want_xor));
    for (const Tensor& got : {bitwise_not(a), ~a, a.bitwise_not()}) EXPECT_EQ(ints(got), ints(fx(c + ".not")));
  }
}

TEST(Bitwise, ShiftsMatchPyTorch) {
  for (const std::string c : {"counts", "broadcast_shift"}) {
    SCOPED_TRACE(c);
    const Tensor a = fx(c + ".a"), b = fx(c + ".b");
    for (const Tensor& got : {bitwise_left_shift(a, b), a.bitwise_left_shift(b)}) {
      EXPECT_EQ(got.shape(), fx(c + ".left").shape());
      EXPECT_EQ(ints(got), ints(fx(c + ".left")));
    }
    for (const Tensor& got : {bitwise_right_shift(a, b), a.bitwise_right_shift(b)})
      EXPECT_EQ(ints(got), ints(fx(c + ".right")));
  }
}

TEST(Bitwise, CountsOutsideTheWordShiftEveryBitOut) {
  // PyTorch 2's rule (1.13's CPU takes the count mod 64: 1 << 64 is 1 there).
  const Tensor a = tensor({5, -5, 1, -1}, kInt64);
  for (const double count : {-1.0, -64.0, 64.0, 65.0, 1000.0}) {
    SCOPED_TRACE(count);
    EXPECT_EQ(ints(a.bitwise_left_shift(count)), (std::vector<std::int64_t>{0, 0, 0, 0}));
    EXPECT_EQ(ints(a.bitwise_right_shift(count)), (std::vector<std::int64_t>{0, -1, 0, -1}));
  }
  // 63 is the last count in the word; a left shift into the sign bit is defined (unsigned).
  EXPECT_EQ(ints(bitwise_left_shift(a, 63.0)),
            (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min()}));
  EXPECT_EQ(ints(bitwise_right_shift(a, 63.0)), (std::vector<std::int64_t>{0, -1, 0, -1}));
}

TEST(Bitwise, ScalarsOnEitherSide) {
  const Tensor a = tensor({0, 1, 6, -7, 255, 256}, kInt64);
  EXPECT_EQ(ints(a & 0xFF), (std::vector<std::int64_t>{0, 1, 6, 249, 255, 0}));
  EXPECT_EQ(ints(3 & a), (std::vector<std::int64_t>{0, 1, 2, 1, 3, 0}));
  EXPECT_EQ(ints(a | 1), (std::vector<std::int64_t>{1, 1, 7, -7, 255, 257}));
  EXPECT_EQ(ints(8 | a), (std::vector<std::int64_t>{8, 9, 14, -7, 255, 264}));
  EXPECT_EQ(ints(a ^ -1), ints(~a));
  EXPECT_EQ(ints(5 ^ a), (std::vector<std::int64_t>{5, 4, 3, -4, 250, 261}));
  EXPECT_EQ(ints(bitwise_left_shift(1, tensor({0, 1, 10, 62}, kInt64))),
            (std::vector<std::int64_t>{1, 2, 1024, std::int64_t{1} << 62}));
  EXPECT_EQ(ints(bitwise_right_shift(-1024, tensor({0, 3, 10, 11}, kInt64))),
            (std::vector<std::int64_t>{-1024, -128, -1, -1}));
  EXPECT_EQ(ints(a.bitwise_and(6)), (std::vector<std::int64_t>{0, 0, 6, 0, 6, 0}));
  EXPECT_EQ((a & 1).dtype(), kInt64);
}

TEST(Bitwise, MasksCombine) {
  // xgrad's masks are int64 1/0: & and | combine them, ~ does not negate one (use
  // logical_not), as with PyTorch's integer tensors.
  const Tensor x = tensor({1.0, NAN, INFINITY, -2.0, -INFINITY});
  const Tensor bad = isnan(x) | isinf(x);
  EXPECT_EQ(ints(bad), (std::vector<std::int64_t>{0, 1, 1, 0, 1}));
  EXPECT_EQ(ints(bad & signbit(x)), (std::vector<std::int64_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(masked_fill(x, bad, 0.0).to_vector<float>(), (std::vector<float>{1, 0, 0, -2, 0}));
  EXPECT_EQ((bad & bad).dtype(), kInt64);
}

TEST(Bitwise, ErrorsNameTheCall) {
  const Tensor i = tensor({1, 2, 3}, kInt64), f = tensor({1.0, 2.0, 3.0});
  EXPECT_XG_ERROR(bitwise_and(i, f), "bitwise_and", "expected int64 tensors, got int64 and float32", ".to(xg::kInt64)");
  EXPECT_XG_ERROR(f | i, "bitwise_or", "got float32 and int64");
  EXPECT_XG_ERROR((f > 1.0) & (f < 3.0), "bitwise_and", "a comparison gives float 1/0");
  EXPECT_XG_ERROR(~f, "bitwise_not", "expected an int64 tensor, got float32");
  EXPECT_XG_ERROR(i & 2.5, "bitwise_and", "expected an integral scalar", "2.5");
  EXPECT_XG_ERROR(bitwise_left_shift(i, 1e19), "bitwise_left_shift", "within int64's range");
  EXPECT_XG_ERROR(i ^ tensor({1, 2}, kInt64), "bitwise_xor", "(3,)", "(2,)");
  EXPECT_XG_ERROR(bitwise_right_shift(Tensor(), i), "bitwise_right_shift", "undefined");
  EXPECT_XG_ERROR(bitwise_not(Tensor()), "bitwise_not", "undefined");
}
