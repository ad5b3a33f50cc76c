// Which pixels matter? Train a digit classifier, then ask xg::viz: (1) saliency, the
// gradient of the true class's score with respect to the input image, and (2) occlusion
// sensitivity, the true class's probability when a grey square hides each region.
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

struct Classifier : xg::nn::Module {
  xg::nn::Flatten flatten;  // (N, 1, 28, 28) images in, so the maps come out as images
  xg::nn::Linear l1{784, 100}, l2{100, 10};
  Classifier() {
    register_module("flatten", flatten);
    register_module("l1", l1);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::relu(l1(flatten(x)))); }
};

int main(int argc, char** argv) {
  int iters = 2000, count = 4;
  xg::examples::Options opts("saliency_map", "Gradients with respect to the input, and occlusion, on digits.");
  opts.add("--iters", iters, "training iterations").parse(argc, argv);
  xg::data::MnistOptions images;
  images.flatten = false;
  auto m = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", images);
  xg::manual_seed(0);
  Classifier net;
  xg::optim::Adam adam(net.parameters(), 1e-3);
  xg::data::TensorDataset train(m.x_train, m.t_train);
  xg::data::DataLoader loader(train, 100);
  for (int i = 0; i < iters; ++i) {
    auto [x, t] = loader.sample();
    auto loss = xg::nn::softmax_cross_entropy(net(x), t);
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  std::printf("test accuracy %.4f\n", xg::nn::accuracy(net, m.x_test, m.t_test));

  const auto x = m.x_test.narrow(0, 0, count);
  const auto labels = m.t_test.narrow(0, 0, count);
  // d score[label] / d image, signed (no grad modifier), one backward for the batch.
  const auto saliency = xg::viz::saliency(net, x, labels, xg::viz::SaliencyOptions().grad_modifier(xg::viz::GradModifier::None));
  // An 8x8 grey square sliding with stride 2; each pixel: the mean probability when hidden.
  const auto occlusion = xg::viz::occlusion(net, x, labels, xg::viz::OcclusionOptions().size(8).stride(2).fill(0.5));
  xg::tensor_list inputs, gradients, occluded;
  for (std::int64_t k = 0; k < count; ++k) {
    inputs.push_back(x.narrow(0, k, 1).reshape({28, 28}));
    gradients.push_back(saliency.narrow(0, k, 1).reshape({28, 28}));
    occluded.push_back(occlusion.narrow(0, k, 1).reshape({28, 28}));
    const auto p = xg::softmax(net(x.narrow(0, k, 1)), 1).at({0, static_cast<std::int64_t>(labels.at({k}))});
    std::printf("digit %lld (label %lld): p = %.3f; lowest %.3f when occluded\n", static_cast<long long>(k),
                static_cast<long long>(labels.at({k})), p, occluded.back().min().item());
  }
  xg::plot::save_image_row(inputs, "saliency_inputs.png", false, 6);
  xg::plot::save_image_row(gradients, "saliency_gradients.png", /*heatmap=*/true, 6);
  xg::plot::save_image_row(occluded, "saliency_occlusion.png", /*heatmap=*/false, 6);
  std::cout << "wrote saliency_inputs.png, saliency_gradients.png, saliency_occlusion.png\n";
  return 0;
}
