// Private: the process group behind xg::dist (distributed/process_group.cpp), as the
// collectives (distributed/collectives.cpp) and DDP use it. No MPI header here.
//
// Every collective runs as a job on the communication thread, in the order the ranks start
// them, numbered 1, 2, ... (the same numbers on every rank). A caller waiting for one
// watches the other ranks meanwhile: a control channel carries each rank's goodbye (sent by
// finalize, with how many collectives it completed), so a rank that left before joining the
// awaited collective is an xg::Error naming it and the collective, and the wait is bounded by
// the process group's timeout. After either, the job is broken: finalize ends it non-zero.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>

#include <xgrad/dist.h>

namespace xg::dist {

// A collective in flight. `run` executes on the communication thread (or inline without
// one); the caller's Work waits on `done`.
struct Work::State {
  std::function<void(Tensor&)> run;  // the blocking MPI call on `tensor`
  Tensor tensor;                     // kept alive while MPI writes into it
  bool average = false;              // divide by world_size() once reduced
  const char* op = "";               // "all_reduce", for messages
  std::int64_t seq = 0;              // its number among this process's collectives
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  void execute();
};

namespace detail_pg {

/// Starts `run` as the next collective (on the communication thread when there is one).
Work launch(const char* op, std::function<void(Tensor&)> run, Tensor tensor, bool average);
/// Blocks until the job is done, watching the other ranks (see above); throws its error,
/// or an xg::Error when a rank left before joining it or the timeout passed.
void wait(Work::State& state);
/// The error of a call made before init() in a launched process (names `op`).
void check_ready(const char* op);
/// This process's rank and the world's size (0 and 1 alone).
int world_rank();
int world_size();
/// How many ranks share this machine (1 alone).
int local_size();

}  // namespace detail_pg
}  // namespace xg::dist
