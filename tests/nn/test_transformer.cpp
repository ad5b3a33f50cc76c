// MultiheadAttention and the Transformer layers against PyTorch 1.13 in float64: each loads a
// PyTorch state_dict with xg::load and gives PyTorch's outputs, attention weights and
// gradients to 1e-10 (fixtures from scripts/make_attention_fixtures.py). Then the layers'
// own behaviour: options, masks, hooks, summary and errors.
#include <cmath>

#include "test_util.h"

using xg::test::max_abs_diff;

namespace {

xg::Tensor io(const std::string& key, bool required = true) {
  return xg::test::fixture("torch_attention_io.npz", key, required);
}
std::string state_path(const std::string& name) {
  return std::string(XGRAD_TEST_DIR) + "/fixtures/torch_attention/" + name + ".npz";
}
xg::Tensor leaf(const xg::Tensor& t) { return t.detach().requires_grad_(); }

constexpr double kTol = 1e-10;

}  // namespace

TEST(ScaledDotProductAttention, EqualsPyTorchsDefinitionAndItsGradients) {
  for (const char* name : {"plain", "bool", "float", "causal", "broadcast"}) {
    SCOPED_TRACE(name);
    const std::string p = std::string("sdpa.") + name + ".";
    auto q = leaf(io(p + "q")), k = leaf(io(p + "k")), v = leaf(io(p + "v"));
    const double scale = io(p + "scale").item();
    auto out = xg::scaled_dot_product_attention(q, k, v, io(p + "mask", false), 0.0, io(p + "causal").item() != 0,
                                                scale > 0 ? std::optional<double>(scale) : std::nullopt);
    EXPECT_LT(max_abs_diff(out, io(p + "out")), kTol);
    (out * io(p + "g")).sum().backward();
    EXPECT_LT(max_abs_diff(q.grad(), io(p + "gq")), kTol);
    EXPECT_LT(max_abs_diff(k.grad(), io(p + "gk")), kTol);
    EXPECT_LT(max_abs_diff(v.grad(), io(p + "gv")), kTol);
  }
}

