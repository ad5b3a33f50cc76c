// Matrix products on CUDA (cuBLAS) against the CPU (OpenBLAS/oneDNN): 2-D and batched
// products with their gradients (which read operands transposed in place), the fused linear
// layer, empty products, the device rule, einsum, diagonal and trace. 1e-12 relative in
// float64 (another summation order), 1e-5 in float32 (TF32 is off, so cuBLAS computes in
// full float32).
#include "cuda/cuda_util.h"

using xg::Tensor;
using xg::test::matches_cpu;

namespace {

// The product and both gradients of f(a, b) for a fixed output gradient, on one device.
std::vector<Tensor> product_and_grads(const Tensor& a0, const Tensor& b0, const Tensor& gy,
                                      Tensor (*f)(const Tensor&, const Tensor&)) {
  Tensor a = a0.detach().requires_grad_(), b = b0.detach().requires_grad_();
  const Tensor y = f(a, b);
  y.backward(gy);
  return {y, a.grad(), b.grad()};
}

}  // namespace

TEST(CudaLinalg, ProductsAndTheirGradientsMatchTheCpu) {
  XG_REQUIRE_CUDA();
  struct Case {
    xg::Shape a, b;
    Tensor (*f)(const Tensor&, const Tensor&);
  };
  const std::vector<Case> cases = {{{5, 7}, {7, 3}, xg::matmul},   {{1, 4}, {4, 1}, xg::matmul},
                                   {{64, 33}, {33, 17}, xg::matmul}, {{3, 5, 7}, {3, 7, 2}, xg::bmm},
                                   {{2, 1, 4}, {2, 4, 6}, xg::bmm}};
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}})
    for (const auto& c : cases) {
      const Tensor a = xg::test::seeded(c.a, dtype, 1), b = xg::test::seeded(c.b, dtype, 2);
      const Tensor probe = c.f(a, b), gy = xg::test::seeded(probe.shape(), dtype, 3);
      const auto cpu = product_and_grads(a, b, gy, c.f);
      const auto gpu = product_and_grads(a.to(xg::kCUDA), b.to(xg::kCUDA), gy.to(xg::kCUDA), c.f);
      for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], tol)) << "output " << i << " of " << xg::detail::shape_str(c.a) << " @ "
                                                     << xg::detail::shape_str(c.b) << " " << xg::dtype_name(dtype);
    }
}

TEST(CudaLinalg, LinearWritesTheBiasThenAddsTheProduct) {
  XG_REQUIRE_CUDA();
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-12}, std::pair{xg::kFloat32, 1e-5}}) {
    const Tensor x = xg::test::seeded({100, 784}, dtype, 4), W = xg::test::seeded({784, 50}, dtype, 5), b = xg::test::seeded({50}, dtype, 6);
    EXPECT_TRUE(matches_cpu(xg::linear(x.to(xg::kCUDA), W.to(xg::kCUDA), b.to(xg::kCUDA)), xg::linear(x, W, b), tol));
  }
  // An empty batch is the bias alone, zero rows of it; an empty inner dimension is the bias.
  const Tensor none = xg::linear(xg::zeros({0, 4}, xg::kCUDA), xg::ones({4, 3}, xg::kCUDA), xg::ones({3}, xg::kCUDA));
  EXPECT_EQ(none.shape(), (xg::Shape{0, 3}));
  EXPECT_TRUE(none.is_cuda());
  EXPECT_TRUE(matches_cpu(xg::linear(xg::zeros({2, 0}, xg::kCUDA), xg::ones({0, 3}, xg::kCUDA), xg::full({3}, 2.0, xg::kCUDA)),
                          xg::full({2, 3}, 2.0), 0));
  EXPECT_TRUE(matches_cpu(xg::matmul(xg::ones({2, 0}, xg::kCUDA), xg::ones({0, 3}, xg::kCUDA)), xg::zeros({2, 3}), 0));
}

TEST(CudaLinalg, OperandsOnTwoDevicesAreRefused) {
  XG_REQUIRE_CUDA();
  EXPECT_XG_ERROR(xg::matmul(xg::ones({2, 3}, xg::kCUDA), xg::ones({3, 2})),
                  "matmul: expected all tensors on one device, got cuda:0 (input) and cpu (other)");
  EXPECT_XG_ERROR(xg::linear(xg::ones({2, 3}, xg::kCUDA), xg::ones({3, 2}, xg::kCUDA), xg::ones({2})),
                  "linear: expected all tensors on one device", "cpu (bias)");
}

