// Keras's examples/mnist_cnn.py model, shared by keras_mnist_cnn (which trains it) and
// cnn_visualisation (which looks inside it): two convolutions, max pooling, dropout and
// two dense layers, with Keras's Glorot-uniform kernels and zero biases.
#pragma once

#include <xgrad/xgrad.h>

struct MnistCnn : xg::nn::Module {
  xg::nn::Conv2d conv1{1, 32, 3}, conv2{32, 64, 3};
  xg::nn::MaxPool2d pool{2};
  xg::nn::Dropout dropout1{0.25};
  xg::nn::Flatten flatten;
  xg::nn::Linear dense1{9216, 128};
  xg::nn::Dropout dropout2{0.5};
  xg::nn::Linear preds{128, 10};

  MnistCnn() {
    for (auto* W : {&conv1.W, &conv2.W, &dense1.W, &preds.W}) xg::nn::init::glorot_uniform(*W);
    register_module("conv1", conv1), register_module("conv2", conv2), register_module("pool", pool);
    register_module("dropout1", dropout1), register_module("flatten", flatten), register_module("dense1", dense1);
    register_module("dropout2", dropout2), register_module("preds", preds);
  }
  // Keras's activation='relu' arguments; the softmax is in the loss, so preds gives the
  // pre-softmax scores that saliency and Grad-CAM differentiate.
  xg::Tensor forward(const xg::Tensor& x) override {
    auto h = dropout1(pool(xg::relu(conv2(xg::relu(conv1(x))))));
    return preds(dropout2(xg::relu(dense1(flatten(h)))));
  }
};
