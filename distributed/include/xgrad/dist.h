// xg::dist: data-parallel training across processes and machines, in the shape of PyTorch's
// process groups, on MPI (Open MPI from Debian; the plain C API, so MPICH works too). No MPI
// header leaks from here. Launched by `mpirun -np 4 ./train` (or Slurm's srun), each process
// is a rank; started alone, or built without MPI, a program is rank 0 of 1 and every
// collective is the identity, so the same program runs on a laptop.
//
//   xg::dist::Session session;                       // MPI_Init ... MPI_Finalize
//   Net net;
//   xg::dist::DistributedDataParallel ddp(net);      // same weights everywhere
//   auto sampler = std::make_shared<xg::dist::DistributedSampler>();
//   xg::data::DataLoader loader(dataset, 64, xg::data::DataLoaderOptions().sampler(sampler));
//   for (int epoch = 0; ...; ++epoch) {
//     sampler->set_epoch(epoch);
//     for (auto& [x, t] : loader) { ... ddp(x) ... loss.backward(); opt.step(); }
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xgrad/data/dataset.h>
#include <xgrad/nn/module.h>
#include <xgrad/optim/optimizer.h>

namespace xg::dist {

/// True when xgrad was built with MPI (CMake option XGRAD_WITH_MPI).
bool available();

/// Options of init (PyTorch's init_process_group arguments).
class InitOptions {
 public:
  /// How long a collective waits for the other ranks before it is an xg::Error (PyTorch's
  /// timeout, with its default of 30 minutes: a first collective may wait for a slow data
  /// load or checkpoint on another rank, and a false timeout costs a whole job, a late one
  /// only time; a rank that *left* or died is noticed at once, whatever the timeout).
  InitOptions& timeout(std::chrono::milliseconds v) { timeout_ = v; return *this; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  std::chrono::milliseconds timeout_ = std::chrono::minutes(30);
};

/// Starts MPI when the process was launched by an MPI launcher; alone (or without MPI) it
/// does nothing. Idempotent. Errors in MPI calls then throw xg::Error naming the call.
void init(const InitOptions& options = {});
/// Ends the process group: waits for this rank's collectives to finish, tells the other
/// ranks it leaves (a rank waiting in a collective this one never joins gets an xg::Error
/// naming it), waits for theirs, then MPI_Finalize. When the job is broken (a rank left, a
/// collective timed out) it ends the job non-zero (MPI_Abort) instead. Idempotent.
void finalize();
bool is_initialized();
/// The collective timeout (see InitOptions), readable and changeable after init.
void set_timeout(std::chrono::milliseconds timeout);
std::chrono::milliseconds timeout();
/// Ends the whole job at once (MPI_Abort), printing `why` with this rank: what a rank that
/// cannot go on must do so that the others do not wait for it forever.
[[noreturn]] void abort(const std::string& why, int exit_code = 1);

/// RAII init()/finalize(). If an exception is leaving the scope (a rank failed), it aborts
/// the job instead of finalizing, so no other rank hangs in a collective.
class Session {
 public:
  explicit Session(const InitOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

/// This process's rank in [0, world_size()), the number of ranks, and the rank among the
/// ranks of this machine. 0, 1, 0 when not started by a launcher.
int rank();
int world_size();
int local_rank();

enum class ReduceOp { Sum, Average, Max };

/// A collective in flight (PyTorch's Work): wait() blocks until it is done and its result
/// is in the tensor (and rethrows its error). Destroying an unfinished Work waits for it.
/// Under a launcher, async collectives run in order on a communication thread, so they
/// progress while the caller computes; do not touch the tensor until wait() returns.
class Work {
 public:
  Work();
  ~Work();
  Work(Work&&) noexcept;
  Work& operator=(Work&&) noexcept;
  Work(const Work&) = delete;
  Work& operator=(const Work&) = delete;
  void wait();
  /// True once done (wait() then returns at once).
  bool is_completed();

  struct State;  // private: distributed/collectives.cpp

 private:
  friend Work make_work(std::shared_ptr<State> state);
  explicit Work(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;  // shared with the communication thread
};

/// In place over all ranks: every rank ends with the sum (or mean, or maximum) of everyone's
/// tensor. Same shape and dtype on every rank.
void all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::Sum);
Work all_reduce_async(Tensor& tensor, ReduceOp op = ReduceOp::Sum);
/// Rank `root`'s values into every rank's tensor, in place.
void broadcast(Tensor& tensor, int root = 0);
Work broadcast_async(Tensor& tensor, int root = 0);
/// Every rank's tensor, in rank order.
tensor_list all_gather(const Tensor& tensor);
/// Returns when every rank has called it.
void barrier();

/// DistributedSampler's options (PyTorch's arguments), with chainable setters. Unset
/// num_replicas and rank mean world_size() and rank(); set ones are checked (replicas ≥ 1,
/// rank in [0, replicas)), as PyTorch's.
class DistributedSamplerOptions {
 public:
  DistributedSamplerOptions& num_replicas(int v) { num_replicas_ = v; return *this; }
  std::optional<int> num_replicas() const { return num_replicas_; }
  DistributedSamplerOptions& rank(int v) { rank_ = v; return *this; }
  std::optional<int> rank() const { return rank_; }
  DistributedSamplerOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  bool shuffle() const { return shuffle_; }
  DistributedSamplerOptions& seed(std::uint64_t v) { seed_ = v; return *this; }
  std::uint64_t seed() const { return seed_; }
  DistributedSamplerOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  bool drop_last() const { return drop_last_; }

  // Older spellings, kept for existing code.
  DistributedSamplerOptions& set_num_replicas(int v) { return num_replicas(v); }
  DistributedSamplerOptions& set_rank(int v) { return rank(v); }
  DistributedSamplerOptions& set_shuffle(bool v) { return shuffle(v); }
  DistributedSamplerOptions& set_seed(std::uint64_t v) { return seed(v); }
  DistributedSamplerOptions& set_drop_last(bool v) { return drop_last(v); }

 private:
  std::optional<int> num_replicas_, rank_;
  bool shuffle_ = true, drop_last_ = false;
  std::uint64_t seed_ = 0;
};

/// PyTorch's DistributedSampler for xg::data::DataLoader: each of num_replicas ranks visits
/// its own share of the data set, the same count on every rank. With shuffle, every epoch's
/// order comes from seed + epoch (call set_epoch, or every epoch repeats the order); without
/// drop_last the order is padded by repeating its first indices to a multiple of
/// num_replicas; rank r takes positions r, r + num_replicas, ...
class DistributedSampler : public data::Sampler {
 public:
  using Options = DistributedSamplerOptions;
  explicit DistributedSampler(Options options = {});
  std::vector<std::int64_t> indices(std::int64_t dataset_size) override;
  void set_epoch(std::int64_t epoch) { epoch_ = epoch; }
  /// This rank's count for a data set of `dataset_size`.
  std::int64_t num_samples(std::int64_t dataset_size) const;
  int num_replicas() const { return replicas_; }
  int rank() const { return rank_; }

 private:
  Options options_;
  int replicas_, rank_;
  std::int64_t epoch_ = 0;
};

class DDPOptions {
 public:
  /// Gradients are all-reduced in buckets of about this size (default 25), filled in
  /// reverse registration order (roughly the order backward produces them).
  DDPOptions& bucket_cap_mb(double v) { bucket_cap_mb_ = v; return *this; }
  double bucket_cap_mb() const { return bucket_cap_mb_; }
  /// Broadcast buffers (running statistics) from rank 0 before each forward, as PyTorch.
  DDPOptions& broadcast_buffers(bool v) { broadcast_buffers_ = v; return *this; }
  bool broadcast_buffers() const { return broadcast_buffers_; }
  /// The gradient backward produces last (the first registered parameter's: the first
  /// layer's weight) is all-reduced in row blocks of about this size, each started as soon
  /// as the product computing it has finished those rows, so little of it is left to wait
  /// for after backward (0: whole, in a bucket). It applies to a float matrix gradient of at
  /// least two blocks, where an operation can hand its rows over (linear, matmul); elsewhere,
  /// and under no_sync, the gradient goes whole as before. The default (negative) is 1 MB
  /// where every rank has a core to spare for its communication thread (the cores it may run
  /// on, shared with the other ranks of its machine when it is not bound, at least
  /// get_num_threads() + 1), else 0: measured on cores the ranks' compute threads fill, the
  /// overlap made steps slower, not faster (docs/design.md).
  DDPOptions& stream_block_mb(double v) { stream_block_mb_ = v; return *this; }
  double stream_block_mb() const { return stream_block_mb_; }

  // Older spellings, kept for existing code.
  DDPOptions& set_bucket_cap_mb(double v) { return bucket_cap_mb(v); }
  DDPOptions& set_broadcast_buffers(bool v) { return broadcast_buffers(v); }

 private:
  double bucket_cap_mb_ = 25.0;
  bool broadcast_buffers_ = true;
  double stream_block_mb_ = -1.0;
};

struct Reducer;  // private: distributed/ddp.cpp

/// PyTorch's DistributedDataParallel. At construction: checks that every rank has the same
/// parameter names, shapes and dtypes (else every rank throws an xg::Error naming the first
/// difference), then copies rank 0's parameters and buffers to all. In each backward(), a
/// post-accumulate hook per parameter packs its gradient into its bucket; a full bucket
/// starts a non-blocking all-reduce, so communication overlaps the rest of backward; when
/// the last gradient is in, the averaged gradients are written back to grad(), so after
/// backward() returns the optimizer can step. Every parameter that requires grad must get a
/// gradient in every backward (the next forward names those that did not).
class DistributedDataParallel : public nn::Module {
 public:
  explicit DistributedDataParallel(nn::Module& module, DDPOptions options = {});
  ~DistributedDataParallel() override;
  Tensor forward(const Tensor& x) override;
  nn::Module& module() { return module_; }
  std::string type_name() const override { return "DistributedDataParallel"; }

  /// While alive, backward() accumulates gradients locally without communicating
  /// (PyTorch's no_sync): for gradient accumulation over k micro-batches, run k - 1 under
  /// it; the k-th backward all-reduces the accumulated sums.
  class NoSync {
   public:
    explicit NoSync(DistributedDataParallel& ddp);
    ~NoSync();
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

   private:
    DistributedDataParallel& ddp_;
    bool previous_;
  };
  NoSync no_sync() { return NoSync(*this); }
  /// How long the last synchronised backward waited for the all-reduces once its last
  /// gradient was in (what overlap did not hide), in milliseconds.
  double last_sync_wait_ms() const;
  /// The buckets' sizes in elements (reverse registration order), for tests and tuning. A
  /// gradient streamed in row blocks (DDPOptions::stream_block_mb) is in none.
  std::vector<std::int64_t> bucket_sizes() const;
  /// How many row blocks of the streamed gradient the last synchronised backward started
  /// all-reducing while it computed them (0: none streamed).
  int last_streamed_blocks() const;

 private:
  nn::Module& module_;
  DDPOptions options_;
  std::unique_ptr<Reducer> reducer_;
};
using DDP = DistributedDataParallel;

/// Checkpoints: rank 0 writes the model and the optimizer (if given) into one .npz at `path`,
/// atomically (entries "model.<name>", "optimizer.<key>" and "checkpoint", the format), then
/// every rank waits at a barrier, so a checkpoint seen by one rank is complete for all, and a
/// model and optimizer state always come from the same step.
void save_checkpoint(const nn::Module& model, const optim::Optimizer* optimizer, const std::string& path);
/// Loads what save_checkpoint wrote on every rank; false when there is no checkpoint at
/// `path` yet (start from scratch). Asking for an optimizer's state from a checkpoint that
/// holds none is an error; a null optimizer loads the model only. Older two-file checkpoints
/// (the model at `path`, the optimizer at `path`.optimizer.npz) still load, and a missing
/// optimizer file is an error rather than "no checkpoint".
bool resume(nn::Module& model, optim::Optimizer* optimizer, const std::string& path);

}  // namespace xg::dist
