// to_dot: a walk of the graph from one tensor, emitting DOT.
#include <xgrad/detail/format.h>
#include <sstream>
#include <unordered_map>

#include <xgrad/autograd.h>
#include <xgrad/graphviz.h>

#include "autograd/graph.h"

namespace xg {

namespace {
std::string describe(const Shape& shape, Dtype dtype) { return detail::shape_str(shape) + " " + dtype_name(dtype); }
}  // namespace

std::string to_dot(const Tensor& output, const NamedTensors& names) {
  std::unordered_map<const void*, std::string> leaf_names;
  for (const auto& [name, t] : names) leaf_names[t.impl().get()] = name;
  std::ostringstream dot;
  dot << "digraph g {\nrankdir=BT;\nnode [fontname=\"Helvetica\"];\n";
  std::unordered_map<const void*, int> ids;
  auto id_of = [&](const void* p, bool& fresh) {
    auto [it, inserted] = ids.emplace(p, static_cast<int>(ids.size()));
    fresh = inserted;
    return it->second;
  };
  bool fresh = false;
  const int out_id = id_of(output.impl().get(), fresh);
  dot << "n" << out_id << " [label=\"output\\n" << describe(output.shape(), output.dtype())
      << "\", shape=ellipse, style=filled, fillcolor=orange];\n";
  if (!output.grad_fn()) return dot.str() + "}\n";
  std::vector<autograd::Node*> stack{output.grad_fn().get()};
  const int root = id_of(stack[0], fresh);
  dot << "n" << root << " -> n" << out_id << ";\n";
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    const int nid = id_of(n, fresh);
    dot << "n" << nid << " [label=\"" << n->name() << "\\n" << describe(n->output_meta(0).shape, n->output_meta(0).dtype)
        << "\", shape=box, style=filled, fillcolor=lightblue];\n";
    for (const auto& e : autograd::GraphAccess::edges(*n)) {
      if (e.fn) {
        const int cid = id_of(e.fn.get(), fresh);
        dot << "n" << cid << " -> n" << nid << ";\n";
        if (fresh) stack.push_back(e.fn.get());
      } else if (const auto leaf = e.leaf.lock()) {
        const int lid = id_of(leaf.get(), fresh);
        if (fresh) {
          auto it = leaf_names.find(leaf.get());
          dot << "n" << lid << " [label=\"" << (it == leaf_names.end() ? std::string("leaf") : it->second) << "\\n"
              << describe(leaf->shape, leaf->dtype) << "\", shape=ellipse, style=filled, fillcolor=lightgrey];\n";
        }
        dot << "n" << lid << " -> n" << nid << ";\n";
      }
    }
  }
  return dot.str() + "}\n";
}

}  // namespace xg
