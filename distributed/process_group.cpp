// The process group: MPI's world communicator, the communication thread that runs the
// collectives, and the watch that keeps a rank from waiting forever for one that left.
// Without MPI (XGRAD_WITH_MPI off) or when not launched by an MPI launcher, the world is this
// process alone and every collective is the identity.
//
// How a job ends when a rank cannot go on:
// - a rank that dies (a crash, a kill, an uncaught exception's std::terminate): the launcher
//   sees it and ends the job, non-zero, naming the rank;
// - a rank whose exception unwinds through a Session: Session aborts the job (MPI_Abort);
// - a rank that *returns* (it caught the exception, or finished early) and finalizes: its
//   finalize tells every other rank how many collectives it completed; a rank waiting in a
//   later collective gets an xg::Error naming the rank and the collective instead of waiting
//   forever, and the job is broken;
// - a rank that never arrives (stuck): the waiting ranks time out (InitOptions::timeout,
//   PyTorch's 30 minutes by default) with an xg::Error, and the job is broken.
// A broken job ends non-zero: uncaught, the error terminates the rank and the launcher ends
// the job; caught, the rank's finalize (or Session) calls MPI_Abort.
#include <xgrad/detail/format.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <xgrad/autograd.h>

#include "distributed/process_group.h"

#ifdef XGRAD_WITH_MPI
#include "distributed/mpi_calls.h"
#endif

namespace xg::dist {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(5);  // how often a waiting rank looks at the others

bool g_initialized = false;  // by us: init() called MPI_Init_thread
int g_rank = 0, g_size = 1, g_local_rank = 0, g_local_size = 1;
std::chrono::milliseconds g_timeout = InitOptions().timeout();

std::mutex g_broken_mutex;
std::string g_broken;  // why the job cannot complete; empty while it can

std::mutex g_launch_mutex;
std::int64_t g_launched = 0;              // collectives started (numbers given), under g_launch_mutex
std::atomic<std::int64_t> g_completed{0};  // the last one finished, in order

#ifdef XGRAD_WITH_MPI
MPI_Comm g_async_comm = MPI_COMM_NULL;  // the communication thread's own copy of the world
MPI_Comm g_ctrl_comm = MPI_COMM_NULL;   // goodbyes: {collectives completed} from a finalizing rank
constexpr int kGoodbyeTag = 1;
MPI_Request g_goodbye_request = MPI_REQUEST_NULL;
std::int64_t g_goodbye_message = 0;
std::mutex g_ctrl_mutex;
std::vector<std::int64_t> g_left;  // per rank: -1 while it is here, else the collectives it completed
#endif

std::string broken() {
  std::lock_guard<std::mutex> lock(g_broken_mutex);
  return g_broken;
}

[[noreturn]] void break_job(const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(g_broken_mutex);
    if (g_broken.empty()) g_broken = why;
  }
  fail(why, "; the job cannot complete: it ends when this rank finalizes (or now, if this error is not caught)");
}

// Launched by mpirun / mpiexec / srun (their environment variables), whether or not MPI is
// initialised yet.
bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"})
    if (std::getenv(v)) return true;
  return false;
}

// The communication thread (PyTorch's ProcessGroupMPI worker, Horovod's background thread):
// it runs the collectives one after another, in the order they were started, with blocking
// MPI calls on a communicator of its own. Open MPI advances a non-blocking collective only
// while some MPI call runs, so a request started by a hook in backward would sit idle during
// the matrix products between hooks; a thread inside MPI_Allreduce moves it while backward
// computes. A collective whose peer never comes leaves the thread inside MPI: the waiter
// notices (wait), and the job is then ended rather than the thread joined.
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

#ifdef XGRAD_WITH_MPI
void post_goodbye_receive() {
  detail_pg::check(MPI_Irecv(&g_goodbye_message, 1, MPI_INT64_T, MPI_ANY_SOURCE, kGoodbyeTag, g_ctrl_comm,
                             &g_goodbye_request),
                   "MPI_Irecv");
}

// Takes in the goodbyes that arrived.
void poll_goodbyes() {
  std::lock_guard<std::mutex> lock(g_ctrl_mutex);
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    detail_pg::check(MPI_Test(&g_goodbye_request, &arrived, &status), "MPI_Test");
    if (!arrived) return;
    g_left[static_cast<std::size_t>(status.MPI_SOURCE)] = g_goodbye_message;
    post_goodbye_receive();
  }
}
#endif

