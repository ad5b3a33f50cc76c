// MNIST-format (IDX) files: MNIST, Fashion-MNIST and the digits shipped in data/digits.
#pragma once

#include <string>

#include <xgrad/tensor.h>

namespace xg::data {

/// Reads an IDX file of unsigned bytes (plain, or gzip-compressed), e.g.
/// train-images-idx3-ubyte(.gz): a uint8 tensor becomes float32 (images) or, with
/// `as_labels`, int64. Image values are multiplied by `scale` while converting (1/255 gives
/// [0, 1]). Errors name the file and what is wrong (magic, truncation offset).
Tensor read_idx(const std::string& path, bool as_labels = false, double scale = 1.0);

/// The four standard files of an MNIST-format directory, as the textbook's load_mnist.
struct Mnist {
  Tensor x_train, t_train, x_test, t_test;
};

struct MnistOptions {
  bool normalize = true;       // pixels / 255 in [0, 1] (else 0..255)
  bool flatten = true;         // (N, 784) (else (N, 1, 28, 28))
  bool one_hot_label = false;  // (N, 10) float32 (else (N,) int64)
};

/// Loads {train,t10k|test}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir`.
Mnist load_mnist(const std::string& dir, MnistOptions options = {});

}  // namespace xg::data
