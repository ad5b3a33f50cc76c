// DistributedDataParallel and checkpoints. The Reducer holds the buckets: flat buffers of
// gradients, filled by post-accumulate hooks as backward produces them and all-reduced
// (sum, then divided by the world size) in bucket order, the same on every rank, as
// PyTorch's c10d Reducer.
#include <xgrad/detail/format.h>
#include <algorithm>

#include <chrono>
#include <optional>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

#include <xgrad/autograd.h>
#include <xgrad/dist.h>
#include <xgrad/nn/save.h>
#include <xgrad/npz.h>

#include "autograd/graph.h"
#include "distributed/process_group.h"
#include "nn/save_state.h"
#include "tensor/blas.h"
#include "tensor/checked.h"
#include "tensor/kernels.h"

namespace xg::dist {

namespace {
constexpr const char* kCheckpointKey = "checkpoint";  // the one-file format's marker (version 1)
}  // namespace

struct Reducer {
  struct Slot {
    std::string name;
    Tensor param;
    std::int64_t offset = 0;  // in its bucket, in elements
    std::size_t bucket = 0;
    bool ready = false;  // its gradient is in the bucket in this backward
    unsigned hook = 0;
  };
  struct Bucket {
    Tensor flat;               // the gradients of its slots, end to end
    std::int64_t numel = 0;
    std::size_t count = 0, pending = 0;  // slots, and those still without a gradient
    Work work;
  };
  // The gradient backward finishes last, all-reduced in blocks of rows as the product
  // computing it hands them over (autograd::set_row_stream), instead of whole afterwards.
  struct Stream {
    std::size_t slot = 0;
    std::int64_t block_rows = 0, row_numel = 0, rows = 0;
    std::vector<Tensor> blocks;  // each block's rows, all-reduced in place
    std::vector<Work> work;
    std::int64_t rows_sent = 0;  // in this backward
    int streamed_blocks = 0;     // of those, sent from inside backward's product
  };
  std::vector<Slot> slots;  // bucket order: reverse registration order
  std::vector<Bucket> buckets;
  std::optional<Stream> stream;
  std::size_t next_launch = 0, pending = 0;  // the next bucket to start; slots without a gradient
  bool sync = true, in_progress = false;
  double last_wait_ms = 0;  // what the last synchronised backward waited after its last gradient
  int last_streamed_blocks = 0;

