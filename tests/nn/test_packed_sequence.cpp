// PackedSequence, pack_padded_sequence, pad_packed_sequence, pack_sequence and the recurrent
// layers' forward_with_packed_input: values and gradients against PyTorch's
// (tests/fixtures/torch_packed.npz, scripts/make_packed_fixtures.py), numerical checks of
// every order, agreement with the padded path where the lengths are equal, and the errors.
#include <cmath>

#include "test_util.h"

using xg::test::fixture;
using xg::test::max_abs_diff;
using xg::test::randp;
using xg::testing::gradcheck_ok;
using xg::testing::gradgradcheck_ok;
using xg::nn::utils::rnn::PackedSequence;
using xg::nn::utils::rnn::pack_padded_sequence;
using xg::nn::utils::rnn::pack_sequence;
using xg::nn::utils::rnn::pad_packed_sequence;
using xg::nn::utils::rnn::pad_sequence;
using L = const xg::tensor_list&;

namespace {
const char* kFile = "torch_packed.npz";
xg::Tensor fx(const std::string& c, const std::string& key) { return fixture(kFile, c + "." + key); }
xg::Tensor lengths_of(const std::string& c) { return fx(c, "lengths").to(xg::kInt64); }

std::vector<std::int64_t> ints(const xg::Tensor& t) { return t.to(xg::kInt64).to_vector<std::int64_t>(); }

// Packs the case's padded input, runs `run(packed, states) -> {packed output, finals...}`,
// pads the output, and compares values and every gradient with PyTorch's.
void expect_matches_torch(xg::nn::Module& m, const std::string& c, std::size_t n_states, bool batch_first,
                          const std::function<std::pair<PackedSequence, xg::tensor_list>(const PackedSequence&, L)>& run) {
  SCOPED_TRACE(c);
  m.to(xg::kFloat64);
  for (const auto& [name, p] : m.named_parameters()) m.set_parameter(name, fx(c, name));
  auto x = fx(c, "x").detach().requires_grad_();
  xg::tensor_list states;
  for (std::size_t s = 0; s < n_states; ++s) states.push_back(fx(c, s ? "c0" : "h0").detach().requires_grad_());
  const xg::Tensor lengths = xg::tensor({3, 6, 1, 4}, xg::kInt64);
  const auto [packed_out, finals] = run(pack_padded_sequence(x, lengths, batch_first, false), states);
  const auto [y, out_lengths] = pad_packed_sequence(packed_out, batch_first);
  EXPECT_EQ(ints(out_lengths), (std::vector<std::int64_t>{3, 6, 1, 4}));
  EXPECT_LT(max_abs_diff(y, fx(c, "y")), 1e-12);
  xg::Tensor loss = (y * fx(c, "gy")).sum();
  for (std::size_t k = 0; k < finals.size(); ++k) {
    const std::string tag = k ? "c" : "h";
    EXPECT_LT(max_abs_diff(finals[k], fx(c, tag + "_n")), 1e-12) << tag;
    loss = loss + (finals[k] * fx(c, "g" + tag)).sum();
  }
  m.zero_grad();
  loss.backward();
  EXPECT_LT(max_abs_diff(x.grad(), fx(c, "grad.x")), 1e-12);
  for (std::size_t s = 0; s < n_states; ++s)
    EXPECT_LT(max_abs_diff(states[s].grad(), fx(c, s ? "grad.c0" : "grad.h0")), 1e-12) << s;
  for (const auto& [name, p] : m.named_parameters()) EXPECT_LT(max_abs_diff(p.grad(), fx(c, "grad." + name)), 1e-12) << name;
}

template <class M>
std::pair<PackedSequence, xg::tensor_list> run_h(M& m, const PackedSequence& p, L s) {
  auto [y, h] = m.forward_with_packed_input(p, s[0]);
  return {y, {h}};
}
std::pair<PackedSequence, xg::tensor_list> run_lstm(xg::nn::LSTM& m, const PackedSequence& p, L s) {
  auto [y, hc] = m.forward_with_packed_input(p, {s[0], s[1]});
  return {y, {std::get<0>(hc), std::get<1>(hc)}};
}
}  // namespace

