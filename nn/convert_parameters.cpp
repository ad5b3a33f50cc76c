// parameters_to_vector and vector_to_parameters (nn/include/xgrad/nn/convert_parameters.h).
#include <xgrad/nn/convert_parameters.h>

#include <xgrad/autograd.h>
#include <xgrad/detail/format.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::nn::utils {

namespace {
// Every parameter defined, on one device and of one dtype; the total element count.
std::int64_t check_parameters(const char* op, const tensor_list& parameters) {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Tensor& p = parameters[i];
    if (!p.defined()) fail(op, ": parameter ", i, " is undefined");
    if (p.device() != parameters[0].device())
      fail(op, ": expected every parameter on one device, got ", parameters[0].device().str(), " (parameter 0) and ",
           p.device().str(), " (parameter ", i, ")");
    if (p.dtype() != parameters[0].dtype())
      fail(op, ": expected every parameter of one dtype, got ", dtype_name(parameters[0].dtype()),
           " (parameter 0) and ", dtype_name(p.dtype()), " (parameter ", i, ")");
    total = detail::size_add(total, p.numel(), op, "the parameters' element count");
  }
  return total;
}
}  // namespace

Tensor parameters_to_vector(const tensor_list& parameters) {
  const char* op = "parameters_to_vector";
  detail::CallScope call(op);
  if (parameters.empty()) fail(op, ": no parameters");
  check_parameters(op, parameters);
  tensor_list flat;
  for (const Tensor& p : parameters) flat.push_back(reshape(p, {-1}));
  return concat(flat, 0);
}

void vector_to_parameters(const Tensor& vec, const tensor_list& parameters) {
  const char* op = "vector_to_parameters";
  detail::CallScope call(op);
  if (!vec.defined() || vec.dim() != 1)
    fail(op, ": expected a 1-D vector, got ",
         vec.defined() ? detail::shape_str(vec.shape()) : std::string("an undefined tensor"));
  const std::int64_t total = check_parameters(op, parameters);
  if (vec.numel() != total)
    fail(op, ": the vector has ", vec.numel(), " elements, the ", parameters.size(), " parameters hold ", total);
  if (!parameters.empty() && vec.device() != parameters[0].device())
    fail(op, ": the vector is on ", vec.device().str(), ", the parameters on ", parameters[0].device().str());
  NoGradGuard no_grad;
  std::int64_t at = 0;
  for (const Tensor& p : parameters) {
    Tensor target = p;  // a handle to the same tensor: copy_ writes through it
    target.copy_(reshape(narrow(vec, 0, at, p.numel()), p.shape()));
    at += p.numel();
  }
}

}  // namespace xg::nn::utils
