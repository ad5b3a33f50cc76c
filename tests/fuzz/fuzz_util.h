// Shared by the libFuzzer harnesses: every reader takes a path, so each input goes through
// a file in tmpfs, exactly as a user's file would. Only xg::Error is an acceptable outcome;
// anything else (a crash, a sanitizer report, another exception) is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include <xgrad/xgrad.h>

namespace xg::fuzz {

/// Writes the input to a per-process file and returns its path.
inline std::string as_file(const std::uint8_t* data, std::size_t size, const char* suffix = "") {
  static const std::string base = (access("/dev/shm", W_OK) == 0 ? "/dev/shm/xgrad-fuzz-" : "/tmp/xgrad-fuzz-") +
                                  std::to_string(getpid());
  const std::string path = base + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

/// The model whose state the state harness loads (and make_seeds saves): Linear,
/// BatchNorm1d (buffers too), Linear.
struct StateNet : xg::nn::Module {
  xg::nn::Linear l1{3, 4};
  xg::nn::BatchNorm1d bn{4};
  xg::nn::Linear l2{4, 2};
  StateNet() {
    register_module("l1", l1);
    register_module("bn", bn);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::relu(bn(l1(x)))); }
};

/// Runs f, accepting xg::Error (a clear message) as the only failure.
template <class F>
void expect_clean(F f) {
  try {
    f();
  } catch (const xg::Error&) {
  }
}

}  // namespace xg::fuzz
