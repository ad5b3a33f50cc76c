// What hooks cost: one training step of the 784-100-10 MLP (batch 100, fresh batches from a
// 64 MiB pool) without hooks, with a forward hook on every layer, with a full backward hook
// on every layer, after hooks were registered and removed, and the same step with one
// tensor gradient hook per parameter.
//   ./build-bench/bench/hooks
#include <cstdio>

#include <xgrad/xgrad.h>

#include "timing.h"

namespace nn = xg::nn;

int main() {
  xg::manual_seed(0);
  nn::Sequential net;
  net.emplace<nn::Linear>(784, 100);
  net.emplace<nn::ReLU>();
  net.emplace<nn::Linear>(100, 10);
  xg::optim::SGD sgd(net.parameters(), 0.01);
  const std::int64_t pool = 64 * 1024 * 1024 / (784 * 4 * 100);  // batches in 64 MiB
  const xg::Tensor xs = xg::rand({pool, 100, 784});
  const xg::Tensor ts = xg::randint(0, 10, {pool, 100});
  std::int64_t k = 0;
  auto step = [&] {
    const auto x = xs.narrow(0, k % pool, 1).reshape({100, 784});
    const auto t = ts.narrow(0, k % pool, 1).reshape({100});
    ++k;
    auto loss = nn::softmax_cross_entropy(net(x), t);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  };
  auto row = [](const char* what, double ms, double base) { std::printf("%-44s %8.4f ms  %5.3fx\n", what, ms, ms / base); };
  const double plain = time_ms(step, 400, 7);
  row("MLP step, no hooks", plain, plain);
  {
    std::vector<nn::ScopedHook> hooks;
    for (std::size_t i = 0; i < 3; ++i)
      hooks.emplace_back(net[i].register_forward_hook([](nn::Module&, const xg::Tensor&, const xg::Tensor&) {}));
    row("  + a forward hook on each of 3 layers", time_ms(step, 400, 7), plain);
  }
  {
    std::vector<nn::ScopedHook> hooks;
    for (std::size_t i = 0; i < 3; ++i)
      hooks.emplace_back(net[i].register_full_backward_hook([](nn::Module&, const xg::tensor_list&, const xg::tensor_list&) {}));
    row("  + a full backward hook on each of 3 layers", time_ms(step, 400, 7), plain);
  }
  row("  after registering and removing them", time_ms(step, 400, 7), plain);
  std::vector<unsigned> ids;
  for (auto& p : net.parameters()) ids.push_back(p.register_hook([](const xg::Tensor&) {}));
  row("  + a gradient hook on each of 4 parameters", time_ms(step, 400, 7), plain);
  const auto params = net.parameters();
  for (std::size_t i = 0; i < ids.size(); ++i) params[i].remove_hook(ids[i]);
  return 0;
}
