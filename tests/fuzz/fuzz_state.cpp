// libFuzzer harness: xg::load into a model and into optimizers (state_dict keys, counters,
// buffer shapes), then a training step, which must not touch memory it does not own.
#include "fuzz_util.h"

namespace {

using Net = xg::fuzz::StateNet;

template <class Opt>
void load_and_step(Net& net, const std::string& path) {
  Opt opt(net.parameters(), 0.01);
  xg::load(opt, path);
  opt.zero_grad();
  xg::nn::softmax_cross_entropy(net(xg::ones({2, 3})), xg::tensor({0.0, 1.0}, {2}, xg::kInt64)).backward();
  opt.step();
}

// LBFGS's global history ("extra." keys: vectors, counters, a history of any length), then
// a step that uses it.
void load_and_step_lbfgs(Net& net, const std::string& path) {
  xg::optim::LBFGS opt(net.parameters(), xg::optim::LBFGSOptions(0.01).max_iter(2).history_size(3));
  xg::load(opt, path);
  opt.step([&] {
    opt.zero_grad();
    auto loss = xg::nn::softmax_cross_entropy(net(xg::ones({2, 3})), xg::tensor({0.0, 1.0}, {2}, xg::kInt64));
    loss.backward();
    return loss;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xg::fuzz::as_file(data, size, ".npz");
  Net net;
  xg::fuzz::expect_clean([&] { xg::load(net, path); });
  xg::fuzz::expect_clean([&] { load_and_step<xg::optim::Adam>(net, path); });
  xg::fuzz::expect_clean([&] { load_and_step<xg::optim::SGD>(net, path); });
  xg::fuzz::expect_clean([&] { load_and_step<xg::optim::AdaGrad>(net, path); });
  xg::fuzz::expect_clean([&] { load_and_step_lbfgs(net, path); });
  return 0;
}
