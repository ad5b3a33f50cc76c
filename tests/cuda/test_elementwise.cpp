// The elementwise family on CUDA against the CPU (issue 20, step 2 of REFERENCE-GPU.md): every
// binary and unary kind through the public operations, broadcasting, empty and one-element
// operands, three dtypes, in-place updates, a first backward, and the device rule with its
// CPU-scalar exception. Exact where IEEE arithmetic is (the same bits), 1e-12 relative for
// the transcendental functions in float64 (the device's libm is not the host's), 1e-5 in float32.
#include <limits>

#include "cuda/cuda_util.h"

using xg::Tensor;
using xg::test::matches_cpu;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// f on CPU inputs and on their CUDA copies (a 0-d input marked `keep_on_cpu` stays a CPU
// scalar), compared.
::testing::AssertionResult same_on_cuda(const std::vector<Tensor>& inputs, const Fn& f, double rtol,
                                        std::vector<bool> keep_on_cpu = {}) {
  std::vector<Tensor> on_gpu;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    on_gpu.push_back(i < keep_on_cpu.size() && keep_on_cpu[i] ? inputs[i] : inputs[i].to(xg::kCUDA));
  return matches_cpu(f(on_gpu), f(inputs), rtol);
}

Tensor ramp(const xg::Shape& shape, xg::Dtype dtype, double scale = 0.37) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  // Both signs; integers for int64 (a ramp of whole numbers around 0).
  const Tensor r = xg::arange(static_cast<double>(n), xg::kFloat64);
  const Tensor v = dtype == xg::kInt64 ? r - static_cast<double>(n / 2) : r * scale - 1.1;
  return v.reshape(shape).to(dtype);
}

const std::vector<std::pair<xg::Shape, xg::Shape>> kShapes = {
    {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{4, 1, 3}, {2, 1}}, {{}, {2, 3}},
    {{0, 3}, {3}},    {{1}, {5}},     {{3, 1}, {}},     {{2, 3, 4, 5}, {3, 1, 5}}};

}  // namespace

TEST(CudaElementwise, BinaryKindsMatchTheCpuWithBroadcasting) {
  XG_REQUIRE_CUDA();
  const std::vector<std::pair<const char*, Fn>> exact = {
      {"add", [](auto& x) { return x[0] + x[1]; }},        {"sub", [](auto& x) { return x[0] - x[1]; }},
      {"mul", [](auto& x) { return x[0] * x[1]; }},        {"div", [](auto& x) { return x[0] / x[1]; }},
      {"maximum", [](auto& x) { return xg::maximum(x[0], x[1]); }},
      {"minimum", [](auto& x) { return xg::minimum(x[0], x[1]); }},
      {"eq", [](auto& x) { return x[0] == x[1]; }},        {"ne", [](auto& x) { return x[0] != x[1]; }},
      {"lt", [](auto& x) { return x[0] < x[1]; }},         {"le", [](auto& x) { return x[0] <= x[1]; }},
      {"gt", [](auto& x) { return x[0] > x[1]; }},         {"ge", [](auto& x) { return x[0] >= x[1]; }}};
  for (const auto dtype : {xg::kFloat64, xg::kFloat32, xg::kInt64})
    for (const auto& [sa, sb] : kShapes)
      for (const auto& [name, f] : exact) {
        const Tensor a = ramp(sa, dtype), b = dtype == xg::kInt64 ? ramp(sb, dtype) : ramp(sb, dtype, 0.29) + 0.05;
        EXPECT_TRUE(same_on_cuda({a, b}, f, 0)) << name << " " << xg::dtype_name(dtype) << " "
                                               << xg::detail::shape_str(sa) << " with " << xg::detail::shape_str(sb);
      }
  // pow: positive bases, both float dtypes; libm's pow may differ in the last bit.
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}})
    for (const auto& [sa, sb] : kShapes)
      EXPECT_TRUE(same_on_cuda({xg::abs(ramp(sa, dtype)) + 0.5, ramp(sb, dtype)},
                               [](auto& x) { return xg::pow(x[0], x[1]); }, tol));
}

