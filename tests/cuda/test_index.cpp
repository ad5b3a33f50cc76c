// Data movement on CUDA against the CPU (issue 20, step 5): permutes, broadcasts, concatenation,
// slices, index_select and gather with their adjoints (repeated indices summed in the CPU's
// order: the same bits), one_hot, and a bad index's message (the CPU's) after which the GPU
// still works.
#include "cuda/cuda_util.h"

using xg::Tensor;
using xg::test::matches_cpu;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// f(inputs) and, for float inputs, the gradient of sum(f * gy) for the first input, on each device.
std::vector<Tensor> value_and_grad(const std::vector<Tensor>& in, const Fn& f, const Tensor& gy) {
  std::vector<Tensor> xs = in;
  const bool differentiable = xg::is_floating(xs[0].dtype());
  if (differentiable) xs[0] = xs[0].detach().requires_grad_();
  const Tensor y = f(xs);
  if (!differentiable) return {y};
  y.backward(gy.to(y.device()));
  return {y, xs[0].grad()};
}

::testing::AssertionResult same_on_cuda(const std::vector<Tensor>& in, const Fn& f) {
  const Tensor probe = f(in);
  const Tensor gy = xg::is_floating(probe.dtype()) ? xg::test::seeded(probe.shape(), probe.dtype(), 99) : Tensor();
  std::vector<Tensor> moved;
  for (const auto& t : in) moved.push_back(t.to(xg::kCUDA));
  const auto cpu = value_and_grad(in, f, gy), gpu = value_and_grad(moved, f, gy);
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    auto r = matches_cpu(gpu[i], cpu[i], 0);  // data movement and in-order sums: the same bits
    if (!r) return r << (i == 0 ? " (value)" : " (gradient)");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(CudaIndex, MovesAndSlicesMatchTheCpu) {
  XG_REQUIRE_CUDA();
  for (const auto dtype : {xg::kFloat64, xg::kFloat32, xg::kInt64}) {
    const Tensor x = xg::test::seeded({3, 4, 5}, dtype, 1), y = xg::test::seeded({3, 2, 5}, dtype, 2);
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::permute(v[0], {2, 0, 1}); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::transpose(v[0], 0, 2); }));
    EXPECT_TRUE(same_on_cuda({xg::test::seeded({4, 1}, dtype, 3)}, [](auto& v) { return xg::broadcast_to(v[0], {2, 4, 3}); }));
    EXPECT_TRUE(same_on_cuda({x, y}, [](auto& v) { return xg::concat({v[0], v[1], v[0]}, 1); }));
    EXPECT_TRUE(same_on_cuda({x, x}, [](auto& v) { return xg::stack({v[0], v[1]}, 2); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::narrow(v[0], 1, 1, 2); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::slice(v[0], 2, 3); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::narrow(v[0], 0, 3, 0); }));  // empty
  }
}

TEST(CudaIndex, SelectionsAndTheirAdjointsMatchTheCpuBitForBit) {
  XG_REQUIRE_CUDA();
  // Repeated indices: the adjoints add several rows into one, in the CPU's order.
  const Tensor rows = xg::tensor({2, 0, 2, 2, 1, 0}, xg::kInt64);
  const Tensor picks = xg::tensor({{0, 3, 3}, {1, 1, 1}}, xg::kInt64);
  for (const auto dtype : {xg::kFloat64, xg::kFloat32}) {
    const Tensor x = xg::test::seeded({3, 4}, dtype, 4);
    EXPECT_TRUE(same_on_cuda({x, rows}, [](auto& v) { return xg::index_select(v[0], 0, v[1]); }));
    EXPECT_TRUE(same_on_cuda({xg::test::seeded({2, 3, 4}, dtype, 5), rows}, [](auto& v) { return xg::index_select(v[0], 1, v[1]); }));
    EXPECT_TRUE(same_on_cuda({x, picks}, [](auto& v) { return xg::gather(v[0], 1, v[1]); }));
    EXPECT_TRUE(same_on_cuda({x, xg::tensor({3, 0, 1}, xg::kInt64)}, [](auto& v) { return xg::pick(v[0], v[1]); }));
    const Tensor many = xg::randint(0, 50, {4096});  // an embedding's backward: 4096 tokens, 50 rows
    EXPECT_TRUE(same_on_cuda({xg::test::seeded({50, 16}, dtype, 6), many}, [](auto& v) { return xg::index_select(v[0], 0, v[1]); }));
  }
  EXPECT_TRUE(same_on_cuda({xg::tensor({3, 0, 9, 1}, xg::kInt64)}, [](auto& v) { return xg::one_hot(v[0], 10); }));
}

