// The fused optimizer update: checks, then one pass per parameter on the CPU (split over
// threads like any elementwise kernel) or one launch per kMaxFusedTargets parameters of one
// device and dtype on a GPU.
#include "tensor/optim_kernels.h"

#include <xgrad/detail/format.h>

#include <algorithm>
#include <memory>

#include "tensor/cuda/capture.h"
#include "tensor/cuda/kernels.h"
#include "tensor/parallel.h"
#include "tensor/tensor_impl.h"
#include "tensor/update_rules.h"

namespace xg::kernel {

namespace {

using detail::update::buffers;

void check_target(const UpdateHyper& h, const UpdateTarget& t, std::size_t i, const char* op) {
  if (!t.param || !t.grad || !t.param->defined() || !t.grad->defined())
    fail(op, ": parameter ", i, " or its gradient is undefined");
  const Tensor& p = *t.param;
  if (!is_floating(p.dtype())) fail(op, ": parameter ", i, " is ", dtype_name(p.dtype()), ", expected a float tensor");
  const auto same = [&](const Tensor& x, const char* what) {
    if (x.shape() != p.shape() || x.dtype() != p.dtype() || x.device() != p.device())
      fail(op, ": parameter ", i, "'s ", what, " is ", dtype_name(x.dtype()), " ", detail::shape_str(x.shape()), " on ",
           x.device().str(), ", the parameter ", dtype_name(p.dtype()), " ", detail::shape_str(p.shape()), " on ",
           p.device().str());
  };
  same(*t.grad, "gradient");
  for (int k = 0; k < buffers(h.rule); ++k) {
    if (!t.state[k] || !t.state[k]->defined()) fail(op, ": parameter ", i, " lacks state buffer ", k);
    same(*t.state[k], "state buffer");
  }
}

template <UpdateRule R, detail::update::Decay D, class T>
void cpu_pass(const detail::update::Constants<T>& c, const UpdateTarget& t) {
  T* p = t.param->data<T>();
  const T* g = t.grad->data<T>();
  T* s0 = buffers(R) > 0 ? t.state[0]->data<T>() : nullptr;
  T* s1 = buffers(R) > 1 ? t.state[1]->data<T>() : nullptr;
  T* s2 = buffers(R) > 2 ? t.state[2]->data<T>() : nullptr;
  const T step_in = static_cast<T>(t.step), bc2_in = static_cast<T>(t.bc2);
  detail::parallel_elements(t.param->numel(), 8, [&](std::int64_t i0, std::int64_t i1) {
    // Private copies of the scalars: stores to p[i] could alias the caller's (all T), which
    // made GCC reload them every element and keep Adam's loop scalar (measured 2.5x slower).
    const detail::update::Constants<T> k = c;
    const T step = step_in, bc2 = bc2_in;
    for (std::int64_t i = i0; i < i1; ++i) {
      if constexpr (buffers(R) == 0) {  // element() keeps one signature: unused buffers are locals
        T unused0 = 0, unused1 = 0, unused2 = 0;
        detail::update::element<R, D, T>(k, p[i], g[i], unused0, unused1, unused2, step, bc2);
      } else if constexpr (buffers(R) == 1) {
        T unused1 = 0, unused2 = 0;
        detail::update::element<R, D, T>(k, p[i], g[i], s0[i], unused1, unused2, step, bc2);
      } else if constexpr (buffers(R) == 2) {
        T unused2 = 0;
        detail::update::element<R, D, T>(k, p[i], g[i], s0[i], s1[i], unused2, step, bc2);
      } else {
        detail::update::element<R, D, T>(k, p[i], g[i], s0[i], s1[i], s2[i], step, bc2);
      }
    }
  });
}

template <UpdateRule R, class T>
void cpu_rule(const UpdateHyper& h, const detail::update::Constants<T>& c, const UpdateTarget& t) {
  using detail::update::Decay;
  switch (detail::update::decay_of(h)) {
    case Decay::None: return cpu_pass<R, Decay::None, T>(c, t);
    case Decay::Coupled: return cpu_pass<R, Decay::Coupled, T>(c, t);
    case Decay::Decoupled: return cpu_pass<R, Decay::Decoupled, T>(c, t);
  }
}

template <class T>
void cpu_update(const UpdateHyper& h, const UpdateTarget& t) {
  const auto c = detail::update::constants<T>(h);
  switch (h.rule) {
    case UpdateRule::SGD: return cpu_rule<UpdateRule::SGD, T>(h, c, t);
    case UpdateRule::SGDMomentum: return cpu_rule<UpdateRule::SGDMomentum, T>(h, c, t);
    case UpdateRule::Nesterov: return cpu_rule<UpdateRule::Nesterov, T>(h, c, t);
    case UpdateRule::AdaGrad: return cpu_rule<UpdateRule::AdaGrad, T>(h, c, t);
    case UpdateRule::RMSprop: return cpu_rule<UpdateRule::RMSprop, T>(h, c, t);
    case UpdateRule::AdaDelta: return cpu_rule<UpdateRule::AdaDelta, T>(h, c, t);
    case UpdateRule::Adam: return cpu_rule<UpdateRule::Adam, T>(h, c, t);
    case UpdateRule::AdamTextbook: return cpu_rule<UpdateRule::AdamTextbook, T>(h, c, t);
    case UpdateRule::AdamAMSGrad: return cpu_rule<UpdateRule::AdamAMSGrad, T>(h, c, t);
    case UpdateRule::AdamAMSGradTextbook: return cpu_rule<UpdateRule::AdamAMSGradTextbook, T>(h, c, t);
  }
}

}  // namespace

void fused_update(const UpdateHyper& h, const std::vector<UpdateTarget>& targets, const char* op) {
  for (std::size_t i = 0; i < targets.size(); ++i) check_target(h, targets[i], i, op);
  // GPU targets go in batches of one device and dtype, in the order given.
  std::vector<UpdateTarget> batch;
  const auto flush = [&] {
    if (!batch.empty()) detail::gpu::fused_update(h, batch, op);
    batch.clear();
  };
  for (const UpdateTarget& t : targets) {
    const Tensor& p = *t.param;
    if (p.device().is_cpu()) {
      detail::dispatch_float(p.dtype(), op, [&](auto tag) { cpu_update<decltype(tag)>(h, t); });
    } else {
      if (!batch.empty() && (batch.size() == static_cast<std::size_t>(kMaxFusedTargets) ||
                             batch[0].param->device() != p.device() || batch[0].param->dtype() != p.dtype()))
        flush();
      batch.push_back(t);
    }
  }
  flush();
  for (const UpdateTarget& t : targets) {
    ++t.param->impl()->storage->version;
    for (int k = 0; k < buffers(h.rule); ++k) ++t.state[k]->impl()->storage->version;
  }
}

void fused_update(std::vector<UpdateTarget> targets, const UpdateScalars& scalars, const char* op) {
  if (targets.empty()) return;
  const bool capture = detail::gpu::capturing() && !targets[0].param->device().is_cpu();
  UpdateHyper h;
  scalars(h, targets, !capture);
  if (!capture) return fused_update(h, targets, op);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    check_target(h, targets[i], i, op);
    if (targets[i].param->device().is_cpu())
      fail(op, ": parameter ", i, " is on the CPU inside a CUDA graph capture, which replays only GPU work; move the "
           "model to the GPU (module.to(xg::kCUDA)) before capturing");
  }
  // The tensors the graph writes on every replay stay alive with it; the refresher's targets
  // point at these (the caller's pointers die with its step).
  const std::size_t n = targets.size();
  auto keep = std::make_shared<std::vector<Tensor>>(5 * n);  // param, grad, up to three buffers
  std::vector<UpdateTarget> view(n);
  for (std::size_t i = 0; i < n; ++i) {
    Tensor* k = keep->data() + 5 * i;
    k[0] = *targets[i].param;
    k[1] = *targets[i].grad;
    view[i].param = &k[0];
    view[i].grad = &k[1];
    for (int b = 0; b < buffers(h.rule); ++b) {
      k[2 + b] = *targets[i].state[b];
      view[i].state[b] = &k[2 + b];
    }
  }
  std::vector<std::pair<std::size_t, detail::gpu::CapturedUpdate>> parts;  // (first target, its refresher)
  for (std::size_t b = 0; b < n; b += kMaxFusedTargets)
    parts.emplace_back(b, detail::gpu::fused_update_captured(h, view.data() + b,
                                                             std::min<std::size_t>(kMaxFusedTargets, n - b), op));
  for (const UpdateTarget& t : targets) {
    ++t.param->impl()->storage->version;
    for (int k = 0; k < buffers(h.rule); ++k) ++t.state[k]->impl()->storage->version;
  }
  const UpdateRule rule = h.rule;
  const auto decay = detail::update::decay_of(h);
  detail::gpu::before_each_replay([keep, view, parts, scalars, rule, decay, op](detail::gpu::ReplayWriter& w) {
    UpdateHyper now;
    std::vector<UpdateTarget> list = view;
    scalars(now, list, true);
    if (now.rule != rule || detail::update::decay_of(now) != decay)
      fail(op, ": the optimizer's rule or weight decay (zero or not) changed since the CUDA graph was captured; "
           "capture the step again");
    for (const auto& [first, refresh] : parts) refresh(now, list.data() + first, w);
  });
}

}  // namespace xg::kernel
