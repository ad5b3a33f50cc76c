// The special functions (lgamma, digamma, polygamma, erfc, erfinv, mvlgamma, sinc, copysign,
// heaviside, signbit) and the scaled products (addmm, addmv, addbmm, baddbmm, addr, addcmul,
// addcdiv, tensordot, kron) against PyTorch 1.13 in float64 (tests/fixtures/torch_special.npz
// from scripts/make_special_fixtures.py): values and every input's gradient, plain and under
// create_graph; mpmath's exact values; the poles; gradchecks, gradgradchecks and errors.
#include <cmath>
#include <cstring>
#include <limits>

#include "tensor/special_rules.h"
#include "test_util.h"

using namespace xg;
using xg::test::max_abs_diff;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_special.npz";
Tensor fixture(const std::string& key) { return xg::test::fixture(kFile, key); }

struct Case {
  const char* name;
  std::size_t inputs;
  std::function<Tensor(L)> f;
  double y_tol = 1e-12, g_tol = 1e-12;
};

// PyTorch's polygamma(1, x) is a short series (about 1e-10 relative, see ExactValues): where
// it enters a value or gradient, the comparison allows that.
const std::vector<Case>& cases() {
  static const std::vector<Case> all{
      {"lgamma", 1, [](L v) { return lgamma(v[0]); }},
      {"digamma", 1, [](L v) { return v[0].digamma(); }, 1e-12, 1e-8},
      {"polygamma0", 1, [](L v) { return polygamma(0, v[0]); }, 1e-12, 1e-8},
      {"polygamma1", 1, [](L v) { return v[0].polygamma(1); }, 1e-8, 1e-11},
      {"polygamma2", 1, [](L v) { return polygamma(2, v[0]); }, 1e-11, 1e-10},
      {"polygamma3", 1, [](L v) { return polygamma(3, v[0]); }, 1e-10, 1e-9},
      {"erfc", 1, [](L v) { return v[0].erfc(); }},
      {"erfinv", 1, [](L v) { return erfinv(v[0]); }},
      {"mvlgamma", 1, [](L v) { return v[0].mvlgamma(3); }, 1e-12, 1e-11},
      {"sinc", 1, [](L v) { return sinc(v[0]); }},
      {"copysign", 2, [](L v) { return v[0].copysign(v[1]); }},
      {"addmm", 3, [](L v) { return addmm(v[0], v[1], v[2], 0.5, 2.0); }},
      {"addmm_bias", 3, [](L v) { return v[0].addmm(v[1], v[2]); }},
      {"addmm_row", 3, [](L v) { return addmm(v[0], v[1], v[2], 1.0, -1.5); }},
      {"addmv", 3, [](L v) { return v[0].addmv(v[1], v[2], 2.0, 0.5); }},
      {"addbmm", 3, [](L v) { return addbmm(v[0], v[1], v[2], 0.25, 3.0); }},
      {"baddbmm", 3, [](L v) { return v[0].baddbmm(v[1], v[2], -1.0, 0.5); }},
      {"addr", 3, [](L v) { return addr(v[0], v[1], v[2], 1.5, 2.0); }},
      {"addcmul", 3, [](L v) { return v[0].addcmul(v[1], v[2], 0.5); }},
      {"addcdiv", 3, [](L v) { return addcdiv(v[0], v[1], v[2], -2.0); }},
      {"tensordot2", 2, [](L v) { return tensordot(v[0], v[1], 2); }},
      {"tensordot0", 2, [](L v) { return tensordot(v[0], v[1], 0); }},
      {"tensordot_lists", 2, [](L v) { return tensordot(v[0], v[1], {0, 2}, {2, 0}); }},
      {"kron", 2, [](L v) { return v[0].kron(v[1]); }},
      {"kron_ranks", 2, [](L v) { return kron(v[0], v[1]); }},
      {"kron3", 2, [](L v) { return kron(v[0], v[1]); }},
  };
  return all;
}

::testing::AssertionResult relative_near(const Tensor& got, const Tensor& want, double tol) {
  const auto g = got.to(kFloat64).to_vector<double>(), w = want.to_vector<double>();
  if (g.size() != w.size()) return ::testing::AssertionFailure() << g.size() << " values, expected " << w.size();
  for (std::size_t i = 0; i < g.size(); ++i)
    if (!(std::fabs(g[i] - w[i]) <= tol * std::fabs(w[i])))
      return ::testing::AssertionFailure() << "element " << i << ": got " << g[i] << ", expected " << w[i];
  return ::testing::AssertionSuccess();
}
}  // namespace

