// Initialisers: each fills a tensor in place (no graph is recorded), drawing from the global
// generator (xg::manual_seed), and returns it. n_in is the first axis of a (in, out) weight,
// and in·kh·kw for a (out, in, kh, kw) convolution filter.
#pragma once

#include <xgrad/tensor.h>

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

}  // namespace xg::nn::init