  void on_ready(std::size_t i);
  void on_rows(std::int64_t row0, std::int64_t row1, const Tensor& fresh, bool in_backward);
  void finish(std::chrono::steady_clock::time_point last_arrived);
};

namespace {

// Copies n elements between a tensor's storage and a stretch of a flat buffer of its dtype,
// on the CPU or on the GPU both live on (there, queued in stream order: no wait).
void copy_elements(const Tensor& from, std::int64_t from_offset, Tensor& to, std::int64_t to_offset, std::int64_t n) {
  kernel::copy_range(to, to_offset, from, from_offset, n, "DistributedDataParallel");
}

// to[i] += from[from_offset + i] for every element of `to` (one float dtype).
void add_elements(const Tensor& from, std::int64_t from_offset, Tensor& to) {
  const auto add = [&](auto* dst, const auto* src) {
    for (std::int64_t i = 0; i < to.numel(); ++i) dst[i] += src[from_offset + i];
  };
  if (to.dtype() == kFloat32) add(to.data<float>(), from.data<float>());
  else add(to.data<double>(), from.data<double>());
}

std::string describe(const std::string& name, const Tensor& t) {
  return name + " " + detail::shape_str(t.shape()) + " " + dtype_name(t.dtype());
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every rank's description of its model; throws on every rank, naming the first difference,
// when they are not all rank 0's. Collective: every rank must call it.
void check_same_model(const std::string& mine) {
  const auto gather_string = [](const std::string& s) {
    // Lengths first, then the bytes padded to the longest, as int64 (what all_gather moves).
    const tensor_list lengths = all_gather(tensor({static_cast<double>(s.size())}, {1}, kInt64));
    std::int64_t longest = 0;
    for (const auto& l : lengths) longest = std::max(longest, l.item<std::int64_t>());
    std::vector<double> bytes(static_cast<std::size_t>(longest), 0.0);
    for (std::size_t i = 0; i < s.size(); ++i) bytes[i] = static_cast<unsigned char>(s[i]);
    const tensor_list all = all_gather(tensor(bytes, {longest}, kInt64));
    std::vector<std::string> out;
    for (std::size_t r = 0; r < all.size(); ++r) {
      std::string text;
      const auto v = all[r].to_vector<std::int64_t>();
      for (std::int64_t i = 0; i < lengths[r].item<std::int64_t>(); ++i) text += static_cast<char>(v[static_cast<std::size_t>(i)]);
      out.push_back(text);
    }
    return out;
  };
  const std::vector<std::string> models = gather_string(mine);
  const auto reference = lines_of(models[0]);
  for (std::size_t r = 1; r < models.size(); ++r) {
    if (models[r] == models[0]) continue;
    const auto other = lines_of(models[r]);
    std::size_t k = 0;
    while (k < reference.size() && k < other.size() && reference[k] == other[k]) ++k;
    fail("DistributedDataParallel: rank ", r, "'s model differs from rank 0's at entry ", k, ": rank 0 has ",
         k < reference.size() ? "'" + reference[k] + "'" : "nothing", ", rank ", r, " has ",
         k < other.size() ? "'" + other[k] + "'" : "nothing");
  }
}

// The cores this process may run on.
int usable_cores() {
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
#endif
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// DDPOptions::stream_block_mb resolved: the default streams only where every rank has a
// core for its communication thread. Collective, so every rank decides the same: ranks that
// disagreed would issue different collectives.
double stream_block_mb(const DDPOptions& options) {
  if (options.stream_block_mb() >= 0) return options.stream_block_mb();
  const int cores = usable_cores(), machine = static_cast<int>(std::thread::hardware_concurrency());
  // Not bound (it may run on the whole machine): the machine's ranks share those cores.
  const double mine = cores >= machine ? static_cast<double>(cores) / detail_pg::local_size() : cores;
  Tensor short_of_cores = tensor({mine >= get_num_threads() + 1 ? 0.0 : 1.0}, {1}, kInt64);
  all_reduce(short_of_cores, ReduceOp::Max);
  return short_of_cores.item<std::int64_t>() == 0 ? 1.0 : 0.0;
}

}  // namespace

void Reducer::on_ready(std::size_t i) {
  if (!sync) return;
  const auto arrived = std::chrono::steady_clock::now();
  Slot& s = slots[i];
  if (s.ready)
    fail("DistributedDataParallel: parameter '", s.name, "' received a second gradient before the all-reduce of the "
         "first finished");
  s.ready = true;
  in_progress = true;
  Tensor g = s.param.grad();
  if (stream && i == stream->slot) {
    // Rows the product did not hand over (it was not one that can, or the engine did not
    // stream): the accumulated gradient, now.
    if (stream->rows_sent < stream->rows) on_rows(stream->rows_sent, stream->rows, g, false);
  } else {
    Bucket& b = buckets[s.bucket];
    copy_elements(g, 0, b.flat, s.offset, g.numel());
    // Start every full bucket in bucket order, the same on every rank.
    if (--b.pending == 0)
      while (next_launch < buckets.size() && buckets[next_launch].pending == 0) {
        buckets[next_launch].work = all_reduce_async(buckets[next_launch].flat, ReduceOp::Average);
        ++next_launch;
      }
  }
  if (--pending == 0) finish(arrived);
}

// Rows [row0, row1) of the streamed gradient, at block boundaries: from inside backward,
// `fresh` is this backward's contribution, to which grad() (what no_sync backwards
// accumulated, if any) is added; afterwards, `fresh` is grad() itself.
void Reducer::on_rows(std::int64_t row0, std::int64_t row1, const Tensor& fresh, bool in_backward) {
  if (!sync) return;
  in_progress = true;
  Stream& st = *stream;
  if (row0 != st.rows_sent || row0 % st.block_rows != 0 || row1 > st.rows)
    fail("DistributedDataParallel: rows ", row0, " to ", row1, " of the gradient of '", slots[st.slot].name,
         "' arrived out of order (", st.rows_sent, " of ", st.rows, " rows sent)");
  const Tensor earlier = in_backward ? slots[st.slot].param.grad() : Tensor();
  for (std::int64_t r = row0; r < row1; r += st.block_rows) {
    const auto j = static_cast<std::size_t>(r / st.block_rows);
    Tensor& block = st.blocks[j];
    copy_elements(fresh, r * st.row_numel, block, 0, block.numel());
    if (earlier.defined()) add_elements(earlier, r * st.row_numel, block);
    st.work[j] = all_reduce_async(block, ReduceOp::Average);
    st.streamed_blocks += in_backward ? 1 : 0;
  }
  st.rows_sent = row1;
}

void Reducer::finish(std::chrono::steady_clock::time_point last_arrived) {
  for (auto& b : buckets) b.work.wait();
  if (stream)
    for (auto& w : stream->work) w.wait();
  // From the last gradient's arrival: launching its bucket, and the time the communication
  // thread held this core, are waiting too.
  last_wait_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - last_arrived).count();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    Slot& s = slots[i];
    Tensor g = s.param.grad();
    if (stream && i == stream->slot) {
      for (std::size_t j = 0; j < stream->blocks.size(); ++j)
        copy_elements(stream->blocks[j], 0, g, static_cast<std::int64_t>(j) * stream->block_rows * stream->row_numel,
                      stream->blocks[j].numel());
    } else {
      copy_elements(buckets[s.bucket].flat, s.offset, g, 0, g.numel());
    }
    s.ready = false;
  }
  for (auto& b : buckets) b.pending = b.count;
  if (stream) {
    last_streamed_blocks = stream->streamed_blocks;
    stream->rows_sent = 0;
    stream->streamed_blocks = 0;
  }
  next_launch = 0;
  pending = slots.size();
  in_progress = false;
}

DistributedDataParallel::DistributedDataParallel(nn::Module& module, DDPOptions options)
    : module_(module), options_(options), reducer_(std::make_unique<Reducer>()) {
  detail_pg::check_ready("DistributedDataParallel");  // before its first collective names itself
  if (!(options.bucket_cap_mb() > 0))
    fail("DistributedDataParallel: bucket_cap_mb must be positive, got ", options.bucket_cap_mb());
  register_module("module", module);
  // Each tensor once (tied weights appear under two names): all-reduced once, hooked once.
  const auto once = [](const NamedTensors& named) {
    NamedTensors out;
    for (const auto& item : named)
      if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.second.is_same(item.second); }))
        out.push_back(item);
    return out;
  };
  const NamedTensors params = once(module.named_parameters()), buffers = once(module.named_buffers());
  std::string mine;
  for (const auto& [name, p] : params) mine += "parameter " + describe(name, p) + "\n";
  for (const auto& [name, b] : buffers) mine += "buffer " + describe(name, b) + "\n";
  check_same_model(mine);
  {
    NoGradGuard no_grad;  // rank 0's values everywhere, whatever each rank's seed drew
    for (auto [name, t] : params) broadcast(t, 0);
    for (auto [name, t] : buffers) broadcast(t, 0);
  }
  // The first registered parameter's gradient is backward's last: streamed in row blocks
  // where it has two or more (with one rank there is nothing to overlap).
  auto& r = *reducer_;
  const auto first = std::find_if(params.begin(), params.end(), [](const auto& p) { return p.second.requires_grad(); });
  const double block_mb = stream_block_mb(options);
  // Not on a GPU: the product there does not hand rows over, and its gradient goes whole.
  if (first != params.end() && world_size() > 1 && block_mb > 0 && first->second.dim() >= 2 &&
      is_floating(first->second.dtype()) && first->second.device().is_cpu()) {
    const Tensor& p = first->second;
    const std::int64_t rows = p.shape()[0], row_numel = p.numel() / std::max<std::int64_t>(rows, 1);
    const double row_bytes = static_cast<double>(row_numel * static_cast<std::int64_t>(dtype_size(p.dtype())));
    const auto aligned = static_cast<std::int64_t>(block_mb * 1024 * 1024 / std::max(row_bytes, 1.0)) /
                         detail::kGemmRowAlign * detail::kGemmRowAlign;
    const std::int64_t block_rows = std::max(aligned, detail::kGemmRowAlign);
    if (rows > block_rows) {
      Reducer::Stream st;
      st.block_rows = block_rows;
      st.row_numel = row_numel;
      st.rows = rows;
      for (std::int64_t r0 = 0; r0 < rows; r0 += block_rows)
        st.blocks.push_back(zeros({std::min(block_rows, rows - r0) * row_numel}, p.dtype()));
      st.work.resize(st.blocks.size());
      r.stream = std::move(st);
    }
  }
  // Buckets in reverse registration order, one dtype each, up to bucket_cap_mb.
  const auto cap = static_cast<std::size_t>(options.bucket_cap_mb() * 1024 * 1024);
  std::size_t bytes = 0;
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const auto& [name, p] = *it;
    if (!p.requires_grad()) continue;
    if (r.stream && p.is_same(first->second)) {
      r.stream->slot = r.slots.size();
      r.slots.push_back({name, p, 0, 0});
      continue;
    }
    const std::size_t nbytes = static_cast<std::size_t>(p.numel()) * dtype_size(p.dtype());
    const bool new_bucket = r.buckets.empty() || bytes + nbytes > cap || r.buckets.back().flat.dtype() != p.dtype() ||
                            r.buckets.back().flat.device() != p.device();
    if (new_bucket) {
      r.buckets.emplace_back();
      // Its dtype and device (the parameters', so gradients are gathered where they are) until
      // its size is known.
      r.buckets.back().flat = zeros({0}, TensorOptions().dtype(p.dtype()).device(p.device()));
      bytes = 0;
    }
    auto& b = r.buckets.back();
    r.slots.push_back({name, p, b.numel, r.buckets.size() - 1});
    b.numel += p.numel();
    ++b.count;
    bytes += nbytes;
  }
  for (auto& b : r.buckets) {
    b.pending = b.count;
    b.flat = zeros({b.numel}, TensorOptions().dtype(b.flat.dtype()).device(b.flat.device()));
  }
  r.pending = r.slots.size();
  for (std::size_t i = 0; i < r.slots.size(); ++i)
    r.slots[i].hook =
        r.slots[i].param.register_post_accumulate_grad_hook([reducer = reducer_.get(), i](const Tensor&) { reducer->on_ready(i); });
  if (r.stream)
    autograd::set_row_stream(first->second, r.stream->block_rows,
                             [reducer = reducer_.get()](std::int64_t row0, std::int64_t row1, const Tensor& fresh) {
                               reducer->on_rows(row0, row1, fresh, true);
                             });
}

