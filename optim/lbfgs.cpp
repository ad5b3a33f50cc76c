// L-BFGS as PyTorch's torch.optim.LBFGS computes it (Nocedal and Wright, Numerical
// Optimization, algorithms 7.4 and 3.5-3.6): the two-loop recursion over the last
// history_size pairs for the direction, then a fixed step or a strong-Wolfe line search with
// cubic interpolation. The parameters are handled as one flat vector (the gradients
// concatenated), the scalars on the host in double, so a float64 run follows PyTorch's
// iterates to rounding (tests/optim/test_lbfgs.cpp compares them).
#include <xgrad/detail/format.h>
#include <xgrad/optim/lbfgs.h>
#include <xgrad/autograd.h>
#include <xgrad/ops.h>

#include <algorithm>
#include <cmath>

#include "tensor/checked.h"

namespace xg::optim {

namespace {

double dot_value(const Tensor& a, const Tensor& b) { return xg::dot(a, b).item(); }
double abs_max(const Tensor& a) { return a.numel() == 0 ? 0.0 : a.abs().max().item(); }

// The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to
// the bounds (by default the interval); the bounds' midpoint when the cubic has none.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const auto [lo, hi] = bounds ? *bounds : x1 <= x2 ? std::make_pair(x1, x2) : std::make_pair(x2, x1);
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2.0;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, lo), hi);
}

}  // namespace

LBFGS::LBFGS(const tensor_list& params, LBFGSOptions options) : Optimizer(params, options.lr(), 0.0), options_(std::move(options)) {
  if (options_.max_iter() < 1) fail("LBFGS: max_iter must be at least 1, got ", options_.max_iter());
  if (options_.max_eval() && *options_.max_eval() < 1) fail("LBFGS: max_eval must be at least 1, got ", *options_.max_eval());
  if (options_.history_size() < 1) fail("LBFGS: history_size must be at least 1, got ", options_.history_size());
  if (!(options_.lr() > 0)) fail("LBFGS: lr must be positive, got ", options_.lr());
  if (options_.line_search_fn() && *options_.line_search_fn() != "strong_wolfe")
    fail("LBFGS: line_search_fn must be \"strong_wolfe\" or none, got \"", *options_.line_search_fn(), "\"");
  const Tensor& first = params.front();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!is_floating(params[i].dtype()))
      fail("LBFGS: parameter ", i, " is ", dtype_name(params[i].dtype()), ", expected a float tensor");
    if (params[i].dtype() != first.dtype() || params[i].device() != first.device())
      fail("LBFGS: all parameters must share one dtype and device (its history is one flat vector), got ",
           dtype_name(first.dtype()), " on ", first.device().str(), " (parameter 0) and ", dtype_name(params[i].dtype()),
           " on ", params[i].device().str(), " (parameter ", i, ")");
  }
}

namespace {
[[noreturn]] void needs_closure() {
  fail("LBFGS: step() needs a closure that re-evaluates the model: optimizer.step([&] { optimizer.zero_grad(); "
       "auto loss = ...; loss.backward(); return loss; })");
}
}  // namespace

// Reached through Optimizer::step() (a base reference): there is no closure to call.
void LBFGS::update(Tensor&, const Tensor&, State&, const ParamGroup&) { needs_closure(); }
void LBFGS::step() { needs_closure(); }

Tensor LBFGS::flat_grad() const {
  tensor_list parts;
  for (const Tensor& p : param_groups()[0].params) {
    const Tensor g = p.grad();
    parts.push_back(g.defined() ? g.reshape({-1}) : zeros({p.numel()}, TensorOptions().dtype(p.dtype()).device(p.device())));
  }
  return cat(parts);
}

void LBFGS::add_to_params(double t, const Tensor& d) {
  NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (Tensor& p : param_groups()[0].params) {
    p.add_(d.slice(0, offset, offset + p.numel()).reshape(p.shape()), t);
    offset += p.numel();
  }
}

void LBFGS::set_params(const tensor_list& values) {
  NoGradGuard no_grad;
  auto& params = param_groups()[0].params;
  for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(values[i]);
}

std::pair<double, Tensor> LBFGS::evaluate_at(const LossClosure& closure, const tensor_list& x, double t, const Tensor& d) {
  add_to_params(t, d);
  double loss = 0;
  {
    EnableGradGuard grad;
    loss = closure().item();
  }
  Tensor g = flat_grad();
  set_params(x);
  return {loss, g};
}

