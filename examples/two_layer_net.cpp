// Training a two-layer network on handwritten digits (Deep Learning from Scratch, ch. 4-5):
// mini-batches sampled at random, SGD, and train/test accuracy once per epoch.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

// Affine -> sigmoid (or ReLU) -> Affine; the loss is softmax cross-entropy.
struct TwoLayerNet : xg::nn::Module {
  xg::nn::Linear affine1, affine2;
  bool use_relu;

  TwoLayerNet(int input_size, int hidden_size, int output_size, bool relu, double weight_init_std = 0.01)
      : affine1(input_size, hidden_size), affine2(hidden_size, output_size), use_relu(relu) {
    xg::nn::init::normal(affine1.W, weight_init_std);  // W = 0.01 * randn, b = 0
    xg::nn::init::normal(affine2.W, weight_init_std);
    register_module("affine1", affine1);
    register_module("affine2", affine2);
  }

  xg::Tensor forward(const xg::Tensor& x) override {
    auto a1 = affine1(x);
    return affine2(use_relu ? xg::relu(a1) : xg::sigmoid(a1));
  }
};

// The computation graph of one loss, as Graphviz DOT, and as PNG when Graphviz is installed.
void write_graph(const xg::Tensor& loss, const xg::nn::Module& network) {
  std::ofstream("two_layer_net_graph.dot") << xg::to_dot(loss, network.named_parameters());
  if (std::system("command -v dot > /dev/null && dot -Tpng two_layer_net_graph.dot -o two_layer_net_graph.png") == 0)
    std::cout << "graph of the loss: two_layer_net_graph.dot, two_layer_net_graph.png\n";
}

struct Args {
  int hidden = 50, iters = 10000, batch = 100, seed = 0;
  double lr = 0.1;
  std::string activation = "sigmoid", optimizer = "sgd", data = "digits", save = "two_layer_net.npz", device = "cpu";
  bool graph = false;
};

std::unique_ptr<xg::optim::Optimizer> make_optimizer(const std::string& name, const xg::tensor_list& params, double lr) {
  if (name == "sgd") return std::make_unique<xg::optim::SGD>(params, lr);
  if (name == "momentum") return std::make_unique<xg::optim::Momentum>(params, lr);
  if (name == "adagrad") return std::make_unique<xg::optim::AdaGrad>(params, lr);
  if (name == "adam") return std::make_unique<xg::optim::Adam>(params, lr);
  throw xg::Error("unknown optimizer '" + name + "'");
}

int main(int argc, char** argv) {
  Args a;
  xg::examples::Options opts("two_layer_net", "The textbook's TwoLayerNet (ch. 4-5) trained on handwritten digits.");
  opts.add("--hidden", a.hidden, "hidden units")
      .add("--activation", a.activation, "hidden activation", {"sigmoid", "relu"})
      .add("--iters", a.iters, "training iterations")
      .add("--batch", a.batch, "batch size")
      .add("--lr", a.lr, "learning rate")
      .add("--optimizer", a.optimizer, "optimizer", {"sgd", "momentum", "adagrad", "adam"})
      .add("--data", a.data,
           "digits (the 8,000/2,000 MNIST digits in data/digits), fashion (Debian's dataset-fashion-mnist), "
           "or a directory holding the four MNIST IDX files")
      .add("--save", a.save, "where to save the trained weights (.npz)")
      .add("--seed", a.seed, "random seed")
      .add("--device", a.device, "cpu, or cuda (a build with CUDA on a machine with a GPU)", {"cpu", "cuda"})
      .add("--graph", a.graph, "replay the training step as a CUDA graph (with --device cuda; eager on the CPU)")
      .parse(argc, argv);
  const std::string dir = a.data == "digits"    ? std::string(XGRAD_DATA_DIR) + "/digits"
                          : a.data == "fashion" ? "/usr/share/datasets/fashion-mnist"
                                                : a.data;
  try {
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(dir);  // normalised, flattened
    std::cout << "data: " << dir << " (" << x_train.size(0) << " train, " << x_test.size(0) << " test)\n";
    const xg::Device device(a.device);  // the whole data set moves once; batches are drawn there
    x_train = x_train.to(device), t_train = t_train.to(device), x_test = x_test.to(device), t_test = t_test.to(device);

    xg::manual_seed(static_cast<std::uint64_t>(a.seed));
    TwoLayerNet network(784, a.hidden, 10, a.activation == "relu");
    network.to(device);
    auto optimizer = make_optimizer(a.optimizer, network.parameters(), a.lr);
    xg::data::TensorDataset train(x_train, t_train);
    xg::data::DataLoader loader(train, a.batch, xg::data::DataLoaderOptions().seed(static_cast<std::uint64_t>(a.seed)));
    const int iter_per_epoch = std::max(static_cast<int>(x_train.size(0)) / a.batch, 1);

    const auto start = std::chrono::steady_clock::now();
    xg::train::ProgressBar progress(a.iters, "train");
    xg::plot::Series train_curve{"train acc", {}, {}}, test_curve{"test acc", {}, {}};
    // One training step; with --graph captured once and replayed (xg::train::GraphedStep).
    const auto train_step = [&](const xg::tensor_list& batch) {
      auto loss = xg::nn::softmax_cross_entropy(network(batch[0]), batch[1]);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      return xg::tensor_list{loss};
    };
    xg::train::GraphedStep graphed_step(train_step);
    for (int i = 0; i < a.iters; ++i) {
      auto [x_batch, t_batch] = loader.sample();  // np.random.choice(train_size, batch_size)
      const auto loss = (a.graph ? graphed_step({x_batch, t_batch}) : train_step({x_batch, t_batch}))[0];
      if (i == 0) write_graph(loss, network);
      progress.update(i + 1, {{"loss", loss.item()}});

      if (i % iter_per_epoch == 0) {
        xg::NoGradGuard no_grad;
        const double train_acc = xg::nn::accuracy(network(x_train), t_train);
        const double test_acc = xg::nn::accuracy(network(x_test), t_test);
        char line[96];
        std::snprintf(line, sizeof line, "train acc, test acc | %.4f, %.4f", train_acc, test_acc);
        progress.message(line);
        const double epoch = static_cast<double>(i / iter_per_epoch);
        train_curve.x.push_back(epoch), train_curve.y.push_back(train_acc);
        test_curve.x.push_back(epoch), test_curve.y.push_back(test_acc);
      }
    }
    progress.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    xg::NoGradGuard no_grad;
    std::printf("final: train acc %.4f, test acc %.4f after %d iterations in %.1f s\n",
                xg::nn::accuracy(network(x_train), t_train), xg::nn::accuracy(network(x_test), t_test), a.iters, seconds);
    xg::save(network, a.save);
    std::cout << "weights saved to " << a.save << "\n";
    // The textbook's figure 4-12: accuracy per epoch.
    const auto png = xg::plot::line_chart("two_layer_net_accuracy", {train_curve, test_curve}, {"accuracy", "epochs", "accuracy"});
    std::cout << "accuracy curves: two_layer_net_accuracy.csv" << (png.empty() ? "" : ", " + png) << "\n";
  } catch (const xg::Error& e) {
    std::cerr << "two_layer_net: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