TEST(CudaElementwise, UnaryKindsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const std::vector<std::tuple<const char*, Fn, bool>> cases = {  // name, f, exact
      {"neg", [](auto& x) { return -x[0]; }, true},
      {"abs", [](auto& x) { return xg::abs(x[0]); }, true},
      {"relu", [](auto& x) { return xg::relu(x[0]); }, true},
      {"sqrt", [](auto& x) { return xg::sqrt(xg::abs(x[0])); }, true},  // IEEE: correctly rounded
      {"exp", [](auto& x) { return xg::exp(x[0]); }, false},
      {"log", [](auto& x) { return xg::log(xg::abs(x[0]) + 0.1); }, false},
      {"sin", [](auto& x) { return xg::sin(x[0]); }, false},
      {"cos", [](auto& x) { return xg::cos(x[0]); }, false},
      {"tanh", [](auto& x) { return xg::tanh(x[0]); }, false},
      {"sigmoid", [](auto& x) { return xg::sigmoid(x[0]); }, false},
      {"softplus", [](auto& x) { return xg::softplus(x[0]); }, false},
      {"log1p", [](auto& x) { return xg::log1p(xg::abs(x[0])); }, false},
      {"expm1", [](auto& x) { return xg::expm1(x[0]); }, false},
      {"erf", [](auto& x) { return xg::erf(x[0]); }, false},
      {"leaky_relu", [](auto& x) { return xg::leaky_relu(x[0], 0.1); }, true},
      {"clamp", [](auto& x) { return xg::clamp(x[0], -0.5, 0.75); }, true},
      {"pow 2", [](auto& x) { return xg::pow(x[0], 2.0); }, true},
      {"pow 3", [](auto& x) { return xg::pow(xg::abs(x[0]), 3.0); }, false}};
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}})
    for (const xg::Shape& shape : {xg::Shape{2, 3, 4}, xg::Shape{}, xg::Shape{0}, xg::Shape{1000}})
      for (const auto& [name, f, exact] : cases)
        EXPECT_TRUE(same_on_cuda({ramp(shape, dtype, 0.011)}, f, exact ? 0 : tol))
            << name << " " << xg::dtype_name(dtype) << " " << xg::detail::shape_str(shape);
  for (const auto& f : std::vector<Fn>{[](auto& x) { return -x[0]; }, [](auto& x) { return xg::abs(x[0]); }})
    EXPECT_TRUE(same_on_cuda({ramp({7}, xg::kInt64)}, f, 0));
  EXPECT_XG_ERROR(xg::exp(xg::arange(3.0, xg::kCUDA)), "exp", "int64");
}

TEST(CudaElementwise, WhereCastsAndInPlaceUpdatesMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const Tensor c = ramp({2, 1, 4}, xg::kFloat64) > 0.0, a = ramp({3, 1}, xg::kFloat64), b = ramp({4}, xg::kFloat64);
  EXPECT_TRUE(same_on_cuda({c, a, b}, [](auto& x) { return xg::where(x[0], x[1], x[2]); }, 0));
  for (const auto from : {xg::kFloat64, xg::kFloat32, xg::kInt64})
    for (const auto to : {xg::kFloat64, xg::kFloat32, xg::kInt64})
      EXPECT_TRUE(same_on_cuda({ramp({5, 3}, from, 1.7)}, [to](auto& x) { return x[0].to(to); }, 0));
  const auto in_place = [](auto& x) {
    Tensor y = x[0].clone();
    y.add_(x[1]);            // broadcast in place
    y.mul_(x[1]);
    y.add_(x[0], -0.25);     // the optimizers' axpy
    y.sub_(1.5);
    return y;
  };
  EXPECT_TRUE(same_on_cuda({ramp({4, 3}, xg::kFloat64), ramp({3}, xg::kFloat64, 0.2)}, in_place, 0));
  EXPECT_TRUE(same_on_cuda({ramp({4, 3}, xg::kFloat32), ramp({3}, xg::kFloat32, 0.2)}, in_place, 0));
}

