// Rows of docs/libtorch.md (OptimizersAndTraining, DataParallel), compiled and run: each block, marked `// row:` with the row's
// libtorch cell (scripts/check_libtorch_doc.py keeps the markers and the doc's rows equal),
// writes the row's xgrad spelling and checks that it means what the row says.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <tuple>

#include <xgrad/xgrad.h>

#include "rows_util.h"

using rows::Cube;
using rows::Net;
using rows::sum_of;

TEST(LibtorchRows, OptimizersAndTraining) {
  {
    // row: `torch::optim::SGD(net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9))`
    Net net;
    xg::optim::SGD opt(net.parameters(), xg::optim::SGDOptions(0.1).momentum(0.9));
    EXPECT_THROW(xg::optim::SGD({}, 0.1), xg::Error);  // an empty parameter list
  }
  {
    // row: `torch::optim::AdamW(params, torch::optim::AdamWOptions(1e-3).betas(std::make_tuple(0.9, 0.95)))`
    const auto options = xg::optim::AdamWOptions(1e-3);
    EXPECT_EQ(options.weight_decay(), 0.01);  // AdamW's default, not Adam's 0
    EXPECT_EQ(xg::optim::AdamWOptions(2e-3).eps(1e-6).weight_decay(), 0.01);
    auto w = xg::tensor({2.0}, xg::kFloat64).requires_grad_();
    xg::optim::AdamW opt({w}, xg::optim::AdamWOptions(0.1).betas(std::make_tuple(0.9, 0.95)));
    opt.zero_grad();
    (w * 0.0).sum().backward();  // a zero gradient: only the decoupled decay moves w
    opt.step();
    EXPECT_NEAR(w.item(), 2.0 * (1 - 0.1 * 0.01), 1e-12);
  }
  {
    // row: `torch::optim::AdamOptions(1e-3).betas(std::make_tuple(0.9, 0.999)).weight_decay(0)`, `options.lr()`
    auto options = xg::optim::AdamOptions(1e-3).betas(std::make_tuple(0.9, 0.999)).weight_decay(0);
    EXPECT_EQ(options.lr(), 1e-3);
    EXPECT_EQ(std::get<1>(options.betas()), 0.999);
  }
  {
    // row: `torch::optim::SGDOptions(0.1).momentum(0.9).dampening(0.1)`, `torch::optim::RMSpropOptions(0.01).momentum(0.9).centered(true)`
    auto w = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
    xg::optim::SGD sgd({w}, xg::optim::SGDOptions(0.1).momentum(0.9).dampening(0.1));
    for (int i = 0; i < 2; ++i) {
      sgd.zero_grad();
      w.sum().backward();  // g = 1: v = 1, then 0.9 + 0.9
      sgd.step();
    }
    EXPECT_NEAR(w.item(), 1.0 - 0.1 * 1.0 - 0.1 * 1.8, 1e-12);
    auto u = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
    xg::optim::RMSprop rms({u}, xg::optim::RMSpropOptions(0.01).momentum(0.9).centered(true));
    rms.zero_grad();
    u.sum().backward();  // h = 0.01, a = 0.01: denominator sqrt(0.01 - 0.0001) + 1e-8
    rms.step();
    EXPECT_NEAR(u.item(), 1.0 - 0.01 / (std::sqrt(0.0099) + 1e-8), 1e-12);
  }
  {
    // row: `torch::optim::AdamOptions(1e-3).amsgrad(true)`, `torch::optim::AdamWOptions(1e-3).amsgrad(true)`
    auto w = xg::tensor({1.0}, xg::kFloat64).requires_grad_();
    xg::optim::AdamW opt({w}, xg::optim::AdamWOptions(0.1).weight_decay(0).amsgrad(true));
    EXPECT_TRUE(xg::optim::AdamOptions(1e-3).amsgrad(true).amsgrad());
    for (double g : {1.0, 0.01}) {  // v shrinks at the second step; v_max keeps the first's
      opt.zero_grad();
      (w * g).sum().backward();
      opt.step();
    }
    const double m = 0.9 * 0.1 + 0.1 * 0.01, v_max = 0.001;
    const double expected = 1.0 - 0.1 / (1 + 1e-8) - 0.1 * (m / (1 - 0.81)) / (std::sqrt(v_max) / std::sqrt(1 - 0.999 * 0.999) + 1e-8);
    EXPECT_NEAR(w.item(), expected, 1e-12);
  }
  {
    // row: `torch::optim::Adagrad(params, torch::optim::AdagradOptions(0.01).lr_decay(1e-4).initial_accumulator_value(0.1))`
    auto w = xg::tensor({3.0, -2.0}, xg::kFloat64).requires_grad_();
    xg::optim::Adagrad opt({w}, xg::optim::AdagradOptions(0.01).lr_decay(1e-4).initial_accumulator_value(0.1));
    opt.zero_grad();
    w.pow(2).sum().backward();
    opt.step();  // h = 0.1 + 36 for w0: w0 -= 0.01 * 6 / sqrt(36.1)
    EXPECT_NEAR(w.to_vector<double>()[0], 3.0 - 0.06 / std::sqrt(36.1), 1e-12);
    bool counted = false;  // lr_decay's per-parameter step count is saved with the state
    for (const auto& [key, value] : opt.state_dict()) counted |= key == "state.0.step" && value.item() == 1.0;
    EXPECT_TRUE(counted);
  }
  {
    // row: `torch::optim::LBFGS(params, torch::optim::LBFGSOptions(1).max_iter(20).line_search_fn("strong_wolfe"))`, `optimizer.step(closure)`
    auto w = xg::tensor({3.0, -2.0}, xg::kFloat64).requires_grad_();
    xg::optim::LBFGS optimizer({w}, xg::optim::LBFGSOptions(1).max_iter(20).line_search_fn("strong_wolfe"));
    const auto first = optimizer.step([&] {
      optimizer.zero_grad();
      auto loss = (w - 1.0).pow(2).sum();
      loss.backward();
      return loss;
    });
    EXPECT_EQ(first.item(), 13.0);  // the loss before the step, as PyTorch returns it
    EXPECT_NEAR(w.to_vector<double>()[1], 1.0, 1e-9);
    EXPECT_THROW(optimizer.step(), xg::Error);  // no closure
  }
  {
    // row: `torch.optim.Adam(params, fused=True)` (Python only; libtorch has no fused optimizers)
    auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
    xg::optim::Adam opt({p}, 0.1);
    EXPECT_TRUE(opt.fused());  // the default
    opt.set_fused(false);      // the composed rule
    EXPECT_FALSE(opt.fused());
    p.set_grad(xg::tensor({1.0, -1.0}, xg::kFloat64));
    opt.step();
    EXPECT_NEAR(p.to_vector<double>()[0], 0.9, 1e-8);
  }
  {
    // row: `torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0)`, `clip_grad_value_`
    auto p = xg::ones({4}).requires_grad_();
    (p * 3.0).sum().backward();  // gradient 3 everywhere, norm 6
    EXPECT_DOUBLE_EQ(xg::nn::utils::clip_grad_norm_({p}, 1.0), 6.0);
    EXPECT_NEAR(p.grad().pow(2).sum().item(), 1.0, 1e-5);
    xg::nn::utils::clip_grad_value_({p}, 0.1);
    EXPECT_LE(p.grad().max().item(), 0.1 + 1e-7);
  }
  {
    // row: `torch.nn.utils.get_total_norm(grads)`, `torch.nn.utils.clip_grads_with_norm_(params, 1.0, total)` (Python, 2.6)
    auto p = xg::ones({4}).requires_grad_();
    (p * 3.0).sum().backward();
    const xg::Tensor total = xg::nn::utils::get_total_norm({p.grad()});
    EXPECT_DOUBLE_EQ(total.item(), 6.0);
    xg::nn::utils::clip_grads_with_norm_({p}, 1.0, total);
    EXPECT_NEAR(p.grad().pow(2).sum().item(), 1.0, 1e-5);
  }
  {
    // row: `torch::optim::StepLR`
    Net net;
    xg::optim::SGD opt(net.parameters(), 1.0);
    xg::optim::StepLR sched(opt, 1, 0.5);
    sched.step();
    EXPECT_DOUBLE_EQ(opt.lr(), 0.5);
  }
  {
    // row: `torch.optim.lr_scheduler.MultiStepLR`, `ConstantLR`, `PolynomialLR`, `CosineAnnealingWarmRestarts`, `OneCycleLR` (Python; libtorch has no C++ form)
    auto w = xg::zeros({1}).requires_grad_();
    xg::optim::SGD opt({w}, 0.1);
    xg::optim::MultiStepLR sched(opt, {2, 4}, 0.1);
    for (int i = 0; i < 4; ++i) sched.step();
    EXPECT_NEAR(sched.get_last_lr()[0], 0.001, 1e-15);
    xg::optim::SGD opt2({w}, 0.1);
    xg::optim::OneCycleLR one(opt2, 1.0, 10);
    EXPECT_NEAR(one.get_last_lr()[0], 1.0 / 25, 1e-15);  // starts at max_lr / div_factor
  }
  {
    // row: `torch.optim.lr_scheduler.LinearLR(opt, 0.01, 1.0, 100)` (Python only), `LambdaLR`, `SequentialLR`
    Net net;
    xg::optim::AdamW opt(net.parameters(), 1.0);
    auto warmup = std::make_shared<xg::optim::LinearLR>(opt, 0.01, 1.0, 100);
    auto cosine = std::make_shared<xg::optim::CosineAnnealingLR>(opt, 900);
    xg::optim::SequentialLR sched(opt, {warmup, cosine}, {100});
    EXPECT_DOUBLE_EQ(opt.lr(), 0.01);
    for (int i = 0; i < 100; ++i) sched.step();
    EXPECT_DOUBLE_EQ(opt.lr(), 1.0);
  }
  {
    // row: `torch::save(net, "net.pt")`, `torch::load(net, "net.pt")`
    const std::string path = ::testing::TempDir() + "xgrad_rows_net.npz";
    Net a, b;
    xg::save(a, path);
    xg::load(b, path);
    EXPECT_EQ(b.fc.W.to_vector<float>(), a.fc.W.to_vector<float>());
    std::filesystem::remove(path);
  }
  {
    // row: `model.load_state_dict(...)` of a PyTorch `state_dict`
    const std::string path = ::testing::TempDir() + "xgrad_rows_state.npz";
    Net a, b;
    xg::save(a, path, xg::StateLayout::PyTorch);  // "fc.weight" (2, 4), as PyTorch's
    EXPECT_EQ(xg::load_npz(path)[0].first, "fc.weight");
    EXPECT_EQ(xg::load_npz(path)[0].second.shape(), (xg::Shape{2, 4}));
    xg::load(b, path);
    EXPECT_EQ(b.fc.W.to_vector<float>(), a.fc.W.to_vector<float>());
    std::filesystem::remove(path);
  }
  {
    // row: `torch::data::make_data_loader(std::move(ds), 64)`
    xg::data::DataLoader loader(xg::data::TensorDataset(xg::ones({10, 2}), xg::arange(10)), 4,
                                xg::data::DataLoaderOptions().shuffle(false).drop_last(true));
    EXPECT_EQ(loader.num_batches(), 2);
  }
  {
    // row: `for (auto& batch : *loader) { batch.data; batch.target; }`
    xg::data::DataLoader loader(xg::data::TensorDataset(xg::ones({10, 2}), xg::arange(10)), 4);
    std::int64_t seen = 0;
    for (auto& [x, t] : loader) seen += t.numel() + 0 * x.numel();
    EXPECT_EQ(seen, 10);
  }
  {
    // row: `torch::manual_seed(0)`
    xg::manual_seed(0);
    const auto a = xg::rand({3}).to_vector<float>();
    xg::manual_seed(0);
    EXPECT_EQ(xg::rand({3}).to_vector<float>(), a);
  }
  {
    // row: `auto g = at::make_generator<at::CUDAGeneratorImpl>(7); g.set_offset(4); g.get_offset(); g.current_seed()`
    xg::Generator g(7, xg::kPhilox);
    xg::Tensor all;
    {
      xg::GeneratorGuard use(g);
      all = xg::rand({6});
    }
    g.set_offset(4);
    EXPECT_EQ(g.get_offset(), 4u);
    EXPECT_EQ(g.current_seed(), 7u);
    xg::GeneratorGuard use(g);
    EXPECT_EQ(xg::rand({2}).to_vector<float>(), all.slice(0, 4, 6).to_vector<float>());
  }
  {
    // row: `torch::set_num_threads(2)`
    xg::set_num_threads(2);
    EXPECT_EQ(xg::get_num_threads(), 2);
    xg::set_num_threads(1);
  }
}

