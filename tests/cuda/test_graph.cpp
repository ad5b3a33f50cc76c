// CUDA graphs (issue 21): xg::cuda::Graph and xg::train::GraphedStep. A replayed step must do
// exactly what the eager step does (the kernels are deterministic, so bit for bit), draw new
// dropout masks on each replay, follow a scheduler's learning rate and Adam's step counts,
// report a bad label after the replay, refuse waits inside the capture, and not grow memory.
#include <memory>
#include <vector>

#include "cuda/cuda_util.h"

namespace nn = xg::nn;
namespace optim = xg::optim;
using xg::Tensor;
using xg::tensor_list;
using xg::test::expect_same_bits;
using Mode = xg::train::GraphedStep::Mode;

namespace {

struct Batch {
  Tensor x, t;
};

std::vector<Batch> batches(const xg::Shape& x_shape, std::int64_t classes, int n, std::uint64_t seed) {
  std::vector<Batch> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({xg::test::seeded(x_shape, xg::kFloat32, seed + i).to(xg::kCUDA),
                   xg::randint(0, classes, {x_shape[0]}).to(xg::kCUDA)});
  }
  return out;
}

using Build = std::function<void(nn::Sequential&)>;
using MakeOpt = std::function<std::unique_ptr<optim::Optimizer>(const tensor_list&)>;

// Trains a fresh model on `data`, eagerly or through a GraphedStep, from the same CUDA seed;
// returns its parameters and the last loss.
std::pair<tensor_list, Tensor> train(const Build& build, const MakeOpt& make_opt, const std::vector<Batch>& data,
                                     bool graphed, const std::function<void(optim::Optimizer&, int)>& between = {}) {
  auto net = std::make_shared<nn::Sequential>();
  build(*net);
  net->to(xg::kCUDA);
  auto opt = make_opt(net->parameters());
  xg::cuda::manual_seed(42);
  const auto step = [&](const tensor_list& b) {
    opt->zero_grad();
    Tensor loss = nn::softmax_cross_entropy(net->forward(b[0]), b[1]);
    loss.backward();
    opt->step();
    return tensor_list{loss};
  };
  xg::train::GraphedStep graphed_step(step);
  Tensor loss;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (between) between(*opt, static_cast<int>(i));
    loss = graphed ? graphed_step({data[i].x, data[i].t})[0] : step({data[i].x, data[i].t})[0];
    if (graphed && i >= 2) EXPECT_EQ(graphed_step.last_mode(), Mode::kReplay);
  }
  if (graphed) EXPECT_EQ(graphed_step.captures(), 1u);
  return {net->parameters(), loss.clone()};
}

void expect_same_training(const Build& build, const MakeOpt& make_opt, const std::vector<Batch>& data,
                          const std::function<void(optim::Optimizer&, int)>& between = {}) {
  const auto [eager, eager_loss] = train(build, make_opt, data, false, between);
  const auto [graphed, graphed_loss] = train(build, make_opt, data, true, between);
  ASSERT_EQ(eager.size(), graphed.size());
  for (std::size_t i = 0; i < eager.size(); ++i) expect_same_bits<float>(graphed[i].cpu(), eager[i].cpu());
  expect_same_bits<float>(graphed_loss.cpu(), eager_loss.cpu());
}

void mlp(nn::Sequential& net) {
  xg::manual_seed(0);
  net.emplace<nn::Linear>(20, 16);
  net.emplace<nn::Sigmoid>();
  net.emplace<nn::Linear>(16, 5);
}

// SimpleConvNet's shape, small, with dropout: new masks must be drawn on every replay.
void convnet(nn::Sequential& net) {
  xg::manual_seed(0);
  net.emplace<nn::Conv2d>(1, 4, 3);
  net.emplace<nn::ReLU>();
  net.emplace<nn::MaxPool2d>(2);
  net.emplace<nn::Flatten>();
  net.emplace<nn::Dropout>(0.5);
  net.emplace<nn::Linear>(36, 5);
}

}  // namespace