// libtorch's in-place forms (x.exp_(), x.clamp_(...), x.scatter_(...)) on CUDA: each runs its
// operation on the device and writes back there, so the CPU's values to the operation's
// tolerance, and the tensor stays on its device.
TEST(CudaElementwise, InPlaceFormsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const auto forms = [](auto& x) {
    Tensor y = x[0].clone();
    y.abs_().add_(0.5).sqrt_().exp_().log_().tanh_().sigmoid_().reciprocal_();
    y.clamp_(1.2, 1.9).lerp_(x[1], 0.25).addcmul_(x[1], x[1], 0.5).pow_(1.5);
    y.scatter_(1, x[2], 7.0).index_add_(0, x[3], x[1].index_select(0, x[3]), 2.0).masked_fill_(x[4], -1.0);
    EXPECT_EQ(y.device(), x[0].device());
    return y;
  };
  const Tensor idx = xg::tensor({{2}, {0}, {1}, {2}}, xg::kInt64), rows = xg::tensor({3, 0}, xg::kInt64);
  const Tensor mask = xg::tensor({{1, 0, 0}, {0, 0, 1}, {0, 0, 0}, {0, 1, 0}}, xg::kInt64);
  EXPECT_TRUE(same_on_cuda({ramp({4, 3}, xg::kFloat64), ramp({4, 3}, xg::kFloat64, 0.2), idx, rows, mask}, forms, 1e-12));
  EXPECT_TRUE(same_on_cuda({ramp({4, 3}, xg::kFloat32), ramp({4, 3}, xg::kFloat32, 0.2), idx, rows, mask}, forms, 1e-5));
}

TEST(CudaElementwise, GradientsOfSameShapeOperationsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const auto grads = [](const std::vector<Tensor>& in) {
    Tensor x = in[0].detach().requires_grad_(), y = in[1].detach().requires_grad_();
    const Tensor z = x * y + xg::exp(x) * xg::sigmoid(y) - xg::tanh(x) / (y * y + 1.0);
    z.backward(in[2]);
    return xg::concat({x.grad(), y.grad()}, 0);
  };
  const Tensor x = ramp({6}, xg::kFloat64), y = ramp({6}, xg::kFloat64, 0.5), gy = ramp({6}, xg::kFloat64, 0.2);
  std::vector<Tensor> g;
  {
    const std::vector<Tensor> on_gpu{x.to(xg::kCUDA), y.to(xg::kCUDA), gy.to(xg::kCUDA)};
    Tensor xg_ = on_gpu[0].detach().requires_grad_(), yg = on_gpu[1].detach().requires_grad_();
    const Tensor z = xg_ * yg + xg::exp(xg_) * xg::sigmoid(yg) - xg::tanh(xg_) / (yg * yg + 1.0);
    z.backward(on_gpu[2]);
    EXPECT_TRUE(xg_.grad().is_cuda());
    EXPECT_TRUE(matches_cpu(xg_.grad(), grads({x, y, gy}).slice(0, 0, 6), 1e-12));
    EXPECT_TRUE(matches_cpu(yg.grad(), grads({x, y, gy}).slice(0, 6, 12), 1e-12));
  }
}

TEST(CudaElementwise, RecordedInPlaceUpdatesGiveTheCpusGradients) {
  XG_REQUIRE_CUDA();
  // h.relu_(), h += s, h.sin_(), buffer.index_copy_(0, idx, h): recorded, as libtorch does.
  const auto grads = [](const std::vector<Tensor>& in) {
    Tensor x = in[0].detach().requires_grad_(), s = in[1].detach().requires_grad_();
    Tensor h = x * 2.0 - 0.3;
    h.relu_();
    h += s;
    h.mul_(x).sin_().clamp_(-0.8, 0.8);
    Tensor buffer = xg::zeros({4, 3}, xg::TensorOptions().dtype(x.dtype()).device(x.device()));
    buffer.index_copy_(0, xg::tensor({2, 0}, xg::kInt64).to(x.device()), h);
    buffer *= 1.5;
    EXPECT_EQ(buffer.device(), x.device());
    buffer.backward(in[2]);
    return xg::concat({x.grad(), s.grad(), buffer.detach().slice(0, 0, 2)}, 0);
  };
  const Tensor x = ramp({2, 3}, xg::kFloat64), s = ramp({2, 3}, xg::kFloat64, 0.5), gy = ramp({4, 3}, xg::kFloat64, 0.2);
  const Tensor on_cpu = grads({x, s, gy});
  const Tensor on_gpu = grads({x.to(xg::kCUDA), s.to(xg::kCUDA), gy.to(xg::kCUDA)});
  EXPECT_TRUE(on_gpu.is_cuda());
  EXPECT_TRUE(matches_cpu(on_gpu, on_cpu, 1e-12));
}