TEST(CudaIndex, ABadIndexGivesTheCpuMessageAndTheGpuGoesOn) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({3, 4}, xg::kFloat64, 7), bad = xg::tensor({0, 5, 1}, xg::kInt64);
  std::string cpu_message;
  try {
    xg::index_select(x, 0, bad);
  } catch (const xg::Error& e) {
    cpu_message = e.what();
  }
  ASSERT_FALSE(cpu_message.empty());
  // Reported at the next wait (here the copy back), with the CPU's message; the kernel read
  // nothing for the bad index.
  EXPECT_XG_ERROR(xg::index_select(x.to(xg::kCUDA), 0, bad.to(xg::kCUDA)).cpu(), cpu_message);
  EXPECT_XG_ERROR(xg::gather(x.to(xg::kCUDA), 1, xg::tensor({{0, -1}}, xg::kInt64).to(xg::kCUDA)).cpu(),
                  "index -1 at position 1", "negative indices do not count from the end");
  // The adjoint of a bad selection adds nothing anywhere (and the error still comes).
  const xg::Tensor w = x.to(xg::kCUDA).requires_grad_();
  xg::index_select(w, 0, bad.to(xg::kCUDA)).sum().backward();
  EXPECT_XG_ERROR(w.grad().cpu(), cpu_message);
  EXPECT_XG_ERROR(xg::index_select(x.to(xg::kCUDA), 0, xg::tensor({0}, xg::kInt64)), "expected all tensors on one device");
  EXPECT_EQ(xg::sum(xg::ones({10}, xg::kCUDA)).item(), 10.0);
}

TEST(CudaIndex, ConcatAndSplitOfManyPiecesTakeOneLaunchPer64) {
  XG_REQUIRE_CUDA();
  // An LSTM's 50 steps stacked, and unbound in backward: each piece was a copy of its own.
  // 70 pieces (two launches), some empty, along a middle axis, in every dtype.
  for (const xg::Dtype dtype : {xg::kFloat32, xg::kFloat64, xg::kInt64}) {
    std::vector<std::int64_t> sizes;
    xg::tensor_list parts, gparts;
    for (int i = 0; i < 70; ++i) {
      sizes.push_back(i % 9 == 4 ? 0 : 1 + i % 3);
      parts.push_back((xg::test::seeded({2, sizes.back(), 3}, xg::kFloat64, 200 + i) * 100).to(dtype));
      gparts.push_back(parts.back().cuda());
    }
    auto launches = xg::cuda::launch_count();
    const Tensor whole = xg::cat(gparts, 1);
    EXPECT_EQ(xg::cuda::launch_count() - launches, 2u) << xg::dtype_name(dtype);
    EXPECT_TRUE(matches_cpu(whole, xg::cat(parts, 1), 0)) << xg::dtype_name(dtype);
    launches = xg::cuda::launch_count();
    const auto back = xg::split(whole, sizes, 1);
    EXPECT_EQ(xg::cuda::launch_count() - launches, 2u) << xg::dtype_name(dtype);
    ASSERT_EQ(back.size(), parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) EXPECT_TRUE(matches_cpu(back[i], parts[i], 0)) << i;
  }
  // Stack's gradient (split) and split's (concat), through unbind.
  EXPECT_TRUE(same_on_cuda({xg::test::seeded({5, 4, 3}, xg::kFloat64, 7)}, [](const std::vector<Tensor>& v) {
    auto steps = xg::unbind(v[0] * v[0], 0);
    for (std::size_t t = 0; t < steps.size(); ++t) steps[t] = steps[t] * static_cast<double>(t + 1);
    return xg::stack(steps, 1);
  }));
}

