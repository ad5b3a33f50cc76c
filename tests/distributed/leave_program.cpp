// The leaving-rank tests' program (tests/distributed/leave.sh): two ranks train a small
// model data-parallel; at step 3 rank 1 fails in one of three ways, and the job must end
// non-zero within 60 s, the surviving rank's error naming rank 1 and the collective:
//   --mode caught    rank 1 throws, main catches it and returns 1 (Session finalizes normally)
//   --mode uncaught  rank 1 throws and nothing catches it
//   --mode stuck     rank 1 stops calling collectives (sleeps); rank 0's collective times out
//   --mode finish    no failure: both finish and the job exits 0 (the goodbye protocol's
//                    normal path)
// Rank 0 catches its own xg::Error, prints it and returns 2: its Session then ends the job.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <xgrad/xgrad.h>

namespace dist = xg::dist;

int main(int argc, char** argv) {
  const std::string mode = argc > 2 ? argv[2] : "caught";
  // A short timeout for the stuck case: the test should not wait PyTorch's 30 minutes.
  dist::Session session(dist::InitOptions().timeout(std::chrono::seconds(mode == "stuck" ? 4 : 600)));
  try {
    xg::nn::Linear model(4, 2, true, xg::kFloat64);
    dist::DistributedDataParallel ddp(model);
    xg::optim::SGD opt(ddp.parameters(), 0.1);
    for (int step = 1; step <= 6; ++step) {
      if (dist::rank() == 1 && step == 3) {
        if (mode == "caught" || mode == "uncaught") throw std::runtime_error("rank 1 failed at step 3");
        if (mode == "stuck") std::this_thread::sleep_for(std::chrono::hours(1));
      }
      opt.zero_grad();
      ddp(xg::ones({2, 4}, xg::kFloat64)).pow(2).sum().backward();  // an all-reduce per step
      opt.step();
      std::printf("rank %d: step %d\n", dist::rank(), step);
      std::fflush(stdout);
    }
  } catch (const xg::Error& e) {
    std::printf("rank %d caught xg::Error: %s\n", dist::rank(), e.what());
    std::fflush(stdout);
    return 2;
  } catch (const std::runtime_error& e) {
    if (mode == "uncaught") throw;
    std::printf("rank %d caught: %s; returning from main\n", dist::rank(), e.what());
    std::fflush(stdout);
    return 1;
  }
  std::printf("rank %d: done\n", dist::rank());
  return 0;
}
