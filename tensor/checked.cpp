// The checks every size computed from arguments or files goes through (tensor/checked.h):
// element counts and byte sizes that must fit in int64, the sums and products of sizes, the
// allocation limit, and the name of the user's call that errors carry (CallScope).
#include <xgrad/detail/format.h>
#include <unistd.h>

#include <atomic>
#include <sstream>
#include <string>

#include "tensor/checked.h"

namespace xg {

namespace detail {

bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t* out) {
  std::int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return false;
  *out = r;
  return true;
}

std::int64_t checked_numel(const Shape& shape, std::string_view what) {
  std::int64_t span = 1;  // the product of the non-zero sizes: the largest stride times its size
  bool empty = false, overflow = false;
  for (auto d : shape) {
    if (d < 0) fail(what, ": negative dimension in shape ", shape_str(shape));
    empty |= d == 0;
    overflow |= !checked_mul(span, d == 0 ? 1 : d, &span);
  }
  if (overflow && empty)
    fail(what, ": shape ", shape_str(shape), " has strides that overflow int64 (the product of its non-zero sizes)");
  if (overflow) fail(what, ": shape ", shape_str(shape), " has more elements than fit in int64");
  return empty ? 0 : span;
}

std::size_t checked_nbytes(const Shape& shape, std::size_t itemsize, std::string_view what) {
  if (std::size_t fit; nbytes_fit(shape, itemsize, &fit)) return fit;
  std::int64_t bytes;  // it does not fit: find which product overflows, for the message
  if (!checked_mul(checked_numel(shape, what), static_cast<std::int64_t>(itemsize), &bytes))
    fail(what, ": shape ", shape_str(shape), " needs more than 2^63 bytes");
  return static_cast<std::size_t>(bytes);
}

namespace {
thread_local const char* g_call = nullptr;
std::atomic<std::size_t> g_allocation_limit{0};  // 0: physical memory

std::size_t physical_memory() {
  static const std::size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page)
                                 : std::size_t{1} << 40;
  }();
  return bytes;
}

std::string bytes_str(std::size_t bytes) {
  std::ostringstream os;
  os.precision(3);
  if (bytes >= (std::size_t{1} << 30)) os << static_cast<double>(bytes) / static_cast<double>(1u << 30) << " GiB";
  else if (bytes >= (std::size_t{1} << 20)) os << static_cast<double>(bytes) / static_cast<double>(1u << 20) << " MiB";
  else os << bytes << " bytes";
  return os.str();
}
}  // namespace

const char* current_call() { return g_call; }
const char* call_or(const char* name) { return g_call ? g_call : name; }

CallScope::CallScope(const char* name) : previous_(g_call) {
  if (!g_call) g_call = name;
}
CallScope::~CallScope() { g_call = previous_; }

std::int64_t size_add(std::int64_t a, std::int64_t b, const char* op, const char* what) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) fail(op, ": ", what, " overflows int64 (", a, " + ", b, ")");
  return r;
}
std::int64_t size_sub(std::int64_t a, std::int64_t b, const char* op, const char* what) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) fail(op, ": ", what, " overflows int64 (", a, " - ", b, ")");
  return r;
}
std::int64_t size_mul(std::int64_t a, std::int64_t b, const char* op, const char* what) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail(op, ": ", what, " overflows int64 (", a, " * ", b, ")");
  return r;
}

void check_allocation(std::size_t bytes, const char* op, const std::string& what) {
  const std::size_t limit = allocation_limit();
  if (bytes > limit)
    fail(op, ": ", what, " would take ", bytes_str(bytes), ", more than the allocation limit of ", bytes_str(limit),
         g_allocation_limit == 0 ? " (this machine's memory; see xg::set_allocation_limit)" : " (xg::set_allocation_limit)");
}

std::size_t checked_buffer(std::int64_t count, std::size_t itemsize, const char* op, const char* what) {
  if (count < 0) fail(op, ": ", what, " has a negative size ", count);
  std::int64_t bytes;
  if (!checked_mul(count, static_cast<std::int64_t>(itemsize), &bytes))
    fail(op, ": ", what, " of ", count, " elements needs more than 2^63 bytes");
  check_allocation(static_cast<std::size_t>(bytes), op, what);
  return static_cast<std::size_t>(bytes);
}

void rethrow_as(const Error& e, const std::string& from, const std::string& to) {
  std::string what = e.what();
  const std::string prefix = from + ": ";
  if (what.compare(0, prefix.size(), prefix) == 0) what = to + ": " + what.substr(prefix.size());
  throw Error(what);
}

std::int64_t parse_size(const std::string& text, const std::string& what) {
  std::int64_t v = 0;
  if (text.empty()) fail(what, ": '' is not a non-negative integer");
  for (const char c : text)
    if (c < '0' || c > '9' || !checked_mul(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v))
      fail(what, ": '", text, "' is not a non-negative integer that fits in int64");
  return v;
}

}  // namespace detail

void set_allocation_limit(std::size_t bytes) { detail::g_allocation_limit = bytes; }
std::size_t allocation_limit() {
  const std::size_t set = detail::g_allocation_limit;
  return set ? set : detail::physical_memory();
}

}  // namespace xg
