// What attention looks at: each MultiheadAttention's weights read through forward hooks on
// its attn_drop child (no side door into the module), attention rollout, and
// gradient-weighted attention.
#include <xgrad/detail/format.h>

#include <functional>

#include <xgrad/viz.h>

#include "viz/common.h"

#include "tensor/checked.h"

namespace xg::viz {

namespace {

// Every MultiheadAttention inside `m`, with its dotted name, depth first.
void find_attention(nn::Module& m, const std::string& path, std::vector<std::pair<std::string, nn::MultiheadAttention*>>& out) {
  if (auto* a = dynamic_cast<nn::MultiheadAttention*>(&m)) out.emplace_back(path, a);
  for (const auto& [name, child] : m.children()) find_attention(*child, path.empty() ? name : path + "." + name, out);
}

// Runs `run` with hooks that append (name, weights) for each attention call.
std::vector<AttentionMap> record(nn::Module& model, const std::function<void()>& run, const char* op) {
  std::vector<std::pair<std::string, nn::MultiheadAttention*>> layers;
  find_attention(model, "", layers);
  if (layers.empty()) fail(op, ": ", model.type_name(), " holds no MultiheadAttention");
  std::vector<AttentionMap> maps;
  std::vector<nn::ScopedHook> hooks;
  for (const auto& [name, layer] : layers)
    hooks.emplace_back(layer->attn_drop->register_forward_hook(
        [&maps, name = name](nn::Module&, const Tensor& w, const Tensor&) { maps.push_back({name, w}); }));
  run();
  if (maps.empty()) fail(op, ": the forward pass called none of ", model.type_name(), "'s MultiheadAttention modules");
  return maps;
}

}  // namespace

std::vector<AttentionMap> attention_maps(nn::Module& model, const std::function<void()>& run) {
  xg::detail::CallScope call("viz::attention_maps");
  detail::EvalMode eval(model);
  NoGradGuard no_grad;
  return record(model, run, "viz::attention_maps");
}

Tensor attention_rollout(const std::vector<AttentionMap>& maps) {
  constexpr const char* op = "viz::attention_rollout";
  xg::detail::CallScope call(op);
  if (maps.empty()) fail(op, ": no attention maps");
  Tensor rollout;
  for (const auto& m : maps) {
    const Tensor& w = m.weights;
    if (w.dim() != 4 || w.size(2) != w.size(3))
      fail(op, ": '", m.name, "' has weights ", xg::detail::shape_str(w.shape()),
           "; rollout needs self-attention maps (N, heads, T, T)");
    if (rollout.defined() && (w.size(0) != rollout.size(0) || w.size(2) != rollout.size(1)))
      fail(op, ": '", m.name, "' has weights ", xg::detail::shape_str(w.shape()), " but earlier layers' rollout is ",
           xg::detail::shape_str(rollout.shape()));
    // Half the flow stays in the residual stream (the identity), half goes through attention.
    Tensor a = w.detach().mean({1}) * 0.5 + eye(w.size(2), TensorOptions().dtype(w.dtype()).device(w.device())) * 0.5;
    a = a / a.sum({-1}, true);
    rollout = rollout.defined() ? matmul(a, rollout) : a;
  }
  return rollout;
}

std::vector<AttentionMap> gradient_weighted_attention(nn::Module& model, const std::function<Tensor()>& score) {
  constexpr const char* op = "viz::gradient_weighted_attention";
  xg::detail::CallScope call(op);
  detail::EvalMode eval(model);
  EnableGradGuard grad_mode;
  Tensor y;
  auto maps = record(model, [&] { y = score(); }, op);
  if (!y.defined() || y.numel() != 1)
    fail(op, ": the score must be one value (a chosen output), got ", y.defined() ? xg::detail::shape_str(y.shape()) : "undefined");
  tensor_list weights;
  for (const auto& m : maps) {
    if (!m.weights.requires_grad()) fail(op, ": '", m.name, "''s weights are not in the graph: run the model with gradients on");
    weights.push_back(m.weights);
  }
  // Gradients of the score with respect to the weights only: parameters' grad() stay as they were.
  const tensor_list g = grad({y.reshape({})}, weights, {}, std::nullopt, false, true);
  std::vector<AttentionMap> out;
  for (std::size_t i = 0; i < maps.size(); ++i) {
    const Tensor gi = g[i].defined() ? g[i] : zeros_like(weights[i]);
    out.push_back({maps[i].name, relu(weights[i].detach() * gi).mean({1})});
  }
  return out;
}

}  // namespace xg::viz
