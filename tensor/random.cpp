// The reproducible generator and the random creation functions.
#include <xgrad/detail/format.h>
#include <cmath>
#include <mutex>
#include <random>

#include <xgrad/random.h>

#include "tensor/checked.h"
#include "tensor/kernels.h"
#include "tensor/tensor_impl.h"

namespace xg {

struct Generator::Engine {
  std::mt19937_64 mt;
};

Generator::Generator(std::uint64_t seed) : engine_(std::make_unique<Engine>()) { seed_(seed); }
Generator::~Generator() = default;
Generator::Generator(const Generator& other)
    : engine_(std::make_unique<Engine>(*other.engine_)), cached_normal_(other.cached_normal_), has_cached_(other.has_cached_) {}
Generator& Generator::operator=(const Generator& other) {
  *engine_ = *other.engine_;
  cached_normal_ = other.cached_normal_;
  has_cached_ = other.has_cached_;
  return *this;
}

void Generator::seed_(std::uint64_t seed) {
  engine_->mt.seed(seed);
  has_cached_ = false;
}

std::uint64_t Generator::next_u64() { return engine_->mt(); }

double Generator::uniform() { return static_cast<double>(engine_->mt() >> 11) * 0x1.0p-53; }

double Generator::normal() {
  if (has_cached_) {
    has_cached_ = false;
    return cached_normal_;
  }
  // Box-Muller on (0, 1] x [0, 1): u1 is never 0, so log is finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  cached_normal_ = r * std::sin(theta);
  has_cached_ = true;
  return r * std::cos(theta);
}

std::uint64_t Generator::below(std::uint64_t n) {
  if (n == 0) fail("Generator::below: empty range");
  // Rejection sampling: discard the top partial block so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t r;
  do r = engine_->mt();
  while (r >= limit);
  return r % n;
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

namespace {

std::mutex& default_mutex() {
  static std::mutex m;
  return m;
}

thread_local Generator* t_generator = nullptr;  // set by GeneratorGuard

// The generator this thread draws from, held for the duration of one tensor's fill: the
// thread's own (no lock needed), or the global one under its mutex.
class Lease {
 public:
  Lease() : gen_(t_generator) {
    if (!gen_) {
      lock_ = std::unique_lock<std::mutex>(default_mutex());
      gen_ = &default_generator();
    }
  }
  Generator& operator*() const { return *gen_; }

 private:
  std::unique_lock<std::mutex> lock_;
  Generator* gen_;
};

}  // namespace

void manual_seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(default_mutex());
  default_generator().seed_(seed);
}

GeneratorGuard::GeneratorGuard(Generator& gen) : previous_(t_generator) { t_generator = &gen; }
GeneratorGuard::~GeneratorGuard() { t_generator = previous_; }

template <class Draw>
static Tensor fill_random(const Shape& shape, Dtype dtype, Draw draw) {
  Tensor t = detail::make_tensor(shape, dtype);
  detail::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(draw());
  });
  return t;
}

Tensor rand(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("rand");
  const Dtype dtype = detail::checked_dtype(options, kFloat32, "rand");
  if (!is_floating(dtype)) fail("rand: dtype must be float32 or float64, got ", dtype_name(dtype));
  Lease g;
  return detail::finish_creation(fill_random(shape, dtype, [&] { return (*g).uniform(); }), options);
}

Tensor randn(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("randn");
  const Dtype dtype = detail::checked_dtype(options, kFloat32, "randn");
  if (!is_floating(dtype)) fail("randn: dtype must be float32 or float64, got ", dtype_name(dtype));
  Lease g;
  return detail::finish_creation(fill_random(shape, dtype, [&] { return (*g).normal(); }), options);
}

Tensor rand_like(const Tensor& x, const TensorOptions& options) { return rand(x.shape(), detail::like(x, options)); }
Tensor randn_like(const Tensor& x, const TensorOptions& options) { return randn(x.shape(), detail::like(x, options)); }

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("randint");
  const Dtype dtype = detail::checked_dtype(options, kInt64, "randint");
  if (high <= low) fail("randint: empty range [", low, ", ", high, ")");
  Lease g;
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);  // no signed overflow
  return detail::finish_creation(fill_random(shape, dtype, [&] {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + (*g).below(span));
  }), options);
}

Tensor randperm(std::int64_t n, const TensorOptions& options) {
  detail::CallScope call("randperm");
  const Dtype dtype = detail::checked_dtype(options, kInt64, "randperm");
  if (n < 0) fail("randperm: negative length ", n);
  Tensor t = arange(static_cast<double>(n));
  auto* p = t.data<std::int64_t>();
  Lease g;
  // Fisher-Yates.
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[static_cast<std::int64_t>((*g).below(static_cast<std::uint64_t>(i + 1)))]);
  return detail::finish_creation(dtype == kInt64 ? t : kernel::cast(t, dtype), options);
}

}  // namespace xg