TEST(MultiheadAttention, LoadsPyTorchsWeightsAndGivesItsOutputsWeightsAndGradients) {
  struct Case {
    const char* name;
    xg::nn::MultiheadAttentionOptions options;
    bool self, average;
  };
  const std::vector<Case> cases = {
      {"mha_self", xg::nn::MultiheadAttentionOptions(8, 2), true, true},
      {"mha_cross_bf", xg::nn::MultiheadAttentionOptions(8, 4).batch_first(true), false, true},
      {"mha_causal_heads", xg::nn::MultiheadAttentionOptions(6, 3), true, false},
      {"mha_bool_mask", xg::nn::MultiheadAttentionOptions(8, 2), false, true},
      {"mha_kvdim", xg::nn::MultiheadAttentionOptions(8, 2).kdim(5).vdim(7).bias(false), false, true},
      {"mha_bias_kv", xg::nn::MultiheadAttentionOptions(8, 2).add_bias_kv(true), false, false},
      {"mha_zero_attn_bf", xg::nn::MultiheadAttentionOptions(6, 3).batch_first(true).add_zero_attn(true), false, true},
      {"mha_both_kvdim", xg::nn::MultiheadAttentionOptions(8, 2).kdim(5).vdim(7).add_bias_kv(true).add_zero_attn(true),
       false, true},
      {"mha_both_self", xg::nn::MultiheadAttentionOptions(6, 2).add_bias_kv(true).add_zero_attn(true), true, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string p = std::string(c.name) + ".";
    xg::nn::MultiheadAttention m(xg::nn::MultiheadAttentionOptions(c.options).dtype(xg::kFloat64));
    xg::load(m, state_path(c.name));
    m.eval();
    auto q = leaf(io(p + "q"));
    auto k = c.self ? q : io(p + "k"), v = c.self ? q : io(p + "v");
    auto [out, w] = m(q, k, v, io(p + "kpm", false), true, io(p + "attn_mask", false), c.average);
    EXPECT_LT(max_abs_diff(out, io(p + "out")), kTol);
    EXPECT_LT(max_abs_diff(w, io(p + "weights")), kTol);
    (out * io(p + "g")).sum().backward();
    EXPECT_LT(max_abs_diff(q.grad(), io(p + "grad.q")), kTol);
    const auto& in_w = m.in_proj_weight.defined() ? m.in_proj_weight : m.q_proj_weight;
    EXPECT_LT(max_abs_diff(in_w.grad(), io(p + (m.in_proj_weight.defined() ? "grad.in_proj_weight" : "grad.q_proj_weight"))), kTol);
    EXPECT_LT(max_abs_diff(m.out_proj->W.grad().t(), io(p + "grad.out_proj.weight")), kTol);
    if (m.in_proj_bias.defined()) EXPECT_LT(max_abs_diff(m.in_proj_bias.grad(), io(p + "grad.in_proj_bias")), kTol);
    EXPECT_EQ(m.bias_k.defined(), c.options.add_bias_kv());
    if (m.bias_k.defined()) {
      EXPECT_LT(max_abs_diff(m.bias_k.grad(), io(p + "grad.bias_k")), kTol);
      EXPECT_LT(max_abs_diff(m.bias_v.grad(), io(p + "grad.bias_v")), kTol);
    }
  }
}

TEST(TransformerLayers, EncoderAndDecoderLayersEqualPyTorchPreAndPostNormBothLayouts) {
  const auto options = [](bool norm_first, bool batch_first, const char* act) {
    return xg::nn::TransformerEncoderLayerOptions(8, 2)
        .dim_feedforward(16)
        .dropout(0.1)
        .activation(act)
        .norm_first(norm_first)
        .batch_first(batch_first)
        .dtype(xg::kFloat64);
  };
  for (const auto& [name, norm_first, batch_first, act] :
       std::vector<std::tuple<const char*, bool, bool, const char*>>{{"enc_post", false, false, "relu"},
                                                                     {"enc_pre_bf", true, true, "gelu"}}) {
    SCOPED_TRACE(name);
    const std::string p = std::string(name) + ".";
    xg::nn::TransformerEncoderLayer layer(options(norm_first, batch_first, act));
    xg::load(layer, state_path(name));
    layer.eval();
    auto x = leaf(io(p + "x"));
    auto out = layer(x, io(p + "mask"), io(p + "kpm"));
    EXPECT_LT(max_abs_diff(out, io(p + "out")), kTol);
    (out * io(p + "g")).sum().backward();
    EXPECT_LT(max_abs_diff(x.grad(), io(p + "grad.x")), kTol);
    EXPECT_LT(max_abs_diff(layer.self_attn->in_proj_weight.grad(), io(p + "grad.self_attn.in_proj_weight")), kTol);
    EXPECT_LT(max_abs_diff(layer.linear1->W.grad().t(), io(p + "grad.linear1.weight")), kTol);
    EXPECT_LT(max_abs_diff(layer.norm1->gamma.grad(), io(p + "grad.norm1.weight")), kTol);
  }
  for (const auto& [name, norm_first, batch_first] :
       std::vector<std::tuple<const char*, bool, bool>>{{"dec_post_bf", false, true}, {"dec_pre", true, false}}) {
    SCOPED_TRACE(name);
    const std::string p = std::string(name) + ".";
    xg::nn::TransformerDecoderLayer layer(options(norm_first, batch_first, "relu"));
    xg::load(layer, state_path(name));
    layer.eval();
    auto x = leaf(io(p + "x"));
    auto out = layer(x, io(p + "memory"), io(p + "mask"), xg::Tensor(), xg::Tensor(), io(p + "mkpm"));
    EXPECT_LT(max_abs_diff(out, io(p + "out")), kTol);
    (out * io(p + "g")).sum().backward();
    EXPECT_LT(max_abs_diff(x.grad(), io(p + "grad.x")), kTol);
    EXPECT_LT(max_abs_diff(layer.multihead_attn->in_proj_weight.grad(), io(p + "grad.multihead_attn.in_proj_weight")), kTol);
    EXPECT_LT(max_abs_diff(layer.linear2->W.grad().t(), io(p + "grad.linear2.weight")), kTol);
    EXPECT_LT(max_abs_diff(layer.norm3->beta.grad(), io(p + "grad.norm3.bias")), kTol);
  }
}

TEST(TransformerLayers, StacksAndTheTransformerEqualPyTorch) {
  const auto layer = xg::nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0).dtype(xg::kFloat64);
  xg::nn::TransformerEncoder stack(
      xg::nn::TransformerEncoderOptions(xg::nn::TransformerEncoderLayerOptions(layer).norm_first(true).batch_first(true), 2)
          .norm(true));
  xg::load(stack, state_path("stack_enc"));
  stack.eval();
  auto x = leaf(io("stack_enc.x"));
  auto out = stack(x, xg::nn::generate_square_subsequent_mask(5, xg::kFloat64));
  EXPECT_LT(max_abs_diff(out, io("stack_enc.out")), kTol);
  (out * out).sum().backward();
  EXPECT_LT(max_abs_diff(x.grad(), io("stack_enc.grad.x")), kTol);

  xg::nn::Transformer tr(
      xg::nn::TransformerOptions(8, 2, 2, 1).dim_feedforward(16).dropout(0.0).dtype(xg::kFloat64));
  xg::load(tr, state_path("transformer"));
  tr.eval();
  auto tgt = leaf(io("transformer.tgt"));
  const auto kpm = io("transformer.kpm");
  auto y = tr(io("transformer.src"), tgt, xg::Tensor(), xg::nn::Transformer::generate_square_subsequent_mask(4),
              xg::Tensor(), kpm, xg::Tensor(), kpm);
  EXPECT_LT(max_abs_diff(y, io("transformer.out")), kTol);
  (y * y).sum().backward();
  EXPECT_LT(max_abs_diff(tgt.grad(), io("transformer.grad.tgt")), kTol);
}

