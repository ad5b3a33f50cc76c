// Errors name the call the user made, never a function inside it (a tester found 22 messages
// naming linear_t, dtype:, shape:, tensor:, save_image_grid, all_gather, a graph node,
// load_npz, register, the next layer or a sub-module instead).
#include <cstdlib>

#include "test_util.h"

namespace {
struct Two : xg::nn::Module {
  xg::nn::Linear fc1{4, 3}, fc2{3, 2};
  Two() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return fc2(xg::relu(fc1(x))); }
};
}  // namespace

TEST(Messages, AnUndefinedOperandNamesTheOperation) {
  const auto x = xg::ones({2, 3});
  EXPECT_XG_ERROR(xg::linear(x, xg::Tensor(), xg::Tensor()), "linear: a tensor is undefined");
  EXPECT_XG_ERROR(xg::matmul(x, xg::Tensor()), "matmul: a tensor is undefined");
  EXPECT_XG_ERROR(xg::add(xg::Tensor(), x), "add: a tensor is undefined");
  EXPECT_XG_ERROR(xg::conv2d(xg::ones({1, 1, 4, 4}), xg::Tensor()), "conv2d: the weight is undefined");
  // An allocation deep inside names the outer call too.
  EXPECT_XG_ERROR(xg::nn::Embedding(1LL << 40, 1LL << 20), "Embedding:", "allocation limit");
}

TEST(Messages, AForwardHookThatChangesTheShapeIsNamed) {
  Two net;
  auto h = net.fc1.register_forward_hook(
      [](xg::nn::Module&, const xg::Tensor&, const xg::Tensor& y) { return y.slice(1, 0, 2); });
  // It once surfaced as fc2's "expected input with last axis 3".
  EXPECT_XG_ERROR(net(xg::ones({2, 4})), "forward hook of Linear: it returned (2,2) float32 for the output (2,3) float32");
  h.remove();
  EXPECT_EQ(net(xg::ones({2, 4})).shape(), (xg::Shape{2, 2}));
}

TEST(Messages, SummaryNamesItselfAndTheInputShape) {
  Two net;
  EXPECT_XG_ERROR(xg::nn::summary(net, {1, 5}), "summary: Two's forward fails on an input of shape (1,5): Linear:");
}

TEST(Messages, VisualisationHelpersNameThemselves) {
  xg::nn::Conv2d conv(1, 4, 3);
  EXPECT_XG_ERROR(xg::viz::save_filters(conv, "/nonexistent-dir/filters.png"), "viz::save_filters:");
  xg::nn::Sequential net;
  net.emplace<xg::nn::Flatten>();
  net.emplace<xg::nn::Linear>(16, 2);
  EXPECT_XG_ERROR(xg::viz::deletion_curve(net, xg::ones({1, 1, 4, 4}), 0, xg::ones({4, 4}),
                                          xg::viz::DeletionOptions().pixels_per_step(-2)),
                  "deletion_curve: pixels_per_step must be positive (or 0 for 1/50 of the image), got -2");
}

TEST(Messages, DdpBuiltBeforeInitNamesItself) {
  // Started by a launcher (its environment) without init(): the check names DDP, not the
  // all_gather DDP's construction would run.
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  xg::nn::Linear model(2, 2);
  if (xg::dist::available())
    EXPECT_XG_ERROR(xg::dist::DistributedDataParallel{model}, "xg::dist::DistributedDataParallel: this process was started by an MPI launcher; call xg::dist::init()");
  unsetenv("OMPI_COMM_WORLD_SIZE");
}