TEST(CudaElementwise, OneDeviceExceptACpuScalar) {
  XG_REQUIRE_CUDA();
  const Tensor on_gpu = ramp({2, 3}, xg::kFloat64).to(xg::kCUDA), on_cpu = ramp({2, 3}, xg::kFloat64);
  EXPECT_XG_ERROR(on_gpu + on_cpu, "add: expected all tensors on one device, got cuda:0 (a) and cpu (b); move one with .to(...)");
  EXPECT_XG_ERROR(xg::where(on_cpu > 0.0, on_gpu, on_gpu), "where", "cpu (condition)", "cuda:0");
  Tensor target = on_cpu.clone();
  EXPECT_XG_ERROR(target.add_(on_gpu), "expected all tensors on one device", "cpu (self)", "cuda:0 (other)");
  // A 0-d CPU tensor is a scalar beside CUDA tensors, on either side; the result is on CUDA.
  const Tensor two = xg::scalar_tensor(2.0, xg::kFloat64);
  EXPECT_TRUE(same_on_cuda({ramp({2, 3}, xg::kFloat64), two}, [](auto& x) { return x[0] * x[1] - x[1] / x[0]; }, 0, {false, true}));
  EXPECT_TRUE(same_on_cuda({two, ramp({3}, xg::kFloat64)}, [](auto& x) { return xg::where(x[1] > 0.0, x[0], x[1]); }, 0, {true, false}));
  Tensor updated = on_gpu.clone();
  updated.mul_(two);
  EXPECT_TRUE(matches_cpu(updated, on_cpu * 2.0, 0));
  // A 0-d CUDA tensor is no scalar for CPU tensors.
  EXPECT_XG_ERROR(on_cpu + two.to(xg::kCUDA), "expected all tensors on one device", "cpu (a)", "cuda:0 (b)");
}

