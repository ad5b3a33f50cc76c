// The reproducible generator and the random creation functions.
#include <xgrad/detail/format.h>
#include <cmath>
#include <mutex>
#include <random>

#include <xgrad/cuda.h>
#include <xgrad/random.h>

#include "tensor/checked.h"
#include "tensor/cuda/capture.h"
#include "tensor/cuda/kernels.h"
#include "tensor/kernels.h"
#include "tensor/parallel.h"
#include "tensor/philox.h"
#include "tensor/tensor_impl.h"

namespace xg {

struct Generator::Mt {
  std::mt19937_64 mt;
};

Generator::Generator(std::uint64_t seed, RandomEngine engine) : engine_kind_(engine) {
  if (engine_kind_ == kMt19937_64) mt_ = std::make_unique<Mt>();
  seed_(seed);
}
Generator::~Generator() = default;
Generator::Generator(const Generator& other)
    : mt_(other.mt_ ? std::make_unique<Mt>(*other.mt_) : nullptr),
      engine_kind_(other.engine_kind_),
      seed_value_(other.seed_value_),
      offset_(other.offset_),
      cached_normal_(other.cached_normal_),
      has_cached_(other.has_cached_) {}
Generator& Generator::operator=(const Generator& other) {
  if (this != &other) {
    mt_ = other.mt_ ? std::make_unique<Mt>(*other.mt_) : nullptr;
    engine_kind_ = other.engine_kind_;
    seed_value_ = other.seed_value_;
    offset_ = other.offset_;
    cached_normal_ = other.cached_normal_;
    has_cached_ = other.has_cached_;
  }
  return *this;
}

void Generator::seed_(std::uint64_t seed) {
  if (mt_) mt_->mt.seed(seed);
  seed_value_ = seed;
  offset_ = 0;
  has_cached_ = false;
}

std::uint64_t Generator::get_offset() const {
  if (engine_kind_ != kPhilox) fail("Generator::get_offset: only a Philox generator has an offset (this one is mt19937_64)");
  return offset_;
}

void Generator::set_offset(std::uint64_t offset) {
  if (engine_kind_ != kPhilox) fail("Generator::set_offset: only a Philox generator has an offset (this one is mt19937_64)");
  offset_ = offset;
}

// Philox's scalar draws take one counter each, exactly as element offset_ of a tensor would:
// n calls of uniform() give the values of rand({n}, kFloat64).
std::uint64_t Generator::next_u64() {
  if (!mt_) {
    const auto r = detail::philox::at(seed_value_, offset_++);
    return detail::philox::u64(r.w[0], r.w[1]);
  }
  return mt_->mt();
}

double Generator::uniform() {
  if (!mt_) return detail::philox::uniform_double(detail::philox::at(seed_value_, offset_++));
  return static_cast<double>(mt_->mt() >> 11) * 0x1.0p-53;
}

double Generator::normal() {
  if (!mt_) return detail::philox::normal(detail::philox::at(seed_value_, offset_++));
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
  if (!mt_) return detail::philox::below(detail::philox::at(seed_value_, offset_++), n);
  // Rejection sampling: discard the top partial block so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t r;
  do r = mt_->mt();
  while (r >= limit);
  return r % n;
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

namespace {

// One CUDA generator for all CUDA devices (v1 computes on cuda:0); Philox, so its draws
// are reproducible on the host.
Generator& cuda_generator() {
  static Generator gen(0, kPhilox);
  return gen;
}

std::mutex& default_mutex() {  // guards both global generators
  static std::mutex m;
  return m;
}

thread_local Generator* t_generator = nullptr;  // set by GeneratorGuard

// The generator this thread draws from for a tensor on `device`, held for the duration of
// one tensor's fill: the thread's own (no lock needed), or a global one under its mutex.
class Lease {
 public:
  Lease(const Device& device, const char* op) : gen_(t_generator) {
    if (gen_) {
      if (!device.is_cpu() && gen_->engine() != kPhilox)
        fail(op, ": a tensor on ", device.str(),
             " draws from a Philox generator, and the GeneratorGuard's generator is mt19937_64; make it with "
             "xg::Generator(seed, xg::kPhilox)");
      return;
    }
    lock_ = std::unique_lock<std::mutex>(default_mutex());
    gen_ = device.is_cpu() ? &default_generator() : &cuda_generator();
  }
  Generator& operator*() const { return *gen_; }

 private:
  std::unique_lock<std::mutex> lock_;
  Generator* gen_;
};

// Element i of a Philox draw is value(philox(seed, offset + i)): independent of every other
// element, so the fill splits over threads with the same bits, and the CUDA kernel
// (fill_philox_on) draws the same values.
template <class Value>
Tensor fill_philox(const Shape& shape, Dtype dtype, Generator& g, Value value) {
  Tensor t = detail::make_tensor(shape, dtype);
  const std::uint64_t seed = g.current_seed(), offset = g.get_offset();
  detail::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    detail::parallel_elements(t.numel(), 40.0, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i)
        p[i] = value(detail::philox::at(seed, offset + static_cast<std::uint64_t>(i)), T{});
    });
  });
  g.set_offset(offset + static_cast<std::uint64_t>(t.numel()));
  return t;
}