TEST(SpecialOps, MatchPyTorchWithGradients) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    xg::test::expect_fixture_case(kFile, c.name, c.f(in), in, c.y_tol, c.g_tol);
  }
}

TEST(SpecialOps, GradcheckAndGradgradcheck) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    // copysign jumps where other crosses 0 (the fixture's -0.0 and 0): checked below with a
    // constant other.
    if (std::string(c.name) == "copysign") continue;
    const auto in = xg::test::fixture_inputs(kFile, c.name, c.inputs);
    EXPECT_TRUE(gradcheck_ok(c.f, in));
    EXPECT_TRUE(gradgradcheck_ok(c.f, in));
  }
  // sinc across its series' edge (|x| = 1e-3) and at 0, where its second derivative is -π²/3.
  const auto near0 = xg::tensor({-0.3, 1.2e-3, 0.99e-3, 0.0, -2e-5, 0.7}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck_ok([](L v) { return sinc(v[0]); }, {near0}));
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return sinc(v[0]); }, {near0}));
  const auto at0 = xg::tensor({0.0}, kFloat64).requires_grad_();
  const Tensor g1 = grad({sinc(at0).sum()}, {at0}, {}, true, true)[0];
  EXPECT_EQ(g1.item(), 0.0);
  EXPECT_NEAR(grad({g1.sum()}, {at0})[0].item(), -M_PI * M_PI / 3, 1e-12);
  // copysign with other broadcast (a constant).
  const auto a = xg::tensor({{1.5, -2.0}, {0.5, -0.25}}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradgradcheck_ok([](L v) { return copysign(v[0], xg::tensor({-1.0, 2.0}, kFloat64)); }, {a}));
}

TEST(SpecialOps, ExactValuesBeyondPyTorchs) {
  // Against mpmath (40 digits): a few ulp everywhere, where PyTorch's trigamma is off by
  // ~1e-10 and its erfinv by ~1e-5 at 1 - 2^-53.
  const Tensor x = fixture("exact.x");
  EXPECT_TRUE(relative_near(digamma(x), fixture("exact.digamma"), 1e-14));
  for (int n : {1, 2, 5}) EXPECT_TRUE(relative_near(polygamma(n, x), fixture("exact.polygamma" + std::to_string(n)), 4e-15)) << n;
  EXPECT_TRUE(relative_near(erfinv(fixture("exact.y")), fixture("exact.erfinv"), 4e-16));
  // float32 is evaluated in double and rounded once.
  const Tensor x32 = x.to(kFloat32);  // rounded once from the double value at the float input
  EXPECT_TRUE(relative_near(digamma(x32), digamma(x32.to(kFloat64)), 6e-8));
  EXPECT_EQ(digamma(x32).dtype(), kFloat32);
  EXPECT_TRUE(relative_near(erfinv(fixture("exact.y").to(kFloat32)).slice(0, 1, 6), fixture("exact.erfinv").slice(0, 1, 6), 1e-6));
  // int64 input is computed in float32, as PyTorch's.
  EXPECT_EQ(lgamma(xg::tensor({1.0, 5.0}, kInt64)).dtype(), kFloat32);
  EXPECT_NEAR(lgamma(xg::tensor({1.0, 5.0}, kInt64)).to_vector<float>()[1], std::log(24.0), 1e-6);
}