TEST(LibtorchRows, DataParallel) {
  {
    // row: `torch.distributed.init_process_group("mpi", timeout=timedelta(minutes=30))`, `get_rank()`, `get_world_size()`
    xg::dist::Session session(xg::dist::InitOptions().timeout(std::chrono::minutes(30)));
    EXPECT_EQ(xg::dist::rank(), 0);  // alone: rank 0 of 1
    EXPECT_EQ(xg::dist::world_size(), 1);
    EXPECT_EQ(xg::dist::timeout(), std::chrono::minutes(30));
  }
  {
    // row: `dist.all_reduce(t, op=ReduceOp.SUM, async_op=True)`, `broadcast`, `all_gather`, `barrier`
    auto t = xg::ones({3});
    xg::dist::all_reduce(t, xg::dist::ReduceOp::Sum);
    auto work = xg::dist::all_reduce_async(t);
    work.wait();
    xg::dist::broadcast(t);
    EXPECT_EQ(xg::dist::all_gather(t).size(), 1u);
    xg::dist::barrier();
    EXPECT_EQ(sum_of(t), 3.0);
  }
  {
    // row: `DistributedDataParallel(model, bucket_cap_mb=25)`, `with model.no_sync():`
    Net net;
    xg::dist::DistributedDataParallel ddp(net, xg::dist::DDPOptions().bucket_cap_mb(25));
    auto guard = ddp.no_sync();
    EXPECT_EQ(ddp.named_parameters()[0].first, "module.fc.W");
  }
  {
    // row: `DistributedSampler(ds, num_replicas, rank, shuffle, seed, drop_last)`, `set_epoch`
    auto sampler = std::make_shared<xg::dist::DistributedSampler>(xg::dist::DistributedSamplerOptions().num_replicas(2).rank(0));
    sampler->set_epoch(1);
    xg::data::DataLoader loader(xg::data::TensorDataset(xg::ones({10, 2}), xg::arange(10)), 5,
                                xg::data::DataLoaderOptions().sampler(sampler));
    EXPECT_EQ(loader.num_batches(), 1);  // 5 of the 10 on this rank
  }
}
