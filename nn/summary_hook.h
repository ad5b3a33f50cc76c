// Private: how Module::operator() tells a running summary() about each call.
#pragma once

#include <xgrad/nn/module.h>

namespace xg::nn {
/// Records the call while summary() runs on this thread; otherwise does nothing.
void record_summary_call(const Module& module, const Tensor& output);
}  // namespace xg::nn