// PyTorch's _strong_wolfe: bracket a step satisfying the sufficient decrease (c1) and
// curvature (c2) conditions, then zoom into the bracket by cubic interpolation.
LBFGS::LineSearch LBFGS::strong_wolfe(const LossClosure& closure, const tensor_list& x, double t, const Tensor& d,
                                      double f, const Tensor& g, double gtd) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr int max_ls = 25;
  const double tolerance_change = options_.tolerance_change();
  const double d_norm = abs_max(d);
  auto [f_new, g_new] = evaluate_at(closure, x, t, d);
  std::int64_t evals = 1;
  double gtd_new = dot_value(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g;
  bool done = false;
  int ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  tensor_list bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new}, bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t}, bracket_f = {f_new}, bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new}, bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    // Extrapolate: between a hundredth past t and ten times t.
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
    const double previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::make_pair(min_step, max_step));
    t_prev = previous, f_prev = f_new, g_prev = g_new, gtd_prev = gtd_new;
    std::tie(f_new, g_new) = evaluate_at(closure, x, t, d);
    ++evals;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {0, t}, bracket_f = {f, f_new}, bracket_g = {g, g_new};

  // Zoom: shrink the bracket [low, high] around a point meeting both conditions.
  bool insufficient_progress = false;
  std::size_t low = 0, high = 1;
  if (bracket_f.size() == 2 && bracket_f[0] > bracket_f[1]) low = 1, high = 0;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    // Keep t a tenth of the bracket away from its ends, unless the last step made progress.
    const double top = std::max(bracket[0], bracket[1]), bottom = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (top - bottom);
    if (std::min(top - t, t - bottom) < eps) {
      if (insufficient_progress || t >= top || t <= bottom) {
        t = std::abs(t - top) < std::abs(t - bottom) ? top - eps : bottom + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = evaluate_at(closure, x, t, d);
    ++evals;
    gtd_new = dot_value(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
      bracket[high] = t, bracket_f[high] = f_new, bracket_g[high] = g_new, bracket_gtd[high] = gtd_new;
      if (bracket_f[0] <= bracket_f[1]) low = 0, high = 1;
      else low = 1, high = 0;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low], bracket_f[high] = bracket_f[low], bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t, bracket_f[low] = f_new, bracket_g[low] = g_new, bracket_gtd[low] = gtd_new;
    }
  }
  if (bracket.size() == 1) low = 0;
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

Tensor LBFGS::step(const LossClosure& closure) {
  detail::CallScope call("LBFGS::step");
  if (!closure) fail("LBFGS: step() needs a closure that re-evaluates the model (got an empty function)");
  if (param_groups().size() != 1)
    fail("LBFGS: one parameter group only (PyTorch's LBFGS has no per-parameter options), got ", param_groups().size());
  const double lr = param_groups()[0].lr;  // a scheduler's changes reach it here
  const std::int64_t max_iter = options_.max_iter();
  const std::int64_t max_eval = options_.max_eval().value_or(max_iter * 5 / 4);
  const double tolerance_grad = options_.tolerance_grad(), tolerance_change = options_.tolerance_change();

  Tensor orig_loss;
  {
    EnableGradGuard grad;
    orig_loss = closure();
  }
  if (!orig_loss.defined() || orig_loss.numel() != 1)
    fail("LBFGS: the closure must return the loss, one value, got ",
         orig_loss.defined() ? detail::shape_str(orig_loss.shape()) : std::string("an undefined tensor"));
  double loss = orig_loss.item();
  std::int64_t current_evals = 1;
  ++func_evals_;
  NoGradGuard no_grad;
  Tensor g = flat_grad();
  if (abs_max(g) <= tolerance_grad) return orig_loss;

  for (std::int64_t n_iter = 1; n_iter <= max_iter; ++n_iter) {
    ++n_iter_;
    if (n_iter_ == 1) {
      d_ = -g;
      old_dirs_.clear(), old_stps_.clear(), ro_.clear();
      H_diag_ = 1.0;
    } else {
      // The newest pair (y, s), kept when the curvature y . s is positive enough.
      const Tensor y = g - prev_flat_grad_, s = d_ * t_;
      const double ys = dot_value(y, s);
      if (ys > 1e-10) {
        if (static_cast<std::int64_t>(old_dirs_.size()) == options_.history_size()) {
          old_dirs_.erase(old_dirs_.begin()), old_stps_.erase(old_stps_.begin()), ro_.erase(ro_.begin());
        }
        old_dirs_.push_back(y), old_stps_.push_back(s), ro_.push_back(1.0 / ys);
        H_diag_ = ys / dot_value(y, y);
      }
      // The two-loop recursion: d = -H g with H the history's inverse-Hessian estimate.
      const std::size_t m = old_dirs_.size();
      std::vector<double> al(m);
      Tensor q = -g;
      for (std::size_t i = m; i-- > 0;) {
        al[i] = dot_value(old_stps_[i], q) * ro_[i];
        q = q - old_dirs_[i] * al[i];
      }
      Tensor r = q * H_diag_;
      for (std::size_t i = 0; i < m; ++i) {
        const double be_i = dot_value(old_dirs_[i], r) * ro_[i];
        r = r + old_stps_[i] * (al[i] - be_i);
      }
      d_ = r;
    }
    prev_flat_grad_ = g.clone();
    prev_loss_ = loss;
    // The first step ever is scaled by the gradient's size; later ones are lr.
    t_ = n_iter_ == 1 ? std::min(1.0, 1.0 / g.abs().sum().item()) * lr : lr;
    const double gtd = dot_value(g, d_);
    if (gtd > -tolerance_change) break;  // not a descent direction

    std::int64_t ls_evals = 0;
    bool optimal = false;
    if (options_.line_search_fn()) {
      tensor_list x;
      for (const Tensor& p : param_groups()[0].params) x.push_back(p.clone());
      LineSearch ls = strong_wolfe(closure, x, t_, d_, loss, g, gtd);
      loss = ls.loss, g = ls.grad, t_ = ls.t, ls_evals = ls.evals;
      add_to_params(t_, d_);
      optimal = abs_max(g) <= tolerance_grad;
    } else {
      add_to_params(t_, d_);
      if (n_iter != max_iter) {
        {
          EnableGradGuard grad;
          loss = closure().item();
        }
        g = flat_grad();
        optimal = abs_max(g) <= tolerance_grad;
        ls_evals = 1;
      }
    }
    current_evals += ls_evals;
    func_evals_ += ls_evals;
    if (n_iter == max_iter || current_evals >= max_eval || optimal) break;
    if (abs_max(d_ * t_) <= tolerance_change || std::abs(loss - prev_loss_) < tolerance_change) break;
  }
  return orig_loss;
}

