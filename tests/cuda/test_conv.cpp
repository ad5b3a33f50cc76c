// Convolution and pooling on CUDA against the CPU (issue 20, step 7): every geometry the CPU
// suite covers (stride, padding, dilation, groups, 1x1), with the three gradients, to the
// second order in float64; the transposed convolution; max pooling with its tie and NaN
// rules; average pooling; im2col/col2im; pad; the volumetric (3-D) layers; and SimpleConvNet
// training side by side.
#include <limits>

#include "cuda/cuda_util.h"

namespace nn = xg::nn;
using xg::Tensor;
using xg::test::matches_cpu;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// f's value and the gradients of sum(f * gy) for every input, on the CPU and on CUDA.
::testing::AssertionResult same_on_cuda(const std::vector<Tensor>& in, const Fn& f, double tol) {
  const auto run = [&](bool gpu) {
    std::vector<Tensor> xs;
    for (const auto& t : in) xs.push_back((gpu ? t.to(xg::kCUDA) : t).detach().requires_grad_());
    const Tensor y = f(xs);
    const Tensor gy = xg::test::seeded(y.shape(), y.dtype(), 77);
    y.backward(gpu ? gy.to(xg::kCUDA) : gy);
    std::vector<Tensor> out{y};
    for (const auto& x : xs) out.push_back(x.grad());
    return out;
  };
  const auto cpu = run(false), gpu = run(true);
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    auto r = matches_cpu(gpu[i], cpu[i], tol);
    if (!r) return r << " (output " << i << ": 0 the value, then each input's gradient)";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(CudaConv, EveryGeometryAndItsGradientsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  struct Case {
    xg::Shape x, w;
    xg::Int2 stride, padding, dilation;
    std::int64_t groups;
  };
  const std::vector<Case> cases = {
      {{2, 3, 7, 6}, {4, 3, 3, 3}, 1, 0, 1, 1}, {{2, 3, 7, 6}, {4, 3, 3, 2}, {2, 1}, {1, 2}, 1, 1},
      {{1, 2, 9, 9}, {3, 2, 3, 3}, 1, 2, 2, 1}, {{2, 4, 5, 5}, {6, 2, 3, 3}, 1, 1, 1, 2},
      {{3, 5, 4, 4}, {7, 5, 1, 1}, 1, 0, 1, 1},  // 1x1: the input is its own column buffer
      {{1, 1, 28, 28}, {30, 1, 5, 5}, 1, 0, 1, 1}};  // SimpleConvNet's first layer
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-4}})
    for (const auto& c : cases) {
      const Tensor x = xg::test::seeded(c.x, dtype, 1), w = xg::test::seeded(c.w, dtype, 2), b = xg::test::seeded({c.w[0]}, dtype, 3);
      EXPECT_TRUE(same_on_cuda({x, w, b}, [&](auto& v) { return xg::conv2d(v[0], v[1], v[2], c.stride, c.padding, c.dilation, c.groups); }, tol))
          << xg::detail::shape_str(c.x) << " * " << xg::detail::shape_str(c.w);
      EXPECT_TRUE(same_on_cuda({x, w}, [&](auto& v) { return xg::conv2d(v[0], v[1], Tensor(), c.stride, c.padding, c.dilation, c.groups); }, tol));
    }
  const Tensor x = xg::test::seeded({2, 4, 5, 5}, xg::kFloat64, 4), w = xg::test::seeded({4, 3, 3, 3}, xg::kFloat64, 5);
  EXPECT_TRUE(same_on_cuda({x, w}, [](auto& v) { return xg::conv_transpose2d(v[0], v[1], Tensor(), 2, 1, 1); }, 1e-12));
}

TEST(CudaConv, SecondOrderGradientsOnTheGpu) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({1, 2, 5, 5}, xg::kFloat64, 6).to(xg::kCUDA).requires_grad_();
  const Tensor w = xg::test::seeded({2, 2, 3, 3}, xg::kFloat64, 7).to(xg::kCUDA).requires_grad_();
  EXPECT_TRUE(xg::testing::gradcheck_ok([](const xg::tensor_list& v) { return xg::conv2d(v[0], v[1], Tensor(), 1, 1); }, {x, w}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok([](const xg::tensor_list& v) { return xg::conv2d(v[0], v[1], Tensor(), 2, 1); }, {x, w}));
  EXPECT_TRUE(xg::testing::gradcheck_ok([](const xg::tensor_list& v) { return xg::max_pool2d(v[0] * v[0], 2); }, {x}));
}

