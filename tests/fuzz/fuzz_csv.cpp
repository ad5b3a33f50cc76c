// libFuzzer harness: xg::data::read_csv and the table operations a tutorial runs on it.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xg::fuzz::as_file(data, size, ".csv");
  xg::fuzz::expect_clean([&] {
    const auto table = xg::data::read_csv(path, xg::kFloat64);
    if (table.columns.empty()) return;
    const auto [x, y] = table.split_label(table.columns.back());
    if (x.dim() == 2 && x.shape()[0] > 0 && x.shape()[1] > 0) (void)xg::data::StandardScaler().fit(x).transform(x).sum().item();
    (void)y.numel();
  });
  return 0;
}