TEST(CudaElementwise, RoundingTrigonometryAndRemaindersMatchTheCpu) {
  XG_REQUIRE_CUDA();
  // Rounding is exact on both devices; the library functions to their libm's last bits.
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> exact = {
      {"floor", [](const Tensor& t) { return t.floor(); }}, {"ceil", [](const Tensor& t) { return t.ceil(); }},
      {"round", [](const Tensor& t) { return t.round(); }}, {"trunc", [](const Tensor& t) { return t.trunc(); }},
      {"frac", [](const Tensor& t) { return t.frac(); }},   {"sign", [](const Tensor& t) { return t.sign(); }},
      {"round2", [](const Tensor& t) { return t.round(2); }}};
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> smooth = {
      {"tan", [](const Tensor& t) { return (t * 0.3).tan(); }},       {"asin", [](const Tensor& t) { return (t * 0.2).asin(); }},
      {"acos", [](const Tensor& t) { return (t * 0.2).acos(); }},     {"atan", [](const Tensor& t) { return t.atan(); }},
      {"sinh", [](const Tensor& t) { return t.sinh(); }},             {"cosh", [](const Tensor& t) { return t.cosh(); }},
      {"asinh", [](const Tensor& t) { return t.asinh(); }},           {"acosh", [](const Tensor& t) { return (t.abs() + 1.0).acosh(); }},
      {"atanh", [](const Tensor& t) { return (t * 0.2).atanh(); }},   {"log2", [](const Tensor& t) { return (t.abs() + 0.1).log2(); }},
      {"log10", [](const Tensor& t) { return (t.abs() + 0.1).log10(); }}, {"exp2", [](const Tensor& t) { return t.exp2(); }}};
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}}) {
    const Tensor x = ramp({3, 7}, dtype, 0.61) * 1.3;
    for (const auto& [name, f] : exact) EXPECT_TRUE(same_on_cuda({x}, [&](auto& v) { return f(v[0]); }, 0)) << name;
    for (const auto& [name, f] : smooth) EXPECT_TRUE(same_on_cuda({x}, [&](auto& v) { return f(v[0]); }, tol)) << name;
    const Tensor b = ramp({7}, dtype, 0.29) + 0.05;
    EXPECT_TRUE(same_on_cuda({x, b}, [](auto& v) { return xg::fmod(v[0], v[1]); }, 0));
    EXPECT_TRUE(same_on_cuda({x, b}, [](auto& v) { return xg::remainder(v[0], v[1]); }, 0));
    EXPECT_TRUE(same_on_cuda({x, b}, [](auto& v) { return xg::atan2(v[0], v[1]); }, tol));
    EXPECT_TRUE(same_on_cuda({x, b}, [](auto& v) { return xg::lerp(v[0], v[1], 0.25); }, 0));
    EXPECT_TRUE(same_on_cuda({x, b}, [](auto& v) { return xg::logaddexp(v[0], v[1]) + xg::logaddexp2(v[1], v[0]); }, tol));
    EXPECT_TRUE(same_on_cuda({x, b}, [](auto& v) { return xg::hypot(v[0], v[1]) + xg::xlogy(v[0], v[1].abs() + 0.1); }, tol));
    const Tensor special = xg::tensor({1.5, NAN, INFINITY, -INFINITY, 0.0}, dtype);
    EXPECT_TRUE(same_on_cuda({special}, [](auto& v) { return v[0].nan_to_num(); }, 0));
    EXPECT_TRUE(same_on_cuda({special}, [](auto& v) { return v[0].isfinite() + v[0].isinf() * 2 + v[0].isnan() * 4; }, 0));
  }
  // A first backward through the new rules, float64, against the CPU's.
  const auto grad_of = [](xg::Device d) {
    const Tensor v = (ramp({2, 5}, xg::kFloat64, 0.23) * 0.5).to(d).requires_grad_();
    const Tensor y = (v.tan() + v.asinh() * v.atan() + xg::remainder(v, 0.7) + v.exp2() + xg::logaddexp(v, v * 2.0) +
                      xg::hypot(v, v + 1.0) + xg::xlogy(v, v * v + 0.5))
                         .sum();
    return xg::grad({y}, {v})[0];
  };
  EXPECT_TRUE(matches_cpu(grad_of(xg::kCUDA), grad_of(xg::kCPU), 1e-12));
}

TEST(CudaElementwise, IntegerDivisionMatchesTheCpuAndReportsAZeroDivisorAtTheNextWait) {
  XG_REQUIRE_CUDA();
  // PyTorch's fixtures (tests/autograd/test_integer_division.cpp) through the GPU: the same int64
  // (and promoted float64) results as the CPU, INT64_MIN and its one overflowing quotient included.
  const char* file = "torch_integer_division.npz";
  for (const char* c : {"signs", "large", "large_small_divisor", "int64_min", "broadcast", "mixed_int_float"}) {
    SCOPED_TRACE(c);
    const Tensor a = xg::test::fixture(file, std::string(c) + ".a"), b = xg::test::fixture(file, std::string(c) + ".b");
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return xg::div(v[0], v[1], "floor"); }, 0));
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return xg::div(v[0], v[1], "trunc"); }, 0));
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return v[0] % v[1]; }, 0));
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return xg::fmod(v[0], v[1]); }, 0));
  }
  const Tensor lo = xg::tensor({-0x1p63, 9.0}, xg::kInt64), m1 = xg::tensor({-1, -1}, xg::kInt64);
  EXPECT_TRUE(same_on_cuda({lo, m1}, [](auto& v) { return xg::div(v[0], v[1], "floor"); }, 0));
  EXPECT_TRUE(same_on_cuda({lo, m1}, [](auto& v) { return xg::div(v[0], v[1], "trunc") + v[0] % v[1]; }, 0));
  // An integral scalar on the CPU beside a GPU tensor keeps int64.
  EXPECT_TRUE(same_on_cuda({ramp({2, 3}, xg::kInt64)}, [](auto& v) { return v[0] % 4.0 + xg::fmod(v[0], -3.0); }, 0));
  // A zero divisor: no wait at the call; the CPU's message at the next wait; the GPU goes on.
  const Tensor a = ramp({2, 3}, xg::kInt64).cuda(), b = xg::tensor({1, 2, 0}, xg::kInt64).cuda();
  const Tensor q = xg::div(a, b, "floor");
  EXPECT_XG_ERROR(q.cpu(), "div: integer division by zero: element 2 (flat) of the divisor (shape (3,)) is 0");
  EXPECT_EQ((a % (b + 1)).cpu().to_vector<std::int64_t>(), (ramp({2, 3}, xg::kInt64) % xg::tensor({2, 3, 1}, xg::kInt64)).to_vector<std::int64_t>());
}

