// The process group: MPI's world communicator behind xg::dist's functions. The only file
// that includes <mpi.h>. Without MPI (XGRAD_WITH_MPI off) or when not launched by an MPI
// launcher, the world is this process alone and every collective is the identity.
//
// Errors: MPI's default handler on the world communicator (MPI_ERRORS_ARE_FATAL) ends the
// whole job when a call fails; a rank that dies makes the launcher end the job (Open MPI
// kills the other ranks and exits non-zero, naming the rank). What MPI cannot see is a rank
// that throws and unwinds: Session's destructor aborts the job in that case.
#include <xgrad/detail/format.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include <xgrad/autograd.h>
#include <xgrad/dist.h>

#ifdef XGRAD_WITH_MPI
#include <mpi.h>
#endif

namespace xg::dist {

namespace {

bool g_initialized = false;  // by us: init() called MPI_Init_thread
int g_rank = 0, g_size = 1, g_local_rank = 0;
#ifdef XGRAD_WITH_MPI
MPI_Comm g_async_comm = MPI_COMM_NULL;  // the communication thread's own copy of the world
#endif

// Launched by mpirun / mpiexec / srun (their environment variables), whether or not MPI is
// initialised yet.
bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"})
    if (std::getenv(v)) return true;
  return false;
}

void check_ready(const char* op) {
  if (!g_initialized && launched() && available())
    fail("xg::dist::", op, ": this process was started by an MPI launcher; call xg::dist::init() (or create an "
         "xg::dist::Session) first");
}

#ifdef XGRAD_WITH_MPI
void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  fail("xg::dist: ", call, " failed on rank ", g_rank, ": ", std::string(text, static_cast<std::size_t>(len)));
}

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

// Where a collective started through launch() runs: the communication thread's communicator
// when there is one, else the world's (on the caller's thread).
MPI_Comm comm() { return g_async_comm != MPI_COMM_NULL ? g_async_comm : MPI_COMM_WORLD; }

int mpi_count(const Tensor& t, const char* op) {
  if (t.numel() > std::numeric_limits<int>::max())
    fail("xg::dist::", op, ": a tensor of ", t.numel(), " elements exceeds MPI's int count; split it");
  return static_cast<int>(t.numel());
}
#endif

void check_tensor(const Tensor& t, const char* op) {
  if (!t.defined()) fail("xg::dist::", op, ": the tensor is undefined");
  if (t.requires_grad() && t.is_leaf() && is_grad_enabled())
    fail("xg::dist::", op, ": writes its result in place: pass a tensor that does not require grad (or use NoGradGuard)");
}

}  // namespace

// A collective in flight. With a communication thread, `run` executes there and the thread
// marks the state done (or failed); the caller's Work waits on `done`.
struct Work::State {
  std::function<void(Tensor&)> run;  // the blocking MPI call on `tensor`
  Tensor tensor;                     // kept alive while MPI writes into it
  bool average = false;       // divide by world_size() once reduced
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  void execute() {
    try {
      if (run) run(tensor);
      if (average && g_size > 1) {
        NoGradGuard no_grad;
        tensor.mul_(1.0 / g_size);
      }
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    cv.notify_all();
  }
};

namespace {

// The communication thread (PyTorch's ProcessGroupMPI worker, Horovod's background thread):
// it runs the async collectives one after another, in the order they were started, with
// blocking MPI calls on a communicator of its own. Open MPI advances a non-blocking
// collective only while some MPI call runs, so a request started by a hook in backward would
// sit idle during the matrix products between hooks; a thread inside MPI_Allreduce moves it
// while backward computes.
class CommThread {
 public:
  CommThread() : thread_([this] { loop(); }) {}
  ~CommThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();  // after the queue is drained
  }
  void post(std::shared_ptr<Work::State> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(job));
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    for (;;) {
      std::shared_ptr<Work::State> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->execute();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Work::State>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

CommThread* g_comm_thread = nullptr;  // while MPI runs with MPI_THREAD_MULTIPLE and several ranks

// Runs the job on the communication thread, or, without one (alone, or an MPI without
// MPI_THREAD_MULTIPLE), here and now: the Work is then complete when returned.
Work launch(std::function<void(Tensor&)> run, Tensor tensor, bool average) {
  auto state = std::make_shared<Work::State>();
  state->run = std::move(run);
  state->tensor = std::move(tensor);
  state->average = average;
  if (g_comm_thread) {
    g_comm_thread->post(state);
  } else {
    state->execute();
  }
  return make_work(std::move(state));
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
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->cv.wait(lock, [&] { return state_->done; });
    error = state_->error;
  }
  state_.reset();  // the tensor is the caller's again
  if (error) std::rethrow_exception(error);
}

bool Work::is_completed() {
  if (!state_) return true;
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->done;
}

bool available() {
#ifdef XGRAD_WITH_MPI
  return true;
#else
  return false;
#endif
}

void init() {
#ifdef XGRAD_WITH_MPI
  int already = 0;
  MPI_Initialized(&already);
  if (g_initialized || already) return;
  if (!launched()) return;  // alone: rank 0 of 1, no MPI needed
  // Open MPI's default all-reduce for two ranks measured 1.5-13x slower than its ring on
  // large buffers (docs/benchmarks.md): the ring is xgrad's default unless the user chose one.
  if (!std::getenv("OMPI_MCA_coll_tuned_allreduce_algorithm")) {
    setenv("OMPI_MCA_coll_tuned_use_dynamic_rules", "1", 0);
    setenv("OMPI_MCA_coll_tuned_allreduce_algorithm", "4", 0);
  }
  int provided = 0;
  // MULTIPLE: the communication thread and the training thread both call MPI.
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  g_initialized = true;
  check(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &g_size), "MPI_Comm_size");
  MPI_Comm local;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local),
        "MPI_Comm_split_type");
  check(MPI_Comm_rank(local, &g_local_rank), "MPI_Comm_rank");
  MPI_Comm_free(&local);
  // Errors come back as codes (thrown as xg::Error naming the call) rather than aborting
  // inside MPI, so the message names the operation; Session still ends the job on a throw.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (g_size > 1 && provided >= MPI_THREAD_MULTIPLE) {
    // Its own communicator: collectives on one communicator must come in the same order on
    // every rank, which two threads sharing the world's could not promise.
    check(MPI_Comm_dup(MPI_COMM_WORLD, &g_async_comm), "MPI_Comm_dup");
    g_comm_thread = new CommThread;
  }