// While waiting for collective `seq` (op): a rank that left before completing it will never
// join it; nor does anything after the job broke.
void check_peers(const char* op, std::int64_t seq) {
  if (const std::string why = broken(); !why.empty()) fail("xg::dist::", op, ": the job is broken: ", why);
#ifdef XGRAD_WITH_MPI
  poll_goodbyes();
  std::lock_guard<std::mutex> lock(g_ctrl_mutex);
  for (int r = 0; r < g_size; ++r) {
    const std::int64_t done = g_left[static_cast<std::size_t>(r)];
    if (r != g_rank && done >= 0 && done < seq)
      break_job(detail::cat("xg::dist::", op, ": rank ", r, " left the job (its xg::dist::finalize ran after ", done,
                            " collectives) while rank ", g_rank, " waited in ", op, ", collective #", seq,
                            ", which rank ", r, " will never join"));
  }
#else
  (void)seq;
#endif
}

bool watching() { return g_comm_thread != nullptr; }

std::int64_t launched_count() {
  std::lock_guard<std::mutex> lock(g_launch_mutex);
  return g_launched;
}

// Waits until the communication thread has run everything started, watching the others.
// Counted, not "the thread is idle": between finishing a job and marking itself idle the
// thread would otherwise seem to be in the next collective, which a peer may have left
// after completing this one.
void drain() {
  const auto deadline = Clock::now() + g_timeout;
  while (g_completed.load() < launched_count()) {
    check_peers("finalize", g_completed.load() + 1);
    if (Clock::now() > deadline)
      break_job(detail::cat("xg::dist::finalize: timed out after ", g_timeout.count() / 1000.0,
                            " s on rank ", g_rank, " waiting for collective #", g_completed.load() + 1,
                            " that another rank never joined"));
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

void Work::State::execute() {
  try {
    if (run) run(tensor);
    if (average && g_size > 1) {
      NoGradGuard no_grad;
      tensor.mul_(1.0 / g_size);
    }
  } catch (...) {
    error = std::current_exception();
  }
  g_completed.store(seq);
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  cv.notify_all();
}

namespace detail_pg {

void check_ready(const char* op) {
  if (!g_initialized && launched() && available())
    fail("xg::dist::", op, ": this process was started by an MPI launcher; call xg::dist::init() (or create an "
         "xg::dist::Session) first");
}

int world_rank() { return g_rank; }
int world_size() { return g_size; }
int local_size() { return g_local_size; }

#ifdef XGRAD_WITH_MPI
void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  fail("xg::dist: ", call, " failed on rank ", g_rank, ": ", std::string(text, static_cast<std::size_t>(len)));
}

MPI_Comm job_comm() { return g_async_comm != MPI_COMM_NULL ? g_async_comm : MPI_COMM_WORLD; }
#endif

Work launch(const char* op, std::function<void(Tensor&)> run, Tensor tensor, bool average) {
  auto state = std::make_shared<Work::State>();
  state->run = std::move(run);
  state->tensor = std::move(tensor);
  state->average = average;
  state->op = op;
  {
    // Numbers in start order, the order the communication thread runs them in.
    std::lock_guard<std::mutex> lock(g_launch_mutex);
    state->seq = ++g_launched;
    if (g_comm_thread) g_comm_thread->post(state);
  }
  if (!g_comm_thread) state->execute();  // alone (or without MPI_THREAD_MULTIPLE): here and now
  return make_work(std::move(state));
}

void wait(Work::State& state) {
  std::unique_lock<std::mutex> lock(state.mutex);
  if (!watching()) {
    state.cv.wait(lock, [&] { return state.done; });
  } else {
    const auto deadline = Clock::now() + g_timeout;
    while (!state.done) {
      state.cv.wait_for(lock, kPoll);
      if (state.done) break;
      lock.unlock();
      check_peers(state.op, state.seq);
      if (Clock::now() > deadline)
        break_job(detail::cat("xg::dist::", state.op, ": timed out after ", g_timeout.count() / 1000.0, " s on rank ",
                              g_rank, " waiting for collective #", state.seq, " (", state.op,
                              "): another rank has not joined it (stuck, or far slower; the timeout is "
                              "InitOptions().timeout, PyTorch's 30 minutes by default)"));
      lock.lock();
    }
  }
  if (state.error) std::rethrow_exception(state.error);
}

}  // namespace detail_pg

bool available() {
#ifdef XGRAD_WITH_MPI
  return true;
#else
  return false;
#endif
}

void init(const InitOptions& options) {
  if (options.timeout() <= std::chrono::milliseconds(0))
    fail("xg::dist::init: the timeout must be positive, got ", options.timeout().count(), " ms");
  g_timeout = options.timeout();
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
  detail_pg::check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  g_initialized = true;
  detail_pg::check(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank), "MPI_Comm_rank");
  detail_pg::check(MPI_Comm_size(MPI_COMM_WORLD, &g_size), "MPI_Comm_size");
  MPI_Comm local;
  detail_pg::check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local),
                   "MPI_Comm_split_type");
  detail_pg::check(MPI_Comm_rank(local, &g_local_rank), "MPI_Comm_rank");
  detail_pg::check(MPI_Comm_size(local, &g_local_size), "MPI_Comm_size");
  MPI_Comm_free(&local);
  // Errors come back as codes (thrown as xg::Error naming the call) rather than aborting
  // inside MPI, so the message names the operation; Session still ends the job on a throw.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (g_size > 1 && provided >= MPI_THREAD_MULTIPLE) {
    // Its own communicators: collectives on one communicator must come in the same order on
    // every rank, which two threads sharing the world's could not promise; the goodbyes
    // travel apart from both.
    detail_pg::check(MPI_Comm_dup(MPI_COMM_WORLD, &g_async_comm), "MPI_Comm_dup");
    detail_pg::check(MPI_Comm_dup(MPI_COMM_WORLD, &g_ctrl_comm), "MPI_Comm_dup");
    g_left.assign(static_cast<std::size_t>(g_size), -1);
    post_goodbye_receive();
    g_comm_thread = new CommThread;
  }
