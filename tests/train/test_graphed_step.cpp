// GraphedStep and xg::cuda::Graph where no graph can be captured (CI's machines: no GPU, or a
// build without CUDA): every call runs the step eagerly and returns what it returns, and the
// Graph API says why it cannot capture. The capture itself is tested on a GPU
// (tests/cuda/test_graph.cpp).
#include <xgrad/xgrad.h>

#include "test_util.h"

namespace nn = xg::nn;
using xg::Tensor;
using xg::tensor_list;
using Mode = xg::train::GraphedStep::Mode;

TEST(GraphedStep, CpuBatchesRunEagerlyEveryCallAndTrainAsTheStepDoes) {
  xg::manual_seed(0);
  nn::Linear a(3, 2), b(3, 2);
  {
    xg::NoGradGuard no_grad;
    const auto pa = a.parameters(), pb = b.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i) Tensor(pb[i]).copy_(pa[i]);
  }
  xg::optim::SGD oa(a.parameters(), xg::optim::SGDOptions(0.1)), ob(b.parameters(), xg::optim::SGDOptions(0.1));
  int calls = 0;
  const auto make_step = [&calls](nn::Linear& m, xg::optim::SGD& opt) {
    return [&m, &opt, &calls](const tensor_list& batch) {
      ++calls;
      opt.zero_grad();
      Tensor loss = (m(batch[0]) - batch[1]).pow(2.0).mean();
      loss.backward();
      opt.step();
      return tensor_list{loss, m(batch[0])};
    };
  };
  xg::train::GraphedStep graphed(make_step(b, ob));
  auto eager = make_step(a, oa);
  const Tensor x = xg::randn({4, 3}), t = xg::randn({4, 2});
  for (int i = 0; i < 5; ++i) {
    const tensor_list ea = eager({x, t}), gr = graphed({x, t});
    ASSERT_EQ(gr.size(), 2u);
    EXPECT_EQ(graphed.last_mode(), Mode::kEager);
    EXPECT_EQ(gr[0].item(), ea[0].item());
    EXPECT_EQ(gr[1].to_vector<float>(), ea[1].to_vector<float>());
  }
  EXPECT_EQ(calls, 10);  // the wrapped step ran on every call
  EXPECT_EQ(graphed.graphs(), 0u);
  EXPECT_EQ(graphed.captures(), 0u);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_EQ(b.parameters()[i].to_vector<float>(), a.parameters()[i].to_vector<float>());
}

TEST(GraphedStep, BadArgumentsAreErrors) {
  EXPECT_XG_ERROR(xg::train::GraphedStep(nullptr), "GraphedStep: the step function is empty");
  EXPECT_XG_ERROR(xg::train::GraphedStep([](const tensor_list& b) { return b; }, 0),
                  "GraphedStep: max_graphs must be at least 1");
  xg::train::GraphedStep step([](const tensor_list& b) { return tensor_list{b[0] + 1.0}; });
  xg::train::GraphedStep moved(std::move(step));
  EXPECT_EQ(moved({xg::ones({2})})[0].to_vector<float>(), (std::vector<float>{2, 2}));
  EXPECT_XG_ERROR(step({xg::ones({2})}), "GraphedStep: used after being moved from");  // NOLINT(bugprone-use-after-move)
}

TEST(CudaGraphApi, WithoutCudaCaptureSaysWhy) {
  if (xg::cuda::is_available()) GTEST_SKIP() << "CUDA is available here: tests/cuda/test_graph.cpp captures";
  xg::cuda::Graph g;
  EXPECT_FALSE(g.captured());
  EXPECT_FALSE(xg::cuda::is_current_stream_capturing());
  EXPECT_XG_ERROR(g.capture_begin(), "Graph::capture_begin: CUDA is not available (", xg::cuda::unavailable_reason());
  EXPECT_FALSE(xg::cuda::is_current_stream_capturing());
  g.reset();  // harmless
}

// fit(graph = true) on CPU tensors: the same training as without (nothing to capture).
TEST(GraphedStep, FitWithGraphOnTheCpuTrainsAsWithout) {
  const auto run = [](bool graph) {
    xg::manual_seed(0);
    const auto x = xg::randn({40, 3}), y = 2.0 * x.sum({1}, true) + 0.5;
    nn::Linear m(3, 1);
    xg::optim::SGD opt(m.parameters(), 0.05);
    xg::train::FitOptions o;
    o.epochs = 3;
    o.batch_size = 16;  // 16, 16 and a last batch of 8
    o.verbose = false;
    o.graph = graph;
    return xg::train::fit(m, opt, [](const Tensor& p, const Tensor& t) { return ((p - t) * (p - t)).mean(); }, x, y, o).loss;
  };
  EXPECT_EQ(run(true), run(false));
}