TEST(CudaElementwise, BitwiseOperationsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  // PyTorch's fixtures (tests/autograd/test_bitwise.cpp) through the GPU, bit for bit; counts
  // outside [0, 63] by PyTorch 2's rule on both devices.
  const char* file = "torch_bitwise.npz";
  for (const char* c : {"signs", "large", "broadcast"}) {
    SCOPED_TRACE(c);
    const Tensor a = xg::test::fixture(file, std::string(c) + ".a"), b = xg::test::fixture(file, std::string(c) + ".b");
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return v[0] & v[1]; }, 0));
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return v[0] | v[1]; }, 0));
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return v[0] ^ v[1]; }, 0));
    EXPECT_TRUE(same_on_cuda({a}, [](auto& v) { return ~v[0]; }, 0));
  }
  for (const char* c : {"counts", "broadcast_shift"}) {
    SCOPED_TRACE(c);
    const Tensor a = xg::test::fixture(file, std::string(c) + ".a"), b = xg::test::fixture(file, std::string(c) + ".b");
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return xg::bitwise_left_shift(v[0], v[1]); }, 0));
    EXPECT_TRUE(same_on_cuda({a, b}, [](auto& v) { return xg::bitwise_right_shift(v[0], v[1]); }, 0));
  }
  const Tensor a = xg::tensor({5, -5, 1, -1}, xg::kInt64), n = xg::tensor({-1, 64, 65, 1000}, xg::kInt64);
  EXPECT_TRUE(same_on_cuda({a, n}, [](auto& v) { return xg::bitwise_left_shift(v[0], v[1]); }, 0));
  EXPECT_TRUE(same_on_cuda({a, n}, [](auto& v) { return xg::bitwise_right_shift(v[0], v[1]); }, 0));
  // An integral scalar on the CPU beside a GPU tensor.
  EXPECT_TRUE(same_on_cuda({a}, [](auto& v) { return (v[0] & 3.0) | (6.0 ^ v[0]); }, 0));
}