DistributedDataParallel::~DistributedDataParallel() {
  for (const auto& s : reducer_->slots) {
    try {
      s.param.remove_hook(s.hook);
    } catch (...) {  // the parameter was replaced or freed: nothing to remove
    }
  }
  if (reducer_->stream) {
    try {
      autograd::set_row_stream(reducer_->slots[reducer_->stream->slot].param, 0, nullptr);
    } catch (...) {
    }
  }
}

Tensor DistributedDataParallel::forward(const Tensor& x) {
  if (reducer_->in_progress) {
    std::string missing;
    for (const auto& s : reducer_->slots)
      if (!s.ready) missing += (missing.empty() ? "" : ", ") + s.name;
    fail("DistributedDataParallel: the previous backward produced no gradient for ", missing,
         ": every parameter that requires grad must contribute to the loss (freeze the others with requires_grad_(false) "
         "before wrapping the model)");
  }
  if (options_.broadcast_buffers() && world_size() > 1) {
    NoGradGuard no_grad;
    for (auto t : module_.buffers()) broadcast(t, 0);
  }
  return module_(x);
}

double DistributedDataParallel::last_sync_wait_ms() const { return reducer_->last_wait_ms; }
int DistributedDataParallel::last_streamed_blocks() const { return reducer_->last_streamed_blocks; }

