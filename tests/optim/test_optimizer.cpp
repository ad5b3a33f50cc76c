// The optimizer base's state loading: hostile or malformed state files are xg::Errors
// naming the key (and the file), and leave the optimizer unchanged.
#include <filesystem>

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

TEST(OptimizerState, AnotherOptimizersStateIsRefusedNamingBoth) {
  // xg::load(adam, "sgd_state.npz") once succeeded: Adam took SGD's learning rate and kept
  // a dead momentum buffer.
  auto p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
  optim::SGD sgd({p}, optim::SGDOptions(0.5).momentum(0.9));
  sgd.zero_grad();
  p.pow(2).sum().backward();
  sgd.step();
  const auto path = ::testing::TempDir() + "xgrad_sgd_state.npz";
  xg::save(sgd, path);
  EXPECT_TRUE(xg::load_npz(path)[0].first == "type.SGD");
  optim::Adam adam({p}, 0.001);
  EXPECT_XG_ERROR(xg::load(adam, path), "load: ", "sgd_state.npz: load_state_dict: the state was saved by SGD, and this optimizer is Adam");
  EXPECT_DOUBLE_EQ(adam.lr(), 0.001);  // unchanged
  // A file from before the type was recorded is still checked by its buffers.
  xg::NamedTensors legacy;
  for (const auto& [k, t] : sgd.state_dict())
    if (k.rfind("type.", 0) != 0) legacy.emplace_back(k, t);
  EXPECT_XG_ERROR(adam.load_state_dict(legacy), "'state.0.momentum' is a 'momentum' buffer, which Adam does not keep (it keeps step, m, v)");
  optim::SGD other({p}, optim::SGDOptions(0.1).momentum(0.9));
  other.load_state_dict(legacy);  // the same type: fine
  EXPECT_DOUBLE_EQ(other.lr(), 0.5);
  xg::load(other, path);
  std::filesystem::remove(path);
}

TEST(OptimizerConstruction, AnEmptyOrDuplicatedParameterListIsAnError) {
  // PyTorch: "optimizer got an empty parameter list"; xgrad constructed and stepped silently.
  EXPECT_XG_ERROR(optim::SGD({}, 0.1), "optimizer: got an empty parameter list");
  EXPECT_XG_ERROR(optim::Adam(xg::tensor_list{}), "optimizer: got an empty parameter list");
  auto p = xg::ones({2}).requires_grad_(), q = xg::ones({3}).requires_grad_();
  EXPECT_XG_ERROR(optim::SGD({p, q, p}, 0.1), "optimizer: parameter 2 of group 0 is parameter 0 again");
  optim::SGD sgd({p}, 0.1);
  EXPECT_XG_ERROR(sgd.add_param_group({{q, p}, 0.01}), "optimizer: parameter 1 of group 1 is already parameter 0 of group 0");
}