TEST(CudaIndex, CumsumSortArgsortAndTopkGiveTheCpusBitsAndGradients) {
  XG_REQUIRE_CUDA();
  // Ties (values in 0..4), NaN and every axis: one thread per line walks it in the CPU's order.
  xg::Generator gen(20);
  xg::GeneratorGuard use(gen);
  xg::Tensor x = xg::randint(0, 5, {5, 6, 7}).to(xg::kFloat64);
  x = xg::where(x == 4.0, xg::full({}, NAN, xg::kFloat64), x);
  for (std::int64_t axis = 0; axis < 3; ++axis)
    for (const bool descending : {false, true}) {
      SCOPED_TRACE(testing::Message() << "axis " << axis << (descending ? " descending" : ""));
      const auto [vc, ic] = xg::sort(x, axis, descending);
      const auto [vg, ig] = xg::sort(x.cuda(), axis, descending);
      EXPECT_TRUE(xg::test::matches_cpu(ig, ic, 0));
      EXPECT_TRUE(xg::test::matches_cpu(vg, vc, 0));
      EXPECT_TRUE(xg::test::matches_cpu(xg::cumsum(x.cuda(), axis), xg::cumsum(x, axis), 0));
    }
  const auto ties = xg::randint(0, 3, {3, 301}).to(xg::kFloat32);  // long lines: many merge passes
  EXPECT_TRUE(xg::test::matches_cpu(xg::argsort(ties.cuda(), 1), xg::argsort(ties, 1), 0));
  EXPECT_TRUE(xg::test::matches_cpu(xg::argsort(ties.cuda(), 1, true), xg::argsort(ties, 1, true), 0));
  const auto ints = xg::test::seeded({4, 9}, xg::kInt64, 21);
  EXPECT_TRUE(xg::test::matches_cpu(xg::argsort(ints.cuda(), 1, true), xg::argsort(ints, 1, true), 0));
  EXPECT_TRUE(xg::test::matches_cpu(xg::cumsum(ints.cuda(), 0), xg::cumsum(ints, 0), 0));
  // Gradients: topk's values and cumsum scatter back to the positions they came from.
  const auto y = xg::test::seeded({6, 8}, xg::kFloat64, 22);
  const auto run = [&](const xg::Device& d) {
    auto v = y.to(d).requires_grad_();
    const auto out = (std::get<0>(xg::topk(v, 3, 1)) * 2.0).sum() + (xg::cumsum(v, 0) * v).sum();
    return xg::grad({out}, {v})[0];
  };
  EXPECT_TRUE(xg::test::matches_cpu(run(xg::kCUDA), run(xg::kCPU), 1e-12));
}

TEST(CudaIndex, FlipRollRepeatMovedimAndEinsumsDiagonalGiveTheCpusBits) {
  XG_REQUIRE_CUDA();
  // Index tables made on the input's device; the reductions (norm, std) in the CPU's order.
  for (const auto dtype : {xg::kFloat64, xg::kFloat32}) {
    const Tensor x = xg::test::seeded({3, 4, 5}, dtype, 7);
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return v[0].flip({0, 2}); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::roll(v[0], {2, -1}, {1, 2}); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return v[0].roll({7}); }));
    // repeat's gradient sums the copies (a broadcast's backward): to rounding, not bits.
    for (const auto& f : {std::function<Tensor(const Tensor&)>([](const Tensor& t) { return t.repeat({2, 1, 1, 3}); }),
                          std::function<Tensor(const Tensor&)>([](const Tensor& t) { return t.repeat_interleave(2, 1); })}) {
      const Tensor xc = x.detach().requires_grad_(), xgpu = x.cuda().requires_grad_();
      const Tensor yc = f(xc), yg = f(xgpu);
      EXPECT_TRUE(xg::test::matches_cpu(yg, yc, 0));
      (yc * yc).sum().backward();
      (yg * yg).sum().backward();
      EXPECT_TRUE(xg::test::matches_cpu(xgpu.grad(), xc.grad(), dtype == xg::kFloat64 ? 1e-12 : 1e-5));
    }
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return v[0].movedim({0}, {2}); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return xg::diagonal(v[0], 1, 1, 2); }));
  }
  const Tensor y = xg::test::seeded({4, 6}, xg::kFloat64, 8);
  for (const double p : {1.0, 2.0, 3.0}) {
    const Tensor c = xg::norm(y, p, {1}), g = xg::norm(y.cuda(), p, {1});
    EXPECT_TRUE(xg::test::matches_cpu(g, c, 1e-12)) << p;
  }
  EXPECT_TRUE(xg::test::matches_cpu(xg::std(y.cuda(), {0}, false, 1), xg::std(y, {0}, false, 1), 1e-12));
}