TEST(CudaGraph, ACapturedGraphReplaysOnNewInputsInOneLaunch) {
  XG_REQUIRE_CUDA();
  Tensor x = xg::zeros({1000}, xg::kCUDA);
  Tensor y = x * 2.0 + 1.0;  // warm up
  xg::cuda::Graph g;
  EXPECT_FALSE(g.captured());
  g.capture_begin();
  EXPECT_TRUE(xg::cuda::is_current_stream_capturing());
  y = x * 2.0 + 1.0;
  g.capture_end();
  EXPECT_FALSE(xg::cuda::is_current_stream_capturing());
  EXPECT_TRUE(g.captured());
  for (double v : {1.0, -3.5}) {
    x.copy_(xg::full({1000}, v, xg::kCUDA));
    const auto launches = xg::cuda::launch_count();
    g.replay();
    EXPECT_EQ(xg::cuda::launch_count(), launches + 1);  // the whole graph, nothing to refresh
    expect_same_bits<float>(y.cpu(), xg::full({1000}, 2 * v + 1));
  }
  g.reset();
  EXPECT_FALSE(g.captured());
  EXPECT_XG_ERROR(g.replay(), "xg::cuda::Graph::replay: nothing captured");
}

TEST(CudaGraph, AWaitInsideACaptureIsAnErrorNamingTheOperation) {
  XG_REQUIRE_CUDA();
  const Tensor x = xg::ones({8}, xg::kCUDA);
  (void)x.sum();
  {
    xg::cuda::Graph g;
    g.capture_begin();
    EXPECT_XG_ERROR(x.sum().item(), "item: a copy to the host inside a CUDA graph capture", "replay()");
    EXPECT_XG_ERROR(xg::tensor({1.0, 2.0}, xg::kCUDA), "tensor: a copy from the host inside a CUDA graph capture");
    EXPECT_XG_ERROR(xg::cuda::synchronize(), "xg::cuda::synchronize: waiting for the GPU inside a CUDA graph capture");
    xg::cuda::Graph other;
    EXPECT_XG_ERROR(other.capture_begin(), "another graph's capture is under way");
  }  // the graph dies mid-capture: the capture is abandoned
  EXPECT_FALSE(xg::cuda::is_current_stream_capturing());
  EXPECT_EQ((x + 1.0).cpu().to_vector<float>(), std::vector<float>(8, 2.0f));  // the process goes on
}

TEST(CudaGraph, ReplayedStepsEqualEagerStepsBitForBit) {
  XG_REQUIRE_CUDA();
  expect_same_training(mlp, [](const tensor_list& p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.1)); },
                       batches({32, 20}, 5, 50, 1));
  expect_same_training(
      convnet, [](const tensor_list& p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01)); },
      batches({16, 1, 8, 8}, 5, 50, 100));
  expect_same_training(
      convnet, [](const tensor_list& p) { return std::make_unique<optim::AdaDelta>(p, optim::AdaDeltaOptions(1.0)); },
      batches({16, 1, 8, 8}, 5, 50, 200));
}

