// Data-parallel training: every process (rank) holds the whole model and trains on its own
// share of each batch; DistributedDataParallel averages the gradients across ranks during
// backward, so after each step every rank holds the same weights, as one process would with
// the whole batch. Run with `mpirun -np 2 ./build/examples/distributed_mnist`; alone, it is
// ordinary training. Checkpoints every epoch; a relaunch resumes from the last one.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <xgrad/xgrad.h>

#include "common/options.h"

namespace nn = xg::nn;
namespace dist = xg::dist;

struct Mlp : nn::Module {  // 784-100-100-10 ReLU: the textbook's MultiLayerNet
  nn::Linear l1{784, 100}, l2{100, 100}, l3{100, 10};
  Mlp() {
    register_module("l1", l1);
    register_module("l2", l2);
    register_module("l3", l3);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l3(xg::relu(l2(xg::relu(l1(x))))); }
};

int main(int argc, char** argv) {
  int epochs = 10, batch = 100, seed = 0;
  double lr = 0.1;
  std::string checkpoint = "distributed_mnist.npz";
  xg::examples::Options opts("distributed_mnist", "An MLP trained data-parallel over MPI ranks (mpirun -np 2 ...).");
  opts.add("--epochs", epochs, "epochs")
      .add("--batch", batch, "global batch size, split over the ranks")
      .add("--lr", lr, "SGD learning rate (momentum 0.9)")
      .add("--checkpoint", checkpoint, "checkpoint written every epoch and resumed from (none: no checkpoints)")
      .add("--seed", seed, "random seed")
      .parse(argc, argv);
  if (checkpoint == "none") checkpoint.clear();
  dist::Session session;  // MPI_Init when launched by mpirun; ends the job if a rank throws
  try {
    const int rank = dist::rank(), world = dist::world_size();
    if (batch % world != 0) throw xg::Error("--batch " + std::to_string(batch) + " must divide over " + std::to_string(world) + " ranks");
    auto [x_train, t_train, x_test, t_test] = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
    xg::manual_seed(static_cast<std::uint64_t>(seed + rank));  // different draws: DDP copies rank 0's weights
    Mlp model;
    dist::DistributedDataParallel ddp(model);
    xg::optim::SGD optimizer(ddp.parameters(), xg::optim::SGDOptions(lr).momentum(0.9));
    int start = 0;
    if (!checkpoint.empty() && dist::resume(model, &optimizer, checkpoint)) {
      std::ifstream(checkpoint + ".epoch") >> start;  // the last finished epoch, written beside the weights
      if (rank == 0) std::printf("resumed from %s after epoch %d\n", checkpoint.c_str(), start);
    }
    // Each rank reads its own B/p samples of every batch of B, a new split every epoch.
    auto sampler = std::make_shared<dist::DistributedSampler>(dist::DistributedSampler::Options().seed(seed));
    xg::data::DataLoader loader(xg::data::TensorDataset(x_train, t_train), batch / world,
                                xg::data::DataLoaderOptions().sampler(sampler));
    if (rank == 0)
      std::printf("%d rank(s), %lld training digits, %lld per rank per epoch, batch %d (%d per rank)\n", world,
                  static_cast<long long>(x_train.size(0)), static_cast<long long>(sampler->num_samples(x_train.size(0))),
                  batch, batch / world);
    const auto t0 = std::chrono::steady_clock::now();
    for (int epoch = start + 1; epoch <= epochs; ++epoch) {
      sampler->set_epoch(epoch);
      double loss_sum = 0;
      int steps = 0;
      for (auto& [x, t] : loader) {
        auto loss = nn::softmax_cross_entropy(ddp(x), t);
        optimizer.zero_grad();
        loss.backward();  // gradients averaged over the ranks when it returns
        optimizer.step();
        loss_sum += loss.item();
        ++steps;
      }
      auto mean_loss = xg::tensor({loss_sum / steps}, {1}, xg::kFloat64);
      dist::all_reduce(mean_loss, dist::ReduceOp::Average);
      if (!checkpoint.empty()) {
        dist::save_checkpoint(model, &optimizer, checkpoint);
        if (rank == 0) {  // then the epoch, atomically: a crash in between only repeats an epoch
          std::ofstream(checkpoint + ".epoch.tmp") << epoch;
          std::rename((checkpoint + ".epoch.tmp").c_str(), (checkpoint + ".epoch").c_str());
        }
      }
      if (rank == 0) {  // every rank holds the same weights: rank 0 evaluates
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("epoch %d/%d - %.1fs - loss %.4f - test acc %.4f\n", epoch, epochs, seconds, mean_loss.item(),
                    nn::accuracy(model, x_test, t_test, 500));
        std::fflush(stdout);
      }
    }
  } catch (const xg::Error& e) {
    dist::abort(std::string("distributed_mnist: ") + e.what());
  }
  return 0;
}
