// Reproducible random numbers: the same seed gives the same tensors on every compiler and
// standard library. std::mt19937_64's sequence is fixed by the C++ standard; the
// distributions are our own (std::normal_distribution's output is implementation-defined).
#pragma once

#include <cstdint>
#include <memory>

#include <xgrad/tensor.h>

namespace xg {

/// A seedable source of uniform, normal and integer variates.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0);
  ~Generator();
  Generator(const Generator& other);
  Generator& operator=(const Generator& other);
  void seed_(std::uint64_t seed);
  /// Raw 64 random bits.
  std::uint64_t next_u64();
  /// Uniform on [0, 1), 53 random bits.
  double uniform();
  /// Standard normal (Box-Muller, the second value of each pair cached).
  double normal();
  /// Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n);

 private:
  struct Engine;  // std::mt19937_64, kept out of this header (<random> is slow to compile)
  std::unique_ptr<Engine> engine_;
  double cached_normal_ = 0.0;
  bool has_cached_ = false;
};

/// The global generator behind rand, randn, randint, randperm, initialisers and dropout.
/// Those functions lock it for each tensor they fill, so they are safe to call from
/// several threads; calling its own methods directly from several threads is not.
Generator& default_generator();
/// Seeds the global generator.
void manual_seed(std::uint64_t seed);

/// Makes `gen` this thread's generator for rand, randn, randint, randperm, initialisers
/// and dropout until the guard ends (guards nest). With the shared global generator, what
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
/// Uniform integers in [low, high) (int64 unless a dtype is given).
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& options = {});
/// A random permutation of 0..n-1 (int64).
Tensor randperm(std::int64_t n, const TensorOptions& options = {});

}  // namespace xg