// The same draw made on a GPU (tensor/cuda/random.cu): no host buffer, no copy, no wait.
// Inside a CUDA graph capture the kernel reads (seed, offset) from two words the graph owns,
// written before each replay from the generator, which then advances as an eager draw would:
// every replay draws new numbers (PyTorch's graph-safe Philox state).
Tensor fill_philox_on(const Device& device, const Shape& shape, Dtype dtype, Generator& g, detail::gpu::PhiloxDraw draw,
                      const char* op, std::uint64_t span = 0, std::int64_t low = 0) {
  Tensor t = detail::make_tensor(shape, dtype, device);
  const auto n = static_cast<std::uint64_t>(t.numel());
  if (detail::gpu::capturing()) {
    if (&g != &cuda_generator())
      fail(op, ": inside a CUDA graph capture, draws come from the CUDA generator (xg::cuda::manual_seed), not a "
           "GeneratorGuard's generator: a replay advances the generator it drew from, which must outlive the graph");
    auto* words = static_cast<std::uint64_t*>(detail::gpu::capture_scratch(2 * sizeof(std::uint64_t), op));
    detail::gpu::before_each_replay([words, n](detail::gpu::ReplayWriter& w) {
      std::lock_guard<std::mutex> lock(default_mutex());
      Generator& gen = cuda_generator();
      const std::uint64_t v[2] = {gen.current_seed(), gen.get_offset()};
      gen.set_offset(v[1] + n);
      w.write(words, v, sizeof v);
    });
    if (n > 0) detail::gpu::philox_fill(t, draw, 0, 0, span, low, words);
    return t;
  }
  const std::uint64_t offset = g.get_offset();
  if (n > 0) detail::gpu::philox_fill(t, draw, g.current_seed(), offset, span, low);
  g.set_offset(offset + n);
  return t;
}

template <class Draw>
Tensor fill_sequential(const Shape& shape, Dtype dtype, Draw draw) {
  Tensor t = detail::make_tensor(shape, dtype);
  detail::dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = draw(T{});
  });
  return t;
}

// A float32 uniform from 53 bits: the cast rounds to nearest, and the values above
// 1 - 2^-25 would become 1.0f; they are kept below 1 (rand's interval is [0, 1)).
template <class T>
T below_one(double u) {
  const T v = static_cast<T>(u);
  return v < T(1) ? v : std::nextafter(T(1), T(0));
}

}  // namespace

void manual_seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(default_mutex());
  default_generator().seed_(seed);
  cuda_generator().seed_(seed);
}

void cuda::manual_seed(std::uint64_t seed) {
  // Host state only, so it works (and is harmless) without CUDA, as libtorch's.
  std::lock_guard<std::mutex> lock(default_mutex());
  cuda_generator().seed_(seed);
}

GeneratorGuard::GeneratorGuard(Generator& gen) : previous_(t_generator) { t_generator = &gen; }
GeneratorGuard::~GeneratorGuard() { t_generator = previous_; }

