// Training parity (issue 20, step 4): a model built on the CPU and a copy moved to CUDA
// (Module::to, optimizers built before the move) train 100 steps side by side on the same
// batch in float64, with every optimizer, and end within 1e-10 of each other; in float32
// within 1e-4 (cuBLAS and OpenBLAS sum in other orders, and 100 steps compound that).
#include "cuda/cuda_util.h"

namespace nn = xg::nn;
namespace optim = xg::optim;
using xg::Tensor;

namespace {

void build(nn::Sequential& net, xg::Dtype dtype) {
  xg::manual_seed(0);
  net.emplace<nn::Linear>(20, 16);
  net.emplace<nn::Sigmoid>();
  net.emplace<nn::Linear>(16, 5);
  net.to(dtype);
}

std::unique_ptr<optim::Optimizer> make(const std::string& name, const xg::tensor_list& p) {
  if (name == "SGD") return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1));
  if (name == "Momentum") return std::make_unique<optim::Momentum>(p, 0.05, 0.9);
  if (name == "Nesterov") return std::make_unique<optim::Nesterov>(p, 0.05, 0.9);
  if (name == "AdaGrad") return std::make_unique<optim::AdaGrad>(p, optim::AdaGradOptions(0.05));
  if (name == "RMSprop") return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.01));
  if (name == "AdaDelta") return std::make_unique<optim::AdaDelta>(p, optim::AdaDeltaOptions(1.0));
  if (name == "Adam") return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01));
  return std::make_unique<optim::AdamW>(p, optim::AdamOptions(0.01).weight_decay(0.01));
}

}  // namespace

TEST(CudaTraining, EveryOptimizerTrainsAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  for (const auto& [dtype, tol] : {std::pair{xg::kFloat64, 1e-10}, std::pair{xg::kFloat32, 1e-4}})
    for (const std::string name : {"SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdamW"}) {
      nn::Sequential cpu_net, gpu_net;
      build(cpu_net, dtype);
      build(gpu_net, dtype);
      auto cpu_opt = make(name, cpu_net.parameters());
      auto gpu_opt = make(name, gpu_net.parameters());  // built before the move: the handles stay
      gpu_net.to(xg::kCUDA);
      xg::manual_seed(1);
      const Tensor x = xg::randn({64, 20}, dtype), t = xg::randint(0, 5, {64});
      const Tensor gx = x.to(xg::kCUDA), gt = t.to(xg::kCUDA);
      double cpu_loss = 0, gpu_loss = 0;
      for (int step = 0; step < 100; ++step) {
        cpu_opt->zero_grad();
        gpu_opt->zero_grad();
        const Tensor lc = nn::softmax_cross_entropy(cpu_net.forward(x), t);
        const Tensor lg = nn::softmax_cross_entropy(gpu_net.forward(gx), gt);
        lc.backward();
        lg.backward();
        cpu_opt->step();
        gpu_opt->step();
        cpu_loss = lc.item();
        gpu_loss = lg.item();
      }
      EXPECT_NEAR(gpu_loss, cpu_loss, tol * (1 + std::fabs(cpu_loss))) << name << " " << xg::dtype_name(dtype);
      EXPECT_LT(cpu_loss, 1.6) << name << ": the model learned nothing";  // log(5) = 1.61 at the start
      const auto pc = cpu_net.parameters(), pg = gpu_net.parameters();
      for (std::size_t i = 0; i < pc.size(); ++i) {
        EXPECT_TRUE(pg[i].is_cuda());
        EXPECT_TRUE(xg::test::matches_cpu(pg[i], pc[i], tol)) << name << " parameter " << i;
      }
    }
}

TEST(CudaTraining, ATrainingStepWaitsOnlyWhereTheUserReads) {
  XG_REQUIRE_CUDA();
  nn::Sequential net;
  build(net, xg::kFloat32);
  net.to(xg::kCUDA);
  optim::Adam opt(net.parameters(), optim::AdamOptions(0.01));
  const Tensor x = xg::randn({64, 20}).to(xg::kCUDA), t = xg::randint(0, 5, {64}).to(xg::kCUDA);
  const auto step = [&] {
    opt.zero_grad();
    const Tensor loss = nn::softmax_cross_entropy(net.forward(x), t);
    loss.backward();
    xg::optim::clip_grad_norm(net.parameters(), 1.0);
    opt.step();
    return loss;
  };
  step();  // warm: handles, workspace, allocator
  const auto before = xg::cuda::host_wait_count();
  const Tensor loss = step();
  // clip_grad_norm returns a double: its one wait. Nothing else waits: the label check is
  // read at that wait, no parameter is read, softmax cross-entropy's backward reads nothing.
  EXPECT_EQ(xg::cuda::host_wait_count() - before, 1u);
  (void)loss.item();
  EXPECT_EQ(xg::cuda::host_wait_count() - before, 2u);
}

TEST(CudaTraining, RecurrentLayersTrainAsOnTheCpu) {
  XG_REQUIRE_CUDA();
  // LSTM and GRU (two layers, one bidirectional) under a linear head: cells composed of
  // products, slices and elementwise kernels, 20 Adam steps on each device in float64.
  for (const bool lstm : {true, false}) {
    const auto build = [lstm](nn::Sequential& net) {
      xg::manual_seed(0);
      const auto o = nn::RNNOptions(6, 12).num_layers(2).bidirectional(true).dtype(xg::kFloat64);
      if (lstm) net.emplace<nn::LSTM>(o);
      else net.emplace<nn::GRU>(o);
      net.emplace<nn::Linear>(24, 3);
      net.to(xg::kFloat64);
    };
    nn::Sequential cpu_net, gpu_net;
    xg::test::build_on_cpu_and_gpu(cpu_net, gpu_net, build);
    optim::Adam cpu_opt(cpu_net.parameters(), optim::AdamOptions(0.01)), gpu_opt(gpu_net.parameters(), optim::AdamOptions(0.01));
    xg::manual_seed(2);
    const Tensor x = xg::randn({7, 5, 6}, xg::kFloat64), target = xg::randn({7, 5, 3}, xg::kFloat64);
    const Tensor gx = x.to(xg::kCUDA), gt = target.to(xg::kCUDA);
    for (int step = 0; step < 20; ++step) {
      cpu_opt.zero_grad();
      gpu_opt.zero_grad();
      nn::functional::mse_loss(cpu_net.forward(x), target).backward();
      nn::functional::mse_loss(gpu_net.forward(gx), gt).backward();
      cpu_opt.step();
      gpu_opt.step();
    }
    const auto pc = cpu_net.parameters(), pg = gpu_net.parameters();
    for (std::size_t i = 0; i < pc.size(); ++i)
      EXPECT_TRUE(xg::test::matches_cpu(pg[i], pc[i], 1e-10)) << (lstm ? "LSTM" : "GRU") << " parameter " << i;
  }
}
