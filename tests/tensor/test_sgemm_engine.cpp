// The float32 matrix-product engines (tensor/blas.cpp): oneDNN, where this build has it, must
// give OpenBLAS's results in every product xgrad runs through it (matmul in each transpose,
// linear, conv2d forward and both gradients, fused attention), and gradients that agree with
// float64 (which always runs on OpenBLAS and is gradchecked elsewhere).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <xgrad/xgrad.h>

namespace {

bool have_onednn() {
  try {
    xg::set_sgemm_engine(xg::SgemmEngine::OneDNN);
    xg::set_sgemm_engine(xg::SgemmEngine::Auto);
    return true;
  } catch (const xg::Error&) {
    return false;
  }
}

// Values and gradients of `f` on float32 inputs, on one engine.
std::vector<std::vector<float>> run(xg::SgemmEngine engine, const std::function<xg::Tensor(const xg::tensor_list&)>& f,
                                    const xg::tensor_list& inputs) {
  xg::set_sgemm_engine(engine);
  xg::tensor_list xs;
  for (const auto& x : inputs) xs.push_back(x.detach().requires_grad_());
  const auto y = f(xs);
  const auto g = xg::grad({(y * y).sum()}, xs);
  xg::set_sgemm_engine(xg::SgemmEngine::Auto);
  std::vector<std::vector<float>> out{y.to_vector<float>()};
  for (const auto& gi : g) out.push_back(gi.to_vector<float>());
  return out;
}

void expect_close(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].size(), b[k].size());
    double scale = 0;
    for (float v : a[k]) scale = std::max(scale, static_cast<double>(std::fabs(v)));
    for (std::size_t i = 0; i < a[k].size(); ++i)
      ASSERT_NEAR(a[k][i], b[k][i], 2e-5 * (1 + scale)) << "output " << k << " element " << i;
  }
}

}  // namespace

TEST(SgemmEngine, NamesTheLibraryAndItsKernels) {
  xg::set_sgemm_engine(xg::SgemmEngine::OpenBLAS);
  EXPECT_NE(xg::sgemm_engine_name().find("OpenBLAS"), std::string::npos) << xg::sgemm_engine_name();
  EXPECT_NE(xg::sgemm_engine_name().find("kernels"), std::string::npos) << xg::sgemm_engine_name();
  if (have_onednn()) {
    xg::set_sgemm_engine(xg::SgemmEngine::OneDNN);
    EXPECT_EQ(xg::sgemm_engine_name().rfind("oneDNN ", 0), 0u) << xg::sgemm_engine_name();
  } else {
    try {
      xg::set_sgemm_engine(xg::SgemmEngine::OneDNN);
      FAIL() << "expected an error";
    } catch (const xg::Error& e) {
      EXPECT_NE(std::string(e.what()).find("built without oneDNN"), std::string::npos) << e.what();
    }
  }
  xg::set_sgemm_engine(xg::SgemmEngine::Auto);
}

TEST(SgemmEngine, OneDnnGivesOpenBlassProductsAndGradients) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(7);
  using L = xg::tensor_list;
  // 150 rows: split over threads at 48-row blocks when threads are on.
  const auto a = xg::randn({150, 70}), b = xg::randn({70, 90}), bt = xg::randn({90, 70}), at = xg::randn({70, 150});
  const auto check = [](const std::function<xg::Tensor(const L&)>& f, const L& in) {
    expect_close(run(xg::SgemmEngine::OpenBLAS, f, in), run(xg::SgemmEngine::OneDNN, f, in));
  };
  check([](const L& x) { return xg::matmul(x[0], x[1]); }, {a, b});
  check([](const L& x) { return xg::matmul(x[0], x[1].T()); }, {a, bt});
  check([](const L& x) { return xg::matmul(x[0].T(), x[1]); }, {at, b});
  check([](const L& x) { return xg::matmul(x[0].T(), x[1].T()); }, {at, bt});
  check([](const L& x) { return xg::matmul(x[0], x[1]); }, {xg::randn({3, 2, 20, 30}), xg::randn({2, 30, 10})});
  check([](const L& x) { return xg::nn::functional::linear(x[0], x[1], x[2]); },
        {a, xg::randn({40, 70}), xg::randn({40})});
  check([](const L& x) { return xg::conv2d(x[0], x[1], x[2], 1, 1); },
        {xg::randn({4, 3, 12, 12}), xg::randn({8, 3, 3, 3}), xg::randn({8})});
  check([](const L& x) { return xg::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true); },
        {xg::randn({2, 2, 70, 16}), xg::randn({2, 2, 150, 16}), xg::randn({2, 2, 150, 16})});
}

TEST(SgemmEngine, OneDnnFloat32GradientsMatchFloat64) {
  if (!have_onednn()) GTEST_SKIP() << "built without oneDNN";
  xg::manual_seed(8);
  const auto x = xg::randn({6, 3, 10, 10}, xg::kFloat64), w = xg::randn({5, 3, 3, 3}, xg::kFloat64);
  const auto f = [](const xg::tensor_list& v) { return xg::relu(xg::conv2d(v[0], v[1], {}, 1, 1)).flatten(1); };
  const auto f32 = run(xg::SgemmEngine::OneDNN, [&](const xg::tensor_list& v) { return xg::matmul(f(v), f(v).T()); },
                       {x.to(xg::kFloat32), w.to(xg::kFloat32)});
  xg::tensor_list xs{x.detach().requires_grad_(), w.detach().requires_grad_()};
  const auto y = xg::matmul(f(xs), f(xs).T());
  const auto g = xg::grad({(y * y).sum()}, xs);
  const std::vector<xg::Tensor> ref{y, g[0], g[1]};
  for (std::size_t k = 0; k < ref.size(); ++k) {
    const auto r = ref[k].to_vector<double>();
    double scale = 0;
    for (double v : r) scale = std::max(scale, std::fabs(v));
    for (std::size_t i = 0; i < r.size(); ++i) ASSERT_NEAR(f32[k][i], r[i], 1e-4 * scale) << k << " " << i;
  }
}
