// libtorch's CosineSimilarity and PairwiseDistance modules: callable structs holding their
// options, as xgrad's losses are (two inputs, so not the one-tensor Module interface).
#pragma once

#include <xgrad/nn/functional.h>

namespace xg::nn {

using CosineSimilarityOptions = functional::CosineSimilarityFuncOptions;
using PairwiseDistanceOptions = functional::PairwiseDistanceFuncOptions;

/// cos(x1, x2) along options.dim() (F::cosine_similarity).
struct CosineSimilarity {
  CosineSimilarityOptions options;
  CosineSimilarity() = default;
  explicit CosineSimilarity(const CosineSimilarityOptions& o) : options(o) {}
  Tensor operator()(const Tensor& x1, const Tensor& x2) const { return functional::cosine_similarity(x1, x2, options); }
};

/// ‖x1 - x2 + eps‖_p over the last axis (F::pairwise_distance).
struct PairwiseDistance {
  PairwiseDistanceOptions options;
  PairwiseDistance() = default;
  explicit PairwiseDistance(const PairwiseDistanceOptions& o) : options(o) {}
  Tensor operator()(const Tensor& x1, const Tensor& x2) const { return functional::pairwise_distance(x1, x2, options); }
};

}  // namespace xg::nn