TEST(MultiheadAttention, PyTorchsParameterNamesShapesAndInitialisation) {
  xg::manual_seed(80);
  xg::nn::MultiheadAttention m(16, 4);
  std::vector<std::string> names;
  for (const auto& e : m.state_entries()) names.push_back(e.torch_name);
  EXPECT_EQ(names, (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(m.in_proj_weight.shape(), (xg::Shape{48, 16}));
  EXPECT_EQ(m.head_dim(), 4);
  // xavier_uniform_ over (3E, E): |w| <= sqrt(6 / (E + 3E)); out_proj U(±1/sqrt(E)); zero biases.
  EXPECT_LE(m.in_proj_weight.abs().max().item(), std::sqrt(6.0 / 64.0));
  EXPECT_GT(m.in_proj_weight.abs().max().item(), 0.8 * std::sqrt(6.0 / 64.0));
  EXPECT_LE(m.out_proj->W.abs().max().item(), 0.25);
  EXPECT_EQ(m.in_proj_bias.abs().max().item(), 0.0);
  EXPECT_EQ(m.out_proj->b.abs().max().item(), 0.0);
  xg::nn::MultiheadAttention separate(xg::nn::MultiheadAttentionOptions(8, 2).kdim(3).vdim(5).bias(false));
  EXPECT_FALSE(separate.in_proj_weight.defined());
  EXPECT_EQ(separate.k_proj_weight.shape(), (xg::Shape{8, 3}));
  EXPECT_EQ(separate.parameters().size(), 4u);  // q, k, v projections and out_proj.W
  // add_bias_kv: PyTorch's names, order, shapes and xavier_normal_ (std sqrt(2 / (E + E)) on (1, 1, E)).
  xg::nn::MultiheadAttention kv(xg::nn::MultiheadAttentionOptions(400, 4).add_bias_kv(true));
  names.clear();
  for (const auto& e : kv.state_entries()) names.push_back(e.torch_name);
  EXPECT_EQ(names, (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                             "out_proj.bias"}));
  EXPECT_EQ(kv.bias_k.shape(), (xg::Shape{1, 1, 400}));
  EXPECT_EQ(kv.bias_v.shape(), (xg::Shape{1, 1, 400}));
  for (const auto& b : {kv.bias_k, kv.bias_v}) {
    const double sd = std::sqrt((b * b).mean().item() - std::pow(b.mean().item(), 2));
    EXPECT_NEAR(sd, std::sqrt(1.0 / 400), 0.2 * std::sqrt(1.0 / 400));
    EXPECT_GT(b.abs().max().item(), 1.9 * std::sqrt(1.0 / 400));  // normal: past xavier_uniform_'s bound sqrt(3) sd
  }
  EXPECT_FALSE(xg::nn::MultiheadAttention(xg::nn::MultiheadAttentionOptions(8, 2).add_zero_attn(true)).bias_k.defined());
}

TEST(MultiheadAttention, MasksLayoutsAndAFullyPaddedSequence) {
  xg::manual_seed(81);
  xg::nn::MultiheadAttention m(xg::nn::MultiheadAttentionOptions(8, 2).dtype(xg::kFloat64));
  auto x = xg::randn({5, 3, 8}, xg::kFloat64);  // (L, N, E)
  // batch_first is a transpose of the same computation; unbatched is a batch of one.
  xg::nn::MultiheadAttention bf(xg::nn::MultiheadAttentionOptions(8, 2).batch_first(true).dtype(xg::kFloat64));
  for (const auto& [name, t] : m.named_parameters()) bf.set_parameter(name, t);
  auto [y, w] = m(x, x, x);
  auto [y_bf, w_bf] = bf(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1));
  EXPECT_LT(max_abs_diff(y_bf.transpose(0, 1), y), 1e-12);
  EXPECT_LT(max_abs_diff(w_bf, w), 1e-12);
  EXPECT_EQ(w.shape(), (xg::Shape{3, 5, 5}));
  auto x1 = x.narrow(1, 0, 1).squeeze(1);
  EXPECT_LT(max_abs_diff(std::get<0>(m(x1, x1, x1)), y.narrow(1, 0, 1).squeeze(1)), 1e-12);
  // A key padding mask equals the additive mask with -inf on the padded keys.
  auto pad = xg::tensor({0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0}, {3, 5}).to(xg::kInt64);
  auto additive = xg::masked_fill(xg::zeros({3, 5}, xg::kFloat64), pad, -INFINITY);
  EXPECT_LT(max_abs_diff(std::get<0>(m(x, x, x, pad)), std::get<0>(m(x, x, x, additive))), 1e-12);
  EXPECT_EQ(std::get<1>(m(x, x, x, pad)).narrow(0, 0, 1).narrow(2, 3, 2).abs().max().item(), 0.0);
  // A sequence whose keys are all padding: zero weights, finite outputs (out_proj's bias).
  auto all = xg::tensor({1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {3, 5}).to(xg::kInt64);
  auto [y_all, w_all] = m(x, x, x, all);
  EXPECT_EQ(w_all.narrow(0, 0, 1).abs().max().item(), 0.0);
  EXPECT_LT(max_abs_diff(y_all.narrow(1, 0, 1), m.out_proj->b.expand({5, 1, 8})), 1e-12);
  // need_weights = false gives no weights; per-head weights are (N, H, L, S).
  EXPECT_FALSE(std::get<1>(m(x, x, x, xg::Tensor(), false)).defined());
  EXPECT_EQ(std::get<1>(m(x, x, x, xg::Tensor(), true, xg::Tensor(), false)).shape(), (xg::Shape{3, 2, 5, 5}));
}

TEST(MultiheadAttention, GradientsMatchFiniteDifferencesWithMasksAndDropoutTrains) {
  xg::manual_seed(82);
  xg::nn::MultiheadAttention m(xg::nn::MultiheadAttentionOptions(4, 2).kdim(3).dtype(xg::kFloat64));
  auto q = xg::randn({3, 2, 4}, xg::kFloat64), k = xg::randn({4, 2, 3}, xg::kFloat64), v = xg::randn({4, 2, 4}, xg::kFloat64);
  auto pad = xg::tensor({0, 0, 0, 1, 0, 0, 0, 0}, {2, 4}).to(xg::kInt64);
  auto causal = xg::triu(xg::ones({3, 4}, xg::kInt64), 1);
  EXPECT_TRUE(xg::testing::gradients_match(
      [&] { return xg::tanh(std::get<0>(m(q, k, v, pad, false, causal))).sum(); }, m.named_parameters()));
  // The extra keys of add_bias_kv and add_zero_attn, with both mask kinds, kdim and vdim.
  xg::nn::MultiheadAttention extra(
      xg::nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true).add_zero_attn(true).dtype(xg::kFloat64));
  auto v5 = xg::randn({4, 2, 5}, xg::kFloat64), bias = xg::randn({3, 4}, xg::kFloat64);
  EXPECT_TRUE(xg::testing::gradients_match(
      [&] { return xg::tanh(std::get<0>(extra(q, k, v5, pad, false, causal))).sum(); }, extra.named_parameters()));
  EXPECT_TRUE(xg::testing::gradients_match(
      [&] { return xg::tanh(std::get<0>(extra(q, k, v5, xg::Tensor(), false, bias))).sum(); }, extra.named_parameters()));
  // Every key padded and masked: the weights go to the two extra keys alone.
  auto [y_all, w_all] = extra(q, k, v5, xg::ones({2, 4}, xg::kInt64), true);
  EXPECT_EQ(w_all.shape(), (xg::Shape{2, 3, 6}));
  EXPECT_EQ(w_all.narrow(2, 0, 4).abs().max().item(), 0.0);
  EXPECT_LT(max_abs_diff(w_all.sum({2}), xg::ones({2, 3}, xg::kFloat64)), 1e-12);
  // A float key padding mask is extended with zeros: -inf on the padded keys equals the int64 mask.
  auto additive = xg::masked_fill(xg::zeros({2, 4}, xg::kFloat64), pad, -INFINITY);
  EXPECT_LT(max_abs_diff(std::get<1>(extra(q, k, v5, additive)), std::get<1>(extra(q, k, v5, pad))), 1e-12);
  // Dropout on the weights acts in training mode only.
  xg::nn::MultiheadAttention d(xg::nn::MultiheadAttentionOptions(4, 2).dropout(0.5).dtype(xg::kFloat64));
  auto [a, wa] = d(q, q, q);
  auto [b, wb] = d(q, q, q);
  EXPECT_GT(max_abs_diff(wa, wb), 0.0);
  d.eval();
  EXPECT_EQ(max_abs_diff(std::get<1>(d(q, q, q)), std::get<1>(d(q, q, q))), 0.0);
}

