// Instance normalisation (F::instance_norm, InstanceNorm1d/2d/3d): values, gradients and
// running statistics against PyTorch 1.13 (tests/fixtures/torch_activations.npz, in.*),
// gradcheck and gradgradcheck in float64, the modules' modes, state and printing, errors.
#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using L = const xg::tensor_list&;
namespace F = xg::nn::functional;

namespace {

xg::Tensor fx(const std::string& key) { return xg::test::fixture("torch_activations.npz", key); }

// One PyTorch case: y, the gradients of sum(y * gy) and the running statistics after.
void check_case(const std::string& name, bool affine, bool running, bool use_input_stats, double momentum = 0.1) {
  SCOPED_TRACE(name);
  const std::string k = "in." + name + ".";
  const auto x = fx(k + "x").requires_grad_();
  auto o = F::InstanceNormFuncOptions().use_input_stats(use_input_stats).momentum(momentum);
  xg::tensor_list in{x};
  if (affine) {
    in.push_back(fx(k + "w").requires_grad_());
    in.push_back(fx(k + "b").requires_grad_());
    o.weight(in[1]).bias(in[2]);
  }
  xg::Tensor rm, rv;
  if (running) {
    rm = fx(k + "rm");
    rv = fx(k + "rv");
    o.running_mean(rm).running_var(rv);
  }
  const auto y = F::instance_norm(x, o);
  EXPECT_LT(max_abs_diff(y, fx(k + "y")), 1e-12);
  const auto g = xg::grad({(y * fx(k + "gy")).sum()}, in);
  EXPECT_LT(max_abs_diff(g[0], fx(k + "gx")), 1e-12);
  if (affine) {
    EXPECT_LT(max_abs_diff(g[1], fx(k + "gw")), 1e-12);
    EXPECT_LT(max_abs_diff(g[2], fx(k + "gb")), 1e-12);
  }
  if (running) {
    EXPECT_LT(max_abs_diff(rm, fx(k + "rm1")), 1e-14);
    EXPECT_LT(max_abs_diff(rv, fx(k + "rv1")), 1e-14);
  }
}

}  // namespace

TEST(InstanceNorm, MatchesPyTorch) {
  check_case("train2d", true, true, true);
  check_case("plain1d", false, false, true);
  check_case("eval2d", true, true, false);  // running statistics used, left as they were
  check_case("momentum3d", false, true, true, 0.3);
}

TEST(InstanceNorm, GradcheckAndGradgradcheck) {
  xg::manual_seed(31);
  const auto train = [](L v) { return F::instance_norm(v[0], F::InstanceNormFuncOptions().weight(v[1]).bias(v[2])); };
  const xg::tensor_list in{randp({2, 3, 4}), randp({3}), randp({3})};
  EXPECT_TRUE(gradcheck_ok(train, in));
  EXPECT_TRUE(gradgradcheck_ok(train, in));
  const auto rm = xg::randn({3}, xg::kFloat64), rv = xg::rand({3}, xg::kFloat64) + 0.5;
  const auto eval = [rm, rv](L v) {
    return F::instance_norm(v[0], F::InstanceNormFuncOptions().running_mean(rm).running_var(rv).weight(v[1])
                                      .use_input_stats(false));
  };
  EXPECT_TRUE(gradcheck_ok(eval, {randp({2, 3, 2, 2}), randp({3})}));
  EXPECT_TRUE(gradgradcheck_ok(eval, {randp({2, 3, 2, 2}), randp({3})}));
}