Tensor rand(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("rand");
  const Dtype dtype = detail::checked_dtype(options, kFloat32, "rand");
  if (!is_floating(dtype)) fail("rand: dtype must be float32 or float64, got ", dtype_name(dtype));
  Lease g(options.device(), "rand");
  if (!options.device().is_cpu())
    return detail::finish_creation(fill_philox_on(options.device(), shape, dtype, *g, detail::gpu::PhiloxDraw::kUniform, "rand"),
                                   options);
  if ((*g).engine() == kPhilox)
    return detail::finish_creation(fill_philox(shape, dtype, *g, [](const detail::philox::Words& r, auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float>) return detail::philox::uniform_float(r);
      else return static_cast<T>(detail::philox::uniform_double(r));
    }), options);
  return detail::finish_creation(fill_sequential(shape, dtype, [&](auto tag) {
    return below_one<decltype(tag)>((*g).uniform());
  }), options);
}

Tensor randn(const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("randn");
  const Dtype dtype = detail::checked_dtype(options, kFloat32, "randn");
  if (!is_floating(dtype)) fail("randn: dtype must be float32 or float64, got ", dtype_name(dtype));
  Lease g(options.device(), "randn");
  if (!options.device().is_cpu())
    return detail::finish_creation(fill_philox_on(options.device(), shape, dtype, *g, detail::gpu::PhiloxDraw::kNormal, "randn"),
                                   options);
  if ((*g).engine() == kPhilox)
    return detail::finish_creation(fill_philox(shape, dtype, *g, [](const detail::philox::Words& r, auto tag) {
      return static_cast<decltype(tag)>(detail::philox::normal(r));
    }), options);
  return detail::finish_creation(fill_sequential(shape, dtype, [&](auto tag) {
    return static_cast<decltype(tag)>((*g).normal());
  }), options);
}

Tensor rand_like(const Tensor& x, const TensorOptions& options) { return rand(x.shape(), detail::like(x, options)); }
Tensor randn_like(const Tensor& x, const TensorOptions& options) { return randn(x.shape(), detail::like(x, options)); }

Tensor randint_like(const Tensor& x, std::int64_t high, const TensorOptions& options) {
  return randint(0, high, x.shape(), detail::like(x, options));
}
Tensor randint_like(const Tensor& x, std::int64_t low, std::int64_t high, const TensorOptions& options) {
  return randint(low, high, x.shape(), detail::like(x, options));
}

Tensor randint(std::int64_t high, const Shape& shape, const TensorOptions& options) {
  return randint(0, high, shape, options);
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& options) {
  detail::CallScope call("randint");
  const Dtype dtype = detail::checked_dtype(options, kInt64, "randint");
  if (high <= low) fail("randint: empty range [", low, ", ", high, ")");
  Lease g(options.device(), "randint");
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);  // no signed overflow
  const auto shift = [low](std::uint64_t k) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + k);
  };
  if (!options.device().is_cpu())
    return detail::finish_creation(
        fill_philox_on(options.device(), shape, dtype, *g, detail::gpu::PhiloxDraw::kBelow, "randint", span, low), options);
  if ((*g).engine() == kPhilox)
    return detail::finish_creation(fill_philox(shape, dtype, *g, [&](const detail::philox::Words& r, auto tag) {
      return static_cast<decltype(tag)>(shift(detail::philox::below(r, span)));
    }), options);
  return detail::finish_creation(fill_sequential(shape, dtype, [&](auto tag) {
    return static_cast<decltype(tag)>(shift((*g).below(span)));
  }), options);
}

Tensor randperm(std::int64_t n, const TensorOptions& options) {
  detail::CallScope call("randperm");
  const Dtype dtype = detail::checked_dtype(options, kInt64, "randperm");
  if (n < 0) fail("randperm: negative length ", n);
  Tensor t = arange(static_cast<double>(n));
  auto* p = t.data<std::int64_t>();
  Lease g(options.device(), "randperm");
  // Fisher-Yates, on the host on every device (a permutation's swaps are sequential).
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[static_cast<std::int64_t>((*g).below(static_cast<std::uint64_t>(i + 1)))]);
  return detail::finish_creation(dtype == kInt64 ? t : kernel::cast(t, dtype), options);
}

}  // namespace xg