TEST(CudaIndex, IndexAddScatterAddMaskedSelectNonzeroAndRoundedDivisionGiveTheCpusBits) {
  XG_REQUIRE_CUDA();
  for (const auto dtype : {xg::kFloat64, xg::kFloat32}) {
    const Tensor x = xg::test::seeded({3, 4, 5}, dtype, 21), s = xg::test::seeded({3, 2, 5}, dtype, 22);
    const Tensor idx = xg::tensor({3, 3}, xg::kInt64);  // a repeated index: added in index order
    EXPECT_TRUE(same_on_cuda({x, s}, [&](auto& v) { return v[0].index_add(1, idx.to(v[0].device()), v[1], 0.5); }));
    const Tensor gidx = xg::tensor({{{2, 0, 1, 1, 0}, {1, 1, 1, 0, 2}}}, xg::kInt64);
    const Tensor src = xg::test::seeded({1, 2, 5}, dtype, 23);
    EXPECT_TRUE(same_on_cuda({x, src}, [&](auto& v) { return v[0].scatter_add(0, gidx.to(v[0].device()), v[1]); }));
    const Tensor mask = (xg::test::seeded({4, 1}, xg::kFloat64, 24) > 0.0).to(xg::kInt64);
    EXPECT_TRUE(same_on_cuda({x}, [&](auto& v) { return v[0].masked_select(mask.to(v[0].device())); }));
    EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return (v[0] > 0.0).nonzero(); }));
    const Tensor d = xg::test::seeded({5}, dtype, 25);
    EXPECT_TRUE(same_on_cuda({x, d}, [](auto& v) { return xg::div(v[0] * 7.0, v[1], "floor"); }));
    EXPECT_TRUE(same_on_cuda({x, d}, [](auto& v) { return xg::div(v[0] * 7.0, v[1], "trunc"); }));
  }
  // A user's bad index on a GPU: the CPU's message at the next wait, and the GPU goes on.
  const Tensor x = xg::zeros({2, 3}, xg::kCUDA);
  EXPECT_XG_ERROR(x.index_add(1, xg::tensor({0, 3}, xg::kInt64).cuda(), xg::ones({2, 2}, xg::kCUDA)).cpu(),
                  "index_add: index 3 at position 1 is out of range for axis 1 of size 3");
  EXPECT_EQ(xg::ones({2}, xg::kCUDA).sum().item(), 2.0);
}

TEST(CudaIndex, LibtorchsIndexingAndIndexPutGiveTheCpusBits) {
  XG_REQUIRE_CUDA();
  using namespace xg::indexing;  // NOLINT: as libtorch code writes it
  const Tensor x = xg::test::seeded({3, 4, 5}, xg::kFloat64, 31);
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) { return v[0].index({Slice(1, None), "...", Slice(None, None, 2)}); }));
  EXPECT_TRUE(same_on_cuda({x}, [](auto& v) {
    return v[0].index({-1, xg::tensor({{3, 0}, {1, 1}}, xg::kInt64).to(v[0].device()), None});
  }));
  for (const bool accumulate : {false, true}) {
    Tensor c = x.clone(), g = x.cuda();
    const Tensor idx = xg::tensor({2, 0, 2}, xg::kInt64), val = xg::test::seeded({3, 4, 5}, xg::kFloat64, 32);
    c.index_put_({idx}, val, accumulate);
    g.index_put_({idx.cuda()}, val.cuda(), accumulate);
    EXPECT_TRUE(matches_cpu(g, c, 0)) << accumulate;
  }
}

TEST(CudaIndex, ScatterAndIndexCopyTakeTheLastWriteAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  // Repeated targets: the sort-based winners give the CPU's answer and gradients, bit for bit.
  const Tensor index = xg::tensor({{1.0, 1.0, 3.0}, {2.0, 0.0, 2.0}}, xg::kInt64);
  const auto run = [&](xg::Device d) {
    auto self = xg::test::seeded({2, 4}, xg::kFloat64, 90).to(d).requires_grad_();
    auto src = xg::test::seeded({2, 3}, xg::kFloat64, 91).to(d).requires_grad_();
    const Tensor y = xg::scatter(self, 1, index.to(d), src).pow(2.0).sum() +
                     xg::scatter(self, 1, index.to(d), 1.5).sum() +
                     xg::index_copy(self, 1, xg::tensor({3.0, 0.0, 3.0}, xg::kInt64).to(d), src).pow(2.0).sum();
    const xg::tensor_list g = xg::grad({y}, {self, src}, {}, true, true);
    return std::make_tuple(y, g[0], g[1]);
  };
  const auto [yc, gsc, gxc] = run(xg::kCPU);
  const auto [yd, gsd, gxd] = run(xg::kCUDA);
  EXPECT_TRUE(xg::test::matches_cpu(yd, yc, 0));
  EXPECT_TRUE(xg::test::matches_cpu(gsd, gsc, 0));
  EXPECT_TRUE(xg::test::matches_cpu(gxd, gxc, 0));
}