TEST(CudaConv, PoolingColumnsAndPaddingMatchTheCpu) {
  XG_REQUIRE_CUDA();
  for (const auto dtype : {xg::kFloat64, xg::kFloat32}) {
    const Tensor x = xg::test::seeded({2, 3, 8, 7}, dtype, 8);
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool2d(v[0], 2); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool2d(v[0], 3, 2, 1); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool2d(v[0], {3, 2}, 1, {1, 0}, 2); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::im2col(v[0], 3, 2, 1); }, 0));
    EXPECT_TRUE(same_on_cuda({xg::test::seeded({2 * 16, 3 * 9}, dtype, 9)}, [](auto& v) { return xg::col2im(v[0], {2, 3, 8, 8}, 3, 2, 1); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::pad(v[0], {1, 2, 0, 3}, -1.5); }, 0));
    // The other modes: an index_select per axis, index_add back in the CPU's order.
    for (const auto mode : {xg::kReflect, xg::kReplicate, xg::kCircular})
      EXPECT_TRUE(same_on_cuda({x}, [mode](auto& v) { return xg::pad(v[0], {2, -1, 3, 1}, mode); }, 0)) << xg::pad_mode_name(mode);
    // Averages: the CPU's sums in the CPU's order, so the same bits.
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::avg_pool2d(v[0], 2); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::avg_pool2d(v[0], 3, 2, 1, false, false); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::adaptive_avg_pool2d(v[0], {3, 5}); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::adaptive_max_pool2d(v[0], {3, 5}); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::adaptive_max_pool2d(v[0] * v[0], 1); }, 0));
    // ceil_mode (a last window cut by the edge) and divisor_override: the CPU's bits.
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool2d(v[0], 2, 2, 0, 1, true); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool2d(v[0], 3, 2, 1, {2, 1}, true); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::avg_pool2d(v[0], 3, 2, 1, true, false); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::avg_pool2d(v[0], {2, 3}, 2, 0, true, true, 5); }, 0));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::avg_pool3d(v[0].unsqueeze(0), 2, 2, 0, true, true, 3); }, 0));
  }
  // Ties go to the first in window order; a NaN wins its window.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor ties = xg::tensor({{{{1.0, 1.0}, {1.0, 1.0}}}}, xg::kFloat64);
  EXPECT_TRUE(same_on_cuda({ties}, [](auto& v) { return xg::max_pool2d(v[0], 2); }, 0));
  const Tensor with_nan = xg::tensor({{{{1.0, nan}, {5.0, nan}}}}, xg::kFloat64).to(xg::kCUDA);
  EXPECT_TRUE(std::isnan(xg::max_pool2d(with_nan, 2).item()));
}

TEST(CudaConv, UnbatchedInputsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  // (C, H, W) and (C, L): a batch of one on the batched kernels, values and gradients.
  const Tensor x = xg::test::seeded({4, 7, 6}, xg::kFloat64, 14), w = xg::test::seeded({6, 2, 3, 2}, xg::kFloat64, 15);
  EXPECT_TRUE(same_on_cuda({x, w}, [](auto& v) { return xg::conv2d(v[0], v[1], Tensor(), {2, 1}, 1, 1, 2); }, 1e-12));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool2d(v[0], 3, 2, 1, 1, true); }, 0));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::adaptive_avg_pool2d(v[0], {3, 4}); }, 0));
  const Tensor s = xg::test::seeded({4, 9}, xg::kFloat64, 16), w1 = xg::test::seeded({4, 3, 3}, xg::kFloat64, 17);
  EXPECT_TRUE(same_on_cuda({s, w1}, [](auto& v) { return xg::conv_transpose1d(v[0], v[1], Tensor(), 2, 1); }, 1e-12));
  EXPECT_TRUE(same_on_cuda({s}, [](auto& v) { return xg::avg_pool1d(v[0], 3, 2, 1); }, 0));
}