TEST(PackedSequence, PackingMatchesPyTorch) {
  for (const auto& [c, batch_first, enforce_sorted] :
       {std::tuple<std::string, bool, bool>{"pack", false, false}, {"pack_bf", true, true}, {"pack_ties", false, false}}) {
    SCOPED_TRACE(c);
    auto x = fx(c, "x").detach().requires_grad_();
    const PackedSequence p = pack_padded_sequence(x, lengths_of(c), batch_first, enforce_sorted);
    EXPECT_LT(max_abs_diff(p.data(), fx(c, "data")), 1e-300);
    EXPECT_EQ(p.batch_sizes().dtype(), xg::kInt64);
    EXPECT_TRUE(p.batch_sizes().is_cpu());
    EXPECT_EQ(ints(p.batch_sizes()), ints(fx(c, "batch_sizes")));
    if (enforce_sorted) {
      EXPECT_FALSE(p.sorted_indices().defined());  // PyTorch keeps none for a sorted batch
      EXPECT_FALSE(p.unsorted_indices().defined());
    } else {
      EXPECT_EQ(ints(p.sorted_indices()), ints(fx(c, "sorted_indices")));
      // unsorted_indices is the inverse permutation.
      EXPECT_EQ(ints(xg::index_select(p.sorted_indices(), 0, p.unsorted_indices())),
                ints(xg::arange(static_cast<double>(p.sorted_indices().numel()))));
    }
    (p.data() * fx(c, "g")).sum().backward();
    EXPECT_LT(max_abs_diff(x.grad(), fx(c, "gx")), 1e-300);  // zero on the padding
  }
}

TEST(PackedSequence, UnpackingMatchesPyTorch) {
  const PackedSequence p = pack_padded_sequence(fx("pack", "x"), lengths_of("pack"), false, false);
  auto data = p.data().detach().requires_grad_();
  const auto [y, lengths] = pad_packed_sequence(p.with_data(data), true, -1.5, 7);
  EXPECT_EQ(y.shape(), (xg::Shape{4, 7, 3}));
  EXPECT_LT(max_abs_diff(y, fx("unpack", "y")), 1e-300);
  EXPECT_TRUE(lengths.is_cpu());
  EXPECT_EQ(lengths.dtype(), xg::kInt64);
  EXPECT_EQ(ints(lengths), ints(fx("unpack", "out_lengths")));
  (y * fx("unpack", "gy")).sum().backward();
  EXPECT_LT(max_abs_diff(data.grad(), fx("unpack", "gdata")), 1e-300);
}

TEST(PackedSequence, PackSequenceRoundTripsThroughPadding) {
  xg::manual_seed(21);
  const xg::tensor_list seqs{xg::randn({2, 3}, xg::kFloat64), xg::randn({5, 3}, xg::kFloat64),
                             xg::randn({1, 3}, xg::kFloat64), xg::randn({5, 3}, xg::kFloat64)};
  for (const bool batch_first : {false, true}) {
    const PackedSequence p = pack_sequence(seqs, false);
    EXPECT_EQ(ints(p.batch_sizes()), (std::vector<std::int64_t>{4, 3, 2, 2, 2}));
    EXPECT_EQ(ints(p.sorted_indices()), (std::vector<std::int64_t>{1, 3, 0, 2}));  // ties keep their order
    const auto [y, lengths] = pad_packed_sequence(p, batch_first, 9.0);
    EXPECT_LT(max_abs_diff(y, pad_sequence(seqs, batch_first, 9.0)), 1e-300);
    EXPECT_EQ(ints(lengths), (std::vector<std::int64_t>{2, 5, 1, 5}));
  }
  // Sorted sequences pack without indices; the order is the given one.
  const PackedSequence sorted = pack_sequence({seqs[1], seqs[0], seqs[2]});
  EXPECT_FALSE(sorted.sorted_indices().defined());
  EXPECT_LT(max_abs_diff(sorted.data().narrow(0, 0, 3), xg::stack({seqs[1].select(0, 0), seqs[0].select(0, 0), seqs[2].select(0, 0)}, 0)), 1e-300);
}