TEST(CudaGraph, AnLstmStepReplaysAsItsEagerStep) {
  XG_REQUIRE_CUDA();
  xg::manual_seed(0);
  nn::LSTM a(6, 12), b(6, 12);
  const auto pa = a.parameters(), pb = b.parameters();
  {
    xg::NoGradGuard no_grad;  // the same initial weights for both
    for (std::size_t i = 0; i < pa.size(); ++i) Tensor(pb[i]).copy_(pa[i]);
  }
  a.to(xg::kCUDA);
  b.to(xg::kCUDA);
  optim::Adam oa(a.parameters(), optim::AdamOptions(0.01)), ob(b.parameters(), optim::AdamOptions(0.01));
  const auto make_step = [](nn::LSTM& m, optim::Adam& opt) {
    return [&m, &opt](const tensor_list& batch) {
      opt.zero_grad();
      const Tensor out = std::get<0>(m(batch[0], {}));
      Tensor loss = (out * out).mean();
      loss.backward();
      opt.step();
      return tensor_list{loss};
    };
  };
  auto eager = make_step(a, oa);
  xg::train::GraphedStep graphed(make_step(b, ob));
  for (int i = 0; i < 20; ++i) {
    const Tensor x = xg::test::seeded({10, 4, 6}, xg::kFloat32, 300 + i).to(xg::kCUDA);
    (void)eager({x});
    (void)graphed({x});
  }
  EXPECT_EQ(graphed.last_mode(), Mode::kReplay);
  for (std::size_t i = 0; i < pa.size(); ++i) expect_same_bits<float>(b.parameters()[i].cpu(), a.parameters()[i].cpu());
}

TEST(CudaGraph, ASchedulerAndZeroGradBetweenReplaysActAsInEagerSteps) {
  XG_REQUIRE_CUDA();
  const auto data = batches({32, 20}, 5, 30, 400);
  std::shared_ptr<optim::StepLR> sched;
  const auto between = [&](optim::Optimizer& opt, int i) {
    if (i == 0) sched = std::make_shared<optim::StepLR>(opt, 3, 0.5);
    else sched->step();
    opt.zero_grad();
  };
  expect_same_training(mlp, [](const tensor_list& p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.05)); },
                       data, between);
  // AMSGrad's fused rule: its third buffer and sqrt(1 - b2^t) refreshed before each replay.
  expect_same_training(
      mlp, [](const tensor_list& p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.05).amsgrad(true)); },
      data, between);
  expect_same_training(
      mlp, [](const tensor_list& p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.5).momentum(0.9)); },
      data, between);
}

