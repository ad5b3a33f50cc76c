// The fused optimizer update on a GPU: one launch per group (of up to 40 parameters) per
// step, and the CPU's values: every rule, parameters of several sizes, 20 steps, float64
// to 1e-12; the composed Adamax, NAdam, RAdam and Rprop against the CPU.
#include <xgrad/cuda.h>

#include "cuda/cuda_util.h"

namespace optim = xg::optim;

namespace {

std::unique_ptr<optim::Optimizer> make(const std::string& name, const xg::tensor_list& p) {
  if (name == "SGD") return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1).weight_decay(0.01));
  if (name == "SGDNesterov") return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1).momentum(0.8).nesterov(true));
  if (name == "Nesterov") return std::make_unique<optim::Nesterov>(p, 0.05, 0.9);
  if (name == "AdaGrad") return std::make_unique<optim::AdaGrad>(p, optim::AdaGradOptions(0.05).lr_decay(0.1).initial_accumulator_value(0.2));
  if (name == "RMSprop") return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.01));
  if (name == "AdaDelta") return std::make_unique<optim::AdaDelta>(p, optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
  if (name == "Adam") return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01).textbook());
  if (name == "AdamAMSGrad") return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01).amsgrad(true));
  return std::make_unique<optim::AdamW>(p, 0.01);
}

// 45 parameters (more than one launch takes) of sizes from 1 to 20000 elements.
xg::tensor_list params(xg::Device device) {
  xg::tensor_list out;
  for (int i = 0; i < 45; ++i)
    out.push_back(xg::test::seeded({1 + (i * 1553) % 20000}, xg::kFloat64, 10 + i).to(device).requires_grad_());
  return out;
}

void set_grads(xg::tensor_list& ps, int step) {
  for (std::size_t i = 0; i < ps.size(); ++i)
    ps[i].set_grad(xg::test::seeded(ps[i].shape(), xg::kFloat64, 1000 * step + i).to(ps[i].device()));
}

}  // namespace

TEST(CudaFusedOptimizer, EveryRuleGivesTheCpuValuesInTwoLaunchesPerStep) {
  XG_REQUIRE_CUDA();
  for (const std::string name : {"SGD", "SGDNesterov", "Nesterov", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdamW", "AdamAMSGrad"}) {
    auto cpu = params(xg::kCPU), gpu = params(xg::kCUDA);
    auto a = make(name, cpu), b = make(name, gpu);
    for (int step = 0; step < 20; ++step) {
      set_grads(cpu, step);
      set_grads(gpu, step);
      a->step();
      const auto before = xg::cuda::launch_count();
      b->step();
      // 45 parameters: a launch of 40 and one of 5 (the first step also fills the state's zeros).
      if (step > 0) EXPECT_EQ(xg::cuda::launch_count() - before, 2u) << name;
    }
    for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(xg::test::matches_cpu(gpu[i], cpu[i], 1e-12)) << name << " " << i;
  }
}

TEST(CudaLBFGS, FollowsTheCpusIteratesWithParametersOnTheGpu) {
  XG_REQUIRE_CUDA();
  // Two parameters of a least-squares fit with a quartic term, strong-Wolfe line search:
  // the dot products reduce in another order on the GPU, so 1e-9, not bits.
  const auto X = xg::test::seeded({16, 3}, xg::kFloat64, 90), Y = xg::test::seeded({16, 2}, xg::kFloat64, 91);
  const auto run = [&](const xg::Device& d) {
    auto W = xg::test::seeded({3, 2}, xg::kFloat64, 92).to(d).requires_grad_();
    auto b = xg::zeros({2}, xg::TensorOptions(xg::kFloat64).device(d)).requires_grad_();
    const auto x = X.to(d), y = Y.to(d);
    optim::LBFGS opt({W, b}, optim::LBFGSOptions(1).max_iter(10).line_search_fn("strong_wolfe"));
    for (int k = 0; k < 2; ++k)
      opt.step([&] {
        opt.zero_grad();
        auto loss = (xg::tanh(xg::matmul(x, W) + b) - y).pow(2).mean() + 0.01 * W.pow(4).sum();
        loss.backward();
        return loss;
      });
    return xg::tensor_list{W, b, xg::scalar_tensor(static_cast<double>(opt.func_evals()), xg::kFloat64).to(d)};
  };
  const auto cpu = run(xg::kCPU), gpu = run(xg::kCUDA);
  for (std::size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(xg::test::matches_cpu(gpu[i], cpu[i], 1e-9)) << i;
}

TEST(CudaOptimizersMore, ComposedRulesGiveTheCpuValues) {
  // Composed rules: every step's operations run on the parameters' device; the step counts
  // and NAdam's product of momenta stay on the CPU (no wait).
  XG_REQUIRE_CUDA();
  using Make = std::function<std::unique_ptr<optim::Optimizer>(const xg::tensor_list&)>;
  const std::vector<Make> makers{
      [](const xg::tensor_list& p) { return std::make_unique<optim::Adamax>(p, optim::AdamaxOptions(0.05).weight_decay(0.1)); },
      [](const xg::tensor_list& p) { return std::make_unique<optim::NAdam>(p, optim::NAdamOptions(0.05)); },
      [](const xg::tensor_list& p) { return std::make_unique<optim::RAdam>(p, optim::RAdamOptions(0.05).betas({0.8, 0.9})); },
      [](const xg::tensor_list& p) { return std::make_unique<optim::Rprop>(p, optim::RpropOptions(0.05)); },
      // AMSGrad (fused: its v_max buffer on the device too).
      [](const xg::tensor_list& p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(0.05).amsgrad(true)); },
      // SGD's dampening and RMSprop's centered and momentum forms (composed rules too).
      [](const xg::tensor_list& p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.05).momentum(0.9).dampening(0.3)); },
      [](const xg::tensor_list& p) { return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.01).centered(true).momentum(0.5)); }};
  for (std::size_t k = 0; k < makers.size(); ++k) {
    SCOPED_TRACE(k);
    xg::tensor_list result[2];
    for (int d = 0; d < 2; ++d) {
      const xg::Device device = d == 0 ? xg::Device(xg::kCPU) : xg::Device(xg::kCUDA);
      auto p = xg::test::seeded({4, 3}, xg::kFloat64, 70).to(device).requires_grad_();
      auto opt = makers[k]({p});
      for (int s = 0; s < 8; ++s) {
        opt->zero_grad();
        ((p - 0.25).pow(3) * xg::test::seeded({4, 3}, xg::kFloat64, 71 + s).to(device)).sum().backward();
        opt->step();
      }
      result[d] = {p.detach()};
    }
    EXPECT_TRUE(xg::test::matches_cpu(result[1][0], result[0][0], 1e-12));
  }
}
