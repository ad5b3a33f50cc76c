// libFuzzer harness: xg::data::read_idx (plain and gzip IDX files, images and labels).
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xg::fuzz::as_file(data, size, ".idx");
  const bool labels = size > 0 && (data[size - 1] & 1);
  xg::fuzz::expect_clean([&] {
    const xg::Tensor t = xg::data::read_idx(path, labels, 1.0 / 255.0);
    if (t.numel() > 0) (void)t.max().item();
  });
  return 0;
}
