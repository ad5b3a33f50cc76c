// Which pixels matter? Train a digit classifier, then (1) the gradient of each class score
// with respect to the input image, in one call to xg::grad, and (2) occlusion sensitivity:
// how much the true class's probability drops when a grey square hides each region.
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

struct Classifier : xg::nn::Module {
  xg::nn::Linear l1{784, 100}, l2{100, 10};
  Classifier() {
    register_module("l1", l1);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::relu(l1(x))); }
};

int main(int argc, char** argv) {
  int iters = 2000, count = 4;
  xg::examples::Options opts("saliency_map", "Gradients with respect to the input, and occlusion, on digits.");
  opts.add("--iters", iters, "training iterations").parse(argc, argv);
  auto m = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
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
  net.eval();
  std::printf("test accuracy %.4f\n", xg::nn::accuracy(net(m.x_test), m.t_test));

  xg::tensor_list images, saliency, occlusion;
  for (int k = 0; k < count; ++k) {
    auto image = m.x_test.slice(0, k, k + 1).detach().requires_grad_();
    const auto label = static_cast<std::int64_t>(m.t_test.at({k}));
    auto score = net(image).reshape({-1});
    // d score[label] / d image: the input's own gradient, nothing stored in any grad().
    auto g = xg::grad({xg::pick(score.reshape({1, -1}), xg::tensor({static_cast<double>(label)}, xg::kInt64))}, {image})[0];
    images.push_back(image.detach().reshape({28, 28}));
    saliency.push_back(g.reshape({28, 28}));

    // Slide an 8x8 grey square with stride 2; record the drop in the label's probability.
    xg::NoGradGuard no_grad;
    const double base = xg::softmax(score.detach()).at({label});
    std::vector<double> drops;
    std::vector<xg::Tensor> batch;
    for (int r = 0; r <= 20; r += 2)
      for (int c = 0; c <= 20; c += 2) {
        auto occluded = image.detach().reshape({28, 28}).clone();
        auto* p = occluded.data<float>();
        for (int i = r; i < r + 8; ++i)
          for (int j = c; j < c + 8; ++j) p[i * 28 + j] = 0.5f;
        batch.push_back(occluded.reshape({784}));
      }
    auto probs = xg::softmax(net(xg::stack(batch)), 1);
    for (std::int64_t i = 0; i < probs.size(0); ++i) drops.push_back(base - probs.at({i, label}));
    occlusion.push_back(xg::tensor(drops, {11, 11}));
    std::printf("digit %d (label %lld): p = %.3f; largest drop %.3f when occluded\n", k, static_cast<long long>(label), base,
                xg::tensor(drops, {121}).max().item());
  }
  xg::plot::save_image_row(images, "saliency_inputs.png", false, 6);
  xg::plot::save_image_row(saliency, "saliency_gradients.png", /*heatmap=*/true, 6);
  xg::plot::save_image_row(occlusion, "saliency_occlusion.png", /*heatmap=*/true, 15);
  std::cout << "wrote saliency_inputs.png, saliency_gradients.png, saliency_occlusion.png\n";
  return 0;
}