TEST(CudaLinalg, Tf32ChangesFloat32ProductsOnly) {
  XG_REQUIRE_CUDA();
  // k = 1024: TF32's 10-bit inputs move a float32 product by about 1e-3 relative; exact
  // float32 stays within 1e-5 of the CPU; float64 is the same bits either way.
  const auto a = xg::test::seeded({128, 1024}, xg::kFloat32, 1), b = xg::test::seeded({1024, 64}, xg::kFloat32, 2);
  const auto cpu = xg::matmul(a, b);
  const auto exact = xg::matmul(a.cuda(), b.cuda()).cpu();
  const auto a64 = a.to(xg::kFloat64).cuda(), b64 = b.to(xg::kFloat64).cuda();
  const auto exact64 = xg::matmul(a64, b64).cpu();
  xg::cuda::set_allow_tf32(true);
  const auto tf32 = xg::matmul(a.cuda(), b.cuda()).cpu();
  const auto tf32_64 = xg::matmul(a64, b64).cpu();
  xg::cuda::set_allow_tf32(false);
  const auto again = xg::matmul(a.cuda(), b.cuda()).cpu();
  const double scale = xg::max(xg::abs(cpu)).item();
  EXPECT_LT(xg::test::max_abs_diff(exact, cpu), 1e-5 * scale);
  EXPECT_GT(xg::test::max_abs_diff(tf32, cpu), 1e-5 * scale);  // TF32 took effect
  EXPECT_LT(xg::test::max_abs_diff(tf32, cpu), 1e-2 * scale);
  xg::test::expect_same_bits<double>(tf32_64, exact64);
  xg::test::expect_same_bits<float>(again, exact);  // and it went away
}

TEST(CudaLinalg, EinsumDiagonalAndTraceMatchTheCpu) {
  XG_REQUIRE_CUDA();
  // Each is a composition (diagonal's index_select, sums, one matmul per pair), so the
  // GPU's results are the CPU's to cuBLAS's summation order; the diagonal's index is made
  // on the input's device.
  struct Case {
    const char* equation;
    std::vector<xg::Shape> shapes;
  };
  const std::vector<Case> cases = {{"bhqd,bhkd->bhqk", {{2, 3, 4, 5}, {2, 3, 6, 5}}},
                                   {"iij,...j,jk->...ik", {{3, 3, 2}, {2, 1, 2}, {2, 4}}},
                                   {"ij,jk", {{2, 1}, {3, 4}}},
                                   {"ii", {{4, 4}}}};
  for (const auto& c : cases) {
    std::vector<Tensor> cpu_in, gpu_in;
    for (std::size_t i = 0; i < c.shapes.size(); ++i) {
      cpu_in.push_back(xg::test::seeded(c.shapes[i], xg::kFloat64, 10 + static_cast<int>(i)).requires_grad_());
      gpu_in.push_back(cpu_in.back().detach().cuda().requires_grad_());
    }
    const Tensor yc = xg::einsum(c.equation, cpu_in), yg = xg::einsum(c.equation, gpu_in);
    EXPECT_TRUE(matches_cpu(yg, yc, 1e-12)) << c.equation;
    const Tensor gy = xg::test::seeded(yc.shape(), xg::kFloat64, 20);
    yc.backward(gy);
    yg.backward(gy.cuda());
    for (std::size_t i = 0; i < cpu_in.size(); ++i)
      EXPECT_TRUE(matches_cpu(gpu_in[i].grad(), cpu_in[i].grad(), 1e-12)) << c.equation << " operand " << i;
  }
  const Tensor m = xg::test::seeded({3, 4, 5}, xg::kFloat64, 30);
  EXPECT_TRUE(matches_cpu(xg::diagonal(m.cuda(), -1, 2, 0), xg::diagonal(m, -1, 2, 0), 0));
  EXPECT_TRUE(matches_cpu(xg::trace(m.select(0, 0).cuda()), xg::trace(m.select(0, 0)), 1e-14));
}

