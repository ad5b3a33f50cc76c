// The kink probe behind gradient_check's and gradcheck's kink reports (see graph.h).
#include <cstring>

#include "autograd/graph.h"

namespace xg::autograd {

namespace {
thread_local KinkProbe* t_probe = nullptr;

void fnv(std::uint64_t& h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
}
}  // namespace

KinkProbe::KinkProbe() : previous_(t_probe) { t_probe = this; }
KinkProbe::~KinkProbe() { t_probe = previous_; }

void KinkProbe::mix(const char* op, const Tensor& on_device) {
  fnv(hash_, op, std::strlen(op));
  // A GPU's choices are read on the host: a wait, inside a gradient check, which waits for
  // every perturbed element anyway.
  const Tensor choices = on_device.device().is_cpu() ? on_device : on_device.cpu();
  if (choices.dtype() == kInt64) {
    fnv(hash_, choices.data<std::int64_t>(), static_cast<std::size_t>(choices.numel()) * sizeof(std::int64_t));
    return;
  }
  detail::dispatch_float(choices.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* p = choices.data<T>();
    for (std::int64_t i = 0, n = choices.numel(); i < n; ++i) {
      const unsigned char sign = p[i] > 0 ? 2 : p[i] < 0 ? 0 : 1;
      fnv(hash_, &sign, 1);
    }
  });
}

bool probing_kinks() { return t_probe != nullptr; }

void note_kink(const char* op, const Tensor& choices) {
  if (t_probe) t_probe->mix(op, choices);
}

}  // namespace xg::autograd