std::vector<std::int64_t> DistributedDataParallel::bucket_sizes() const {
  std::vector<std::int64_t> out;
  for (const auto& b : reducer_->buckets) out.push_back(b.flat.numel());
  return out;
}

DistributedDataParallel::NoSync::NoSync(DistributedDataParallel& ddp) : ddp_(ddp), previous_(ddp.reducer_->sync) {
  ddp_.reducer_->sync = false;
}
DistributedDataParallel::NoSync::~NoSync() { ddp_.reducer_->sync = previous_; }

// One file for the model and the optimizer, written atomically: a checkpoint is either the
// old one or the new one, never a model of step N with the optimizer of step N + 1 (two
// files written one after the other could be; a kill between them made that happen).
void save_checkpoint(const nn::Module& model, const optim::Optimizer* optimizer, const std::string& path) {
  detail::CallScope call("save_checkpoint");
  if (rank() == 0) {
    NamedTensors entries;
    entries.emplace_back(kCheckpointKey, scalar_tensor(1, kInt64));  // the format
    for (auto& [name, t] : nn::saved_state(model)) entries.emplace_back("model." + name, t);
    if (optimizer)
      for (auto& [name, t] : optimizer->state_dict()) entries.emplace_back("optimizer." + name, t);
    save_npz(entries, path);
  }
  barrier();
}

