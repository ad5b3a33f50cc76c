// A Keras-style summary table of a model: each layer's name, type, output shape and
// parameter count, then total / trainable / non-trainable counts.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <xgrad/nn/module.h>

namespace xg::nn {

struct SummaryRow {
  std::string name;  // dotted path in the model ("l1", "layers.0")
  std::string type;  // "Linear"
  Shape output_shape;
  std::int64_t params = 0;
};

struct ModelSummary {
  std::string model_type;
  std::vector<SummaryRow> rows;  // layers (modules without children, or holding parameters beside them), in call order
  std::int64_t total = 0;        // every parameter and buffer element
  std::int64_t trainable = 0;    // parameters that require grad
  std::int64_t non_trainable = 0;  // frozen parameters and buffers (running statistics)
  std::string str() const;
};
std::ostream& operator<<(std::ostream& os, const ModelSummary& s);

/// Runs the model once (no graph, evaluation mode, zeros of `input_shape`), records each
/// layer's output shape, prints the table to std::cout, and returns it.
ModelSummary summary(Module& model, const Shape& input_shape, Dtype dtype = kFloat32);
/// The same, printing to `os`.
ModelSummary summary(Module& model, const Shape& input_shape, std::ostream& os, Dtype dtype = kFloat32);

}  // namespace xg::nn