TEST(CudaIndex, CombinationsAndMaskedScatterGiveTheCpusRowsAndGradients) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({6}, xg::kFloat64, 31);
  EXPECT_TRUE(same_on_cuda({x}, [](const std::vector<Tensor>& v) { return xg::combinations(v[0], 3); }));
  EXPECT_TRUE(same_on_cuda({x}, [](const std::vector<Tensor>& v) { return xg::combinations(v[0], 2, true); }));
  const Tensor mask = xg::tensor({1, 0, 0, 1, 1, 0}, xg::kInt64).to(xg::kCUDA), source = xg::test::seeded({4}, xg::kFloat64, 32);
  EXPECT_TRUE(same_on_cuda({x}, [&](const std::vector<Tensor>& v) {
    return xg::masked_scatter(v[0], mask.to(v[0].device()), source.to(v[0].device()));
  }));
}

TEST(CudaIndex, ScatterReduceAndIndexReduceGiveTheCpusBits) {
  XG_REQUIRE_CUDA();
  // Repeated targets fold in index order on both devices (sums and products too: the same
  // bits); values and both gradients, plain and under create_graph; int64 means floor.
  const Tensor index = xg::tensor({{1.0, 1.0, 3.0, 1.0}, {2.0, 0.0, 2.0, 2.0}}, xg::kInt64);
  for (const std::string reduce : {"sum", "prod", "mean", "amax", "amin"})
    for (const bool include : {true, false}) {
      const auto run = [&](xg::Device d) {
        auto self = xg::test::seeded({2, 4}, xg::kFloat64, 92).to(d).requires_grad_();
        auto src = xg::test::seeded({2, 5}, xg::kFloat64, 93).to(d).requires_grad_();
        const Tensor y = self.scatter_reduce(1, index.to(d), src, reduce, include).pow(2.0).sum() +
                         (reduce == "sum" ? Tensor(xg::zeros({}, xg::TensorOptions(xg::kFloat64).device(d)))
                                          : self.t().index_reduce(0, xg::tensor({3, 3, 0}, xg::kInt64).to(d),
                                                                   src.narrow(1, 0, 3).t(), reduce, include).sum());
        const xg::tensor_list g = xg::grad({y}, {self, src}, {}, true, true);
        return std::make_tuple(y, g[0], g[1]);
      };
      const auto [yc, gsc, gxc] = run(xg::kCPU);
      const auto [yd, gsd, gxd] = run(xg::kCUDA);
      EXPECT_TRUE(matches_cpu(yd, yc, 0)) << reduce << include;
      EXPECT_TRUE(matches_cpu(gsd, gsc, 0)) << reduce << include;
      EXPECT_TRUE(matches_cpu(gxd, gxc, 0)) << reduce << include;
    }
  const Tensor a = xg::tensor({{5, -7, 2}, {3, 1, -4}}, xg::kInt64), b = xg::tensor({{-3, 4, 9}, {2, -5, 8}}, xg::kInt64);
  const Tensor i = xg::tensor({{0, 1, 1}, {0, 0, 2}}, xg::kInt64);
  EXPECT_TRUE(same_on_cuda({a, b}, [&](auto& v) { return v[0].scatter_reduce(1, i.to(v[0].device()), v[1], "mean", false); }));
  const Tensor gi = xg::tensor({0, 2, 0, 1, 2, 0, 0, 1, 2, 2, 0, 1}, {4, 3}, xg::kInt64).cuda();
  const xg::tensor_list in{(xg::rand({3, 3}, xg::kFloat64) + 0.5).cuda().requires_grad_(),
                           (xg::rand({4, 3}, xg::kFloat64) * -1.0 - 0.5).cuda().requires_grad_()};
  for (const std::string reduce : {"sum", "prod", "mean", "amax", "amin"})
    EXPECT_TRUE(xg::testing::gradgradcheck_ok(
        [&](const xg::tensor_list& v) { return v[0].scatter_reduce(0, gi, v[1], reduce, false).pow(2.0); }, in))
        << reduce;
  // A bad index: the CPU's message at the next wait, and the GPU goes on.
  EXPECT_XG_ERROR(xg::zeros({2, 3}, xg::kCUDA).scatter_reduce(1, xg::full({2, 1}, 3.0, xg::kInt64).cuda(),
                                                             xg::ones({2, 1}, xg::kCUDA), "amax").cpu(),
                  "scatter_reduce", "3");
  EXPECT_EQ(xg::ones({2}, xg::kCUDA).sum().item(), 2.0);
}

