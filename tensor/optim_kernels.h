// Private: the fused optimizer update, the kernel behind the built-in optimizers' step. The
// composed rules (optim/optimizers.cpp) run 2 to 11 tensor operations per parameter, each a
// pass over memory (and on a GPU a launch); this runs a group's whole rule as one pass over
// each parameter on the CPU and as one launch for up to kMaxFusedTargets parameters on a GPU.
// The per-element formulas are tensor/update_rules.h.
#pragma once

#include <functional>
#include <vector>

#include <xgrad/tensor.h>

namespace xg::kernel {

enum class UpdateRule { SGD, SGDMomentum, Nesterov, AdaGrad, RMSprop, AdaDelta, Adam, AdamTextbook, AdamAMSGrad, AdamAMSGradTextbook };

/// A parameter group's hyper-parameters; each rule reads its own (see tensor/update_rules.h).
struct UpdateHyper {
  UpdateRule rule = UpdateRule::SGD;
  double lr = 0.0;
  double weight_decay = 0.0;
  bool decoupled = false;  // weight decay applied to p (AdamW), not added to the gradient
  double momentum = 0.0;   // SGD and Nesterov's momentum, RMSprop's alpha, AdaDelta's rho, Adam's beta1
  bool nesterov = false;   // SGD's nesterov flag
  double beta2 = 0.0;
  double eps = 0.0;
};

/// One parameter: the tensors updated in place (state buffers in the rule's order, unused
/// ones null) and its gradient, all of one shape, float dtype and device; the step size (Adam's
/// lr / (1 - b1^t) or the textbook's lr_t, AdaGrad's decayed lr) and Adam's bias correction
/// 1 - b2^t (AMSGrad: its square root, by which the composed rule divides).
struct UpdateTarget {
  Tensor* param = nullptr;
  const Tensor* grad = nullptr;
  Tensor* state[3] = {nullptr, nullptr, nullptr};
  double step = 0.0;
  double bc2 = 1.0;
};

/// How many parameters one GPU launch takes (their pointers travel in the kernel's arguments).
constexpr int kMaxFusedTargets = 40;

/// Updates every target in place by rule h.rule; `op` names errors. Throws, before writing
/// anything, when a target's tensors differ in shape, dtype or device or lack a buffer the
/// rule keeps. Bumps each written tensor's version.
void fused_update(const UpdateHyper& h, const std::vector<UpdateTarget>& targets, const char* op);

/// The host half of an optimizer's fused step: fills in h (the rule and its hyper-parameters)
/// and each target's step and bc2 (Adam), advancing step counters when `commit`; with commit
/// false it only looks (the capture of a CUDA graph, which runs nothing).
using UpdateScalars = std::function<void(UpdateHyper& h, std::vector<UpdateTarget>& targets, bool commit)>;

/// fused_update with the scalars from `scalars`: computed now, or, inside a CUDA graph capture
/// (GPU parameters), computed again before every replay, so that each replay uses the learning
/// rate set then (a scheduler's) and advances Adam's step counts, as an eager step would.
void fused_update(std::vector<UpdateTarget> targets, const UpdateScalars& scalars, const char* op);

}  // namespace xg::kernel