#endif
}

void finalize() {
#ifdef XGRAD_WITH_MPI
  if (!g_initialized) return;
  if (g_comm_thread) {
    try {
      if (broken().empty()) drain();
    } catch (const Error&) {  // the job broke while draining: the reason is recorded
    }
    if (const std::string why = broken(); !why.empty()) abort(why);
    // Goodbye: every other rank learns how many collectives this one completed (a rank
    // waiting in a later one then knows it will not come), and this one waits for theirs, so
    // nobody leaves with a message in flight.
    const std::int64_t completed = g_completed.load();
    for (int r = 0; r < g_size; ++r)
      if (r != g_rank) detail_pg::check(MPI_Send(&completed, 1, MPI_INT64_T, r, kGoodbyeTag, g_ctrl_comm), "MPI_Send");
    for (bool all = false; !all; std::this_thread::sleep_for(kPoll)) {
      poll_goodbyes();
      std::lock_guard<std::mutex> lock(g_ctrl_mutex);
      all = true;
      for (int r = 0; r < g_size; ++r) all = all && (r == g_rank || g_left[static_cast<std::size_t>(r)] >= 0);
    }
    MPI_Cancel(&g_goodbye_request);
    MPI_Wait(&g_goodbye_request, MPI_STATUS_IGNORE);
    delete g_comm_thread;  // drained: joins at once
    g_comm_thread = nullptr;
    MPI_Comm_free(&g_ctrl_comm);
    MPI_Comm_free(&g_async_comm);
  }
  g_initialized = false;
  MPI_Finalize();
  g_rank = 0, g_size = 1, g_local_rank = 0, g_local_size = 1;
#endif
}

bool is_initialized() { return g_initialized; }

void set_timeout(std::chrono::milliseconds timeout) {
  if (timeout <= std::chrono::milliseconds(0)) fail("xg::dist::set_timeout: the timeout must be positive");
  g_timeout = timeout;
}
std::chrono::milliseconds timeout() { return g_timeout; }

void abort(const std::string& why, int exit_code) {
  std::cerr << "xg::dist: rank " << g_rank << " of " << g_size << ": " << why << "; ending the job\n" << std::flush;
#ifdef XGRAD_WITH_MPI
  if (g_initialized) MPI_Abort(MPI_COMM_WORLD, exit_code);
#endif
  std::exit(exit_code);
}

Session::Session(const InitOptions& options) { init(options); }
Session::~Session() {
  if (std::uncaught_exceptions() > 0 && g_size > 1) abort("an exception is leaving the training program");
  try {
    finalize();
  } catch (const std::exception& e) {  // a destructor must not throw: that would be std::terminate, no reason given
    abort(std::string("leaving the job failed: ") + e.what());
  }
}

int rank() {
  detail_pg::check_ready("rank");
  return g_rank;
}
int world_size() {
  detail_pg::check_ready("world_size");
  return g_size;
}
int local_rank() {
  detail_pg::check_ready("local_rank");
  return g_local_rank;
}

}  // namespace xg::dist