TEST(CudaConv, VolumeLayersAndUnpoolingMatchTheCpu) {
  XG_REQUIRE_CUDA();
  // Composed of the 2-D kernels, an index_select and an index_add: the CPU's values and
  // gradients, the pools' exactly.
  const Tensor x = xg::test::seeded({2, 4, 5, 6, 5}, xg::kFloat64, 10), w = xg::test::seeded({6, 2, 3, 2, 3}, xg::kFloat64, 11);
  const Tensor b = xg::test::seeded({6}, xg::kFloat64, 12), wt = xg::test::seeded({4, 3, 2, 3, 2}, xg::kFloat64, 13);
  EXPECT_TRUE(same_on_cuda({x, w, b}, [](auto& v) { return xg::conv3d(v[0], v[1], v[2], {2, 1, 2}, {1, 0, 1}, {1, 2, 1}, 2); }, 1e-12));
  EXPECT_TRUE(same_on_cuda({x, wt}, [](auto& v) { return xg::conv_transpose3d(v[0], v[1], Tensor(), {2, 1, 2}, {1, 0, 1}, {1, 0, 0}, 2); }, 1e-12));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::max_pool3d(v[0], {3, 2, 3}, {2, 2, 1}, 1); }, 0));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::avg_pool3d(v[0], {3, 2, 3}, {2, 1, 2}, 1, false, false); }, 0));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::adaptive_avg_pool3d(v[0], {3, 2, 4}); }, 0));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::adaptive_max_pool3d(v[0], {3, 2, 4}); }, 0));
  const auto indices = [](const Tensor& t) { return std::get<1>(xg::adaptive_max_pool3d_with_indices(t, {2, 3, 2})); };
  EXPECT_TRUE(matches_cpu(indices(x.to(xg::kCUDA)), indices(x), 0));
  // Pooling with indices and unpooling: the CPU's positions, values and gradients.
  const auto pool3 = [](const Tensor& t) { return xg::max_pool3d_with_indices(t, {3, 2, 3}, {2, 2, 1}, 1); };
  EXPECT_TRUE(matches_cpu(std::get<1>(pool3(x.to(xg::kCUDA))), std::get<1>(pool3(x)), 0));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) {
    auto [values, indices] = xg::max_pool3d_with_indices(v[0], 2);
    return xg::max_unpool3d(values * values, indices, 2, 2, 0, {5, 6, 5});
  }, 0));
  EXPECT_TRUE(same_on_cuda({x.select(2, 0)}, [](auto& v) {
    auto [values, indices] = xg::max_pool2d_with_indices(v[0], 3, 2, 1);
    return xg::max_unpool2d(values, indices, 3, 2, 1, {6, 5});
  }, 0));
  EXPECT_TRUE(same_on_cuda({x.abs() + 0.1}, [](auto& v) {
    namespace F = xg::nn::functional;
    return F::lp_pool3d(v[0], F::LPPool3dFuncOptions(2.5, {2, 3, 2}).stride(1)) +
           F::lp_pool2d(v[0].select(2, 1), F::LPPool2dFuncOptions(1.5, 2)).sum();
  }, 1e-12));
  const Tensor xg_ = x.to(xg::kCUDA).requires_grad_(), wg = w.to(xg::kCUDA).requires_grad_();
  EXPECT_TRUE(xg::testing::gradgradcheck_ok([](const xg::tensor_list& v) { return xg::conv3d(v[0], v[1], Tensor(), 1, 1, 1, 2); },
                                            {xg_.narrow(2, 0, 3).detach().requires_grad_(), wg}));
}

TEST(CudaConv, SimpleConvNetTrainsAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  const auto build = [](nn::Sequential& net) {
    xg::manual_seed(0);
    net.emplace<nn::Conv2d>(1, 8, 5);
    net.emplace<nn::ReLU>();
    net.emplace<nn::MaxPool2d>(2);
    net.emplace<nn::Flatten>();
    net.emplace<nn::Linear>(8 * 12 * 12, 32);
    net.emplace<nn::ReLU>();
    net.emplace<nn::Linear>(32, 10);
    net.to(xg::kFloat64);
  };
  nn::Sequential cpu_net, gpu_net;
  xg::test::build_on_cpu_and_gpu(cpu_net, gpu_net, build);
  xg::optim::Adam cpu_opt(cpu_net.parameters(), xg::optim::AdamOptions(1e-3));
  xg::optim::Adam gpu_opt(gpu_net.parameters(), xg::optim::AdamOptions(1e-3));
  xg::manual_seed(1);
  const Tensor x = xg::randn({16, 1, 28, 28}, xg::kFloat64), t = xg::randint(0, 10, {16});
  const Tensor gx = x.to(xg::kCUDA), gt = t.to(xg::kCUDA);
  for (int step = 0; step < 20; ++step) {
    cpu_opt.zero_grad();
    gpu_opt.zero_grad();
    nn::softmax_cross_entropy(cpu_net.forward(x), t).backward();
    nn::softmax_cross_entropy(gpu_net.forward(gx), gt).backward();
    cpu_opt.step();
    gpu_opt.step();
  }
  const auto pc = cpu_net.parameters(), pg = gpu_net.parameters();
  for (std::size_t i = 0; i < pc.size(); ++i) EXPECT_TRUE(matches_cpu(pg[i], pc[i], 1e-10)) << "parameter " << i;
}