TEST(MultiheadAttention, ErrorsNameTheShapesAndTheLikelyCause) {
  EXPECT_XG_ERROR(xg::nn::MultiheadAttention(10, 3), "MultiheadAttention: embed_dim 10 is not divisible by num_heads 3");
  xg::nn::MultiheadAttention m(8, 2);
  // (N, L, E) inputs given to a (L, N, E) module: the batch axes disagree, axis 0 agrees.
  EXPECT_XG_ERROR(m(xg::ones({2, 5, 8}), xg::ones({2, 7, 8}), xg::ones({2, 7, 8})),
                  "MultiheadAttention: query (2,5,8), key (2,7,8), value (2,7,8): batch sizes (axis 1) differ",
                  "is batch_first(true) meant?");
  EXPECT_XG_ERROR(m(xg::ones({5, 2, 8}), xg::ones({7, 2, 6}), xg::ones({7, 2, 8})), "the last axes must be embed_dim 8, kdim 8");
  EXPECT_XG_ERROR(m(xg::ones({5, 2, 8}), xg::ones({7, 2, 8}), xg::ones({6, 2, 8})), "key and value sequence lengths");
  auto x = xg::ones({5, 2, 8});
  EXPECT_XG_ERROR(m(x, x, x, xg::Tensor(), true, xg::ones({5, 4}, xg::kInt64)),
                  "attn_mask (5,4) must be (L, S) = (5, 5) or (N * num_heads, L, S) = (4, 5, 5)");
  EXPECT_XG_ERROR(m(x, x, x, xg::ones({5, 2}, xg::kInt64)), "key_padding_mask (5,2) must be (N, S) = (2,5)");
  EXPECT_XG_ERROR(m(xg::ones({2, 8}), xg::ones({2, 2, 8}), xg::ones({2, 2, 8})), "expected all 3-D");
}

