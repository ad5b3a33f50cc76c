// The optimizer base's state loading: hostile or malformed state files are xg::Errors
// naming the key (and the file), and leave the optimizer unchanged.
#include "test_util.h"

namespace optim = xg::optim;

namespace {

xg::NamedTensors adam_state(optim::Adam& opt, xg::Tensor& p) {
  opt.zero_grad();
  p.pow(2).sum().backward();
  opt.step();
  return opt.state_dict();
}

xg::NamedTensors with(xg::NamedTensors state, const std::string& key, const xg::Tensor& value) {
  for (auto& [k, t] : state)
    if (k == key) {
      t = value;
      return state;
    }
  state.emplace_back(key, value);
  return state;
}

}  // namespace

TEST(OptimizerState, StepCounterIsCheckedLikeEveryOtherBuffer) {
  auto p = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  optim::Adam opt({p}, 0.1);
  const auto good = adam_state(opt, p);
  // A step counter of the wrong shape used to pass, and the next step() wrote past it.
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "state.0.step", xg::zeros({3}, xg::kFloat64))),
                  "'state.0.step' must hold one value, got shape (3,)");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "steps", xg::scalar_tensor(1e300, xg::kFloat64))), "'steps' is 1e+300");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "steps", xg::scalar_tensor(std::nan(""), xg::kFloat64))), "'steps' is nan");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "state.0.step", xg::scalar_tensor(-1, xg::kFloat64))), "'state.0.step' is -1");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "group.0.lr", xg::scalar_tensor(INFINITY, xg::kFloat64))), "'group.0.lr' is inf");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "state.0.m", xg::zeros({3}, xg::kInt64))), "'state.0.m' is int64");
  EXPECT_EQ(opt.steps(), 1);  // nothing changed
}

TEST(OptimizerState, MalformedKeysNameTheKeyInsteadOfEscapingAsStdExceptions) {
  auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  optim::Adam opt({p}, 0.1);
  const auto good = adam_state(opt, p);
  const auto one = xg::scalar_tensor(0.1, xg::kFloat64);
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "state.x.m", one)), "key 'state.x.m'", "'x' is not a non-negative integer");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "group.99999999999999999999.lr", one)), "'99999999999999999999' is not");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "group.0", one)), "malformed key 'group.0'");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "group.0.momentum", one)), "unexpected key 'group.0.momentum'");
  EXPECT_XG_ERROR(opt.load_state_dict(with(good, "state.7.m", xg::zeros({2}, xg::kFloat64))), "names parameter 7");
}

TEST(OptimizerState, LoadFromAFileNamesTheFile) {
  auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  optim::Adam opt({p}, 0.1);
  const std::string path = ::testing::TempDir() + "xgrad_badstate.npz";
  xg::save_npz(with(adam_state(opt, p), "state.0.step", xg::zeros({2}, xg::kFloat64)), path);
  EXPECT_XG_ERROR(xg::load(opt, path), "load: " + path + ": load_state_dict: 'state.0.step' must hold one value");
}

namespace {
struct OneLayer : xg::nn::Module {
  xg::nn::Linear fc{3, 2};
  OneLayer() { register_module("fc", fc); }
  xg::Tensor forward(const xg::Tensor& x) override { return fc(x); }
};
}  // namespace

TEST(OptimizerStep, NoticesAParameterReassignedAfterTheOptimizerWasBuilt) {
  OneLayer net;
  optim::SGD opt(net.parameters(), 0.1);
  net.fc.W = xg::zeros({3, 2}).requires_grad_();  // the libtorch habit: forward now uses a tensor opt never sees
  xg::nn::mean_squared_error(net(xg::ones({1, 3})), xg::ones({1, 2})).backward();
  EXPECT_XG_ERROR(opt.step(), "step: parameter 0 of group 0 ('W' of Linear) was replaced by assignment",
                  "set_parameter() or copy_()");
  // Loading in place is the supported way, and keeps training the same tensor.
  OneLayer ok;
  optim::SGD opt2(ok.parameters(), 0.1);
  ok.set_parameter("fc.W", xg::zeros({3, 2}));
  opt2.zero_grad();
  xg::nn::mean_squared_error(ok(xg::ones({1, 3})), xg::ones({1, 2})).backward();
  opt2.step();
  EXPECT_NE(ok.fc.W.to_vector<float>(), std::vector<float>(6, 0.0f));
}

TEST(CrossEntropyLoss, IsLibtorchsLogitsLoss) {
  const auto logits = xg::tensor({{2.0, -1.0, 0.5}, {0.1, 0.2, 3.0}}, xg::kFloat64);
  const auto t = xg::tensor({0, 2}, xg::kInt64);
  EXPECT_EQ(xg::nn::CrossEntropyLoss()(logits, t).item(), xg::nn::softmax_cross_entropy(logits, t).item());
  EXPECT_EQ(xg::nn::cross_entropy(logits, t).item(), xg::nn::softmax_cross_entropy(logits, t).item());
}
