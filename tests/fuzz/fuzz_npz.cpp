// libFuzzer harness: xg::load_npz on arbitrary bytes (zip container, deflate, .npy headers).
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xg::fuzz::as_file(data, size, ".npz");
  xg::fuzz::expect_clean([&] {
    for (const auto& [name, t] : xg::load_npz(path)) {
      (void)name;
      if (t.numel() > 0 && t.dtype() != xg::kInt64) (void)t.sum().item();  // every element is readable
    }
  });
  return 0;
}