TEST(InstanceNorm, ModulesTrainEvaluateAndPrintAsLibtorch) {
  xg::manual_seed(32);
  // Default: no parameters, no buffers, each instance normalised in train and eval alike.
  xg::nn::InstanceNorm2d plain(3);
  EXPECT_EQ(plain.parameters().size(), 0u);
  EXPECT_EQ(plain.buffers().size(), 0u);
  EXPECT_EQ(plain.describe(), "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  const auto x = xg::randn({2, 3, 4, 5}, xg::kFloat64) * 3.0 + 2.0;
  const auto y = plain(x.to(xg::kFloat32));
  EXPECT_LT(y.mean({2, 3}).abs().max().item(), 1e-5);
  plain.eval();
  EXPECT_EQ(max_abs_diff(plain(x.to(xg::kFloat32)), y), 0.0);
  // affine + track_running_stats: PyTorch's state names; training moves the statistics,
  // evaluation uses them (and does not), and the counter stays 0 as PyTorch's does.
  xg::nn::InstanceNorm2d norm(xg::nn::InstanceNorm2dOptions(3).affine(true).track_running_stats(true).dtype(xg::kFloat64));
  EXPECT_EQ(norm.describe(), "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(norm.named_parameters()[0].first, "gamma");
  EXPECT_EQ(norm.named_buffers().size(), 3u);
  const auto trained = norm(x);
  EXPECT_EQ(max_abs_diff(trained, F::instance_norm(x)), 0.0);  // gamma 1, beta 0
  const auto expect_mean = x.mean({2, 3}).mean({0}) * 0.1;
  EXPECT_LT(max_abs_diff(norm.running_mean, expect_mean), 1e-15);
  EXPECT_LT(max_abs_diff(norm.running_var, x.var({2, 3}, false, 1).mean({0}) * 0.1 + 0.9), 1e-15);
  EXPECT_EQ(norm.num_batches_tracked.item(), 0.0);
  norm.eval();
  const auto before = norm.running_mean.clone();
  const auto evaluated = norm(x);
  EXPECT_EQ(max_abs_diff(norm.running_mean, before), 0.0);
  const auto by_hand = (x - norm.running_mean.reshape({1, 3, 1, 1})) / xg::sqrt(norm.running_var.reshape({1, 3, 1, 1}) + 1e-5);
  EXPECT_LT(max_abs_diff(evaluated, by_hand), 1e-15);
  // Unbatched input, 1-D and 3-D.
  xg::nn::InstanceNorm1d one(xg::nn::InstanceNorm1dOptions(4).affine(true).dtype(xg::kFloat64));
  const auto seq = xg::randn({4, 7}, xg::kFloat64);
  EXPECT_EQ(max_abs_diff(one(seq), one(seq.unsqueeze(0)).squeeze(0)), 0.0);
  xg::nn::InstanceNorm3d three(2);
  EXPECT_EQ(three(xg::randn({2, 2, 3, 4, 5})).shape(), (xg::Shape{2, 2, 3, 4, 5}));
}

TEST(InstanceNorm, ErrorsNameTheCallAndTheShapes) {
  EXPECT_XG_ERROR(F::instance_norm(xg::zeros({2, 3})), "instance_norm: expected an input (N, C, ...) with at least one axis after C, got (2,3)");
  EXPECT_XG_ERROR(F::instance_norm(xg::zeros({2, 3, 1, 1})), "instance_norm: expected more than 1 spatial element when using the input's statistics, got input (2,3,1,1)");
  EXPECT_XG_ERROR(F::instance_norm(xg::zeros({2, 3, 4}), F::InstanceNormFuncOptions().weight(xg::ones({4}))), "instance_norm: weight has shape (4,), expected (3) for input (2,3,4)");
  EXPECT_XG_ERROR(F::instance_norm(xg::zeros({2, 3, 4}), F::InstanceNormFuncOptions().running_mean(xg::zeros({3}))), "instance_norm: give both running_mean and running_var, or neither");
  EXPECT_XG_ERROR(F::instance_norm(xg::zeros({2, 3, 4}), F::InstanceNormFuncOptions().use_input_stats(false)), "instance_norm: use_input_stats(false) normalises with running_mean and running_var; give them");
  EXPECT_XG_ERROR(F::instance_norm(xg::zeros({2, 3, 4}, xg::kInt64)), "instance_norm: expected a float input, got int64");
  EXPECT_XG_ERROR(xg::nn::InstanceNorm2d(0), "InstanceNorm2d: num_features must be positive, got 0");
  EXPECT_XG_ERROR(xg::nn::InstanceNorm2d(xg::nn::InstanceNorm2dOptions(3).momentum(1.5)), "InstanceNorm2d: momentum (the weight of the new batch) must be in [0, 1], got 1.5");
  EXPECT_XG_ERROR(xg::nn::InstanceNorm1d(xg::nn::InstanceNorm1dOptions(3).eps(0)), "InstanceNorm1d: eps must be positive, got 0");
  xg::nn::InstanceNorm2d norm(3);
  EXPECT_XG_ERROR(norm(xg::zeros({2, 3, 4})), "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False): expected 3 channels (axis 0), got (2,3,4)");
  EXPECT_XG_ERROR(norm(xg::zeros({2, 3})), "InstanceNorm2d(3, ", "): expected a 3-D (unbatched) or 4-D (batched) input, got (2,3)");
  EXPECT_XG_ERROR(norm(xg::zeros({2, 3, 1, 1})), "InstanceNorm2d: expected more than 1 spatial element");
}
