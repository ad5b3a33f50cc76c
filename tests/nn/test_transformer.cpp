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
