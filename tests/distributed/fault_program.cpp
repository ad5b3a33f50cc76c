// The fault test's training program (tests/distributed/fault.sh): an MLP trained data-parallel
// for --steps steps on data drawn per step, checkpointing after every step; with --die-at S
// rank 1 exits abruptly at step S, as a crashed machine would. Rank 0 prints the final
// parameters' checksum.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <xgrad/xgrad.h>

namespace dist = xg::dist;

struct Mlp : xg::nn::Module {
  xg::nn::Linear l1{6, 16}, l2{16, 3};
  Mlp() {
    register_module("l1", l1);
    register_module("l2", l2);
    to(xg::kFloat64);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::tanh(l1(x))); }
};

int main(int argc, char** argv) {
  int steps = 10, die_at = -1;
  std::string checkpoint;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--steps") steps = std::stoi(v);
    else if (k == "--die-at") die_at = std::stoi(v);
    else if (k == "--checkpoint") checkpoint = v;
  }
  dist::Session session;
  Mlp model;
  dist::DistributedDataParallel ddp(model);
  xg::optim::SGD opt(ddp.parameters(), xg::optim::SGDOptions(0.1).momentum(0.9));
  int done = 0;
  if (dist::resume(model, &opt, checkpoint)) std::ifstream(checkpoint + ".step") >> done;
  for (int step = done + 1; step <= steps; ++step) {
    if (step == die_at && dist::rank() == 1) std::_Exit(3);  // no cleanup, no finalize
    xg::manual_seed(static_cast<std::uint64_t>(1000 * step + dist::rank()));  // this rank's batch of this step
    auto x = xg::randn({8, 6}, xg::kFloat64);
    auto t = xg::randint(0, 3, {8});
    opt.zero_grad();
    xg::nn::softmax_cross_entropy(ddp(x), t).backward();
    opt.step();
    dist::save_checkpoint(model, &opt, checkpoint);
    if (dist::rank() == 0) {
      std::ofstream(checkpoint + ".step.tmp") << step;
      std::rename((checkpoint + ".step.tmp").c_str(), (checkpoint + ".step").c_str());
    }
    dist::barrier();
  }
  double sum = 0;
  for (const auto& p : model.parameters()) sum += (p * p).sum().item();
  if (dist::rank() == 0) std::printf("final checksum %.17g\n", sum);
  return 0;
}
