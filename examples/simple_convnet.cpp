// The textbook's chapter 7 SimpleConvNet on handwritten digits: its gradient check
// (ch07/gradient_check.py), training with Adam (ch07/train_convnet.py), the first layer's
// filters before and after (figure 7-24), and the textbook's own trained weights.
#include <cstdio>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

// conv - relu - pool - affine - relu - affine; the loss is softmax cross-entropy.
struct SimpleConvNet : xg::nn::Module {
  xg::nn::Conv2d conv1;
  xg::nn::Linear affine1, affine2;

  SimpleConvNet(xg::Shape input_dim, int filter_num, int filter_size, int hidden_size, double weight_init_std,
                xg::Dtype dtype = xg::kFloat32)
      : conv1(xg::nn::Conv2dOptions(input_dim[0], filter_num, filter_size).dtype(dtype)),
        affine1(filter_num * ((input_dim[1] - filter_size + 1) / 2) * ((input_dim[2] - filter_size + 1) / 2),
                hidden_size, true, dtype),
        affine2(hidden_size, 10, true, dtype) {
    for (auto* W : {&conv1.W, &affine1.W, &affine2.W}) xg::nn::init::normal(*W, weight_init_std);
    register_module("conv1", conv1), register_module("affine1", affine1), register_module("affine2", affine2);
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    auto pool = xg::max_pool2d(xg::relu(conv1(x)), 2);  // 2x2, stride 2
    return affine2(xg::relu(affine1(pool.flatten(1))));
  }
  // The textbook's names for the parameters.
  xg::NamedTensors params() {
    return {{"W1", conv1.W}, {"b1", conv1.b}, {"W2", affine1.W}, {"b2", affine1.b}, {"W3", affine2.W}, {"b3", affine2.b}};
  }
};

int main(int argc, char** argv) {
  int epochs = 20, batch = 100, seed = 0;
  bool graph = false;
  std::string weights = "train", device = "cpu";
  xg::examples::Options opts("simple_convnet", "The textbook's SimpleConvNet (ch. 7) on the shipped digits.");
  opts.add("--epochs", epochs, "training epochs (80 iterations each)")
      .add("--batch", batch, "batch size")
      .add("--weights", weights, "train, or evaluate the textbook's trained weights", {"train", "textbook"})
      .add("--seed", seed, "random seed")
      .add("--device", device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .add("--graph", graph, "replay the training step as a CUDA graph (with --device cuda; eager on the CPU)")
      .parse(argc, argv);
  try {
    xg::manual_seed(static_cast<std::uint64_t>(seed));
    // ch07/gradient_check.py: a small net, float64, input (1, 1, 10, 10), label 1.
    SimpleConvNet small({1, 10, 10}, 10, 3, 10, 0.01, xg::kFloat64);
    const auto x = xg::rand({1, 1, 10, 10}, xg::kFloat64), t = xg::tensor({1}, xg::kInt64);
    std::cout << xg::gradient_check([&] { return xg::nn::softmax_cross_entropy(small(x), t); }, small.params());

    xg::data::MnistOptions flat_off;
    flat_off.flatten = false;  // (N, 1, 28, 28), as load_mnist(flatten=False)
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", flat_off);
    SimpleConvNet network({1, 28, 28}, 30, 5, 100, 0.01);
    const xg::Device on(device);
    network.to(on);
    x_train = x_train.to(on), t_train = t_train.to(on), x_test = x_test.to(on), t_test = t_test.to(on);

    if (weights == "textbook") {  // ch07/params.pkl of 2016, in float32 and float64
      xg::NoGradGuard no_grad;
      for (auto dtype : {xg::kFloat32, xg::kFloat64}) {
        network.to(dtype);
        for (const auto& [name, value] : xg::load_npz(std::string(XGRAD_DATA_DIR) + "/textbook_simple_convnet_2016.npz"))
          for (auto& [mine, p] : network.params())
            if (mine == name) p.copy_(value);
        std::printf("textbook weights, %s: test acc %s, train acc %s\n", xg::dtype_name(dtype),
                    xg::repr(xg::nn::accuracy(network, x_test.to(dtype), t_test)).c_str(),
                    xg::repr(xg::nn::accuracy(network, x_train.to(dtype), t_train)).c_str());
      }
      return 0;
    }

    const auto filters = [&] { return xg::unbind(network.conv1.W.detach().cpu().reshape({30, 5, 5}), 0); };
    xg::plot::save_image_grid(filters(), "simple_convnet_filters_before.png", {8, true, 4, 2});
    xg::optim::Adam optimizer(network.parameters(), xg::optim::AdamOptions(0.001).eps(1e-7));
    xg::data::DataLoader loader(xg::data::TensorDataset(x_train, t_train), batch);
    const int iter_per_epoch = static_cast<int>(x_train.size(0)) / batch;
    // One training step; with --graph captured once and replayed (xg::train::GraphedStep).
    const auto train_step = [&](const xg::tensor_list& batch) {
      auto loss = xg::nn::softmax_cross_entropy(network(batch[0]), batch[1]);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      return xg::tensor_list{loss};
    };
    xg::train::GraphedStep graphed_step(train_step);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      double loss_sum = 0;
      for (int i = 0; i < iter_per_epoch; ++i) {
        auto [x_batch, t_batch] = loader.sample();  // drawn with replacement, as the textbook's Trainer
        loss_sum += (graph ? graphed_step({x_batch, t_batch}) : train_step({x_batch, t_batch}))[0].item();
      }
      std::printf("=== epoch:%d, train loss:%.4f, train acc:%.4f, test acc:%.4f ===\n", epoch, loss_sum / iter_per_epoch,
                  xg::nn::accuracy(network, x_train, t_train), xg::nn::accuracy(network, x_test, t_test));
      std::fflush(stdout);
    }
    std::printf("test acc: %.4f\n", xg::nn::accuracy(network, x_test, t_test));
    xg::plot::save_image_grid(filters(), "simple_convnet_filters_after.png", {8, true, 4, 2});
    std::cout << "filters: simple_convnet_filters_before.png, simple_convnet_filters_after.png\n";
    xg::save(network, "simple_convnet.npz");
  } catch (const xg::Error& e) {
    std::cerr << "simple_convnet: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