TEST(CudaIndex, TakePutAndModeGiveTheCpusBits) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::test::seeded({3, 4, 2}, xg::kFloat64, 94);
  const Tensor idx = xg::tensor({{0, -1, 5}, {23, -24, 5}}, xg::kInt64);
  EXPECT_TRUE(same_on_cuda({x}, [&](auto& v) { return v[0].take(idx.to(v[0].device())); }));
  const Tensor src = xg::test::seeded({2, 3}, xg::kFloat64, 95);
  for (const bool accumulate : {false, true})
    EXPECT_TRUE(same_on_cuda({x, src}, [&](auto& v) { return v[0].put(idx.to(v[0].device()), v[1], accumulate); }))
        << accumulate;
  const Tensor m = (xg::test::seeded({3, 5, 6}, xg::kFloat64, 96) * 2.0).round();  // repeated values
  for (const std::int64_t d : {0, 1, 2}) {
    EXPECT_TRUE(same_on_cuda({m}, [&](auto& v) { return std::get<0>(v[0].mode(d)); })) << d;
    EXPECT_TRUE(same_on_cuda({m}, [&](auto& v) { return std::get<1>(v[0].mode(d)); })) << d;
  }
  // An index past either end: the CPU's message at the next wait (the value as given), and the GPU goes on.
  EXPECT_XG_ERROR(xg::take(xg::zeros({2, 3}, xg::kCUDA), xg::tensor({0, -7}, {2}, xg::kInt64).cuda()).cpu(),
                  "take: index -7 at position 1 is out of range for a tensor of 6 elements");
  EXPECT_EQ(xg::ones({2}, xg::kCUDA).sum().item(), 2.0);
}

TEST(CudaIndex, DiagMvInnerAndAllcloseMatchTheCpu) {
  XG_REQUIRE_CUDA();
  const Tensor v = xg::test::seeded({4}, xg::kFloat64, 97), m = xg::test::seeded({3, 5}, xg::kFloat64, 98);
  EXPECT_TRUE(same_on_cuda({v}, [](auto& t) { return xg::diag(t[0], -1); }));
  EXPECT_TRUE(same_on_cuda({m}, [](auto& t) { return t[0].diag(2); }));
  const Tensor w = xg::test::seeded({5}, xg::kFloat64, 99);
  // Products: cuBLAS against the CPU's BLAS, to rounding.
  EXPECT_TRUE(matches_cpu(m.cuda().mv(w.cuda()), m.mv(w), 1e-12));
  EXPECT_TRUE(matches_cpu(xg::inner(m.cuda(), m.cuda()), xg::inner(m, m), 1e-12));
  EXPECT_TRUE(xg::allclose(m.cuda(), m.cuda() + 1e-12));
  EXPECT_FALSE(xg::equal(m.cuda(), m.cuda() + 1e-12));
  EXPECT_TRUE(xg::equal(m.cuda(), m.cuda().clone()));
}

TEST(CudaIndex, WritesIntoViewCopiesReachTheBaseAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  // x[0].mul_(...), x.t()[1].add_(...), a chunk negated, x[1][2] = ...: recorded writes into
  // what libtorch returns as views, written through to x (autograd/views.cpp).
  for (const auto dtype : {xg::kFloat64, xg::kFloat32}) {
    const Tensor x = xg::test::seeded({3, 4}, dtype, 5), w = xg::test::seeded({4}, dtype, 6);
    EXPECT_TRUE(same_on_cuda({x, w}, [](auto& v) {
      Tensor h = v[0] * 2.0;
      h[0].mul_(v[1]);
      h.t()[1].add_(0.5);
      h.chunk(2, 1)[1].neg_();
      h[1][2] = 3.0;
      h.diagonal().sin_();
      return h;
    }));
  }
}