TEST(PackedSequence, UnpadAndUnpackGiveTheSequencesBack) {
  xg::manual_seed(26);
  const xg::tensor_list seqs{xg::randn({2, 3}, xg::kFloat64).requires_grad_(), xg::randn({4, 3}, xg::kFloat64).requires_grad_(),
                             xg::randn({1, 3}, xg::kFloat64).requires_grad_()};
  for (const bool batch_first : {false, true}) {
    const auto back = xg::nn::utils::rnn::unpad_sequence(pad_sequence(seqs, batch_first, 7.0), xg::tensor({2, 4, 1}, xg::kInt64),
                                                         batch_first);
    ASSERT_EQ(back.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(max_abs_diff(back[i], seqs[i]), 1e-300) << i;
  }
  const auto unpacked = xg::nn::utils::rnn::unpack_sequence(pack_sequence(seqs, false));
  ASSERT_EQ(unpacked.size(), 3u);
  xg::Tensor loss = xg::zeros({}, xg::kFloat64);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_LT(max_abs_diff(unpacked[i], seqs[i]), 1e-300) << i;  // the original order
    loss = loss + unpacked[i].sum() * static_cast<double>(i + 1);
  }
  loss.backward();  // each sequence's gradient reaches it through packing and unpacking
  for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(max_abs_diff(seqs[i].grad(), xg::full_like(seqs[i], i + 1.0)), 1e-300) << i;
  // A zero length gives an empty sequence, as pad_sequence accepts one.
  EXPECT_EQ(xg::nn::utils::rnn::unpad_sequence(xg::zeros({3, 2}), xg::tensor({0, 3}, xg::kInt64))[0].shape(), (xg::Shape{0}));
  EXPECT_XG_ERROR(xg::nn::utils::rnn::unpad_sequence(xg::zeros({3, 2}), xg::tensor({4, 1}, xg::kInt64)), "unpad_sequence",
                  "[0, 3]", "got 4 for sequence 0");
  EXPECT_XG_ERROR(xg::nn::utils::rnn::unpad_sequence(xg::zeros({3, 2}), xg::tensor({1}, xg::kInt64)), "unpad_sequence",
                  "1 lengths for a batch of 2");
  EXPECT_XG_ERROR(xg::nn::utils::rnn::unpack_sequence(PackedSequence()), "unpack_sequence", "empty");
}

TEST(PackedSequence, PackingPassesNumericalChecks) {
  xg::manual_seed(22);
  const xg::Tensor lengths = xg::tensor({2, 4, 3}, xg::kInt64);
  const auto round_trip = [&](L v) {
    const PackedSequence p = pack_padded_sequence(v[0], lengths, true, false);
    return xg::sin(std::get<0>(pad_packed_sequence(p.with_data(p.data() * p.data()), true, 0.5, 6)));
  };
  EXPECT_TRUE(gradcheck_ok(round_trip, {randp({3, 4, 2})}));
  EXPECT_TRUE(gradgradcheck_ok(round_trip, {randp({3, 4, 2})}));
}

TEST(PackedSequence, LayersMatchPyTorch) {
  const std::int64_t I = 4, H = 5;
  xg::nn::RNN rnn(xg::nn::RNNOptions(I, H).num_layers(2));
  expect_matches_torch(rnn, "rnn_tanh", 1, false, [&](const PackedSequence& p, L s) { return run_h(rnn, p, s); });
  xg::nn::RNN relu(xg::nn::RNNOptions(I, H).nonlinearity("relu").bidirectional(true));
  expect_matches_torch(relu, "rnn_relu_bi", 1, false, [&](const PackedSequence& p, L s) { return run_h(relu, p, s); });
  xg::nn::LSTM lstm(I, H);
  expect_matches_torch(lstm, "lstm", 2, false, [&](const PackedSequence& p, L s) { return run_lstm(lstm, p, s); });
  xg::nn::LSTM stack(xg::nn::LSTMOptions(I, H).num_layers(2).bidirectional(true));
  expect_matches_torch(stack, "lstm_stack_bi", 2, false, [&](const PackedSequence& p, L s) { return run_lstm(stack, p, s); });
  xg::nn::LSTM proj(xg::nn::LSTMOptions(I, H).bidirectional(true).proj_size(3));
  expect_matches_torch(proj, "lstm_proj_bi", 2, false, [&](const PackedSequence& p, L s) { return run_lstm(proj, p, s); });
  xg::nn::GRU gru(xg::nn::GRUOptions(I, H).num_layers(2).bidirectional(true));
  expect_matches_torch(gru, "gru_stack_bi", 1, false, [&](const PackedSequence& p, L s) { return run_h(gru, p, s); });
  xg::nn::LSTM bf(xg::nn::LSTMOptions(I, H).batch_first(true));
  expect_matches_torch(bf, "lstm_bf", 2, true, [&](const PackedSequence& p, L s) { return run_lstm(bf, p, s); });
}