TEST(SpecialOps, PolesAndEdgesArePyTorchs) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const auto d = digamma(xg::tensor({0.0, -0.0, -2.0, inf, -inf, nan}, kFloat64)).to_vector<double>();
  EXPECT_EQ(d[0], -inf);
  EXPECT_EQ(d[1], inf);
  EXPECT_TRUE(std::isnan(d[2]) && std::isnan(d[4]) && std::isnan(d[5]));
  EXPECT_EQ(d[3], inf);
  EXPECT_EQ(lgamma(xg::tensor({-1.0, 0.0}, kFloat64)).to_vector<double>(), (std::vector<double>{inf, inf}));
  EXPECT_EQ(polygamma(1, xg::tensor({0.0, -3.0}, kFloat64)).to_vector<double>(), (std::vector<double>{inf, inf}));
  const auto e = erfinv(xg::tensor({1.0, -1.0, 1.5, -0.0, 0.0}, kFloat64)).to_vector<double>();
  EXPECT_EQ(e[0], inf);
  EXPECT_EQ(e[1], -inf);
  EXPECT_TRUE(std::isnan(e[2]));
  EXPECT_TRUE(e[3] == 0 && std::signbit(e[3]));
  EXPECT_TRUE(e[4] == 0 && !std::signbit(e[4]));
  // erfinv inverts erf to the last bits over the range.
  const Tensor u = xg::linspace(-0.999, 0.999, 101, kFloat64);
  EXPECT_LT(max_abs_diff(erf(erfinv(u)), u), 4e-16);
  // The derivative at 0 of sinc is 0, as PyTorch's; signbit reads -0.0 and NaN's sign.
  auto z = xg::tensor({0.0}, kFloat64).requires_grad_();
  EXPECT_EQ(grad({sinc(z).sum()}, {z})[0].to_vector<double>()[0], 0.0);
  EXPECT_EQ(signbit(xg::tensor({-0.0, 0.0, -nan, nan, -2.0}, kFloat64)).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 0, 1, 0, 1}));
  EXPECT_EQ(signbit(xg::tensor({-3.0, 0.0, 4.0}, kInt64)).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(copysign(xg::tensor({2.0}, kFloat64), -nan).to_vector<double>()[0], -2.0);
  // heaviside: PyTorch's values (NaN gives 0); a backward through it is an error.
  const Tensor h = heaviside(fixture("heaviside.in0"), fixture("heaviside.in1"));
  EXPECT_TRUE(xg::test::values_near(h, fixture("heaviside.y").to_vector<double>(), 0));
  auto hx = xg::tensor({-1.0, 0.0, 2.0}, kFloat64).requires_grad_();
  EXPECT_XG_ERROR(heaviside(hx, xg::tensor({0.5}, kFloat64)).sum().backward(), "heaviside: the derivative is not implemented");
}

TEST(SpecialOps, ProductsKeepPyTorchsRules) {
  // beta = 0 ignores the input's values: a NaN there stays out, and the input gets no gradient.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto input = xg::full({3, 5}, nan, kFloat64).requires_grad_();
  const auto m1 = xg::test::fixture_inputs(kFile, "addmm", 3);
  const Tensor y = addmm(input, m1[1], m1[2], 0.0, 2.0);
  EXPECT_LT(max_abs_diff(y, xg::matmul(m1[1], m1[2]) * 2.0), 1e-14);
  const auto g = grad({y.sum()}, {input, m1[1]}, {}, true, false, true);
  EXPECT_TRUE(!g[0].defined() || max_abs_diff(g[0], xg::zeros({3, 5}, kFloat64)) == 0);
  // addbmm is one product over the batch: the same as summing bmm's slices.
  const auto b = xg::test::fixture_inputs(kFile, "addbmm", 3);
  EXPECT_LT(max_abs_diff(addbmm(b[0], b[1], b[2]), b[0] + xg::bmm(b[1], b[2]).sum(0)), 1e-13);
  // tensordot of matrices with dims 1 is matmul; kron with a 1x1 is a scaling.
  const auto p = xg::randn({3, 4}, kFloat64), q = xg::randn({4, 2}, kFloat64);
  EXPECT_LT(max_abs_diff(tensordot(p, q, 1), matmul(p, q)), 1e-14);
  EXPECT_LT(max_abs_diff(kron(xg::full({1, 1}, 3.0, kFloat64), p), p * 3.0), 0.0 + 1e-15);
}