TEST(CudaGraph, ABadLabelInAnyReplayIsReportedAtTheNextWaitWithTheCpuMessage) {
  XG_REQUIRE_CUDA();
  nn::Sequential net;
  mlp(net);
  net.to(xg::kCUDA);
  optim::SGD opt(net.parameters(), optim::SGDOptions(0.1));
  xg::train::GraphedStep step([&](const tensor_list& b) {
    opt.zero_grad();
    Tensor loss = nn::softmax_cross_entropy(net.forward(b[0]), b[1]);
    loss.backward();
    opt.step();
    return tensor_list{loss};
  });
  const Tensor x = xg::randn({4, 20}, xg::kCUDA);
  const Tensor good = xg::tensor({0.0, 1.0, 2.0, 3.0}, xg::kInt64).to(xg::kCUDA);
  for (int i = 0; i < 3; ++i) (void)step({x, good})[0].item();
  ASSERT_EQ(step.last_mode(), Mode::kReplay);
  const Tensor bad = xg::tensor({0.0, 7.0, 2.0, 3.0}, xg::kInt64).to(xg::kCUDA);
  const Tensor loss = step({x, bad})[0];
  const std::string cpu_message = [&] {
    try {
      (void)nn::softmax_cross_entropy(xg::randn({4, 5}), bad.cpu());
    } catch (const xg::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error on the CPU");
  }();
  // Reading `result` must raise the CPU's message (after its operation's name).
  const auto expect_cpu_message = [&](const Tensor& result, const char* otherwise) {
    try {
      (void)result.item();
      ADD_FAILURE() << otherwise;
    } catch (const xg::Error& e) {
      EXPECT_NE(std::string(e.what()).find(cpu_message.substr(cpu_message.find(':') + 1)), std::string::npos)
          << e.what() << "\nthe CPU says: " << cpu_message;
    }
  };
  expect_cpu_message(loss, "no error after a replay with a bad label");
  EXPECT_TRUE(std::isfinite(step({x, good})[0].item()));  // and the process goes on
  // Replays queued without a wait between them: the first bad one is reported (its position
  // and value kept on the device, though the next batch overwrote the captured labels).
  (void)step({x, bad});
  const Tensor after = step({x, good})[0];
  ASSERT_EQ(step.last_mode(), Mode::kReplay);
  expect_cpu_message(after, "a bad label followed by a good one before a wait went unreported");
  EXPECT_TRUE(std::isfinite(step({x, good})[0].item()));
}

TEST(CudaGraph, ReplaysDoNotGrowMemoryAndTheGraphGivesItsPoolBack) {
  XG_REQUIRE_CUDA();
  const auto data = batches({32, 20}, 5, 2, 500);
  nn::Sequential net;
  mlp(net);
  net.to(xg::kCUDA);
  optim::Adam opt(net.parameters(), optim::AdamOptions(0.01));
  auto step = std::make_unique<xg::train::GraphedStep>([&](const tensor_list& b) {
    opt.zero_grad();
    Tensor loss = nn::softmax_cross_entropy(net.forward(b[0]), b[1]);
    loss.backward();
    opt.step();
    return tensor_list{loss};
  });
  for (int i = 0; i < 3; ++i) (void)(*step)({data[i % 2].x, data[i % 2].t});
  xg::cuda::synchronize();
  const auto after_capture = xg::cuda::memory_allocated();
  for (int i = 0; i < 2000; ++i) (void)(*step)({data[i % 2].x, data[i % 2].t});
  xg::cuda::synchronize();
  EXPECT_EQ(xg::cuda::memory_allocated(), after_capture);
  const auto reserved = xg::cuda::memory_reserved();
  step.reset();  // the graph dies: its pool returns to the cache, nothing to the driver
  EXPECT_EQ(xg::cuda::memory_reserved(), reserved);
}

TEST(CudaGraph, AReplayAfterItsOptimizerDiedOrRanComposedIsAnError) {
  XG_REQUIRE_CUDA();
  nn::Sequential net;
  mlp(net);
  net.to(xg::kCUDA);
  const Tensor x = xg::randn({8, 20}, xg::kCUDA), t = xg::randint(0, 5, {8}).to(xg::kCUDA);
  auto opt = std::make_unique<optim::Adam>(net.parameters(), optim::AdamOptions(0.01));
  xg::train::GraphedStep step([&](const tensor_list& b) {
    opt->zero_grad();
    Tensor loss = nn::softmax_cross_entropy(net.forward(b[0]), b[1]);
    loss.backward();
    opt->step();
    return tensor_list{loss};
  });
  for (int i = 0; i < 3; ++i) (void)step({x, t});
  opt->add_param_group({{xg::zeros({2}, xg::kCUDA).requires_grad_()}, 0.1, 0.0});  // the groups change
  EXPECT_XG_ERROR(step({x, t}), "step: the optimizer whose step a CUDA graph captured", "capture the step again");
  step.reset();
  opt = std::make_unique<optim::Adam>(net.parameters(), optim::AdamOptions(0.01));
  opt->set_fused(false);
  (void)step({x, t});  // eager
  EXPECT_XG_ERROR(step({x, t}), "step: Adam's composed update", "cannot be captured in a CUDA graph");
  EXPECT_FALSE(xg::cuda::is_current_stream_capturing());
}

TEST(CudaGraph, EachBatchShapeGetsItsOwnGraph) {
  XG_REQUIRE_CUDA();
  int calls = 0;
  xg::train::GraphedStep step([&](const tensor_list& b) {
    ++calls;  // host code runs in eager calls and captures only
    return tensor_list{b[0] * 3.0};
  });
  const Tensor a = xg::ones({4}, xg::kCUDA), b = xg::ones({6}, xg::kCUDA);
  std::vector<Mode> modes;
  for (const Tensor& x : {a, a, a, b, b, a, b}) {
    (void)step({x});
    modes.push_back(step.last_mode());
  }
  EXPECT_EQ(modes, (std::vector<Mode>{Mode::kEager, Mode::kCapture, Mode::kReplay, Mode::kEager, Mode::kCapture,
                                      Mode::kReplay, Mode::kReplay}));
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(step.graphs(), 2u);
  const Tensor out = step({xg::full({6}, 2.0, xg::kCUDA)})[0];
  EXPECT_EQ(out.cpu().to_vector<float>(), std::vector<float>(6, 6.0f));
}

// fit(graph = true) with the data on the GPU replays each batch shape's graph (16 and a last 8)
// and records the eager run's history bit for bit.
TEST(CudaGraph, FitWithGraphRecordsTheEagerHistory) {
  XG_REQUIRE_CUDA();
  const auto run = [](bool graph) {
    nn::Sequential net;
    mlp(net);
    net.to(xg::kCUDA);
    optim::Adam opt(net.parameters(), optim::AdamOptions(0.01));
    const Tensor x = xg::test::seeded({40, 20}, xg::kFloat32, 600).to(xg::kCUDA);
    const Tensor t = xg::randint(0, 5, {40}).to(xg::kCUDA);
    xg::train::FitOptions o;
    o.epochs = 4;
    o.batch_size = 16;
    o.verbose = false;
    o.graph = graph;
    return xg::train::fit(net, opt, [](const Tensor& p, const Tensor& y) { return nn::softmax_cross_entropy(p, y); },
                          x, t, o).loss;
  };
  xg::manual_seed(7);
  const auto eager = run(false);
  xg::manual_seed(7);
  EXPECT_EQ(run(true), eager);
}

// A recurrent state carried from chunk to chunk (char_lstm --graph): passed to the step as
// batch tensors and returned as outputs, it reaches each replay through the graph's inputs;
// clipping by get_total_norm/clip_grads_with_norm_ inside the capture. Equal to eager, bit for bit.
TEST(CudaGraph, AStateCarriedBetweenReplaysAndClippingMatchEagerChunks) {
  XG_REQUIRE_CUDA();
  const auto train = [](bool graphed) {
    xg::manual_seed(0);
    nn::LSTM lstm(6, 12);
    lstm.to(xg::kCUDA);
    optim::Adam opt(lstm.parameters(), optim::AdamOptions(0.01));
    const auto step = [&](const tensor_list& b) {
      const auto out = lstm(b[0], b.size() > 1 ? std::tuple{b[1], b[2]} : std::tuple<Tensor, Tensor>{});
      Tensor loss = (std::get<0>(out) * std::get<0>(out)).mean();
      opt.zero_grad();
      loss.backward();
      tensor_list grads;
      for (const auto& p : lstm.parameters()) grads.push_back(p.grad());
      xg::nn::utils::clip_grads_with_norm_(lstm.parameters(), 0.05, xg::nn::utils::get_total_norm(grads));
      opt.step();
      const auto& [h, c] = std::get<1>(out);
      return tensor_list{loss, h.detach(), c.detach()};
    };
    xg::train::GraphedStep g(step);
    tensor_list state;
    for (int i = 0; i < 12; ++i) {
      tensor_list batch{xg::test::seeded({5, 3, 6}, xg::kFloat32, 700 + i).to(xg::kCUDA)};
      batch.insert(batch.end(), state.begin(), state.end());
      const tensor_list out = graphed ? g(batch) : step(batch);
      state = {out[1], out[2]};
    }
    if (graphed) EXPECT_EQ(g.last_mode(), Mode::kReplay);
    return std::pair{lstm.parameters(), state[0].clone()};
  };
  const auto [eager_params, eager_h] = train(false);
  const auto [graph_params, graph_h] = train(true);
  for (std::size_t i = 0; i < eager_params.size(); ++i) expect_same_bits<float>(graph_params[i].cpu(), eager_params[i].cpu());
  expect_same_bits<float>(graph_h.cpu(), eager_h.cpu());
}