TEST(CudaLinalg, CdistOnBothPathsGivesTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  for (const std::int64_t rows : {4, 30}) {  // the exact path, then the matrix-product path
    const Tensor a = xg::test::seeded({2, rows, 3}, xg::kFloat64, 70), b = xg::test::seeded({5, 3}, xg::kFloat64, 71);
    const auto run = [&](const xg::Device& d) {
      auto av = a.to(d).requires_grad_(), bv = b.to(d).requires_grad_();
      const Tensor y = xg::cdist(av, bv) + xg::cdist(av, bv, 1.0);
      auto g = xg::grad({(y * y).sum()}, {av, bv});
      g.insert(g.begin(), y);
      return g;
    };
    const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
    for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-12)) << rows << " " << i;
  }
}

TEST(CudaLinalg, LapackFunctionsGiveTheCpusValuesGradientsAndErrors) {
  XG_REQUIRE_CUDA();
  // The values are computed on the host (a documented wait); the gradients' products run on
  // the GPU, so they agree with the CPU's to rounding.
  const Tensor m = xg::test::seeded({2, 4, 4}, xg::kFloat64, 80);
  const Tensor spd = xg::matmul(m, m.transpose(-2, -1)) + 4.0 * xg::eye(4, xg::kFloat64);
  const Tensor b = xg::test::seeded({4, 3}, xg::kFloat64, 81);
  const auto run = [&](const xg::Device& d) {
    auto a = spd.to(d).requires_grad_(), bv = b.to(d).requires_grad_();
    auto [w, V] = xg::linalg::eigh(a);
    auto [sign, logabsdet] = xg::linalg::slogdet(a);
    const Tensor y = xg::linalg::inv(a).sum() + xg::linalg::det(a).sum() + logabsdet.sum() +
                     xg::linalg::solve(a, bv).sum() + xg::linalg::cholesky(a).sum() + w.sum() + (V * V).sum() +
                     xg::linalg::solve_triangular(a, bv, true).sum();
    auto [U, S, Vh] = xg::linalg::svd(a.narrow(-1, 0, 3), false);
    auto [Q, R] = xg::linalg::qr(a.narrow(-2, 0, 3));
    const Tensor z = y + S.sum() + (U * U).sum() * 0.5 + (Vh * Vh * bv.sum()).sum() + Q.sum() + R.sum() +
                     xg::linalg::pinv(a.narrow(-1, 0, 2)).sum() + xg::linalg::matrix_norm(a, "nuc").sum() +
                     xg::linalg::matrix_norm(a, 2).sum();
    auto g = xg::grad({z}, {a, bv});
    g.insert(g.begin(), z);
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-10)) << i;
  const auto sym = [](const xg::tensor_list& v) {
    const Tensor s = 0.5 * (v[0] + v[0].transpose(-2, -1));
    return xg::linalg::cholesky(s).sum() + xg::linalg::inv(s).sum() + xg::linalg::eigvalsh(s).sum();
  };
  EXPECT_TRUE(xg::testing::gradcheck_ok(sym, {spd.cuda().requires_grad_()}));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(sym, {spd.cuda().requires_grad_()}));
  EXPECT_XG_ERROR(xg::linalg::inv(xg::zeros({2, 2}, xg::kCUDA)), "linalg.inv: The diagonal element 1 is zero");
  EXPECT_XG_ERROR(xg::linalg::solve(xg::eye(2, xg::kCUDA), xg::ones({2, 1})),
                  "linalg.solve: expected all tensors on one device, got cuda:0 (A) and cpu (B)");
  EXPECT_EQ(xg::ones({2}, xg::kCUDA).sum().item(), 2.0);
}