TEST(PackedSequence, EqualLengthsGiveThePaddedPathsResults) {
  xg::manual_seed(23);
  xg::nn::LSTM lstm(xg::nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).dtype(xg::kFloat64));
  xg::nn::GRU gru(xg::nn::GRUOptions(3, 4).bidirectional(true).dtype(xg::kFloat64));
  const auto x = xg::randn({5, 2, 3}, xg::kFloat64);
  const PackedSequence p = pack_padded_sequence(x, xg::tensor({5, 5}, xg::kInt64));
  const auto [py, pstate] = lstm.forward_with_packed_input(p);  // no state: zeros
  const auto [y, state] = lstm.forward(x, {});
  EXPECT_LT(max_abs_diff(std::get<0>(pad_packed_sequence(py)), y), 1e-12);
  EXPECT_LT(max_abs_diff(std::get<0>(pstate), std::get<0>(state)), 1e-12);
  EXPECT_LT(max_abs_diff(std::get<1>(pstate), std::get<1>(state)), 1e-12);
  const auto [gy, gh] = gru.forward_with_packed_input(p);
  EXPECT_LT(max_abs_diff(std::get<0>(pad_packed_sequence(gy)), gru(x)), 1e-12);
  EXPECT_LT(max_abs_diff(gh, std::get<1>(gru.forward(x, xg::Tensor()))), 1e-12);
}

TEST(PackedSequence, EachSequenceRunsAloneForItsOwnSteps) {
  // Packing is a batching device: sequence b's outputs and final state are what the layer
  // gives for that sequence alone, cut to its length (the reverse direction included).
  xg::manual_seed(24);
  xg::nn::GRU gru(xg::nn::GRUOptions(2, 3).bidirectional(true).dtype(xg::kFloat64));
  const xg::tensor_list seqs{xg::randn({2, 2}, xg::kFloat64), xg::randn({4, 2}, xg::kFloat64), xg::randn({3, 2}, xg::kFloat64)};
  const auto [out, h_n] = gru.forward_with_packed_input(pack_sequence(seqs, false));
  const auto [y, lengths] = pad_packed_sequence(out, true);
  for (std::int64_t b = 0; b < 3; ++b) {
    SCOPED_TRACE(b);
    const std::int64_t n = seqs[static_cast<std::size_t>(b)].shape()[0];
    const auto [alone, alone_h] = gru.forward(seqs[static_cast<std::size_t>(b)].unsqueeze(1), xg::Tensor());
    EXPECT_LT(max_abs_diff(y.select(0, b).narrow(0, 0, n), alone.squeeze(1)), 1e-12);
    EXPECT_LT(max_abs_diff(h_n.select(1, b), alone_h.squeeze(1)), 1e-12);
  }
}

