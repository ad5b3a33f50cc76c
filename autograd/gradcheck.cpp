// numerical_gradient, gradient_check, gradcheck and gradgradcheck.
#include <xgrad/detail/format.h>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include <xgrad/autograd.h>
#include <xgrad/gradcheck.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>

#include "autograd/graph.h"
#include "autograd/write_journal.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

// Restores one perturbed element on scope exit, so a throwing f cannot leave x changed. The
// element is read and written where x lives (one small copy each on a GPU).
struct RestoreElement {
  const Tensor& x;
  std::int64_t k;
  double saved;
  ~RestoreElement() {
    try {
      detail::write_element(x, k, saved, "gradcheck");
    } catch (const Error&) {  // a destructor must not throw
    }
  }
};

std::vector<std::int64_t> unravel(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    idx[i] = shape[i] ? flat % shape[i] : 0;
    flat = shape[i] ? flat / shape[i] : 0;
  }
  return idx;
}

// Central differences of every element of x: calls column(k, f(x+h), f(x-h), kink), kink
// telling whether a step changed a discrete choice of the forward pass (only looked for
// when `kinks`). Recording stays as the caller set it: gradgradcheck's function needs
// autograd inside.
template <class Eval, class Column>
void central_differences(Tensor& x, double h, const char* op, bool kinks, Eval eval, Column column) {
  std::uint64_t base = 0;
  const auto probed = [&](std::uint64_t& signature) {
    autograd::KinkProbe probe;
    Tensor y = eval();
    signature = probe.signature();
    return y;
  };
  if (kinks) probed(base);
  if (!is_floating(x.dtype())) fail(op, ": expected a float tensor, got int64");
  for (std::int64_t k = 0, n = x.numel(); k < n; ++k) {
    RestoreElement restore{x, k, detail::read_element(x, k, op)};
    std::uint64_t sp = 0, sm = 0;
    detail::write_element(x, k, restore.saved + h, op);  // converted to x's dtype, as before
    const Tensor plus = kinks ? probed(sp) : eval();
    detail::write_element(x, k, restore.saved - h, op);
    const Tensor minus = kinks ? probed(sm) : eval();
    column(k, plus, minus, kinks && (sp != base || sm != base));
  }
}

// Swaps float32 parameters for float64 copies (same handles, so the model sees them) and
// puts the original storage back on destruction: bit-exact, even if the check throws.
class Float64Swap {
 public:
  explicit Float64Swap(const NamedTensors& params) {
    for (const auto& [name, t] : params) {
      if (t.dtype() != kFloat32) continue;
      const Tensor wide = kernel::cast(t, kFloat64);
      auto& impl = *t.impl();
      saved_.push_back({t.impl(), impl.storage});
      impl.storage = wide.impl()->storage;
      impl.dtype = kFloat64;
    }
  }
  ~Float64Swap() {
    for (auto& [impl, storage] : saved_) {
      impl->storage = storage;
      impl->dtype = kFloat32;
    }
  }
  bool any() const { return !saved_.empty(); }
  Float64Swap(const Float64Swap&) = delete;
  Float64Swap& operator=(const Float64Swap&) = delete;

 private:
  std::vector<std::pair<std::shared_ptr<detail::TensorImpl>, std::shared_ptr<detail::Storage>>> saved_;
};

double scalar_value(const Tensor& y, const char* op) {
  if (y.numel() != 1)
    fail(op, ": the function must return a one-element tensor, got shape ", detail::shape_str(y.shape()));
  return y.item();
}

}  // namespace

namespace {

// The textbook's central differences, with recording as the caller set it.
Tensor central_gradient(const std::function<Tensor()>& f, Tensor& x, double h, const char* op) {
  std::vector<double> g(static_cast<std::size_t>(x.numel()));
  central_differences(x, h, op, false, [&] { return f(); }, [&](std::int64_t k, const Tensor& plus, const Tensor& minus, bool) {
    g[k] = (scalar_value(plus, op) - scalar_value(minus, op)) / (2 * h);
  });
  return tensor(g, x.shape(), x.dtype()).to(x.device());
}

}  // namespace

Tensor numerical_gradient(const std::function<Tensor()>& f, Tensor x, double h) {
  if (!x.defined() || !is_floating(x.dtype()))
    fail("numerical_gradient: x must be a float tensor", x.defined() ? std::string(", got ") + dtype_name(x.dtype()) : "");
  NoGradGuard no_grad;  // the loss is only evaluated: no graph needed
  autograd::WriteJournal journal;  // state f updates in place (running statistics) is put back
  try {
    return central_gradient(f, x, h, "numerical_gradient");
  } catch (const Error& e) {
    fail(e.what(), " (numerical_gradient evaluates f with recording off; a loss that differentiates inside, "
         "with xg::grad, needs recording: check it with gradient_check, or put an xg::EnableGradGuard inside f)");
  }
}

bool GradientCheckReport::ok() const {
  for (const auto& p : params)
    if (!p.ok) return false;
  return true;
}

