// The computation graph behind a tensor as Graphviz DOT (as DeZero's plot_dot_graph):
// operations are boxes, leaves (inputs and parameters) ovals, each with shape and dtype.
#pragma once

#include <string>

#include <xgrad/tensor.h>

namespace xg {

/// DOT text of the graph that produced `output`. Leaves found in `names` are labelled with
/// their names (pass a module's named_parameters()). Render with `dot -Tpng graph.dot`.
std::string to_dot(const Tensor& output, const NamedTensors& names = {});

}  // namespace xg