TEST(PackedSequence, LayersPassNumericalChecksOfEveryOrder) {
  xg::manual_seed(25);
  xg::nn::LSTM lstm(xg::nn::LSTMOptions(2, 3).bidirectional(true).proj_size(2).dtype(xg::kFloat64));
  xg::nn::GRU gru(xg::nn::GRUOptions(2, 3).num_layers(2).dtype(xg::kFloat64));
  const xg::Tensor lengths = xg::tensor({2, 4, 1}, xg::kInt64);
  const auto lstm_fn = [&](L v) {
    auto [out, state] = lstm.forward_with_packed_input(pack_padded_sequence(v[0], lengths, false, false), {v[1], v[2]});
    return xg::concat({out.data().reshape({-1}), std::get<0>(state).reshape({-1}), std::get<1>(state).reshape({-1})}, 0);
  };
  const xg::tensor_list in{randp({4, 3, 2}), randp({2, 3, 2}), randp({2, 3, 3})};
  EXPECT_TRUE(gradcheck_ok(lstm_fn, in));
  EXPECT_TRUE(gradgradcheck_ok(lstm_fn, in));
  const auto gru_fn = [&](L v) {
    auto [out, h] = gru.forward_with_packed_input(pack_padded_sequence(v[0], lengths, false, false), v[1]);
    return xg::concat({out.data().reshape({-1}), h.reshape({-1})}, 0);
  };
  EXPECT_TRUE(gradcheck_ok(gru_fn, {in[0], randp({2, 3, 3})}));
  EXPECT_TRUE(gradgradcheck_ok(gru_fn, {in[0], randp({2, 3, 3})}));
  // The textbook's checker over every parameter.
  const auto x = xg::randn({4, 3, 2}, xg::kFloat64);
  EXPECT_TRUE(xg::testing::gradients_match(
      [&] {
        auto [out, h] = gru.forward_with_packed_input(pack_padded_sequence(x, lengths, false, false));
        return xg::tanh(out.data()).sum() + h.sum();
      },
      gru.named_parameters()));
}

TEST(PackedSequence, ConvertsAndRewraps) {
  const PackedSequence p = pack_padded_sequence(fx("pack", "x"), lengths_of("pack"), false, false);
  const PackedSequence f = p.to(xg::kFloat32);
  EXPECT_EQ(f.data().dtype(), xg::kFloat32);
  EXPECT_FALSE(f.is_cuda());
  EXPECT_EQ(ints(f.sorted_indices()), ints(p.sorted_indices()));
  // A layer applied to the packed steps keeps the packing.
  const PackedSequence doubled = p.with_data(p.data() * 2.0);
  EXPECT_LT(max_abs_diff(std::get<0>(pad_packed_sequence(doubled)), std::get<0>(pad_packed_sequence(p)) * 2.0), 1e-300);
  // The constructor rebuilds the inverse permutation from sorted_indices, and keeps copies:
  // the caller's tensors changing afterwards changes nothing.
  auto batch_sizes = p.batch_sizes().clone(), sorted = p.sorted_indices().clone();
  const PackedSequence q(p.data(), batch_sizes, sorted);
  batch_sizes.data<std::int64_t>()[0] = 1;
  sorted.data<std::int64_t>()[0] = 3;
  EXPECT_EQ(ints(q.batch_sizes()), ints(p.batch_sizes()));
  EXPECT_EQ(ints(q.sorted_indices()), ints(p.sorted_indices()));
  EXPECT_EQ(ints(q.unsorted_indices()), ints(p.unsorted_indices()));
  EXPECT_LT(max_abs_diff(std::get<0>(pad_packed_sequence(q)), std::get<0>(pad_packed_sequence(p))), 1e-300);
}