TEST(SpecialOps, ErrorsNameTheCall) {
  const auto x = xg::randn({3, 4}, kFloat64);
  EXPECT_XG_ERROR(polygamma(-1, x), "polygamma: the order n must be non-negative, got -1");
  EXPECT_XG_ERROR(polygamma(171, x), "polygamma: the order n must be at most 170, got 171");
  EXPECT_XG_ERROR(mvlgamma(x.abs() + 0.6, 3), "mvlgamma: every element must be greater than (p - 1) / 2 = 1;",
                  "(flat) is not");
  EXPECT_XG_ERROR(mvlgamma(x, 0), "mvlgamma: p must be at least 1, got 0");
  EXPECT_XG_ERROR(erfinv(Tensor()), "erfinv: the input is undefined");
  EXPECT_XG_ERROR(addmm(x, x, x), "addmm: (3,4) and (3,4) cannot be multiplied (inner dimensions 4 and 3 differ)");
  EXPECT_XG_ERROR(addmm(x, xg::zeros({3}), x), "addmm: mat1 must be 2-D, got (3,)");
  EXPECT_XG_ERROR(addmm(xg::zeros({2, 4}), x, xg::zeros({4, 4})), "addmm: the input (2,4) does not broadcast to",
                  "(3,4)");
  EXPECT_XG_ERROR(addmv(xg::zeros({3}), x, xg::zeros({3})), "addmv:", "inner dimensions 4 and 3 differ");
  EXPECT_XG_ERROR(addbmm(x, xg::zeros({2, 3, 4}), xg::zeros({3, 4, 5})), "addbmm: batch1 (2,3,4) and batch2 (3,4,5) have different batch sizes");
  EXPECT_XG_ERROR(baddbmm(x, xg::zeros({2, 3}), xg::zeros({2, 3, 4})), "baddbmm: batch1 must be 3-D, got (2,3)");
  EXPECT_XG_ERROR(addr(x, xg::zeros({3, 1}), xg::zeros({4})), "addr: vec1 must be 1-D, got (3,1)");
  EXPECT_XG_ERROR(addcdiv(x, xg::ones({3}, kInt64), xg::ones({3}, kInt64)), "addcdiv: integer division");
  EXPECT_XG_ERROR(tensordot(x, x, 3), "tensordot: dims 3 exceeds the rank of (3,4) or (3,4)");
  EXPECT_XG_ERROR(tensordot(x, x.t(), 2), "tensordot: contracted axes must match, but a (3,4) has size 3 in axis 0 and b (4,3) has size 4 in axis 0");
  EXPECT_XG_ERROR(tensordot(x, x, {0, 0}, {0, 1}), "tensordot: axis 0 of a is listed twice");
  // A 0-d operand has no axis to contract (the fuzzer found the axis rule accepting 0 and -1 there).
  EXPECT_XG_ERROR(tensordot(xg::scalar_tensor(2.0, kFloat64), x, {0}, {0}), "tensordot: cannot contract an axis of a 0-d operand (a (), b (3,4))");
  EXPECT_XG_ERROR(tensordot(x, x, {0}, {0, 1}), "tensordot: both operands need as many contracted axes, got 1 and 2");
  EXPECT_XG_ERROR(tensordot(x, x, {2}, {0}), "tensordot:", "2");
}

TEST(SpecialOps, DigammaAndTrigammaBatchesGiveTheScalarFunctionsBits) {
  // The CPU runs them eight lanes at a time where every lane is plain, else per element: an
  // element's bits must not depend on its neighbours or the thread split.
  xg::manual_seed(41);
  const int threads_before = xg::get_num_threads();
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v = (xg::rand({4099}, xg::kFloat64) * 30.0 - 5.0).to_vector<double>();
  for (double e : {0.0, -0.0, -1.0, -2.5, 0.5, 0.4999999, 1e-300, 5e-324, 9.999999, 10.0, 12.0, 1e300, inf, -inf, nan})
    v.insert(v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), e);
  for (std::size_t i = 0; i < 64; ++i) v[i] = 0.1 + 0.2 * static_cast<double>(i);  // whole plain batches
  for (const auto dtype : {xg::kFloat64, xg::kFloat32}) {
    SCOPED_TRACE(xg::dtype_name(dtype));
    const xg::Tensor x = xg::tensor(v, {static_cast<std::int64_t>(v.size())}).to(dtype);
    const std::vector<double> in = x.to(xg::kFloat64).to_vector<double>();
    for (int threads : {1, 2}) {
      xg::set_num_threads(threads);
      const auto d = xg::digamma(x).to(xg::kFloat64).to_vector<double>();
      const auto t = xg::polygamma(1, x).to(xg::kFloat64).to_vector<double>();
      for (std::size_t i = 0; i < in.size(); ++i) {
        const double want_d = dtype == xg::kFloat32 ? static_cast<float>(xg::detail::special::digamma(in[i]))
                                                    : xg::detail::special::digamma(in[i]);
        // float's recurrence hands over to the series sooner (special::trigamma_from).
        const double want_t = dtype == xg::kFloat32 ? static_cast<float>(xg::detail::special::trigamma(in[i], 6))
                                                    : xg::detail::special::trigamma(in[i]);
        ASSERT_TRUE(std::memcmp(&d[i], &want_d, sizeof(double)) == 0) << "digamma(" << in[i] << "): " << d[i] << " vs " << want_d;
        ASSERT_TRUE(std::memcmp(&t[i], &want_t, sizeof(double)) == 0) << "trigamma(" << in[i] << "): " << t[i] << " vs " << want_t;
      }
    }
  }
  xg::set_num_threads(threads_before);
}

