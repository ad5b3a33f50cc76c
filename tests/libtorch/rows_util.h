// What the rows of docs/libtorch.md share (tests/libtorch/test_rows_*.cpp): a small module, a
// user-defined autograd function and a sum that reads any dtype.
#pragma once

#include <gtest/gtest.h>

#include <xgrad/xgrad.h>

namespace F = xg::nn::functional;
namespace nn = xg::nn;

namespace rows {

inline double sum_of(const xg::Tensor& t) { return t.to(xg::kFloat64).sum().item(); }

struct Cube : xg::Function {  // the row of torch::autograd::Function
  xg::tensor_list forward(const xg::tensor_list& in) override {
    save_for_backward({in[0]});
    return {in[0] * in[0] * in[0]};
  }
  xg::tensor_list backward(const xg::tensor_list& gy) override { return {gy[0] * 3.0 * saved(0) * saved(0)}; }
};

struct Net : nn::Module {
  nn::Linear fc{4, 2};
  Net() { register_module("fc", fc); }
  xg::Tensor forward(const xg::Tensor& x) override { return fc(x); }
};

}  // namespace rows