bool resume(nn::Module& model, optim::Optimizer* optimizer, const std::string& path) {
  detail::CallScope call("resume");
  const bool here = std::ifstream(path).good();
  Tensor count = tensor({here ? 1.0 : 0.0}, {1}, kInt64);
  all_reduce(count);
  const auto ranks_with_it = count.item<std::int64_t>();
  if (ranks_with_it == 0) return false;
  if (ranks_with_it != world_size())
    fail("xg::dist::resume: ", path, " is readable on ", ranks_with_it, " of ", world_size(),
         " ranks; every rank reads the checkpoint (put it on a file system they share)");
  const NamedTensors entries = load_npz(path);
  const bool one_file = std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.first == kCheckpointKey; });
  if (!one_file) {
    // A checkpoint from before they were one file: the model here, the optimizer beside it.
    // Its optimizer file missing is an error, not "no checkpoint": that restarted training
    // and overwrote the model.
    const std::string opt_path = path + ".optimizer.npz";
    if (optimizer && !std::ifstream(opt_path).good())
      fail("xg::dist::resume: ", path, " is an older two-file checkpoint whose optimizer state ", opt_path,
           " is missing; restore it, or resume with a null optimizer (its state starts afresh)");
    xg::load(model, path);
    if (optimizer) xg::load(*optimizer, opt_path);
    return true;
  }
  NamedTensors model_state, optimizer_state;
  for (const auto& [name, t] : entries) {
    if (name.rfind("model.", 0) == 0) model_state.emplace_back(name.substr(6), t);
    else if (name.rfind("optimizer.", 0) == 0) optimizer_state.emplace_back(name.substr(10), t);
    else if (name != kCheckpointKey) fail("xg::dist::resume: ", path, " has an unexpected entry '", name, "'");
  }
  if (optimizer && optimizer_state.empty())
    fail("xg::dist::resume: ", path, " holds no optimizer state (it was saved without one); resume with a null "
         "optimizer, or save_checkpoint with one");
  nn::load_state(model, model_state, path);
  if (optimizer) {
    try {
      optimizer->load_state_dict(optimizer_state);
    } catch (const Error& e) {
      fail("xg::dist::resume: ", path, ": ", e.what());
    }
  }
  return true;
}

}  // namespace xg::dist
