// The collectives: all_reduce, broadcast, all_gather and barrier over the process group
// (distributed/process_group.cpp). Each is a job on the communication thread whose caller
// waits watching the other ranks, so a rank that left or is stuck becomes an xg::Error naming
// the collective rather than a hang. Alone (or without MPI) each is the identity.
#include <xgrad/detail/format.h>

#include <iostream>
#include <limits>

#include <xgrad/autograd.h>

#include "distributed/process_group.h"

#ifdef XGRAD_WITH_MPI
#include "distributed/mpi_calls.h"
#endif

namespace xg::dist {

using detail_pg::check_ready;
using detail_pg::launch;

namespace {

#ifdef XGRAD_WITH_MPI
using detail_pg::check;
using detail_pg::job_comm;

MPI_Datatype mpi_type(const Tensor& t, const char* op) {
  switch (t.dtype()) {
    case kFloat32: return MPI_FLOAT;
    case kFloat64: return MPI_DOUBLE;
    case kInt64: return MPI_INT64_T;
  }
  fail("xg::dist::", op, ": unsupported dtype ", dtype_name(t.dtype()));
}

// Tensors are contiguous: MPI reads and writes their storage directly.
void* raw(Tensor& t) {
  switch (t.dtype()) {
    case kFloat32: return t.data<float>();
    case kFloat64: return t.data<double>();
    case kInt64: return t.data<std::int64_t>();
  }
  return nullptr;
}

int mpi_count(const Tensor& t, const char* op) {
  if (t.numel() > std::numeric_limits<int>::max())
    fail("xg::dist::", op, ": a tensor of ", t.numel(), " elements exceeds MPI's int count; split it");
  return static_cast<int>(t.numel());
}

// A tensor on a GPU goes through host memory (Debian's Open MPI is not CUDA-aware): in the
// communication thread it is copied to the host (which waits for the GPU work queued before
// the collective, its gradients), reduced there, and sent back (queued: the caller's next
// GPU work, after Work::wait(), runs after it in stream order).
std::function<void(Tensor&)> through_host(std::function<void(Tensor&)> run) {
  return [run = std::move(run)](Tensor& t) {
    if (t.device().is_cpu()) return run(t);
    NoGradGuard no_grad;
    Tensor host = t.to(kCPU);
    run(host);
    t.copy_(host);
  };
}
#endif

void check_tensor(const Tensor& t, const char* op) {
  if (!t.defined()) fail("xg::dist::", op, ": the tensor is undefined");
  if (t.requires_grad() && t.is_leaf() && is_grad_enabled())
    fail("xg::dist::", op, ": writes its result in place: pass a tensor that does not require grad (or use NoGradGuard)");
}

}  // namespace

Work make_work(std::shared_ptr<Work::State> state) { return Work(std::move(state)); }
Work::Work() = default;
Work::Work(std::shared_ptr<State> state) : state_(std::move(state)) {}
Work::Work(Work&&) noexcept = default;
Work& Work::operator=(Work&& other) noexcept {
  if (this != &other) {
    if (state_) {
      try {
        wait();
      } catch (...) {
      }
    }
    state_ = std::move(other.state_);
  }
  return *this;
}
Work::~Work() {
  if (!state_) return;
  try {
    wait();
  } catch (const std::exception& e) {
    std::cerr << "xg::dist::Work: " << e.what() << "\n";
  }
}

void Work::wait() {
  if (!state_) return;
  const std::shared_ptr<State> state = std::move(state_);  // the tensor is the caller's again
  detail_pg::wait(*state);
}

bool Work::is_completed() {
  if (!state_) return true;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->done;
}

Work all_reduce_async(Tensor& tensor, ReduceOp op) {
  check_tensor(tensor, "all_reduce");
  check_ready("all_reduce");
  std::function<void(Tensor&)> run;
#ifdef XGRAD_WITH_MPI
  if (detail_pg::world_size() > 1) {
    const MPI_Op mop = op == ReduceOp::Max ? MPI_MAX : MPI_SUM;
    const int count = mpi_count(tensor, "all_reduce");
    const MPI_Datatype type = mpi_type(tensor, "all_reduce");
    run = through_host([count, type, mop](Tensor& t) {
      check(MPI_Allreduce(MPI_IN_PLACE, raw(t), count, type, mop, job_comm()), "MPI_Allreduce");
    });
  }
#endif
  return launch("all_reduce", std::move(run), tensor, op == ReduceOp::Average);
}

void all_reduce(Tensor& tensor, ReduceOp op) { all_reduce_async(tensor, op).wait(); }

Work broadcast_async(Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  check_ready("broadcast");
  if (root < 0 || root >= detail_pg::world_size())
    fail("xg::dist::broadcast: root ", root, " is not a rank of ", detail_pg::world_size());
  std::function<void(Tensor&)> run;
#ifdef XGRAD_WITH_MPI
  if (detail_pg::world_size() > 1) {
    const int count = mpi_count(tensor, "broadcast");
    const MPI_Datatype type = mpi_type(tensor, "broadcast");
    run = through_host(
        [count, type, root](Tensor& t) { check(MPI_Bcast(raw(t), count, type, root, job_comm()), "MPI_Bcast"); });
  }
#endif
  return launch("broadcast", std::move(run), tensor, false);
}

void broadcast(Tensor& tensor, int root) { broadcast_async(tensor, root).wait(); }

tensor_list all_gather(const Tensor& tensor) {
  if (!tensor.defined()) fail("xg::dist::all_gather: the tensor is undefined");
  check_ready("all_gather");
  if (!tensor.device().is_cpu()) {  // through host memory, as the other collectives; results where it was
    tensor_list out = all_gather(tensor.detach().to(kCPU));
    for (auto& t : out) t = t.to(tensor.device());
    return out;
  }
  tensor_list out;
  const int size = detail_pg::world_size();
  if (size == 1) {
    out.push_back(tensor.detach().clone());
    return out;
  }
  Shape shape = tensor.shape();
  shape.insert(shape.begin(), size);
  Tensor all = empty(shape, tensor.dtype());
  std::function<void(Tensor&)> run;
#ifdef XGRAD_WITH_MPI
  const int count = mpi_count(tensor, "all_gather");
  const MPI_Datatype type = mpi_type(tensor, "all_gather");
  run = [all, count, type](Tensor& mine) mutable {
    check(MPI_Allgather(raw(mine), count, type, raw(all), count, type, job_comm()), "MPI_Allgather");
  };
#endif
  launch("all_gather", std::move(run), tensor.detach().clone(), false).wait();
  for (int r = 0; r < size; ++r) out.push_back(all.narrow(0, r, 1).squeeze(0));
  return out;
}

void barrier() {
  check_ready("barrier");
  if (detail_pg::world_size() == 1) return;
  std::function<void(Tensor&)> run;
#ifdef XGRAD_WITH_MPI
  run = [](Tensor&) { check(MPI_Barrier(job_comm()), "MPI_Barrier"); };
#endif
  launch("barrier", std::move(run), Tensor(), false).wait();
}

}  // namespace xg::dist
