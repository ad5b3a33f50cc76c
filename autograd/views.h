// Private: the copies xgrad makes where libtorch returns views (select, slice, narrow,
// permute, transpose, diagonal, split, expand), and how an in-place write into one reaches
// the tensor it was taken from (detail::ViewOrigin; autograd/views.cpp, docs/design.md).
#pragma once

#include <functional>
#include <memory>

#include <xgrad/tensor.h>

#include "tensor/tensor_impl.h"

namespace xg::autograd {

using ViewFn = std::function<Tensor(const Tensor&)>;

/// Marks `out`, the copy of a view of `x` that `op` made, as that view: `view` takes it
/// again from any tensor of x's shape. A view of a view copy is marked as a view of the
/// first one's base (composed), so it does not depend on the intermediate handle living. A
/// no-op when out shares x's storage (the view was x itself). `writable` false (expand):
/// in-place writes into it are refused, as libtorch refuses writes into overlapping elements.
void mark_view(const Tensor& out, const Tensor& x, const char* op, ViewFn view, bool writable = true);

/// Whether an in-place write into t must go through write_back (t's bytes are a view copy).
inline bool is_view_copy(const Tensor& t) { return t.defined() && t.impl()->storage->view_origin != nullptr; }

/// Where an in-place write into a view copy goes, found before the write (write_back).
struct ViewWrite {
  std::shared_ptr<detail::ViewOrigin> origin;  // null: t is no view copy, or nobody holds its base
  Tensor base;                                 // the base, or a handle on its bytes
};

/// Before writing into t: refuses a view copy that cannot be written (expand), brings t's
/// values (and, recording, its history) up to date when its base was written since t was
/// taken (libtorch's view would see that write), and refuses, when the write will be
/// recorded, a base that cannot take the recorded write (a parameter, a shared storage).
ViewWrite prepare_view_write(Tensor& t, const char* op, bool recorded);

/// After writing into t: writes t's values into its base at the view's positions, through
/// write_back (so recorded as the base's history when it must be, and on through views).
void write_through(const Tensor& t, const ViewWrite& target, const char* op);

}  // namespace xg::autograd
