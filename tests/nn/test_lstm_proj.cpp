// LSTM with projections (libtorch's LSTMOptions::proj_size): parameters in PyTorch's names,
// shapes and order, state shapes, numerical checks of every order, training, and errors.
// Values and gradients against PyTorch: Recurrent.LayersMatchPyTorch (lstm_proj cases).
#include <cmath>

#include "test_util.h"

using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradgradcheck_ok;
using xg::testing::gradients_match;
using L = const xg::tensor_list&;

TEST(LstmProj, ParametersHavePyTorchsNamesShapesAndOrder) {
  xg::nn::LSTM lstm(xg::nn::LSTMOptions(4, 6).num_layers(2).bidirectional(true).proj_size(3));
  const auto named = lstm.named_parameters();
  ASSERT_EQ(named.size(), 20u);
  const std::vector<std::pair<std::string, xg::Shape>> want{
      {"weight_ih_l0", {24, 4}}, {"weight_hh_l0", {24, 3}}, {"bias_ih_l0", {24}}, {"bias_hh_l0", {24}}, {"weight_hr_l0", {3, 6}},
      {"weight_ih_l0_reverse", {24, 4}}, {"weight_hh_l0_reverse", {24, 3}}, {"bias_ih_l0_reverse", {24}},
      {"bias_hh_l0_reverse", {24}}, {"weight_hr_l0_reverse", {3, 6}}, {"weight_ih_l1", {24, 6}}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(named[i].first, want[i].first);
    EXPECT_EQ(named[i].second.shape(), want[i].second) << want[i].first;
  }
  EXPECT_EQ(lstm.options().proj_size(), 3);
  const double k = 1.0 / std::sqrt(6.0);  // every weight, weight_hr too, U(-1/sqrt(H), 1/sqrt(H)) as PyTorch
  EXPECT_LE(lstm.named_parameters()[4].second.abs().max().item(), k);
}

TEST(LstmProj, StatesAndOutputsHaveTheProjectedFeatures) {
  xg::manual_seed(2);
  xg::nn::LSTM lstm(xg::nn::LSTMOptions(4, 6).num_layers(2).bidirectional(true).proj_size(3).batch_first(true));
  auto [y, hc] = lstm(xg::randn({2, 5, 4}), {});
  EXPECT_EQ(y.shape(), (xg::Shape{2, 5, 6}));  // 2 directions x 3
  EXPECT_EQ(std::get<0>(hc).shape(), (xg::Shape{4, 2, 3}));
  EXPECT_EQ(std::get<1>(hc).shape(), (xg::Shape{4, 2, 6}));
  // Unbatched: (T, I) in, (T, D·P) out; the states lose their batch axis.
  auto [y1, hc1] = lstm(xg::randn({5, 4}), {xg::zeros({4, 3}), xg::zeros({4, 6})});
  EXPECT_EQ(y1.shape(), (xg::Shape{5, 6}));
  EXPECT_EQ(std::get<0>(hc1).shape(), (xg::Shape{4, 3}));
  // The last output of the forward direction is its h_n: the projection is what is passed on.
  xg::nn::LSTM one(xg::nn::LSTMOptions(4, 6).proj_size(2));
  const auto x = xg::randn({7, 3, 4});
  auto [yo, hco] = one(x, {});
  EXPECT_EQ(max_abs_diff(yo.select(0, 6), std::get<0>(hco).select(0, 0)), 0.0);
}

TEST(LstmProj, PassesNumericalChecksOfEveryOrder) {
  xg::manual_seed(12);
  for (auto bidirectional : {false, true}) {
    SCOPED_TRACE(bidirectional);
    xg::nn::LSTM lstm(xg::nn::LSTMOptions(3, 4).num_layers(2).bidirectional(bidirectional).proj_size(2).dtype(xg::kFloat64));
    const auto x = xg::randn({4, 2, 3}, xg::kFloat64);
    EXPECT_TRUE(gradients_match([&] { return xg::tanh(lstm(x)).sum(); }, lstm.named_parameters()));
    const std::int64_t LD = bidirectional ? 4 : 2;
    const xg::tensor_list in{randp({4, 2, 3}), randp({LD, 2, 2}), randp({LD, 2, 4})};
    EXPECT_TRUE(gradgradcheck_ok([&](L v) { return std::get<0>(lstm.forward(v[0], {v[1], v[2]})); }, in));
    EXPECT_TRUE(gradgradcheck_ok([&](L v) { return std::get<1>(std::get<1>(lstm.forward(v[0], {v[1], v[2]}))); }, in));
  }
}

TEST(LstmProj, TrainsAndMovesToFloat64) {
  xg::manual_seed(4);
  xg::nn::LSTM lstm(xg::nn::LSTMOptions(2, 8).proj_size(1));
  xg::optim::Adam opt(lstm.parameters(), 0.05);
  const auto x = xg::randn({6, 16, 2});
  const auto target = x.sum(2, true).cumsum(0) * 0.2;  // a running sum of the inputs
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    opt.zero_grad();
    const auto d = lstm(x) - target;
    const auto loss = xg::mean(d * d);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  EXPECT_LT(last, first * 0.05);
  lstm.to(xg::kFloat64);
  EXPECT_EQ(lstm(x.to(xg::kFloat64)).dtype(), xg::kFloat64);
}

TEST(LstmProj, ErrorsNameTheLayerAndTheShapes) {
  EXPECT_XG_ERROR(xg::nn::GRU(xg::nn::GRUOptions(3, 4).proj_size(2)), "GRU: proj_size is an LSTM option (got 2)");
  EXPECT_XG_ERROR(xg::nn::RNN(xg::nn::RNNOptions(3, 4).proj_size(2)), "RNN: proj_size is an LSTM option");
  EXPECT_XG_ERROR(xg::nn::LSTM(xg::nn::LSTMOptions(3, 4).proj_size(4)),
                  "LSTM: proj_size must be 0 (none) or in [1, hidden_size 4), got 4");
  EXPECT_XG_ERROR(xg::nn::LSTM(xg::nn::LSTMOptions(3, 4).proj_size(-1)), "LSTM: proj_size must be", "got -1");
  EXPECT_XG_ERROR(xg::nn::LSTM(xg::nn::LSTMOptions(3, 1LL << 40).proj_size((1LL << 40) - 1)), "LSTM:", "overflows int64");
  xg::nn::LSTM lstm(xg::nn::LSTMOptions(3, 4).num_layers(2).proj_size(2));
  EXPECT_XG_ERROR(lstm(xg::ones({5, 2, 3}), {xg::zeros({2, 2, 4}), xg::zeros({2, 2, 4})}),
                  "LSTM: expected h0 of shape (2,2,2) for input (5,2,3), got (2,2,4)");
  EXPECT_XG_ERROR(lstm(xg::ones({5, 2, 3}), {xg::zeros({2, 2, 2}), xg::zeros({2, 2, 2})}),
                  "LSTM: expected c0 of shape (2,2,4) for input (5,2,3), got (2,2,2)");
}
