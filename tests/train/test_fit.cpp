// fit: history, validation, accuracy, early stopping with restore, callbacks.
#include "test_util.h"

namespace {
struct Lin : xg::nn::Module {
  xg::nn::Linear l{1, 1};
  Lin() { register_module("l", l); }
  xg::Tensor forward(const xg::Tensor& x) override { return l(x); }
};
}  // namespace

TEST(Fit, LearnsALineAndRecordsHistory) {
  xg::manual_seed(0);
  auto x = xg::randn({64, 1});
  auto y = 3.0 * x + 1.0;
  Lin m;
  xg::optim::SGD opt(m.parameters(), 0.1);
  xg::train::FitOptions o;
  o.epochs = 30;
  o.batch_size = 16;
  o.verbose = false;
  o.x_val = x.slice(0, 0, 8);
  o.y_val = y.slice(0, 0, 8);
  auto h = xg::train::fit(m, opt, xg::nn::mean_squared_error, x, y, o);
  ASSERT_EQ(h.loss.size(), 30u);
  ASSERT_EQ(h.val_loss.size(), 30u);
  EXPECT_LT(h.loss.back(), 1e-4);
  EXPECT_LT(h.loss.back(), h.loss.front());
  EXPECT_NEAR(m.l.W.item(), 3.0, 0.01);
  EXPECT_NEAR(m.l.b.item(), 1.0, 0.01);
}

TEST(Fit, EarlyStoppingRestoresTheBestWeights) {
  xg::manual_seed(1);
  auto x = xg::randn({32, 1});
  auto y = 2.0 * x;
  Lin m;
  xg::optim::SGD opt(m.parameters(), 3.0);  // far too large: the loss blows up after epoch 1
  xg::train::FitOptions o;
  o.epochs = 50;
  o.batch_size = 32;
  o.verbose = false;
  o.patience = 3;
  auto h = xg::train::fit(m, opt, xg::nn::mean_squared_error, x, y, o);
  EXPECT_TRUE(h.stopped_early);
  EXPECT_EQ(h.loss.size(), static_cast<std::size_t>(h.best_epoch + 1 + 3));
  // The model holds the best epoch's weights: its loss equals that epoch's evaluation.
  xg::NoGradGuard g;
  EXPECT_LT(xg::nn::mean_squared_error(m(x), y).item(), h.loss.back());
}

TEST(Fit, CallbacksSeeEveryEpochAndCanStop) {
  Lin m;
  xg::optim::SGD opt(m.parameters(), 0.01);
  xg::train::FitOptions o;
  o.epochs = 10;
  o.verbose = false;
  o.accuracy = false;
  std::vector<int> seen;
  o.callbacks.push_back([&](int epoch, const xg::train::History& h) {
    seen.push_back(epoch);
    EXPECT_EQ(h.loss.size(), static_cast<std::size_t>(epoch + 1));
    return epoch < 3;
  });
  auto h = xg::train::fit(m, opt, xg::nn::mean_squared_error, xg::ones({4, 1}), xg::ones({4, 1}), o);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(h.loss.size(), 4u);
  o.x_val = xg::ones({1, 1});
  EXPECT_XG_ERROR(xg::train::fit(m, opt, xg::nn::mean_squared_error, xg::ones({4, 1}), xg::ones({4, 1}), o), "fit: give both x_val and y_val");
}
