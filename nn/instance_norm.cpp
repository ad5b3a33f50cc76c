// Instance normalisation: each (sample, channel) is a group of its own, so the input's
// statistics path is group_norm with C groups (the fused layer_norm: one node, every order,
// both devices); the running statistics are PyTorch's (its instance_norm runs batch_norm on
// (1, N·C, ...) with the running statistics repeated N times, then averages them back: the
// same as folding in the batch's average of the instances' means and unbiased variances).
#include <xgrad/detail/format.h>
#include <xgrad/autograd.h>
#include <xgrad/nn/instance_norm.h>
#include <xgrad/ops.h>

#include "nn/batch_norm.h"
#include "tensor/checked.h"

namespace xg::nn {

namespace functional {

Tensor instance_norm(const Tensor& x, const InstanceNormFuncOptions& o) {
  detail::CallScope call("instance_norm");
  const char* op = detail::call_or("instance_norm");
  if (!x.defined() || x.dim() < 3)
    fail(op, ": expected an input (N, C, ...) with at least one axis after C, got ",
         x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  if (!is_floating(x.dtype())) fail(op, ": expected a float input, got ", dtype_name(x.dtype()));
  const std::int64_t C = x.shape()[1];
  for (const auto& [t, what] : {std::pair<const Tensor*, const char*>{&o.running_mean(), "running_mean"},
                                {&o.running_var(), "running_var"}, {&o.weight(), "weight"}, {&o.bias(), "bias"}})
    if (t->defined() && t->shape() != Shape{C})
      fail(op, ": ", what, " has shape ", detail::shape_str(t->shape()), ", expected (", C, ") for input ",
           detail::shape_str(x.shape()));
  const bool running = o.running_mean().defined();
  if (running != o.running_var().defined()) fail(op, ": give both running_mean and running_var, or neither");
  if (!(o.eps() > 0)) fail(op, ": eps must be positive, got ", o.eps());
  Shape stat(static_cast<std::size_t>(x.dim()), 1);
  stat[1] = C;
  if (!o.use_input_stats()) {
    if (!running) fail(op, ": use_input_stats(false) normalises with running_mean and running_var; give them");
    Tensor y = (x - reshape(o.running_mean(), stat)) / sqrt(reshape(o.running_var(), stat) + o.eps());
    if (o.weight().defined()) y = y * reshape(o.weight(), stat);
    if (o.bias().defined()) y = y + reshape(o.bias(), stat);
    return y;
  }
  std::int64_t spatial = 1;
  // No overflow: every tensor's product of non-zero sizes was bounded when it was made.
  for (std::int64_t a = 2; a < x.dim(); ++a) spatial *= x.shape()[a];
  if (spatial <= 1)  // one value per instance has variance 0: PyTorch's check and message
    fail(op, ": expected more than 1 spatial element when using the input's statistics, got input ",
         detail::shape_str(x.shape()));
  Tensor y = group_norm(x, C, o.weight(), o.bias(), o.eps());
  if (running && x.numel() > 0) {
    NoGradGuard no_grad;
    Axes axes;
    for (std::int64_t a = 2; a < x.dim(); ++a) axes.push_back(a);
    const Tensor xd = x.detach();
    const double m = o.momentum();
    Tensor rm = o.running_mean(), rv = o.running_var();
    rm.mul_(1.0 - m).add_(xd.mean(axes).mean({0}).to(rm.dtype()), m);
    rv.mul_(1.0 - m).add_(xd.var(axes, false, 1).mean({0}).to(rv.dtype()), m);
  }
  return y;
}

}  // namespace functional

InstanceNormBase::InstanceNormBase(const char* name, std::int64_t spatial, const InstanceNormOptions& options)
    : name_(name), spatial_(spatial), options_(options) {
  detail::CallScope call(name);
  const auto& o = options_;
  const std::int64_t n = o.num_features();
  if (n <= 0) fail(name, ": num_features must be positive, got ", n);
  if (!(o.eps() > 0)) fail(name, ": eps must be positive, got ", o.eps());
  if (!(o.momentum() >= 0 && o.momentum() <= 1))
    fail(name, ": momentum (the weight of the new batch) must be in [0, 1], got ", o.momentum());
  if (!is_floating(o.dtype())) fail(name, ": dtype must be a float type, got ", dtype_name(o.dtype()));
  detail_bn::make_norm_state(*this, n, o.dtype(), o.affine(), o.track_running_stats(),
                             {gamma, beta, running_mean, running_var, num_batches_tracked});
}

std::string InstanceNormBase::describe() const {
  const auto& o = options_;
  const auto py = [](bool b) { return b ? "True" : "False"; };
  return detail::cat(name_, "(", o.num_features(), ", eps=", o.eps(), ", momentum=", o.momentum(),
                     ", affine=", py(o.affine()), ", track_running_stats=", py(o.track_running_stats()), ")");
}

Tensor InstanceNormBase::forward(const Tensor& x) {
  detail::CallScope call(name_);
  const auto& o = options_;
  if (!x.defined() || (x.dim() != spatial_ + 1 && x.dim() != spatial_ + 2))
    fail(describe(), ": expected a ", spatial_ + 1, "-D (unbatched) or ", spatial_ + 2, "-D (batched) input, got ",
         x.defined() ? detail::shape_str(x.shape()) : "an undefined tensor");
  const bool batched = x.dim() == spatial_ + 2;
  const Tensor xb = batched ? x : x.unsqueeze(0);
  // PyTorch only warns here without affine; a channel count that is not the layer's is a
  // mistake either way.
  if (xb.shape()[1] != o.num_features())
    fail(describe(), ": expected ", o.num_features(), " channels (axis ", batched ? 1 : 0, "), got ",
         detail::shape_str(x.shape()));
  const bool track = o.track_running_stats();
  const Tensor y = functional::instance_norm(xb, functional::InstanceNormFuncOptions()
                                                     .running_mean(track ? running_mean : Tensor())
                                                     .running_var(track ? running_var : Tensor())
                                                     .weight(gamma)
                                                     .bias(beta)
                                                     .use_input_stats(is_training() || !track)
                                                     .momentum(o.momentum())
                                                     .eps(o.eps()));
  return batched ? y : y.squeeze(0);
}

}  // namespace xg::nn