TEST(SpecialOps, FloatErfErfcLgammaLog1pExpm1AreTheDoubleFunctionsRoundedWhereverTheElementLies) {
  // A float32 tensor's erf, erfc, lgamma, log1p and expm1 run in double vector lanes
  // (tensor/special_host.cpp): the float is glibc's double function rounded once (to 1 ulp:
  // erf and erfc miss it for a handful of the 4.3e9 floats), and an element's bits do not
  // depend on its neighbours, its place in a batch or the tail, or the thread split.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  xg::manual_seed(43);
  std::vector<float> v = (xg::rand({1037}) * 40.0f - 12.0f).to_vector<float>();
  for (float e : {0.0f, -0.0f, -1.0f, -2.5f, -36.0f, 1.0f, 2.0f, 1e-30f, 1e-45f, -1e-7f, 0.5f, 9.0f, 10.5f, 88.5f, -88.5f, 3e38f, inf, -inf, nan})
    v.insert(v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), e);
  for (std::size_t i = 0; i < 64; ++i) v[i] = 0.05f + 0.3f * static_cast<float>(i);  // whole plain batches
  const auto n = static_cast<std::int64_t>(v.size());
  const Tensor x = xg::tensor(std::vector<double>(v.begin(), v.end()), {n}).to(kFloat32);
  struct Fn {
    const char* name;
    Tensor (*on_tensor)(const Tensor&);
    double (*reference)(double);
    bool exact;  // every float of the range checked rounds as the reference does
  };
  const Fn fns[] = {
      {"erf", [](const Tensor& t) { return erf(t); }, [](double d) { return std::erf(d); }, false},
      {"erfc", [](const Tensor& t) { return erfc(t); }, [](double d) { return std::erfc(d); }, false},
      {"lgamma", [](const Tensor& t) { return lgamma(t); }, [](double d) { int sign; return ::lgamma_r(d, &sign); }, true},
      {"log1p", [](const Tensor& t) { return log1p(t); }, [](double d) { return std::log1p(d); }, true},
      {"expm1", [](const Tensor& t) { return expm1(t); }, [](double d) { return std::expm1(d); }, true},
  };
  const int threads_before = xg::get_num_threads();
  for (const Fn& fn : fns) {
    SCOPED_TRACE(fn.name);
    for (int threads : {1, 2}) {
      xg::set_num_threads(threads);
      const auto y = fn.on_tensor(x).to_vector<float>();
      const auto y1 = fn.on_tensor(x.slice(0, 1)).to_vector<float>();  // every batch boundary moved
      for (std::size_t i = 0; i < v.size(); ++i) {
        const float want = static_cast<float>(fn.reference(static_cast<double>(v[i])));
        if (std::isnan(want)) {
          ASSERT_TRUE(std::isnan(y[i])) << fn.name << "(" << v[i] << ") = " << y[i];
        } else if (fn.exact || std::isinf(want)) {
          ASSERT_EQ(y[i], want) << fn.name << "(" << v[i] << ")";
        } else {
          ASSERT_LE(std::fabs(y[i] - want), std::fabs(std::nextafter(want, inf) - want)) << fn.name << "(" << v[i] << ")";
        }
        if (i > 0) ASSERT_TRUE(std::memcmp(&y1[i - 1], &y[i], sizeof(float)) == 0) << fn.name << "(" << v[i] << ") moved";
      }
    }
  }
  xg::set_num_threads(threads_before);
}