#endif
}

void finalize() {
#ifdef XGRAD_WITH_MPI
  if (!g_initialized) return;
  delete g_comm_thread;  // finishes what was started, then joins
  g_comm_thread = nullptr;
  if (g_async_comm != MPI_COMM_NULL) MPI_Comm_free(&g_async_comm);
  g_initialized = false;
  MPI_Finalize();
  g_rank = 0, g_size = 1, g_local_rank = 0;
#endif
}

bool is_initialized() { return g_initialized; }

void abort(const std::string& why, int exit_code) {
  std::cerr << "xg::dist: rank " << g_rank << " of " << g_size << ": " << why << "; ending the job\n" << std::flush;
#ifdef XGRAD_WITH_MPI
  if (g_initialized) MPI_Abort(MPI_COMM_WORLD, exit_code);
#endif
  std::exit(exit_code);
}

Session::Session() { init(); }
Session::~Session() {
  if (std::uncaught_exceptions() > 0 && g_size > 1) abort("an exception is leaving the training program");
  finalize();
}

int rank() {
  check_ready("rank");
  return g_rank;
}
int world_size() {
  check_ready("world_size");
  return g_size;
}
int local_rank() {
  check_ready("local_rank");
  return g_local_rank;
}

Work all_reduce_async(Tensor& tensor, ReduceOp op) {
  check_tensor(tensor, "all_reduce");
  check_ready("all_reduce");
  std::function<void(Tensor&)> run;
#ifdef XGRAD_WITH_MPI
  if (g_size > 1) {
    const MPI_Op mop = op == ReduceOp::Max ? MPI_MAX : MPI_SUM;
    const int count = mpi_count(tensor, "all_reduce");
    const MPI_Datatype type = mpi_type(tensor, "all_reduce");
    run = [count, type, mop](Tensor& t) {
      check(MPI_Allreduce(MPI_IN_PLACE, raw(t), count, type, mop, comm()), "MPI_Allreduce");
    };
  }
#endif
  return launch(std::move(run), tensor, op == ReduceOp::Average);
}

void all_reduce(Tensor& tensor, ReduceOp op) { all_reduce_async(tensor, op).wait(); }

Work broadcast_async(Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  check_ready("broadcast");
  if (root < 0 || root >= g_size) fail("xg::dist::broadcast: root ", root, " is not a rank of ", g_size);
  std::function<void(Tensor&)> run;
#ifdef XGRAD_WITH_MPI
  if (g_size > 1) {
    const int count = mpi_count(tensor, "broadcast");
    const MPI_Datatype type = mpi_type(tensor, "broadcast");
    run = [count, type, root](Tensor& t) {
      check(MPI_Bcast(raw(t), count, type, root, comm()), "MPI_Bcast");
    };
  }
#endif
  return launch(std::move(run), tensor, false);
}

void broadcast(Tensor& tensor, int root) { broadcast_async(tensor, root).wait(); }

tensor_list all_gather(const Tensor& tensor) {
  if (!tensor.defined()) fail("xg::dist::all_gather: the tensor is undefined");
  check_ready("all_gather");
  tensor_list out;
#ifdef XGRAD_WITH_MPI
  if (g_size > 1) {
    Shape shape = tensor.shape();
    shape.insert(shape.begin(), g_size);
    Tensor all = empty(shape, tensor.dtype());
    Tensor mine = tensor.detach();
    check(MPI_Allgather(raw(mine), mpi_count(mine, "all_gather"), mpi_type(mine, "all_gather"), raw(all),
                        mpi_count(mine, "all_gather"), mpi_type(mine, "all_gather"), MPI_COMM_WORLD),
          "MPI_Allgather");
    for (int r = 0; r < g_size; ++r) out.push_back(all.narrow(0, r, 1).squeeze(0));
    return out;
  }
#endif
  out.push_back(tensor.detach().clone());
  return out;
}

void barrier() {
  check_ready("barrier");
#ifdef XGRAD_WITH_MPI
  if (g_size > 1) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
}

}  // namespace xg::dist