TEST(PackedSequence, BadInputsNameTheCallAndTheValues) {
  const auto x = xg::zeros({4, 3, 2});
  EXPECT_XG_ERROR(pack_padded_sequence(x, xg::tensor({4, 2, 2}, xg::kFloat32)), "pack_padded_sequence", "'lengths'",
                  "1-D int64 tensor on the CPU", "float32");
  EXPECT_XG_ERROR(pack_padded_sequence(x, xg::tensor({4, 2}, xg::kInt64)), "pack_padded_sequence", "2 lengths",
                  "batch of 3", "(4,3,2)");
  EXPECT_XG_ERROR(pack_padded_sequence(x, xg::tensor({4, 0, 2}, xg::kInt64)), "pack_padded_sequence", "[1, 4]",
                  "got 0 for sequence 1");
  EXPECT_XG_ERROR(pack_padded_sequence(x, xg::tensor({4, 5, 2}, xg::kInt64)), "got 5 for sequence 1");
  EXPECT_XG_ERROR(pack_padded_sequence(x, xg::tensor({2, 4, 1}, xg::kInt64)), "pack_padded_sequence",
                  "must not increase", "2 then 4", "enforce_sorted = false");
  EXPECT_XG_ERROR(pack_padded_sequence(xg::zeros({4}), xg::tensor({4}, xg::kInt64)), "pack_padded_sequence", "(4,)");
  EXPECT_XG_ERROR(pack_padded_sequence(xg::zeros({4, 0, 2}), xg::zeros({0}, xg::kInt64)), "pack_padded_sequence",
                  "(4,0,2)", "empty");  // found by the fuzzer: it indexed the first of no sequences
  EXPECT_XG_ERROR(pack_sequence({xg::zeros({2, 3}), xg::zeros({2, 4})}), "pack_sequence", "sequence 1", "(2,4)");
  EXPECT_XG_ERROR(pack_sequence({xg::zeros({2, 3}), xg::zeros({0, 3})}, false), "pack_sequence", "got 0 for sequence 1");
  EXPECT_XG_ERROR(pack_sequence({}), "pack_sequence", "empty list");
  // Sizes claimed by an input without elements are bounded before any index list is made.
  EXPECT_XG_ERROR(pack_padded_sequence(xg::zeros({std::int64_t{1} << 40, 1, 0}), xg::tensor({std::pow(2.0, 40)}, xg::kInt64)),
                  "pack_padded_sequence", "the packed steps' indices");

  const PackedSequence p = pack_padded_sequence(x, xg::tensor({3, 4, 1}, xg::kInt64), false, false);
  EXPECT_XG_ERROR(pad_packed_sequence(p, false, 0.0, 3), "pad_packed_sequence", "total_length", "4", "got 3");
  EXPECT_XG_ERROR(pad_packed_sequence(PackedSequence()), "pad_packed_sequence", "empty");
  EXPECT_XG_ERROR(pad_packed_sequence(pack_sequence({xg::zeros({2, 0})}), false, 0.0, std::int64_t{1} << 50),
                  "pad_packed_sequence", "the padded steps' indices");
  EXPECT_XG_ERROR(p.with_data(xg::zeros({7, 2})), "with_data", "8 packed steps", "(7,2)");
  EXPECT_XG_ERROR(PackedSequence(xg::zeros({8, 2}), xg::tensor({3, 2, 3}, xg::kInt64)), "PackedSequence",
                  "non-increasing", "got 3 at step 2 after 2");
  EXPECT_XG_ERROR(PackedSequence(xg::zeros({7, 2}), xg::tensor({3, 3, 2}, xg::kInt64)), "PackedSequence", "sum to 8",
                  "(7,2)");
  EXPECT_XG_ERROR(PackedSequence(xg::zeros({8, 2}), xg::tensor({3, 3, 2}, xg::kInt64), xg::tensor({0, 2, 2}, xg::kInt64)),
                  "sorted_indices", "permutation of 0..2", "got 2 at 2");
  EXPECT_XG_ERROR(PackedSequence(xg::zeros({8, 2}), xg::tensor({3, 3, 2}, xg::kInt64), xg::tensor({1, 2, 0}, xg::kInt64),
                                 xg::tensor({1, 2, 0}, xg::kInt64)),
                  "unsorted_indices is not the inverse");
  EXPECT_XG_ERROR(PackedSequence(xg::zeros({8, 2}), xg::tensor({3, 3, 2}, xg::kFloat32)), "'batch_sizes'", "float32");

  xg::nn::LSTM lstm(2, 3);
  EXPECT_XG_ERROR(lstm.forward_with_packed_input(pack_padded_sequence(xg::zeros({4, 3, 5}), xg::tensor({4, 2, 1}, xg::kInt64))),
                  "LSTM", "(steps, 2)", "(7,5)");
  EXPECT_XG_ERROR(lstm.forward_with_packed_input(p, {xg::zeros({1, 2, 3}), xg::zeros({1, 3, 3})}), "LSTM", "h0",
                  "(1,3,3)", "3 packed sequences", "(1,2,3)");
  EXPECT_XG_ERROR(lstm.forward_with_packed_input(p, {xg::zeros({1, 3, 3}), xg::Tensor()}), "LSTM", "both h0 and c0");
  EXPECT_XG_ERROR(lstm.forward_with_packed_input(PackedSequence()), "LSTM", "empty");
}
