// Helpers shared by the tests: value comparison and error-message assertions.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <xgrad/detail/sanitizers.h>
#include <xgrad/testing.h>
#include <xgrad/xgrad.h>

namespace xg::test {

/// Every element of x is within tol of the expected value (and the count matches).
inline ::testing::AssertionResult values_near(const Tensor& x, const std::vector<double>& expected, double tol = 1e-6) {
  const auto v = x.to_vector<double>();
  if (v.size() != expected.size())
    return ::testing::AssertionFailure() << "got " << v.size() << " values, expected " << expected.size() << ": " << x;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!(std::fabs(v[i] - expected[i]) <= tol))
      return ::testing::AssertionFailure() << "element " << i << " is " << repr(v[i]) << ", expected "
                                           << repr(expected[i]) << " (tol " << tol << "): " << x;
  return ::testing::AssertionSuccess();
}

/// The largest |a - b| (shapes must match: a mismatch fails the test and gives 1e300).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return 1e300;
  return (a - b).abs().max().item();
}

/// This process's resident set in KiB (Linux's /proc/self/status VmRSS), or -1.
inline long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key)
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
  return -1;
}

/// Whether a shared library whose path contains `name` is mapped into this process.
inline bool library_mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(name) != std::string::npos) return true;
  return false;
}

/// A float64 tensor requiring grad, from values and shape.
inline Tensor param(const std::vector<double>& values, const Shape& shape) {
  return tensor(values, shape, kFloat64).requires_grad_();
}

/// A float64 standard-normal tensor requiring grad (seeded by the caller).
inline Tensor randp(const Shape& shape) { return randn(shape, kFloat64).requires_grad_(); }

/// The array `key` of tests/fixtures/<file> (PyTorch's values, made by scripts/), loaded
/// once per file; a missing key fails the test when `required`, else gives undefined.
inline Tensor fixture(const std::string& file, const std::string& key, bool required = true) {
  static std::map<std::string, NamedTensors> loaded;
  auto it = loaded.find(file);
  if (it == loaded.end()) it = loaded.emplace(file, load_npz(std::string(XGRAD_TEST_DIR) + "/fixtures/" + file)).first;
  for (const auto& [name, t] : it->second)
    if (name == key) return t;
  if (required) ADD_FAILURE() << "no fixture " << key << " in " << file;
  return {};
}

/// The inputs <name>.in0, .in1, ... of a case in tests/fixtures/<file>, as fresh leaves
/// requiring grad (the cached fixtures are left as they are).
inline tensor_list fixture_inputs(const std::string& file, const std::string& name, std::size_t count) {
  tensor_list in;
  for (std::size_t i = 0; i < count; ++i)
    in.push_back(fixture(file, name + ".in" + std::to_string(i)).clone().requires_grad_());
  return in;
}

/// A case's int64 inputs <name>.in<first> ... (indices, labels), as stored: not differentiated.
inline tensor_list fixture_ints(const std::string& file, const std::string& name, std::size_t first, std::size_t count) {
  tensor_list in;
  for (std::size_t i = first; i < first + count; ++i) in.push_back(fixture(file, name + ".in" + std::to_string(i)));
  return in;
}

/// Expects y, computed from `inputs`, to be the case's <name>.y (within y_tol) and the
/// gradient of sum(y * <name>.gy) for each input to be <name>.g<j> (within g_tol), by a
/// plain backward and under create_graph: a composed create_graph rule can give the wrong
/// gradient where gradgradcheck, which checks only its own derivative, still passes.
inline void expect_fixture_case(const std::string& file, const std::string& name, const Tensor& y,
                                const tensor_list& inputs, double y_tol, double g_tol) {
  const Tensor want = fixture(file, name + ".y");
  ASSERT_EQ(y.shape(), want.shape());
  EXPECT_LT(max_abs_diff(y, want), y_tol);
  for (const bool create_graph : {false, true}) {
    const auto g = grad({(y * fixture(file, name + ".gy")).sum()}, inputs, {}, true, create_graph);
    for (std::size_t j = 0; j < inputs.size(); ++j)
      EXPECT_LT(max_abs_diff(g[j], fixture(file, name + ".g" + std::to_string(j))), g_tol)
          << "input " << j << (create_graph ? ", create_graph" : "");
  }
}

}  // namespace xg::test

/// Expects `stmt` to throw xg::Error whose message contains every given fragment.
#define EXPECT_XG_ERROR(stmt, ...)                                                   \
  do {                                                                               \
    try {                                                                            \
      stmt;                                                                          \
      ADD_FAILURE() << "expected xg::Error from: " #stmt;                            \
    } catch (const xg::Error& e) {                                                   \
      for (const std::string& frag : std::vector<std::string>{__VA_ARGS__})          \
        EXPECT_NE(std::string(e.what()).find(frag), std::string::npos)               \
            << "message \"" << e.what() << "\" lacks \"" << frag << "\"";            \
    }                                                                                \
  } while (0)