TEST(CudaLinalg, LstsqCholeskySolveAndMatrixExpGiveTheCpusValuesAndGradients) {
  XG_REQUIRE_CUDA();
  const Tensor A = xg::test::seeded({2, 5, 3}, xg::kFloat64, 90), B = xg::test::seeded({2, 5, 2}, xg::kFloat64, 91);
  const Tensor M = xg::test::seeded({3, 3}, xg::kFloat64, 92);
  const auto run = [&](const xg::Device& d) {
    auto a = A.to(d).requires_grad_(), b = B.to(d).requires_grad_(), m = M.to(d).requires_grad_();
    const auto [X, residuals, rank, sv] = xg::linalg::lstsq(a, b, std::nullopt, "gelsd");
    EXPECT_EQ(rank.device(), a.device());
    const Tensor wide = std::get<0>(xg::linalg::lstsq(a.transpose(-2, -1), b.narrow(-2, 0, 3)));
    const Tensor spd = xg::matmul(m, m.transpose(0, 1)) + xg::eye(3, xg::TensorOptions(xg::kFloat64).device(d)) * 3.0;
    const Tensor L = xg::linalg::cholesky(spd);
    const Tensor z = X.sum() + residuals.sum() + sv.sum() + wide.sum() + xg::cholesky_solve(b.select(0, 0).narrow(0, 0, 3), L).sum() +
                     xg::cholesky_inverse(L, false).sum() + xg::linalg::matrix_exp(m).sum() + xg::linalg::matrix_exp(m * 4.0).sum();
    auto g = xg::grad({z}, {a, b, m});
    g.insert(g.begin(), z);
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-10)) << i;
  const auto f = [](const xg::tensor_list& v) { return xg::linalg::matrix_exp(v[0]).sum() + std::get<0>(xg::linalg::lstsq(v[1], v[2])).sum(); };
  const xg::tensor_list in{M.cuda().requires_grad_(), A.select(0, 0).cuda().requires_grad_(), B.select(0, 0).cuda().requires_grad_()};
  EXPECT_TRUE(xg::testing::gradcheck_ok(f, in));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(f, in));
}

TEST(CudaLinalg, LuFamilyNormsAndCondGiveTheCpusValuesGradientsAndErrors) {
  XG_REQUIRE_CUDA();
  const Tensor A = xg::test::seeded({2, 4, 4}, xg::kFloat64, 93), W = xg::test::seeded({3, 5}, xg::kFloat64, 94);
  const Tensor B = xg::test::seeded({2, 4, 3}, xg::kFloat64, 95);
  const auto run = [&](const xg::Device& d) {
    auto a = A.to(d).requires_grad_(), w = W.to(d).requires_grad_(), b = B.to(d).requires_grad_();
    const auto [LU, piv] = xg::linalg::lu_factor(a);
    EXPECT_EQ(piv.device(), a.device());
    const auto [P, L, U] = xg::linalg::lu(w);
    const auto [P2, L2, U2] = xg::lu_unpack(LU, piv);
    const Tensor z = LU.sum() + (P * 3.0 + L + 2.0).sum() + U.square().sum() + (P2 + L2 * U2).sum() +
                     xg::linalg::lu_solve(LU, piv, b).sum() + xg::linalg::lu_solve(LU, piv, b.transpose(-2, -1), false, true).sum() +
                     xg::linalg::norm(a, "nuc", xg::Axes{-2, -1}).sum() + xg::linalg::norm(w, 1.0) + xg::linalg::cond(a).sum() +
                     xg::linalg::cond(a, "fro").sum() + xg::linalg::vecdot(a, b.transpose(-2, -1).narrow(-2, 0, 1)).sum() +
                     xg::linalg::vander(w.select(0, 0), 4).sum();
    auto g = xg::grad({z}, {a, w, b});
    g.insert(g.begin(), {z, piv});
    return g;
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(matches_cpu(gpu[i], cpu[i], 1e-10)) << i;
  const auto f = [](const xg::tensor_list& v) {
    const auto [LU, piv] = xg::linalg::lu_factor(v[0]);
    return xg::linalg::lu_solve(LU, piv, v[1]);
  };
  const xg::tensor_list in{A.select(0, 0).cuda().requires_grad_(), B.select(0, 0).cuda().requires_grad_()};
  EXPECT_TRUE(xg::testing::gradcheck_ok(f, in));
  EXPECT_TRUE(xg::testing::gradgradcheck_ok(f, in));
  // The CPU's messages: a singular matrix, and pivots outside LAPACK's range.
  const Tensor S = xg::tensor({1.0, 2.0, 2.0, 4.0}, {2, 2}, xg::kFloat64).cuda();
  EXPECT_XG_ERROR(xg::linalg::lu_factor(S), "linalg.lu_factor: U[1,1] is zero (the matrix is singular)");
  const auto [LU, piv] = xg::linalg::lu_factor(A.cuda());
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, xg::zeros({2, 4}, xg::TensorOptions(xg::kInt64).device(xg::kCUDA)), B.cuda()),
                  "linalg.lu_solve: pivots must lie in [i + 1, 4]");
  EXPECT_XG_ERROR(xg::linalg::lu_solve(LU, piv.cpu(), B.cuda()), "linalg.lu_solve:", "cpu", "cuda:0");
}
