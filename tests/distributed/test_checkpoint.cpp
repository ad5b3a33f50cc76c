// save_checkpoint / resume in one process (rank 0 of 1): one atomic file for the model and
// the optimizer, and the cases where resuming would silently train from a mismatched or
// partial checkpoint are errors.
#include <filesystem>

#include "test_util.h"

namespace dist = xg::dist;

namespace {

struct Net : xg::nn::Module {
  xg::nn::Linear l1{3, 4, true, xg::kFloat64};
  Net() { register_module("l1", l1); }
  xg::Tensor forward(const xg::Tensor& x) override { return l1(x); }
};

void step(Net& net, xg::optim::Optimizer& opt) {
  opt.zero_grad();
  net(xg::ones({2, 3}, xg::kFloat64)).pow(2).sum().backward();
  opt.step();
}

std::string temp(const std::string& name) { return ::testing::TempDir() + "xgrad_ckpt_" + name; }

}  // namespace

TEST(Checkpoint, ModelAndOptimizerAreOneAtomicFile) {
  const std::string path = temp("one.npz");
  std::filesystem::remove(path);
  Net net;
  xg::optim::Adam opt(net.parameters(), 0.01);
  step(net, opt);
  dist::save_checkpoint(net, &opt, path);
  EXPECT_FALSE(std::filesystem::exists(path + ".optimizer.npz"));  // no second file
  std::vector<std::string> keys;
  for (const auto& [k, t] : xg::load_npz(path)) keys.push_back(k);
  EXPECT_EQ(keys[0], "checkpoint");
  EXPECT_NE(std::find(keys.begin(), keys.end(), "model.l1.W"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "optimizer.type.Adam"), keys.end());
  // Resumed: the same weights and the same next step as the original.
  Net again;
  xg::optim::Adam opt2(again.parameters(), 0.01);
  ASSERT_TRUE(dist::resume(again, &opt2, path));
  EXPECT_EQ(again.l1.W.to_vector<double>(), net.l1.W.to_vector<double>());
  step(net, opt);
  step(again, opt2);
  EXPECT_EQ(again.l1.W.to_vector<double>(), net.l1.W.to_vector<double>());
  // Model only: fine; an optimizer asked of a model-only checkpoint: an error.
  Net only;
  EXPECT_TRUE(dist::resume(only, nullptr, path));
  dist::save_checkpoint(net, nullptr, path);
  xg::optim::SGD sgd(only.parameters(), 0.1);
  EXPECT_XG_ERROR(dist::resume(only, &sgd, path), "xg::dist::resume: ", "holds no optimizer state");
  // Another optimizer's state is refused, naming both.
  dist::save_checkpoint(net, &opt, path);
  EXPECT_XG_ERROR(dist::resume(only, &sgd, path), "the state was saved by Adam, and this optimizer is SGD");
  std::filesystem::remove(path);
  EXPECT_FALSE(dist::resume(only, &sgd, path));  // nothing yet: start from scratch
}

TEST(Checkpoint, AnOlderTwoFileCheckpointWithoutItsOptimizerIsAnError) {
  // It once returned "no checkpoint": training restarted and overwrote the model.
  const std::string path = temp("legacy.npz");
  Net net;
  xg::optim::SGD opt(net.parameters(), xg::optim::SGDOptions(0.1).momentum(0.9));
  step(net, opt);
  xg::save(net, path);  // the old layout: the model alone at path
  std::filesystem::remove(path + ".optimizer.npz");
  Net other;
  xg::optim::SGD opt2(other.parameters(), xg::optim::SGDOptions(0.1).momentum(0.9));
  EXPECT_XG_ERROR(dist::resume(other, &opt2, path), "older two-file checkpoint whose optimizer state",
                  path + ".optimizer.npz is missing");
  xg::save(opt, path + ".optimizer.npz");
  EXPECT_TRUE(dist::resume(other, &opt2, path));
  EXPECT_EQ(other.l1.W.to_vector<double>(), net.l1.W.to_vector<double>());
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".optimizer.npz");
}
