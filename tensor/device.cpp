// Device and TensorOptions, and the one check every creation and move makes before work:
// is the device asked for one this process can use.
#include <atomic>
#include <xgrad/detail/format.h>

#include <ostream>

#include <xgrad/cuda.h>
#include <xgrad/device.h>

#include "tensor/checked.h"
#include "tensor/cuda/runtime.h"
#include "tensor/tensor_impl.h"

namespace xg {

void Device::invalid(DeviceType type, int index) {
  if (index < -1) fail("Device: index ", index, " is negative");
  (void)type;
  fail("Device: the CPU has no index ", index, " (only cpu or cpu:0)");
}

Device::Device(const std::string& spec) : type_(DeviceType::CPU), index_(-1) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  if (kind == "cuda") type_ = DeviceType::CUDA;
  else if (kind != "cpu") fail("Device: '", spec, "' is not a device (expected cpu, cuda or cuda:N)");
  if (colon == std::string::npos) return;
  const std::string digits = spec.substr(colon + 1);
  if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
    fail("Device: '", spec, "' has no valid index after ':' (expected cpu, cuda or cuda:N)");
  *this = Device(type_, std::stoi(digits));
}

std::string Device::str() const {
  std::string s = is_cuda() ? "cuda" : "cpu";
  return has_index() ? s + ":" + std::to_string(index_) : s;
}

std::ostream& operator<<(std::ostream& os, const Device& device) { return os << device.str(); }

TensorOptions TensorOptions::dtype(Dtype dtype) const {
  TensorOptions o = *this;
  o.dtype_ = dtype;
  return o;
}
TensorOptions TensorOptions::device(Device device) const {
  TensorOptions o = *this;
  o.device_ = device;
  return o;
}
TensorOptions TensorOptions::requires_grad(bool requires_grad) const {
  TensorOptions o = *this;
  o.requires_grad_ = requires_grad;
  return o;
}

void detail::check_device(Device device, const char* op) {
  if (device.is_cpu()) return;
  if (!cuda::is_available())
    fail(op, ": cannot use ", device.str(), ": CUDA is not available (", cuda::unavailable_reason(),
         "); xg::cuda::is_available() says so before you ask");
  if (device.index() >= cuda::device_count())
    fail(op, ": cannot use ", device.str(), ": this process sees ", cuda::device_count(), " CUDA device(s)");
}

Dtype detail::checked_dtype(const TensorOptions& options, Dtype fallback, const char* op) {
  check_device(options.device(), op);
  return options.dtype_or(fallback);
}

Tensor detail::finish_creation(Tensor t, const TensorOptions& options) {
  // Made on the host, then copied: creation kernels on the GPU come with the others.
  if (!options.device().is_cpu()) t = copy_to(t, options.device(), detail::call_or("tensor"));
  if (options.requires_grad()) t.requires_grad_();
  return t;
}

Device detail::resolved(Device device) { return gpu::resolve(device); }

Device detail::compute_device_mixed(std::initializer_list<Operand> operands, const char* op) {
  const Operand* decider = nullptr;  // the first operand that is not a CPU scalar
  for (const Operand& o : operands) {
    if (!o.tensor.defined()) continue;  // the operation's own checks name an undefined operand
    const Device& d = o.tensor.impl()->storage->device;
    if (d.is_cpu() && o.tensor.dim() == 0) continue;  // a CPU scalar goes with any device
    if (!decider) {
      decider = &o;
      continue;
    }
    const Device& want = decider->tensor.impl()->storage->device;
    if (d != want)
      fail(call_or(op), ": expected all tensors on one device, got ", want.str(), " (", decider->name, ") and ",
           d.str(), " (", o.name, "); move one with .to(...)");
  }
  return decider ? decider->tensor.impl()->storage->device : Device(kCPU);
}

TensorOptions detail::like(const Tensor& x, const TensorOptions& options) {
  const TensorOptions o = options.has_dtype() ? options : options.dtype(x.dtype());
  return options.has_device() ? o : o.device(x.device());
}

namespace {
std::atomic<bool> g_allow_tf32{false};  // read by each product on a GPU (tensor/cuda/blas.cpp)
}  // namespace

void cuda::set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool cuda::allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }

}  // namespace xg
