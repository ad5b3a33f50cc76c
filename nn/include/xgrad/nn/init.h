// Initialisers: each fills a tensor in place (no graph is recorded), drawing from the global
// generator (xg::manual_seed), and returns it. Two families:
// - the textbook's (normal, xavier_normal, he_normal, ...): n_in is the first axis of a 2-D
//   weight (the textbook's W is (in, out)), and in·kh·kw for a (out, in, kh, kw) filter;
// - libtorch's, with a trailing underscore and libtorch's arguments (xavier_uniform_(w, gain),
//   kaiming_normal_(w, a, mode, nonlinearity), ...): fans as libtorch computes them on
//   PyTorch's layouts (fan_in = size(1)·receptive field), and for the house's Linear.W, stored
//   (in, out), on the layout PyTorch would have, so both mean what they mean in libtorch.
#pragma once

#include <xgrad/nn/options.h>
#include <xgrad/tensor.h>

#include <cstdint>
#include <utility>

namespace xg::nn::init {

/// N(0, std^2): the textbook's `0.01 * randn` is normal(W, 0.01).
Tensor& normal(Tensor& w, double std = 1.0, double mean = 0.0);
/// U(low, high).
Tensor& uniform(Tensor& w, double low = 0.0, double high = 1.0);
/// N(0, 1/n_in): the textbook's "Xavier" (sqrt(1/n)).
Tensor& xavier_normal(Tensor& w);
/// U(-sqrt(3/n_in), sqrt(3/n_in)): the same variance, uniform.
Tensor& xavier_uniform(Tensor& w);
/// U(-sqrt(6/(n_in+n_out)), +sqrt(6/(n_in+n_out))): Keras's default for Dense and Conv2D
/// (Glorot); a (out, in, kh, kw) filter's fans are in·kh·kw and out·kh·kw.
Tensor& glorot_uniform(Tensor& w);
/// N(0, 2/n_in): He initialisation for ReLU networks (the textbook's sqrt(2/n)).
Tensor& he_normal(Tensor& w);
/// U(-sqrt(6/n_in), sqrt(6/n_in)): He initialisation, uniform (PyTorch's kaiming_uniform).
Tensor& kaiming(Tensor& w);
Tensor& zeros(Tensor& w);
Tensor& ones(Tensor& w);
Tensor& constant(Tensor& w, double value);

// ---- libtorch's (torch::nn::init), each returning the tensor ----
/// The recommended gain for a nonlinearity: 1 (linear, sigmoid), 5/3 (tanh), √2 (ReLU),
/// √(2 / (1 + slope²)) (leaky ReLU with negative slope `param`).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
/// (fan_in, fan_out) as libtorch counts them (see above).
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& w);
Tensor uniform_(Tensor w, double a = 0.0, double b = 1.0);
Tensor normal_(Tensor w, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor w, double value);
Tensor ones_(Tensor w);
Tensor zeros_(Tensor w);
/// The identity matrix into a 2-D tensor.
Tensor eye_(Tensor w);
/// U(-a, a) with a = gain·√(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor w, double gain = 1.0);
/// N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor w, double gain = 1.0);
/// U(-b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a), fan by `mode`.
Tensor kaiming_uniform_(Tensor w, double a = 0.0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
/// N(0, std²) with std = gain / √fan.
Tensor kaiming_normal_(Tensor w, double a = 0.0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);

/// A (semi-)orthogonal matrix, scaled by gain, as PyTorch's: the QR of a normal matrix with
/// the tensor's first axis as rows and the rest flattened (orthonormal columns when tall,
/// rows when wide). 2 or more dimensions.
Tensor orthogonal_(Tensor w, double gain = 1.0);
/// A convolution weight (out, in/groups, k...) of 3 to 5 dimensions that passes its input
/// through: 1 at the kernel's centre from input channel d to output channel d of each group,
/// 0 elsewhere, as PyTorch's (groups: PyTorch's Python argument; libtorch's has none).
Tensor dirac_(Tensor w, std::int64_t groups = 1);
/// A 2-D weight with N(0, std²) entries and, in each column, ceil(sparsity · rows) of them
/// (chosen at random) zero, as PyTorch's (Martens 2010).
Tensor sparse_(Tensor w, double sparsity, double std = 0.01);
/// N(mean, std²) truncated to [a, b], by the inverse CDF as PyTorch's (accurate while
/// [a, b] is not far in one tail of the distribution).
Tensor trunc_normal_(Tensor w, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0);

}  // namespace xg::nn::init
