// Private: the optimizers' update rules on one element, compiled for the host and, in .cu
// files, for the GPU, so the fused CPU pass (tensor/optim_kernels.cpp) and the fused CUDA
// launch (tensor/cuda/optim.cu) run one text. Each rule repeats, operation for operation and
// in the same order, the composed rule of optim/optimizers.cpp (one tensor operation per
// line there, one rounded T operation per line here), so the two paths agree to rounding:
// the same bits unless the compiler contracts a multiply and an add into one FMA.
#pragma once

#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"
#include "tensor/optim_kernels.h"

namespace xg::detail::update {

/// A group's constants in the parameters' dtype, each made once on the host as the composed
/// rule makes it (a Python float times a tensor: the scalar rounded to T first).
template <class T>
struct Constants {
  T wd;         // L2 decay added to the gradient
  T decay;      // p *= decay before the rule (AdamW's 1 - lr wd)
  bool nesterov;
  T neg_lr;     // -lr
  T lr;         // lr
  T momentum;   // SGD's and Nesterov's momentum; RMSprop's alpha; AdaDelta's rho; Adam's beta1
  T keep;       // 1 - momentum (RMSprop, AdaDelta, Adam's m)
  T beta2, keep2;  // Adam's v: beta2, 1 - beta2
  T eps;
  T m2, g_coef;    // Nesterov: m^2 and -(1 + m) lr
};

template <class T>
Constants<T> constants(const kernel::UpdateHyper& h) {
  Constants<T> c{};
  c.wd = static_cast<T>(h.weight_decay);
  c.decay = static_cast<T>(1.0 - h.lr * h.weight_decay);
  c.nesterov = h.nesterov;
  c.neg_lr = static_cast<T>(-h.lr);
  c.lr = static_cast<T>(h.lr);
  c.momentum = static_cast<T>(h.momentum);
  c.keep = static_cast<T>(1.0 - h.momentum);
  c.beta2 = static_cast<T>(h.beta2);
  c.keep2 = static_cast<T>(1.0 - h.beta2);
  c.eps = static_cast<T>(h.eps);
  c.m2 = static_cast<T>(h.momentum * h.momentum);
  c.g_coef = static_cast<T>(-(1.0 + h.momentum) * h.lr);
  return c;
}

/// How weight decay enters: not at all, added to the gradient (L2), or applied to p (AdamW).
/// A template argument, so no loop carries the branch.
enum class Decay { None, Coupled, Decoupled };

inline Decay decay_of(const kernel::UpdateHyper& h) {
  return h.weight_decay == 0.0 ? Decay::None : h.decoupled ? Decay::Decoupled : Decay::Coupled;
}

template <class T>
XG_HOST_DEVICE T root(T x) {
#if defined(__CUDA_ARCH__)
  return ::sqrt(x);  // CUDA's float and double overloads
#else
  return std::sqrt(x);
#endif
}

/// One element of one parameter: p, its gradient g, its state s0, s1, s2 (the rule's buffers in
/// optim/'s order: momentum | v | h | h, d | m, v | m, v, v_max), and the per-parameter step
/// size (Adam's lr / (1 - b1^t), or the textbook's lr_t; AdaGrad's decayed lr) and bias
/// correction 1 - b2^t (AMSGrad: sqrt(1 - b2^t)).
template <kernel::UpdateRule R, Decay D, class T>
XG_HOST_DEVICE void element(const Constants<T>& c, T& p, T g, T& s0, T& s1, T& s2, T step, T bc2) {
  using kernel::UpdateRule;
  if constexpr (D == Decay::Coupled) g = g + p * c.wd;   // Optimizer::update_group: g = g + p * weight_decay
  if constexpr (D == Decay::Decoupled) p = p * c.decay;  // AdamW: p.mul_(1 - lr wd)
  if constexpr (R == UpdateRule::SGD) {
    p = p + c.neg_lr * g;
  } else if constexpr (R == UpdateRule::SGDMomentum) {
    s0 = s0 * c.momentum;
    s0 = s0 + g;
    p = p + c.neg_lr * (c.nesterov ? g + s0 * c.momentum : s0);
  } else if constexpr (R == UpdateRule::Nesterov) {
    s0 = s0 * c.momentum;
    s0 = s0 + c.neg_lr * g;
    p = p + c.m2 * s0;
    p = p + c.g_coef * g;
  } else if constexpr (R == UpdateRule::AdaGrad) {  // step: lr / (1 + (t - 1) lr_decay)
    s0 = s0 + g * g;
    p = p - g * step / (root(s0) + c.eps);
  } else if constexpr (R == UpdateRule::RMSprop) {
    s0 = s0 * c.momentum;
    s0 = s0 + c.keep * (g * g);
    p = p - g * c.lr / (root(s0) + c.eps);
  } else if constexpr (R == UpdateRule::AdaDelta) {
    s0 = s0 * c.momentum;
    s0 = s0 + c.keep * (g * g);
    const T dx = root(s1 + c.eps) / root(s0 + c.eps) * g;
    s1 = s1 * c.momentum;
    s1 = s1 + c.keep * (dx * dx);
    p = p + c.neg_lr * dx;
  } else if constexpr (R == UpdateRule::Adam || R == UpdateRule::AdamTextbook) {
    s0 = s0 * c.momentum;
    s0 = s0 + c.keep * g;
    s1 = s1 * c.beta2;
    s1 = s1 + c.keep2 * (g * g);
    if constexpr (R == UpdateRule::Adam)
      p = p - s0 * step / (root(s1 / bc2) + c.eps);
    else
      p = p - s0 * step / (root(s1) + c.eps);
  } else if constexpr (R == UpdateRule::AdamAMSGrad || R == UpdateRule::AdamAMSGradTextbook) {
    s0 = s0 * c.momentum;
    s0 = s0 + c.keep * g;
    s1 = s1 * c.beta2;
    s1 = s1 + c.keep2 * (g * g);
    s2 = (s1 != s1 || s1 > s2) ? s1 : s2;  // maximum(v_max, v), a NaN kept as xg::maximum keeps it
    if constexpr (R == UpdateRule::AdamAMSGrad)
      p = p - (s0 / (root(s2) / bc2 + c.eps)) * step;
    else
      p = p - (s0 / (root(s2) + c.eps)) * step;
  }
}

/// How many state buffers rule R keeps.
constexpr int buffers(kernel::UpdateRule r) {
  using kernel::UpdateRule;
  if (r == UpdateRule::AdamAMSGrad || r == UpdateRule::AdamAMSGradTextbook) return 3;
  return r == UpdateRule::SGD ? 0 : (r == UpdateRule::AdaDelta || r == UpdateRule::Adam || r == UpdateRule::AdamTextbook) ? 2 : 1;
}

}  // namespace xg::detail::update