std::string GradientCheckReport::str() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const GradientCheckReport& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "gradient check (h=%g, atol=%g, rtol=%g%s): %s\n", r.options.h, r.options.atol,
                r.options.rtol, r.promoted ? ", float32 parameters checked in float64" : "", r.ok() ? "ok" : "FAILED");
  os << buf;
  for (const auto& p : r.params) {
    std::snprintf(buf, sizeof buf, "%s:%.6g  (max abs %.3g at %s, max rel %.3g at %s) %s", p.name.c_str(),
                  p.mean_abs_diff, p.max_abs_diff, detail::shape_str(p.max_abs_at).c_str(), p.max_rel_diff,
                  detail::shape_str(p.max_rel_at).c_str(), p.ok ? "ok" : "MISMATCH");
    os << buf;
    if (p.kinks && r.options.kinks == Kinks::Report) {
      std::snprintf(buf, sizeof buf, "  [%lld at kinks: mean %.3g, max %.3g]", static_cast<long long>(p.kinks),
                    p.kink_mean_abs_diff, p.kink_max_abs_diff);
      os << buf;
    } else if (p.kinks) {
      os << "  [" << p.kinks << " at kinks, skipped]";
    }
    os << "\n";
  }
  return os;
}

GradientCheckReport gradient_check(const std::function<Tensor()>& loss_fn, const NamedTensors& named_params,
                                   const GradientCheckOptions& options) {
  for (const auto& [name, t] : named_params)
    if (!t.defined() || !t.requires_grad())
      fail("gradient_check: parameter '", name, "' ", t.defined() ? "does not require grad" : "is undefined");
  // Buffers the loss updates in place (BatchNorm's running statistics in training mode, over
  // hundreds of evaluations) are put back afterwards, as the parameters are.
  autograd::WriteJournal journal;
  GradientCheckReport report;
  report.options = options;
  Float64Swap swap(named_params);
  report.promoted = swap.any();

  tensor_list params;
  for (const auto& np : named_params) params.push_back(np.second);
  const Tensor loss = loss_fn();
  const double first = scalar_value(loss, "gradient_check");
  // A loss that changes between two evaluations at the same parameters (dropout in
  // training mode, a fresh random batch) has no numerical gradient: say so, and why.
  {
    const double second = scalar_value(loss_fn(), "gradient_check");
    if (!(std::fabs(first - second) <= 1e-10 * std::max(1.0, std::fabs(first))))
      fail("gradient_check: the loss is not deterministic: two evaluations at the same parameters gave ", repr(first),
           " and ", repr(second), ". A numerical gradient needs the same loss for the same parameters: call "
           "model.eval() (dropout off) or keep random draws out of loss_fn.");
  }
  const tensor_list backprop = grad({loss}, params, {}, false, false, /*allow_unused=*/true);

  for (std::size_t i = 0; i < params.size(); ++i) {
    // Recording stays on while evaluating: a loss that calls xg::grad inside (a gradient
    // penalty, a higher-order term) needs it.
    std::vector<double> n(static_cast<std::size_t>(params[i].numel()));
    std::vector<char> at_kink(n.size(), 0);
    central_differences(params[i], options.h, "gradient_check", options.kinks != Kinks::Include, loss_fn,
                        [&](std::int64_t k, const Tensor& plus, const Tensor& minus, bool kink) {
                          n[k] = (scalar_value(plus, "gradient_check") - scalar_value(minus, "gradient_check")) /
                                 (2 * options.h);
                          at_kink[k] = kink;
                        });
    const auto b = backprop[i].defined() ? backprop[i].to_vector<double>() : std::vector<double>(n.size(), 0.0);
    ParameterCheck c;
    c.name = named_params[i].first;
    c.shape = params[i].shape();
    std::int64_t abs_at = 0, rel_at = 0;
    for (std::size_t k = 0; k < n.size(); ++k) {
      const double d = std::fabs(n[k] - b[k]);
      if (at_kink[k]) {
        ++c.kinks;
        c.kink_mean_abs_diff += d;
        c.kink_max_abs_diff = std::max(c.kink_max_abs_diff, d);
        continue;
      }
      const double scale = std::max(std::fabs(n[k]), std::fabs(b[k]));
      const double rel = scale > 0 ? d / scale : 0.0;
      c.mean_abs_diff += d;
      if (d > c.max_abs_diff || std::isnan(d)) c.max_abs_diff = d, abs_at = static_cast<std::int64_t>(k);
      if (rel > c.max_rel_diff) c.max_rel_diff = rel, rel_at = static_cast<std::int64_t>(k);
      if (!(d <= options.atol + options.rtol * std::fabs(n[k]))) c.ok = false;
    }
    if (c.kinks) c.kink_mean_abs_diff /= static_cast<double>(c.kinks);
    const auto smooth = static_cast<std::int64_t>(n.size()) - c.kinks;
    if (smooth > 0) c.mean_abs_diff /= static_cast<double>(smooth);
    c.max_abs_at = unravel(abs_at, c.shape);
    c.max_rel_at = unravel(rel_at, c.shape);
    report.params.push_back(std::move(c));
  }
  return report;
}

