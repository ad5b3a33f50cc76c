// save/load through .npz: round trip, numpy interop, and every load error.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "test_util.h"

using xg::test::values_near;

namespace {

struct Net : xg::nn::Module {
  xg::nn::Linear l1{3, 4};
  xg::nn::BatchNorm1d bn{4};
  xg::nn::Linear l2{4, 2, false};
  Net() {
    register_module("l1", l1);
    register_module("bn", bn);
    register_module("l2", l2);
  }
  xg::Tensor forward(const xg::Tensor& x) override { return l2(xg::relu(bn(l1(x)))); }
};

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "xgrad_" + name; }

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool has_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0; }

}  // namespace

TEST(Save, RoundTripIsBitExact) {
  xg::manual_seed(80);
  Net a;
  a(xg::randn({5, 3}));  // moves the running statistics away from their initial values
  const std::string path = temp_path("roundtrip.npz");
  xg::save(a, path);
  xg::manual_seed(81);
  Net b;
  xg::load(b, path);
  const auto sa = a.state(), sb = b.state();
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_EQ(sa[i].second.to_vector<float>(), sb[i].second.to_vector<float>()) << sa[i].first;
  }
  std::remove(path.c_str());
}

TEST(Save, NumpyReadsTheArchiveAsItIs) {
  if (!has_numpy()) GTEST_SKIP() << "python3-numpy is not installed";
  Net net;
  net.set_parameter("l1.W", xg::arange(12, xg::kFloat32).reshape({3, 4}));
  const std::string path = temp_path("numpy.npz");
  xg::save(net, path);
  const std::string script =
      "import numpy, sys\n"
      "d = numpy.load(sys.argv[1])\n"
      "assert sorted(d.files) == sorted(['l1.W', 'l1.b', 'bn.gamma', 'bn.beta', 'l2.W', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']), d.files\n"
      "w = d['l1.W']\n"
      "assert w.dtype == numpy.float32 and w.shape == (3, 4), (w.dtype, w.shape)\n"
      "assert w[2, 3] == 11.0 and float(d['bn.running_var'][0]) == 1.0\n"
      "numpy.savez_compressed(sys.argv[1] + '.compressed.npz', a=numpy.arange(6, dtype=numpy.int64).reshape(2, 3), b=numpy.float64(2.5))\n";
  std::ofstream(temp_path("check.py")) << script;
  ASSERT_EQ(std::system(("/usr/bin/python3 " + temp_path("check.py") + " " + path).c_str()), 0);
  // And xgrad reads what numpy wrote, compressed.
  auto loaded = xg::load_npz(path + ".compressed.npz");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].first, "a");
  EXPECT_EQ(loaded[0].second.dtype(), xg::kInt64);
  EXPECT_TRUE(values_near(loaded[0].second, {0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(loaded[1].second.dim(), 0);
  EXPECT_EQ(loaded[1].second.item(), 2.5);
}

TEST(Load, MissingUnexpectedShapeAndDtypeErrorsLeaveTheModelUnchanged) {
  Net net;
  const auto before = net.l1.W.to_vector<float>();
  const std::string path = temp_path("errors.npz");
  xg::NamedTensors state = Net().state();
  state.erase(state.begin());  // drop l1.W
  xg::save_npz(state, path);
  EXPECT_XG_ERROR(xg::load(net, path), "has no entry 'l1.W'");
  state = Net().state();
  state.emplace_back("extra", xg::ones({1}));
  xg::save_npz(state, path);
  EXPECT_XG_ERROR(xg::load(net, path), "has entry 'extra' that Net does not have");
  state = Net().state();
  state[0].second = xg::ones({4, 3});
  xg::save_npz(state, path);
  EXPECT_XG_ERROR(xg::load(net, path), "'l1.W' has shape (4,3), the model expects (3,4)");
  state = Net().state();
  state[1].second = state[1].second.to(xg::kFloat64);
  xg::save_npz(state, path);
  EXPECT_XG_ERROR(xg::load(net, path), "'l1.b' is float64, the model expects float32");
  EXPECT_EQ(net.l1.W.to_vector<float>(), before);
  std::remove(path.c_str());
}

TEST(Load, TruncatedAndCorruptFilesNameTheOffset) {
  Net net;
  const std::string path = temp_path("corrupt.npz");
  xg::save(net, path);
  const auto bytes = read_all(path);
  write_all(path, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size()) / 2));
  // The messages name the call the user made (xg::load), not the reader inside it.
  EXPECT_XG_ERROR(xg::load(net, path), "load: " + path + ": truncated: entry '", "at byte offset", "but the file ends at byte " + std::to_string(bytes.size() / 2));
  auto flipped = bytes;
  flipped[200] ^= 0x5a;  // inside the first array's data
  write_all(path, flipped);
  EXPECT_XG_ERROR(xg::load(net, path), "fails its CRC check", "byte offset");
  write_all(path, {'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p', ' ', 'f', 'i', 'l', 'e', '.', '.', '.', '.', '.', '.', '.', '.', '.'});
  EXPECT_XG_ERROR(xg::load(net, path), "not a .npz archive (no zip signature at byte offset 0)");
  EXPECT_XG_ERROR(xg::load(net, temp_path("does-not-exist.npz")), "load: cannot open " + temp_path("does-not-exist.npz"));
  EXPECT_XG_ERROR(xg::load_npz(temp_path("does-not-exist.npz")), "load_npz: cannot open");
  std::remove(path.c_str());
}

TEST(Save, IsAtomicAndLeavesNoTemporaryFile) {
  Net net;
  const std::string path = temp_path("atomic.npz");
  xg::save(net, path);
  const auto first = read_all(path);
  // Saving into a directory that does not exist fails without touching anything.
  EXPECT_XG_ERROR(xg::save(net, temp_path("no-such-dir/x.npz")), "save: cannot write " + temp_path("no-such-dir/x.npz") + " (its temporary");
  net.set_parameter("l1.b", xg::ones({4}));
  xg::save(net, path);
  EXPECT_NE(read_all(path), first);
  std::ifstream tmp(path + ".tmp-" + std::to_string(::getpid()));
  EXPECT_FALSE(tmp.good());
  std::remove(path.c_str());
}
