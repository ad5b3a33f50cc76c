// Private: the rules every in-place Tensor method follows before it writes
// (autograd/tensor_methods.cpp, tensor_inplace_methods.cpp, ops_indexing.cpp).
#pragma once

#include <functional>
#include <initializer_list>

#include <xgrad/tensor.h>

namespace xg::autograd {

using TensorPtrs = std::initializer_list<const Tensor*>;

/// Whether an in-place update of t must be recorded: recording is on and t or an operand
/// requires grad. Such an update goes through write_back (libtorch's rebase of t's history).
bool must_record_inplace(const Tensor& t, TensorPtrs operands = {});

/// Whether an in-place update of t must take write_back's path: it must be recorded, or t is
/// a copy of a view whose base the write must reach (autograd/views.h).
bool needs_write_back(const Tensor& t, TensorPtrs operands = {});

/// For an update that is not recorded (must_record_inplace false): t is defined, and the
/// gradient checks' write journal notes it (a check running puts it back afterwards).
void check_inplace(const Tensor& t, const char* op);

/// Writes f(self) into t's storage (bumping its version, so every view sees the write and a
/// backward that saved t refuses): the form every in-place method takes when it must be
/// recorded, and the in-place forms' only form. Not recording, self is t and f runs without
/// recording. Recording, self is a recorded copy of t's old values (so a node may save them)
/// and t takes the history of f's result, as libtorch's rebase_history; refused, naming `op`,
/// for a leaf that requires grad (a parameter) and for a t whose storage another tensor
/// shares (a view, or a tensor saved for backward): xgrad cannot rebase the other's history.
/// Errors of f name `op` ("scatter_: index 3 ..."); t keeps its shape, and a float result is
/// refused for an int64 t.
Tensor& write_back(Tensor& t, const char* op, TensorPtrs operands, const std::function<Tensor(const Tensor&)>& f);

/// What a recorded in-place write cannot do: refuses (naming `op`) a leaf that requires grad
/// and a tensor whose storage another tensor shares. `view_op`: t is the base of a view copy
/// the write goes into, made by that operation (the message says so).
void check_recordable(const Tensor& t, const char* op, const char* view_op = nullptr);

/// An int64 target cannot take float values (xg::Error naming `op` and both dtypes).
void check_writable(const Tensor& t, Dtype from, const char* op);

}  // namespace xg::autograd