TEST(TransformerLayers, OptionsHooksSummaryAndErrors) {
  xg::manual_seed(83);
  auto o = xg::nn::TransformerEncoderLayerOptions(16, 4).dim_feedforward(32).dropout(0.0);
  xg::nn::TransformerEncoder enc(xg::nn::TransformerEncoderOptions(o, 2).norm(true));
  // PyTorch's names; the layers start as copies of one another (PyTorch deep-copies its layer).
  const auto named = enc.named_parameters();
  EXPECT_EQ(named.front().first, "layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(named.back().first, "norm.beta");
  EXPECT_EQ(max_abs_diff(enc.layers[0]->linear1->W, enc.layers[1]->linear1->W), 0.0);
  // The attention inside a layer is reached through the hook mechanism.
  int seen = 0;
  auto hook = enc.layers[1]->self_attn->register_forward_hook([&](xg::nn::Module&, const xg::Tensor&, const xg::Tensor& y) {
    EXPECT_EQ(y.shape(), (xg::Shape{6, 2, 16}));
    ++seen;
  });
  auto y = enc(xg::randn({6, 2, 16}), xg::nn::generate_square_subsequent_mask(6));
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(y.shape(), (xg::Shape{6, 2, 16}));
  // summary: one row per attention (its own and out_proj's parameters), linear and norm.
  xg::nn::TransformerEncoderLayer layer(o);
  std::ostringstream os;
  auto s = xg::nn::summary(layer, {6, 2, 16}, os);
  ASSERT_EQ(s.rows.size(), 5u);
  EXPECT_EQ(s.rows[0].name, "self_attn");
  EXPECT_EQ(s.rows[0].type, "MultiheadAttention");
  EXPECT_EQ(s.rows[0].params, 4 * 16 * 16 + 4 * 16);
  EXPECT_EQ(s.rows[1].name, "norm1");  // post-norm: the residual is normalised before the feed-forward block
  EXPECT_EQ(s.total, 4 * 16 * 16 + 4 * 16 + (16 * 32 + 32) + (32 * 16 + 16) + 4 * 16);
  // Errors name the layer and the values.
  EXPECT_XG_ERROR(xg::nn::TransformerEncoderLayer(10, 4), "TransformerEncoderLayer: d_model 10 is not divisible by nhead 4");
  EXPECT_XG_ERROR(xg::nn::TransformerEncoderLayer(xg::nn::TransformerEncoderLayerOptions(8, 2).activation("tanh")),
                  "activation must be \"relu\" or \"gelu\" (or a function), got \"tanh\"");
  xg::nn::TransformerDecoderLayer dec(o);
  EXPECT_XG_ERROR(dec(xg::ones({3, 2, 16})), "TransformerDecoderLayer: needs the encoder's output");
  xg::nn::Transformer tr(xg::nn::TransformerOptions(16, 4, 1, 1).dim_feedforward(32));
  EXPECT_XG_ERROR(tr(xg::ones({5, 2, 16}), xg::ones({4, 3, 16})), "Transformer: src (5,2,16) and tgt (4,3,16): batch sizes (axis 1) differ");
  xg::nn::ModuleList list;
  EXPECT_XG_ERROR(list(xg::ones({1})), "ModuleList: has no forward");
  // A custom activation is any function.
  xg::nn::TransformerEncoderLayer custom(xg::nn::TransformerEncoderLayerOptions(8, 2).activation(
      std::function<xg::Tensor(const xg::Tensor&)>([](const xg::Tensor& t) { return xg::tanh(t); })));
  EXPECT_EQ(custom.options().activation().name(), "custom");
}

TEST(PositionalEncoding, SinusoidsOfVaswaniEtAlAndTheTableLength) {
  auto pe = xg::nn::sinusoidal_positional_encoding(10, 6, xg::kFloat64);
  EXPECT_NEAR(pe.at({1, 0}), std::sin(1.0), 1e-15);
  EXPECT_NEAR(pe.at({1, 1}), std::cos(1.0), 1e-15);
  EXPECT_NEAR(pe.at({3, 4}), std::sin(3.0 / std::pow(10000.0, 4.0 / 6.0)), 1e-15);
  EXPECT_NEAR(pe.at({3, 5}), std::cos(3.0 / std::pow(10000.0, 4.0 / 6.0)), 1e-15);
  xg::nn::PositionalEncoding pos(6, 10, xg::kFloat64);
  EXPECT_TRUE(pos.parameters().empty());
  auto x = xg::zeros({2, 4, 6}, xg::kFloat64);
  EXPECT_LT(max_abs_diff(pos(x).narrow(0, 1, 1).squeeze(0), pe.narrow(0, 0, 4)), 1e-15);
  EXPECT_XG_ERROR(pos(xg::zeros({2, 11, 6})), "PositionalEncoding: a sequence of 11 positions is longer than the table's 10");
  EXPECT_XG_ERROR(pos(xg::zeros({2, 4, 5})), "PositionalEncoding: input (2,4,5) must be (..., T, 6)");
  auto mask = xg::nn::generate_square_subsequent_mask(3);
  EXPECT_EQ(mask.at({0, 1}), -INFINITY);
  EXPECT_EQ(mask.at({1, 1}), 0.0);
  EXPECT_EQ(mask.at({2, 0}), 0.0);
  EXPECT_EQ(mask.dtype(), xg::kFloat32);
  EXPECT_FALSE(mask.requires_grad());
  EXPECT_EQ(xg::nn::generate_square_subsequent_mask(2, xg::kFloat64).dtype(), xg::kFloat64);
  EXPECT_EQ(xg::nn::generate_square_subsequent_mask(0).numel(), 0);
  EXPECT_XG_ERROR(xg::nn::generate_square_subsequent_mask(-1), "generate_square_subsequent_mask: size must be non-negative, got -1");
  EXPECT_XG_ERROR(xg::nn::generate_square_subsequent_mask(3, xg::kInt64),
                  "generate_square_subsequent_mask: the mask holds -inf, so its dtype must be a float type, got int64");
  EXPECT_XG_ERROR(xg::nn::generate_square_subsequent_mask(std::int64_t{1} << 40), "generate_square_subsequent_mask");
}
