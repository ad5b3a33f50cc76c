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

TEST(Threads, ConvolutionsSplitOverSamplesGiveTheOneThreadResultBitForBit) {
  // set_num_threads(2) splits conv2d's forward, input gradient and weight gradient over
  // samples; the weight gradient's partial sums are cut from the job's size, not the thread
  // count, so two threads give one thread's bits.
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
  const auto one = run(1), two = run(2), three = run(3);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
}

namespace {

// A small CNN + MLP whose every kernel is big enough to split: conv (11 M multiply-adds),
// products of 150 rows (cut at 48-row blocks, not at 75), elementwise work over 10^5+ elements.
struct SplitNet : xg::nn::Module {
  xg::nn::Conv2d conv{xg::nn::Conv2dOptions(3, 16, 3).padding(1)};
  xg::nn::Linear fc1{16 * 8 * 8, 300}, fc2{300, 10};
  xg::nn::Dropout drop{0.25};
  SplitNet() {
    register_module("conv", conv);
    register_module("fc1", fc1);
    register_module("drop", drop);
    register_module("fc2", fc2);
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    auto h = xg::max_pool2d(xg::relu(conv(x)), 2);
    return fc2(drop(xg::sigmoid(fc1(h.flatten(1)))));
  }
};

std::vector<std::vector<float>> train_split_net(int threads) {
  xg::manual_seed(21);
  SplitNet net;
  xg::optim::Adam opt(net.parameters(), 1e-3);
  const auto x = xg::randn({150, 3, 16, 16});
  const auto t = xg::randint(0, 10, {150});
  xg::set_num_threads(threads);
  for (int step = 0; step < 3; ++step) {
    auto loss = xg::nn::softmax_cross_entropy(net(x), t);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  xg::set_num_threads(1);
  std::vector<std::vector<float>> out;
  for (const auto& p : net.parameters()) out.push_back(p.to_vector<float>());
  return out;
}

}  // namespace

TEST(Threads, MatrixProductsGiveTheSameBitsOnAnyThreadCount) {
  // OpenBLAS computes a row with other instructions when a call starts at an unaligned row
  // (measured: a 512-row product split at row 64 or 75 differs in 4% of its elements); the
  // split falls at multiples of 48 rows only.
  xg::manual_seed(4);
  for (const auto dt : {xg::kFloat32, xg::kFloat64}) {
    const auto a = xg::randn({511, 300}, dt), b = xg::randn({300, 512}, dt), bt = xg::randn({512, 300}, dt);
    const auto run = [&](int threads) {
      xg::set_num_threads(threads);
      auto c = xg::cat({xg::matmul(a, b).flatten(), xg::matmul(a, bt.T()).flatten(), xg::matmul(a.T(), a).flatten()});
      xg::set_num_threads(1);
      return c.to(xg::kFloat64).to_vector<double>();
    };
    const auto one = run(1);
    EXPECT_EQ(one, run(2));
    EXPECT_EQ(one, run(3));
  }
}

TEST(Threads, ElementwiseKernelsAndReductionsGiveTheSameBitsOnAnyThreadCount) {
  // Elementwise chunks start at multiples of 64 elements (xsimd's scalar tails round
  // differently); reductions split by output, each output summed in one fixed order.
  xg::manual_seed(6);
  const auto x = xg::randn({301, 1003});
  const auto run = [&](int threads) {
    xg::set_num_threads(threads);
    const xg::tensor_list ys{xg::exp(x), xg::sigmoid(x) * x + x, xg::relu(x), xg::sum(x, xg::Axes{0}), xg::sum(x, xg::Axes{1}),
                             xg::max(x, xg::Axes{0}), xg::mean(x, xg::Axes{1}), xg::softmax(x, 1), xg::log_softmax(x, 0),
                             xg::max_pool2d(x.reshape({1, 1, 301, 1003}), 2)};
    xg::set_num_threads(1);
    std::vector<std::vector<float>> out;
    for (const auto& y : ys) out.push_back(y.to_vector<float>());
    return out;
  };
  const auto one = run(1);
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(3));
}

TEST(Threads, TrainingGivesTheSameBitsOnOneTwoAndThreeThreads) {
  const auto one = train_split_net(1);
  EXPECT_EQ(one, train_split_net(2));
  EXPECT_EQ(one, train_split_net(3));
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

TEST(Threads, TwoThreadsShareTheDirectConvolutionsAndGetTheOneThreadBits) {
  // float32 convolutions of 16 channels and every conv3d run on oneDNN's direct kernels
  // (where the build has them): one cached plan per geometry, shared by the threads, each
  // call with its own scratchpad. Two threads at once, each on 2 of xgrad's threads, must give
  // what one thread alone gives.
  xg::manual_seed(8);
  const auto x2 = xg::randn({6, 16, 12, 12}), W2 = xg::randn({16, 16, 3, 3});
  const auto x3 = xg::randn({3, 16, 6, 8, 8}), W3 = xg::randn({8, 16, 3, 3, 3});
  auto run = [&](int threads) {
    xg::set_num_threads(threads);
    std::vector<std::vector<float>> out;
    for (int rep = 0; rep < 3; ++rep) {
      const auto a = x2.detach().requires_grad_(), w = W2.detach().requires_grad_();
      const auto b = x3.detach().requires_grad_(), v = W3.detach().requires_grad_();
      const auto y = xg::conv2d(a, w, {}, 1, 1), z = xg::conv3d(b, v, {}, 1, 1);
      const auto g = xg::grad({(y * y).sum() + (z * z).sum()}, {a, w, b, v});
      out = {y.to_vector<float>(), z.to_vector<float>()};
      for (const auto& t : g) out.push_back(t.to_vector<float>());
    }
    return out;
  };
  const auto alone = run(1);
  std::vector<std::vector<float>> first, second;
  std::thread t1([&] { first = run(2); }), t2([&] { second = run(2); });
  t1.join();
  t2.join();
  xg::set_num_threads(1);
  EXPECT_EQ(first, alone);
  EXPECT_EQ(second, alone);
}
