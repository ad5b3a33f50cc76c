// Looking inside Keras's MNIST CNN, the keras-vis lesson in C++: its structure (summary,
// first-layer filters), its activations (feature maps, activation maximisation,
// occlusion) and its gradients (saliency with the vanilla, guided and rectified backprop
// modifiers, Grad-CAM, guided Grad-CAM), then a number per method: the deletion AUC.
#include <cstdio>
#include <string>

#include <xgrad/xgrad.h>

#include "common/mnist_cnn.h"
#include "common/options.h"

namespace viz = xg::viz;
using xg::Tensor;

// Keras's recipe, for when no saved weights are given.
void train(MnistCnn& model, const Tensor& x, const Tensor& t, int epochs) {
  xg::optim::AdaDelta optimizer(model.parameters(), xg::optim::AdaDeltaOptions(1.0).rho(0.95).eps(1e-7));
  xg::data::DataLoader loader(xg::data::TensorDataset(x, t), 128);
  for (int epoch = 1; epoch <= epochs; ++epoch)
    for (auto& [xb, tb] : loader) {
      auto loss = xg::nn::softmax_cross_entropy(model(xb), tb);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
}

Tensor image(const Tensor& batch, std::int64_t i) { return batch.narrow(0, i, 1).reshape({28, 28}); }

int main(int argc, char** argv) {
  std::string weights = "keras_mnist_cnn.npz", out = ".", device = "cpu";
  int epochs = 3, samples = 0, iterations = 200;
  xg::examples::Options opts("cnn_visualisation", "Saliency, Grad-CAM, activation maximisation and occlusion.");
  opts.add("--weights", weights, "weights saved by keras_mnist_cnn (trained here if the file is missing)")
      .add("--epochs", epochs, "epochs to train when there are no saved weights")
      .add("--samples", samples, "train on the first N images only (0: all)")
      .add("--iterations", iterations, "activation maximisation iterations (keras-vis: 200)")
      .add("--out", out, "directory for the PNGs")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .parse(argc, argv);
  try {
    xg::data::MnistOptions flat_off;
    flat_off.flatten = false;
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", flat_off);
    xg::manual_seed(0);
    MnistCnn model;
    const xg::Device on(device);  // the model and the digits live there; every map is computed there
    model.to(on);
    x_train = x_train.to(on), t_train = t_train.to(on), x_test = x_test.to(on), t_test = t_test.to(on);
    if (std::FILE* f = std::fopen(weights.c_str(), "rb")) {
      std::fclose(f);
      xg::load(model, weights);
      std::printf("loaded %s\n", weights.c_str());
    } else {
      if (samples > 0) x_train = x_train.narrow(0, 0, samples), t_train = t_train.narrow(0, 0, samples);
      std::printf("no %s: training %d epochs on %lld digits\n", weights.c_str(), epochs, static_cast<long long>(x_train.size(0)));
      train(model, x_train, t_train, epochs);
    }
    std::printf("test accuracy %.4f\n", xg::nn::accuracy(model, x_test, t_test, 500));
    xg::nn::summary(model, {1, 1, 28, 28});
    const std::string dir = out + "/";

    // Structure and activations: conv1's 32 filters, and its 32 feature maps of one digit.
    xg::plot::GridOptions grid;
    grid.scale = 8;
    viz::save_filters(model.conv1, dir + "cnn_vis_filters.png", grid);
    const Tensor digit = x_test.narrow(0, 0, 1);
    grid.scale = 3;
    xg::plot::save_image_grid(xg::unbind(viz::feature_maps(model, model.conv1, digit).squeeze(0), 0),
                              dir + "cnn_vis_feature_maps.png", grid);

    // Activation maximisation: the input each class's score likes best (input range [0, 1]).
    xg::tensor_list dreams;
    for (int c = 0; c < 10; ++c) {
      auto r = viz::activation_maximization(model, model.preds, c, x_test,
                                            viz::ActivationMaximizationOptions().iterations(iterations));
      const auto& best = r.history[static_cast<std::size_t>(r.best_iteration)];
      std::printf("class %d: best at iteration %d, activation %.2f, L6 %.3f, TV %.3f\n", c, r.best_iteration,
                  best.activation, best.lp_norm, best.total_variation);
      dreams.push_back(r.image.reshape({28, 28}));
    }
    grid.scale = 4;
    grid.columns = 10;
    xg::plot::save_image_grid(dreams, dir + "cnn_vis_activation_max.png", grid);

    // One digit of each class: input, three saliency maps, Grad-CAM on the last pooling
    // output (keras-vis's choice), guided Grad-CAM; and each map's deletion AUC.
    std::vector<std::int64_t> first(10, -1);
    for (std::int64_t i = 0; i < t_test.size(0); ++i)
      if (auto c = static_cast<std::int64_t>(t_test.at({i})); first[c] < 0) first[c] = i;
    xg::tensor_list picked;
    for (auto i : first) picked.push_back(x_test.narrow(0, i, 1));
    const Tensor x = xg::concat(picked, 0);
    const std::vector<std::int64_t> cls{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    using viz::BackpropModifier;
    const std::vector<std::pair<std::string, Tensor>> maps{
        {"vanilla", viz::saliency(model, x, cls)},
        {"guided", viz::saliency(model, x, cls, viz::SaliencyOptions().backprop(BackpropModifier::Guided))},
        {"rectified", viz::saliency(model, x, cls, viz::SaliencyOptions().backprop(BackpropModifier::Rectified))},
        {"grad_cam", viz::grad_cam(model, model.pool, x, cls)},
        {"guided_grad_cam", viz::guided_grad_cam(model, model.pool, x, cls)},
        {"occlusion", 1.0 - viz::occlusion(model, x, cls, viz::OcclusionOptions().size(4))}};
    xg::tensor_list tiles;
    for (int c = 0; c < 10; ++c) {
      tiles.push_back(image(x, c));
      for (const auto& [name, m] : maps)
        tiles.push_back(name == "grad_cam" || name == "occlusion" ? xg::plot::overlay(image(x, c), image(m, c))
                                                                  : xg::plot::colorize(image(m, c), xg::plot::ColorMap::Jet));
    }
    grid.scale = 3;
    grid.columns = 7;
    xg::plot::save_image_grid(tiles, dir + "cnn_vis_maps.png", grid);

    std::printf("deletion AUC (lower: the map finds what the class depends on), mean of 10 digits:\n");
    double random = 0;
    for (int c = 0; c < 10; ++c)
      for (int r = 0; r < 5; ++r) random += viz::deletion_curve(model, x.narrow(0, c, 1), c, xg::rand({28, 28})).auc / 50;
    int faithful = 0;
    for (const auto& [name, m] : maps) {
      double auc = 0;
      for (int c = 0; c < 10; ++c) auc += viz::deletion_curve(model, x.narrow(0, c, 1), c, image(m, c)).auc / 10;
      std::printf("  %-16s %.3f  (random order %.3f)\n", name.c_str(), auc, random);
      faithful += auc < random;
    }
    std::printf("%d of %zu maps delete faster than random\n", faithful, maps.size());
    std::printf("wrote %s: cnn_vis_filters.png cnn_vis_feature_maps.png cnn_vis_activation_max.png cnn_vis_maps.png\n",
                out.c_str());
  } catch (const xg::Error& e) {
    std::fprintf(stderr, "cnn_visualisation: %s\n", e.what());
    return 1;
  }
  return 0;
}
