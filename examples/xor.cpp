// XOR with a 2-5-1 sigmoid network trained by backpropagation (the from-scratch BP
// tutorial): squared error, learning rate 0.05 with momentum 0.1, one sample at a time.
#include <cstdio>
#include <iostream>

#include <xgrad/xgrad.h>

#include "common/options.h"

struct XorNet : xg::nn::Module {
  xg::nn::Linear hidden{2, 5}, output{5, 1};
  XorNet() {
    register_module("hidden", hidden);
    register_module("output", output);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return xg::sigmoid(output(xg::sigmoid(hidden(x)))); }
};

int main(int argc, char** argv) {
  int epochs = 10000;
  xg::examples::Options opts("xor", "A 2-5-1 network learns XOR by backpropagation.");
  opts.add("--epochs", epochs, "training epochs").parse(argc, argv);
  xg::manual_seed(0);
  XorNet net;
  xg::optim::SGD optimizer(net.parameters(), xg::optim::SGDOptions(0.05).momentum(0.1));
  auto x = xg::tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  auto t = xg::tensor({{0}, {1}, {1}, {0}});

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    double epoch_loss = 0;
    for (int i = 0; i < 4; ++i) {  // online learning: update after every pattern
      auto loss = xg::nn::sum_squared_error(net(x.slice(0, i, i + 1)), t.slice(0, i, i + 1));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      epoch_loss += loss.item();
    }
    if (epoch % (epochs / 5) == 0) std::printf("epoch %5d  error %.6f\n", epoch, epoch_loss);
  }
  auto y = net(x);
  for (int i = 0; i < 4; ++i)
    std::printf("%g xor %g -> %.4f (target %g)\n", x.at({i, 0}), x.at({i, 1}), y.at({i, 0}), t.at({i, 0}));
  return 0;
}