TEST(CudaElementwise, SpecialFunctionsProductsAndAssemblyMatchTheCpu) {
  XG_REQUIRE_CUDA();
  // digamma, polygamma and erfinv share the CPU's double code (the same bits); lgamma and erfc
  // are CUDA's libm (1e-12 relative); compositions as their parts.
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    SCOPED_TRACE(xg::dtype_name(dtype));
    const Tensor x = ramp({3, 5}, dtype, 0.41), pos = x.abs() + 0.2, unit = x * 0.3;
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return v[0].digamma() + xg::polygamma(3, v[0]); }, 0));
    EXPECT_TRUE(same_on_cuda({unit}, [](auto& v) { return v[0].erfinv(); }, 0));
    const double tol = dtype == xg::kFloat64 ? 1e-12 : 1e-5;
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return v[0].lgamma() + v[0].erfc() + v[0].sinc(); }, tol));
    EXPECT_TRUE(same_on_cuda({pos}, [](auto& v) { return v[0].mvlgamma(2); }, tol));
    EXPECT_TRUE(same_on_cuda({x, unit}, [](auto& v) { return xg::copysign(v[0], v[1]) + v[1].signbit().to(v[0].dtype()); }, 0));
    EXPECT_TRUE(same_on_cuda({x, unit}, [](auto& v) { return xg::heaviside(v[0], v[1]); }, 0));
  }
  const auto run = [](xg::Device d) {
    const Tensor a = ramp({3, 4}, xg::kFloat64, 0.3).to(d).requires_grad_();
    const Tensor b = ramp({4, 5}, xg::kFloat64, 0.2).to(d).requires_grad_();
    const Tensor y = xg::addmm(xg::ones({5}, xg::TensorOptions(xg::kFloat64).device(d)), a, b).sum() +
                     xg::tensordot(a, b, 1).pow(2.0).sum() + xg::kron(a, b).sum() + a.lgamma().sum() +
                     (a * 0.2).erfinv().sum() + xg::polygamma(1, a.abs() + 0.5).sum() +
                     xg::take_along_dim(a, xg::tensor({{2.0}, {0.0}, {3.0}}, xg::TensorOptions(xg::kInt64).device(d)), 1).sum() +
                     xg::stack(xg::meshgrid({a.select(0, 0), b.select(1, 0)}, "xy")).sum() + a.rot90().sum() +
                     xg::block_diag({a, b}).pow(2.0).sum() + std::get<1>(a.aminmax(1)).sum();
    return std::make_pair(y, xg::grad({y}, {a, b}, {}, true, true));
  };
  const auto [yc, gc] = run(xg::kCPU);
  const auto [yd, gd] = run(xg::kCUDA);
  EXPECT_TRUE(matches_cpu(yd, yc, 1e-12));
  for (std::size_t i = 0; i < 2; ++i) EXPECT_TRUE(matches_cpu(gd[i], gc[i], 1e-12)) << i;
  // None of them waits for the GPU; mvlgamma's domain check is reported at the next wait,
  // with the CPU's message, and the process goes on.
  const Tensor v = ramp({2, 3}, xg::kFloat64).cuda(), one = xg::tensor({1.0}, xg::kInt64).cuda();
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kError);
  const auto before = xg::cuda::host_wait_count();
  const Tensor w = v.digamma() + v.mvlgamma(1) + xg::index_fill(v, 1, one, 2.0) +
                   xg::addcdiv(v, v, v.abs() + 1.0);
  const Tensor bad = (v + 10.0).mvlgamma(25);  // (p - 1)/2 = 12: some elements are below
  EXPECT_EQ(xg::cuda::host_wait_count(), before);
  xg::cuda::set_sync_debug_mode(xg::cuda::SyncDebugMode::kOff);
  EXPECT_XG_ERROR(xg::cuda::synchronize(), "mvlgamma: every element must be greater than (p - 1) / 2 = 12; element 0 (flat) is not");
  EXPECT_TRUE(w.is_cuda());
  EXPECT_EQ(xg::ones({2}, xg::kCUDA).sum().item(), 2.0);  // usable after the report
}

TEST(CudaElementwise, StackingAndNumericConveniencesMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const auto run = [](xg::Device d) {
    const Tensor a = ramp({3, 4}, xg::kFloat64, 0.3).to(d).requires_grad_();
    const Tensor b = (ramp({3, 4}, xg::kFloat64, 0.17) * 0.5 + 0.5).to(d).requires_grad_();
    const Tensor y = xg::hstack({a, b}).pow(2.0).sum() + xg::vstack({a, b.select(0, 1)}).sum() +
                     xg::dstack({a, b}).pow(2.0).sum() + xg::column_stack({a.select(1, 0), b}).sum() +
                     xg::fliplr(a).select(1, 0).sum() + xg::msort(a).select(0, 0).sum() +
                     xg::diag_embed(a, 1).pow(2.0).sum() + xg::diff(a, 2).pow(2.0).sum() + xg::trapezoid(a, 0.5).sum() +
                     xg::cumulative_trapezoid(a, b).sum() + xg::cov(a).sum() + xg::corrcoef(b).sum() + xg::pdist(a).sum() +
                     xg::logit(b * 0.5 + 0.25).sum() + xg::xlog1py(a, b).sum() + xg::float_power(b, a).sum();
    const xg::tensor_list g = xg::grad({y}, {a, b}, {}, true, true);
    const Tensor flags = xg::cat({xg::isclose(a, a + 1e-9).flatten(), xg::isin(a, b.select(0, 0)).flatten(),
                                  xg::isposinf(a / 0.0).flatten()});
    return std::make_tuple(y, g[0], g[1], flags);
  };
  const auto [yc, gac, gbc, fc] = run(xg::kCPU);
  const auto [yd, gad, gbd, fd] = run(xg::kCUDA);
  EXPECT_TRUE(matches_cpu(yd, yc, 1e-12));
  EXPECT_TRUE(matches_cpu(gad, gac, 1e-12));
  EXPECT_TRUE(matches_cpu(gbd, gbc, 1e-12));
  EXPECT_TRUE(matches_cpu(fd, fc, 0));
}

