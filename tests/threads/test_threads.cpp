// Several threads using xgrad at once: each builds and trains its own model. Built as its
// own small binary so that scripts/test-sanitizers.sh can run it under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include <xgrad/xgrad.h>

namespace {

struct Mlp : xg::nn::Module {
  xg::nn::Linear l1{8, 16}, l2{16, 3};
  xg::nn::Dropout drop{0.1};
  Mlp() {
    register_module("l1", l1);
    register_module("drop", drop);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(drop(xg::relu(l1(x)))); }
};

// Builds a model and trains it for `steps` on data drawn from the thread's generator;
// returns the final weights and the loss before and after.
struct TrainResult {
  std::vector<float> weights;
  double first_loss = 0, last_loss = 0;
};

TrainResult train(int steps) {
  Mlp net;
  xg::nn::init::he_normal(net.l1.W);
  const auto x = xg::randn({64, 8});
  const auto t = xg::argmax(x.slice(1, 0, 3), 1);  // a learnable rule: the largest of three features
  xg::data::TensorDataset ds(x, t);
  xg::data::DataLoader loader(ds, 16);
  xg::optim::Adam opt(net.parameters(), 0.01);
  TrainResult r;
  for (int step = 0; step < steps;) {
    for (auto& [xb, tb] : loader) {
      auto loss = xg::nn::softmax_cross_entropy(net(xb), tb);
      if (step == 0) r.first_loss = loss.item();
      r.last_loss = loss.item();
      opt.zero_grad();
      loss.backward();
      opt.step();
      if (++step == steps) break;
    }
  }
  r.weights = net.l2.W.to_vector<float>();
  return r;
}

}  // namespace

TEST(Threads, TwoThreadsTrainTheirOwnModelsOnTheSharedGenerator) {
  xg::manual_seed(5);
  std::vector<TrainResult> runs(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&runs, i] { runs[i] = train(150); });
  for (auto& th : threads) th.join();
  for (const auto& r : runs) EXPECT_LT(r.last_loss, 0.6 * r.first_loss);
}

TEST(Threads, AGeneratorPerThreadMakesEachThreadReproducible) {
  // What one thread computes alone, with its generator...
  std::vector<TrainResult> alone(2);
  for (int i = 0; i < 2; ++i) {
    xg::Generator gen(100 + static_cast<std::uint64_t>(i));
    xg::GeneratorGuard use(gen);
    alone[i] = train(40);
  }
  // ...it computes again while another thread trains at the same time.
  std::vector<TrainResult> together(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&together, i] {
      xg::Generator gen(100 + static_cast<std::uint64_t>(i));
      xg::GeneratorGuard use(gen);
      together[i] = train(40);
    });
  for (auto& th : threads) th.join();
  for (int i = 0; i < 2; ++i) EXPECT_EQ(alone[i].weights, together[i].weights) << "thread " << i;
  EXPECT_NE(alone[0].weights, alone[1].weights);
}

TEST(Threads, GuardsNestAndRestoreTheGlobalGenerator) {
  xg::manual_seed(7);
  const auto a = xg::rand({3}).to_vector<float>();
  xg::manual_seed(7);
  {
    xg::Generator g(1);
    xg::GeneratorGuard use(g);
    (void)xg::rand({10});  // drawn from g, not from the global generator
  }
  EXPECT_EQ(xg::rand({3}).to_vector<float>(), a);
}

TEST(Threads, ConvolutionsSplitOverSamplesGiveTheOneThreadResult) {
  // set_num_threads(2) splits conv2d's forward, input gradient and weight gradient over
  // samples; the weight gradient sums per-chunk accumulators in chunk order, so the result
  // is the same on every run, and equal to one thread's up to the summation order.
  xg::manual_seed(3);
  auto x = xg::randn({8, 16, 20, 20}, xg::kFloat64).requires_grad_();
  auto W = xg::randn({32, 16, 3, 3}, xg::kFloat64).requires_grad_();
  auto run = [&](int threads) {
    xg::set_num_threads(threads);
    auto y = xg::conv2d(x, W, {}, 1, 1);
    auto g = xg::grad({(y * y).sum()}, {x, W});
    xg::set_num_threads(1);
    return std::vector<std::vector<double>>{y.to_vector<double>(), g[0].to_vector<double>(), g[1].to_vector<double>()};
  };
  const auto one = run(1), two = run(2), again = run(2);
  EXPECT_EQ(two, again);
  for (std::size_t k = 0; k < one.size(); ++k)
    for (std::size_t i = 0; i < one[k].size(); ++i) ASSERT_NEAR(one[k][i], two[k][i], 1e-9 * (1 + std::fabs(one[k][i])));
}

TEST(Threads, ChangingTheThreadCountWhileAnotherThreadTrainsIsSafe) {
  // The convolution weight gradient sizes its per-chunk accumulators from the thread count
  // and must split its work with that same count, whatever another thread sets meanwhile
  // (it once read the count twice: a heap overflow when it grew in between).
  xg::manual_seed(11);
  xg::nn::Conv2d conv(xg::nn::Conv2dOptions(8, 16, 3).padding(1));  // 10.6 M multiply-adds: split
  const auto x = xg::randn({16, 8, 24, 24});
  xg::optim::SGD opt(conv.parameters(), 0.01);
  std::atomic<bool> done{false};
  std::thread flipper([&] {
    for (int i = 0; !done; ++i) xg::set_num_threads(1 + i % 2);
  });
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    auto loss = (conv(x) * conv(x)).mean();
    if (step == 0) first = loss.item();
    last = loss.item();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  done = true;
  flipper.join();
  xg::set_num_threads(1);
  EXPECT_LT(last, first);
  EXPECT_TRUE(std::isfinite(last));
}
