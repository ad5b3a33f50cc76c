// Reproducible random numbers: the same seed gives the same tensors on every compiler and
// standard library. std::mt19937_64's sequence is fixed by the C++ standard; the
// distributions are our own (std::normal_distribution's output is implementation-defined).
#pragma once

#include <cstdint>
#include <memory>

#include <xgrad/tensor.h>

namespace xg {

/// The algorithm behind a Generator. kMt19937_64 (the default): the C++ standard's
/// sequential engine, the CPU's stream since xgrad began. kPhilox: Philox4x32-10, counter
/// based: element i of a tensor drawn at offset o is a pure function of (seed, o + i), so the
/// same generator state draws the same bits on the CPU and on CUDA, on any thread count (how
/// to compare a dropout mask across devices; docs/design.md "Random numbers").
enum class RandomEngine : std::uint8_t { Mt19937_64, Philox4x32 };
inline constexpr RandomEngine kMt19937_64 = RandomEngine::Mt19937_64;
inline constexpr RandomEngine kPhilox = RandomEngine::Philox4x32;

/// A seedable source of uniform, normal and integer variates.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0, RandomEngine engine = kMt19937_64);
  ~Generator();
  Generator(const Generator& other);
  Generator& operator=(const Generator& other);
  /// Restarts the stream from `seed` (a Philox offset goes back to 0).
  void seed_(std::uint64_t seed);
  RandomEngine engine() const { return engine_kind_; }
  /// The seed of the last seed_ (libtorch's name).
  std::uint64_t current_seed() const { return seed_value_; }
  /// Philox only: how many elements have been drawn since seeding, each draw's counter
  /// (libtorch's names); an xg::Error for kMt19937_64, whose state is not a counter.
  std::uint64_t get_offset() const;
  void set_offset(std::uint64_t offset);
  /// Raw 64 random bits.
  std::uint64_t next_u64();
  /// Uniform on [0, 1), 53 random bits.
  double uniform();
  /// Standard normal (Box-Muller; mt19937_64 caches the second value of each pair, Philox
  /// draws one per counter).
  double normal();
  /// Uniform integer in [0, n): rejection sampling for mt19937_64 (no bias); a multiply-high
  /// for Philox (one counter per draw; bias below n / 2^64).
  std::uint64_t below(std::uint64_t n);

 private:
  struct Mt;  // std::mt19937_64, kept out of this header (<random> is slow to compile)
  std::unique_ptr<Mt> mt_;
  RandomEngine engine_kind_ = kMt19937_64;
  std::uint64_t seed_value_ = 0;
  std::uint64_t offset_ = 0;  // Philox: the next counter
  double cached_normal_ = 0.0;
  bool has_cached_ = false;
};

/// The global generator behind rand, randn, randint, randperm, initialisers and dropout for
/// CPU tensors (mt19937_64, seed 0). Tensors drawn on CUDA use the CUDA generator (Philox,
/// seed 0; xg::cuda::manual_seed), unless a GeneratorGuard names a Philox generator.
/// Those functions lock it for each tensor they fill, so they are safe to call from
/// several threads; calling its own methods directly from several threads is not.
Generator& default_generator();
/// Seeds the global generator and the CUDA generator (libtorch: every device).
void manual_seed(std::uint64_t seed);

/// Makes `gen` this thread's generator for rand, randn, randint, randperm, initialisers
/// and dropout until the guard ends (guards nest), on every device (a CUDA tensor needs a
/// kPhilox generator). With the shared global generator, what
/// each of two threads draws depends on how they interleave; with a generator per thread,
/// each thread's numbers depend only on its own seed:
///     xg::Generator gen(seed + worker);  xg::GeneratorGuard use(gen);  // in each thread
class GeneratorGuard {
 public:
  explicit GeneratorGuard(Generator& gen);
  ~GeneratorGuard();
  GeneratorGuard(const GeneratorGuard&) = delete;
  GeneratorGuard& operator=(const GeneratorGuard&) = delete;

 private:
  Generator* previous_;
};

/// Uniform on [0, 1) (float32 unless a dtype is given).
Tensor rand(const Shape& shape, const TensorOptions& options = {});
/// Standard normal.
Tensor randn(const Shape& shape, const TensorOptions& options = {});
/// One integer for a 1-D shape, as creation.h's: `xg::randn(3)`.
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor rand(I n, const TensorOptions& options = {}) { return rand(Shape{static_cast<std::int64_t>(n)}, options); }
template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
Tensor randn(I n, const TensorOptions& options = {}) { return randn(Shape{static_cast<std::int64_t>(n)}, options); }
/// Uniform integers in [low, high) (int64 unless a dtype is given).
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& options = {});
/// randint(0, high, shape): libtorch's two-argument form.
Tensor randint(std::int64_t high, const Shape& shape, const TensorOptions& options = {});
/// A random permutation of 0..n-1 (int64).
Tensor randperm(std::int64_t n, const TensorOptions& options = {});

}  // namespace xg