TEST(CudaElementwise, TensorBoundsFmaxAndFminMatchTheCpuWithGradients) {
  XG_REQUIRE_CUDA();
  const auto x = xg::test::seeded({4, 5}, xg::kFloat64, 80), lo = xg::test::seeded({5}, xg::kFloat64, 81) - 0.5;
  const auto hi = xg::test::seeded({4, 1}, xg::kFloat64, 82) + 0.5;
  xg::tensor_list host{x.clone().requires_grad_(), lo.clone().requires_grad_(), hi.clone().requires_grad_()}, gpu;
  for (const auto& t : host) gpu.push_back(t.detach().cuda().requires_grad_());
  const auto f = [](const xg::tensor_list& v) { return xg::clamp(v[0], v[1], v[2]) + xg::fmax(v[0], v[1]) * xg::fmin(v[0], v[2]); };
  const auto yh = f(host), yc = f(gpu);
  EXPECT_TRUE(xg::test::matches_cpu(yc, yh, 1e-14));
  yh.sum().backward();
  yc.sum().backward();
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(xg::test::matches_cpu(gpu[i].grad(), host[i].grad(), 1e-14)) << i;
}

TEST(CudaElementwise, FloatToInt64CastsSaturateAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto dtype : {xg::kFloat32, xg::kFloat64}) {
    const Tensor x = xg::tensor({nan, inf, -inf, 1.6e19, -1e19, 2.7, -2.7}, dtype);
    EXPECT_EQ(x.cuda().to(xg::kInt64).cpu().to_vector<std::int64_t>(), x.to(xg::kInt64).to_vector<std::int64_t>());
  }
}

TEST(CudaElementwise, Int64OverflowWrapsAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  // Two's complement on both devices (tensor/pointwise_rules.h's helpers; the CPU's values are
  // checked in tests/autograd/test_integer_division.cpp): the same bits here.
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  Tensor a = xg::zeros({3}, xg::kInt64), b = xg::zeros({3}, xg::kInt64);
  const std::int64_t av[] = {hi, lo, 3037000500}, bv[] = {1, 1, 3037000500};
  std::copy(av, av + 3, a.data<std::int64_t>());
  std::copy(bv, bv + 3, b.data<std::int64_t>());
  const auto twice = [](const Tensor& like) { return xg::tensor({0, 0}, xg::kInt64).to(like.device()); };
  const auto one = [](const Tensor& like) { return xg::zeros({1}, xg::TensorOptions(xg::kInt64).device(like.device())); };
  const std::vector<std::pair<const char*, Fn>> cases = {
      {"add", [](auto& x) { return x[0] + x[1]; }},
      {"sub", [](auto& x) { return x[0] - x[1]; }},
      {"mul", [](auto& x) { return x[0] * x[1]; }},
      {"neg", [](auto& x) { return -x[0]; }},
      {"abs", [](auto& x) { return xg::abs(x[0]); }},
      {"sum", [](auto& x) { return x[0].narrow(0, 0, 1).sum() + x[1].sum(); }},
      {"prod", [](auto& x) { return (x[0] * 2.0).prod(); }},
      {"cumsum", [](auto& x) { return x[1].cumsum(0) + x[0].cumsum(0); }},
      {"scatter_add", [&](auto& x) { return one(x[0]).scatter_add(0, twice(x[0]), x[0].narrow(0, 0, 2)); }},
      {"index_add", [&](auto& x) { return one(x[0]).index_add(0, twice(x[0]), x[0].narrow(0, 0, 2)); }},
      {"scatter_reduce", [&](auto& x) { return x[1].narrow(0, 0, 1).scatter_reduce(0, twice(x[0]), x[0].narrow(0, 0, 2), "sum"); }}};
  for (const auto& [name, f] : cases) EXPECT_TRUE(same_on_cuda({a, b}, f, 0)) << name;
}
