// PyTorch's weights in, and out: every module type loads a PyTorch state_dict saved with
// numpy.savez (tests/fixtures/torch_state/, from scripts/make_state_dict_fixtures.py) with
// xg::load, under PyTorch's names and layouts, and gives PyTorch's outputs in float64 to
// 1e-10; BatchNorm's training step moves the running statistics as PyTorch's does; and
// xg::save with StateLayout::PyTorch writes back exactly PyTorch's state_dict.
#include <filesystem>

#include "test_util.h"

namespace nn = xg::nn;
using xg::test::max_abs_diff;

namespace {

std::string state_path(const std::string& name) { return std::string(XGRAD_TEST_DIR) + "/fixtures/torch_state/" + name + ".npz"; }
xg::Tensor io(const std::string& key) { return xg::test::fixture("torch_state_io.npz", key); }

// Loads the case's state_dict into m, evaluates m(x) in eval mode, compares with PyTorch's
// output, then checks that saving in PyTorch's layout gives back the same arrays.
void check_case(const std::string& name, nn::Module& m, const std::function<xg::Tensor(const xg::Tensor&)>& run) {
  SCOPED_TRACE(name);
  m.to(xg::kFloat64);
  xg::load(m, state_path(name));
  m.eval();
  const auto y = run(io(name + ".x"));
  const auto expected = io(name + ".y");
  ASSERT_EQ(y.shape(), expected.shape());
  EXPECT_LT(max_abs_diff(y, expected), 1e-10);
  const std::string out = ::testing::TempDir() + "xgrad_torch_layout_" + name + ".npz";
  xg::save(m, out, xg::StateLayout::PyTorch);
  const auto ours = xg::load_npz(out), theirs = xg::load_npz(state_path(name));
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].first, theirs[i].first);  // PyTorch's keys, in state_dict order
    EXPECT_EQ(ours[i].second.shape(), theirs[i].second.shape()) << ours[i].first;
    EXPECT_EQ(ours[i].second.to_vector<double>(), theirs[i].second.to_vector<double>()) << ours[i].first;
  }
  std::filesystem::remove(out);
}

xg::Tensor call(nn::Module& m, const xg::Tensor& x) { return m(x); }

struct SmallCnn : nn::Module {  // scripts/make_state_dict_fixtures.py's SmallCnn
  nn::Conv2d conv1{nn::Conv2dOptions(1, 4, 3).padding(1)};
  nn::BatchNorm2d bn1{4};
  nn::Conv2d conv2{4, 8, 3};
  nn::BatchNorm2d bn2{8};
  nn::Linear fc1{32, 16};
  nn::Dropout drop{0.3};
  nn::Linear fc2{16, 3};
  SmallCnn() {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    register_module("fc1", fc1);
    register_module("drop", drop);
    register_module("fc2", fc2);
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    auto h = xg::max_pool2d(xg::relu(bn1(conv1(x))), 2);
    h = xg::relu(bn2(conv2(h)));
    h = xg::flatten(xg::adaptive_avg_pool2d(h, 2), 1);
    return fc2(drop(xg::relu(fc1(h))));
  }
};

}  // namespace

TEST(TorchStateDict, EveryModuleTypeLoadsAndGivesPyTorchsOutput) {
  const auto plain = [](nn::Module& m) { return [&m](const xg::Tensor& x) { return call(m, x); }; };
  nn::Linear linear(5, 3), linear_nobias(5, 3, false);
  check_case("linear", linear, plain(linear));
  check_case("linear_nobias", linear_nobias, plain(linear_nobias));
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).stride(2).padding(1));
  check_case("conv", conv, plain(conv));
  nn::Conv2d grouped(nn::Conv2dOptions(4, 6, {3, 2}).padding({2, 1}).dilation(2).groups(2).bias(false));
  check_case("conv_grouped", grouped, plain(grouped));
  nn::ConvTranspose2d transposed(nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).output_padding(1).groups(2));
  check_case("conv_transpose", transposed, plain(transposed));
  nn::LayerNorm ln({4, 5});
  check_case("layernorm", ln, plain(ln));
  nn::Embedding emb(10, 4, 0);
  check_case("embedding", emb, [&](const xg::Tensor& x) { return emb(x.to(xg::kInt64)); });
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true));
  check_case("lstm", lstm, plain(lstm));
  nn::GRU gru(3, 4);
  check_case("gru", gru, plain(gru));
  nn::RNN rnn(nn::RNNOptions(3, 4).nonlinearity("relu").bias(false));
  check_case("rnn", rnn, plain(rnn));
  nn::LSTMCell lstm_cell(3, 4);
  check_case("lstm_cell", lstm_cell, plain(lstm_cell));
  nn::GRUCell gru_cell(3, 4);
  check_case("gru_cell", gru_cell, plain(gru_cell));
  nn::RNNCell rnn_cell(3, 4);
  check_case("rnn_cell", rnn_cell, plain(rnn_cell));
  nn::Sequential seq;
  seq.emplace<nn::Linear>(4, 6);
  seq.emplace<nn::ReLU>();
  seq.emplace<nn::Linear>(6, 2);
  check_case("sequential", seq, plain(seq));
  SmallCnn cnn;
  check_case("cnn", cnn, plain(cnn));
}

TEST(TorchStateDict, BatchNormEvaluatesAndTrainsAsPyTorch) {
  // Eval-mode outputs with PyTorch's running statistics, then one training-mode step: the
  // output and the running statistics after it (momentum 0.1, unbiased variance).
  nn::BatchNorm1d bn1(5);
  check_case("bn1d", bn1, [&](const xg::Tensor& x) { return bn1(x); });
  nn::BatchNorm2d bn2(3);
  check_case("bn2d", bn2, [&](const xg::Tensor& x) { return bn2(x); });
  for (auto [name, bn] : std::vector<std::pair<std::string, nn::BatchNormBase*>>{{"bn1d", &bn1}, {"bn2d", &bn2}}) {
    SCOPED_TRACE(name);
    bn->train();
    const auto y = (*bn)(io(name + ".x2"));
    EXPECT_LT(max_abs_diff(y, io(name + ".train_y")), 1e-10);
    EXPECT_LT(max_abs_diff(bn->running_mean, io(name + ".running_mean")), 1e-12);
    EXPECT_LT(max_abs_diff(bn->running_var, io(name + ".running_var")), 1e-12);
    EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 4);
  }
}

TEST(TorchStateDict, MismatchesNameBothSpellingsAndTheLayout) {
  nn::Linear wrong(3, 5, true, xg::kFloat64);  // the file's layer is Linear(5, 3)
  EXPECT_XG_ERROR(xg::load(wrong, state_path("linear")), "load: ", "'weight' has shape (3,5), the model expects (5,3) (PyTorch's (out, in) layout)");
  nn::Linear in_float32(5, 3);
  EXPECT_XG_ERROR(xg::load(in_float32, state_path("linear")), "'weight' is float64, the model expects float32 (convert the model with to() first)");
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).dtype(xg::kFloat64));
  EXPECT_XG_ERROR(xg::load(conv, state_path("linear")), "'weight' has shape (3,5), the model expects (4,3,3,3)");
  nn::Linear linear(3, 4, true, xg::kFloat64);
  EXPECT_XG_ERROR(xg::load(linear, state_path("rnn")), "has no entry 'W' (PyTorch's 'weight') for Linear");
  nn::Linear no_bias(5, 3, false, xg::kFloat64);
  EXPECT_XG_ERROR(xg::load(no_bias, state_path("linear")), "has entry 'bias' that Linear does not have");
}