NamedTensors LBFGS::extra_state() const {
  NamedTensors out;
  const auto host = [](double v) { return scalar_tensor(v, kFloat64); };
  out.emplace_back("n_iter", scalar_tensor(static_cast<double>(n_iter_), kInt64));
  out.emplace_back("func_evals", scalar_tensor(static_cast<double>(func_evals_), kInt64));
  if (n_iter_ == 0) return out;  // nothing else exists before the first iteration
  out.emplace_back("t", host(t_));
  out.emplace_back("H_diag", host(H_diag_));
  out.emplace_back("prev_loss", host(prev_loss_));
  out.emplace_back("d", d_);
  out.emplace_back("prev_flat_grad", prev_flat_grad_);
  for (std::size_t i = 0; i < old_dirs_.size(); ++i) {
    out.emplace_back("old_dirs." + std::to_string(i), old_dirs_[i]);
    out.emplace_back("old_stps." + std::to_string(i), old_stps_[i]);
    out.emplace_back("ro." + std::to_string(i), host(ro_[i]));
  }
  return out;
}

void LBFGS::load_extra_state(const NamedTensors& extra) {
  std::int64_t numel = 0;
  for (const Tensor& p : param_groups()[0].params) numel += p.numel();
  const Tensor& first = param_groups()[0].params[0];
  std::map<std::string, Tensor> by_name(extra.begin(), extra.end());
  const auto take = [&](const std::string& name) -> Tensor {
    auto it = by_name.find(name);
    if (it == by_name.end()) fail("load_state_dict: LBFGS's state lacks 'extra.", name, "'");
    Tensor t = it->second;
    by_name.erase(it);
    return t;
  };
  const auto scalar = [&](const std::string& name) {
    const Tensor t = take(name);
    if (t.numel() != 1 || !std::isfinite(t.item()))
      fail("load_state_dict: 'extra.", name, "' must hold one finite value, got ", detail::shape_str(t.shape()));
    return t.item();
  };
  const auto vector = [&](const std::string& name) {
    const Tensor t = take(name);
    if (t.shape() != Shape{numel} || !is_floating(t.dtype()))
      fail("load_state_dict: 'extra.", name, "' must be a float vector of the parameters' ", numel, " elements, got ",
           dtype_name(t.dtype()), " ", detail::shape_str(t.shape()));
    return t.to(first.device(), first.dtype()).clone();
  };
  const auto count = [&](const std::string& name) {
    const double v = scalar(name);
    if (v < 0 || v != std::floor(v) || v > 9007199254740992.0)
      fail("load_state_dict: 'extra.", name, "' is ", v, ", expected a whole number >= 0");
    return static_cast<std::int64_t>(v);
  };
  const std::int64_t n_iter = count("n_iter"), func_evals = count("func_evals");
  double t = 0, H_diag = 1, prev_loss = 0;
  Tensor d, prev;
  std::vector<Tensor> dirs, stps;
  std::vector<double> ro;
  if (n_iter > 0) {
    t = scalar("t"), H_diag = scalar("H_diag"), prev_loss = scalar("prev_loss");
    d = vector("d"), prev = vector("prev_flat_grad");
    for (std::size_t i = 0; by_name.count("old_dirs." + std::to_string(i)); ++i) {
      if (static_cast<std::int64_t>(i) == options_.history_size())
        fail("load_state_dict: the saved history is longer than history_size ", options_.history_size());
      dirs.push_back(vector("old_dirs." + std::to_string(i)));
      stps.push_back(vector("old_stps." + std::to_string(i)));
      ro.push_back(scalar("ro." + std::to_string(i)));
    }
  }
  if (!by_name.empty()) fail("load_state_dict: unexpected key 'extra.", by_name.begin()->first, "' for LBFGS");
  n_iter_ = n_iter, func_evals_ = func_evals, t_ = t, H_diag_ = H_diag, prev_loss_ = prev_loss;
  d_ = d, prev_flat_grad_ = prev, old_dirs_ = dirs, old_stps_ = stps, ro_ = ro;
}

}  // namespace xg::optim