namespace {

// Inputs as float64; those that require grad become fresh leaves.
tensor_list widen_inputs(const tensor_list& inputs, std::vector<std::size_t>& checked) {
  tensor_list xs;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& x = inputs[i];
    if (!x.defined() || !is_floating(x.dtype())) {
      xs.push_back(x);
      continue;
    }
    Tensor w = kernel::cast(x, kFloat64);
    if (x.requires_grad()) {
      w.requires_grad_();
      checked.push_back(i);
    }
    xs.push_back(w);
  }
  if (checked.empty()) fail("gradcheck: no input requires grad");
  return xs;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const tensor_list&)>& fn, const tensor_list& inputs,
                          const GradcheckOptions& options) {
  autograd::WriteJournal journal;  // no side effect of fn survives the check
  std::vector<std::size_t> checked;
  tensor_list xs = widen_inputs(inputs, checked);
  const Tensor y = fn(xs);
  if (!is_floating(y.dtype())) fail("gradcheck: the function returned an int64 tensor");
  const std::int64_t m = y.numel();
  tensor_list wrt;
  for (auto i : checked) wrt.push_back(xs[i]);

  // Analytical Jacobian, one row per output element: J[j] = d y_j / d inputs.
  std::vector<std::vector<double>> analytical(wrt.size());
  for (std::int64_t j = 0; j < m; ++j) {
    if (!y.requires_grad()) {  // y does not depend on the inputs: a zero Jacobian
      for (std::size_t i = 0; i < wrt.size(); ++i) analytical[i].resize(analytical[i].size() + wrt[i].numel(), 0.0);
      continue;
    }
    Tensor go = zeros(y.shape(), TensorOptions(y.dtype()).device(y.device()));
    detail::write_element(go, j, 1.0, "gradcheck");
    const tensor_list gs = grad({y}, wrt, {go}, true, false, /*allow_unused=*/true);
    for (std::size_t i = 0; i < wrt.size(); ++i) {
      const auto g = gs[i].defined() ? gs[i].to_vector<double>() : std::vector<double>(wrt[i].numel(), 0.0);
      analytical[i].insert(analytical[i].end(), g.begin(), g.end());  // row-major [j][k]
    }
  }

  GradcheckResult result;
  double worst = 0;
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    const std::int64_t n = wrt[i].numel();
    central_differences(wrt[i], options.eps, "gradcheck", options.skip_kinks, [&] { return fn(xs); },
                        [&](std::int64_t k, const Tensor& plus, const Tensor& minus, bool kink) {
                          if (kink) {
                            ++result.kinks;
                            return;
                          }
                          const auto yp = plus.to_vector<double>(), ym = minus.to_vector<double>();
                          for (std::int64_t j = 0; j < m; ++j) {
                            const double num = (yp[j] - ym[j]) / (2 * options.eps);
                            const double an = analytical[i][j * n + k];
                            const double err = std::fabs(num - an);
                            if (!(err <= options.atol + options.rtol * std::fabs(num)) && (result.ok || err > worst)) {
                              worst = err;
                              result.ok = false;
                              result.message = detail::cat("gradcheck: Jacobian mismatch for input ", checked[i],
                                                           " element ", detail::shape_str(unravel(k, wrt[i].shape())),
                                                           ", output element ", detail::shape_str(unravel(j, y.shape())),
                                                           ": numerical ", num, ", analytical ", an);
                            }
                          }
                        });
  }
  return result;
}

GradcheckResult gradgradcheck(const std::function<Tensor(const tensor_list&)>& fn, const tensor_list& inputs,
                              const GradcheckOptions& options) {
  autograd::WriteJournal journal;
  std::vector<std::size_t> checked;
  const tensor_list probe = widen_inputs(inputs, checked);
  const Tensor first = fn(probe);
  const Shape out_shape = first.shape();
  Generator gen(1234);  // a fixed output gradient, so the check is reproducible
  std::vector<double> v(static_cast<std::size_t>(shape_numel(out_shape)));
  for (auto& e : v) e = gen.normal();
  const Tensor gy = tensor(v, out_shape, kFloat64).to(first.device());

  auto vjp = [&](const tensor_list& xs) {
    tensor_list wrt;
    for (auto i : checked) wrt.push_back(xs[i]);
    const tensor_list gs = grad({fn(xs)}, wrt, {gy}, true, /*create_graph=*/true, /*allow_unused=*/true);
    tensor_list flat;
    for (std::size_t i = 0; i < gs.size(); ++i)
      flat.push_back(reshape(gs[i].defined() ? gs[i] : zeros_like(wrt[i]), {-1}));
    return concat(flat, 0);
  };
  return gradcheck(vjp, probe, options);
}

}  // namespace xg
