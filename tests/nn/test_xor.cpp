// End to end: a 2-5-1 sigmoid network learns XOR with SGD and momentum.
#include "test_util.h"

namespace {
struct XorNet : xg::nn::Module {
  xg::nn::Linear l1{2, 5}, l2{5, 1};
  XorNet() {
    register_module("l1", l1);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return xg::sigmoid(l2(xg::sigmoid(l1(x)))); }
};
}  // namespace

TEST(EndToEnd, XorIsLearned) {
  xg::manual_seed(0);
  XorNet net;
  xg::optim::SGD opt(net.parameters(), xg::optim::SGDOptions(0.5).momentum(0.9));
  auto x = xg::tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  auto t = xg::tensor({{0}, {1}, {1}, {0}});
  for (int epoch = 0; epoch < 2000; ++epoch) {
    auto loss = xg::nn::mean_squared_error(net(x), t);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  auto y = net(x).to_vector<double>();
  const std::vector<double> want = {0, 1, 1, 0};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], want[i], 0.1) << "input " << i;
  EXPECT_TRUE(xg::testing::gradients_match([&] { return xg::nn::mean_squared_error(net(x), t); }, net.named_parameters()));
}
