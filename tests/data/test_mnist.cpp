// IDX reading (plain and gzip), the shipped digits, and every file error.
#include <fstream>

#include <zlib.h>

#include "test_util.h"

using xg::test::values_near;

namespace {
std::string temp_path(const std::string& name) { return ::testing::TempDir() + "xgrad_" + name; }

void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A 2-image 2x3 IDX file: magic 0x00000803, dims 2, 2, 3, then 12 bytes.
std::vector<unsigned char> small_images() {
  std::vector<unsigned char> b = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  for (unsigned char v = 0; v < 12; ++v) b.push_back(static_cast<unsigned char>(v * 20));
  return b;
}
}  // namespace

TEST(ReadIdx, PlainAndGzipGiveTheSameTensor) {
  const auto bytes = small_images();
  write_bytes(temp_path("plain-idx3"), bytes);
  gzFile gz = gzopen(temp_path("packed-idx3.gz").c_str(), "wb");
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  auto a = xg::data::read_idx(temp_path("plain-idx3"));
  auto b = xg::data::read_idx(temp_path("packed-idx3.gz"));
  EXPECT_EQ(a.shape(), (xg::Shape{2, 2, 3}));
  EXPECT_EQ(a.dtype(), xg::kFloat32);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_EQ(a.at({1, 1, 2}), 220.0);
}

TEST(ReadIdx, BadFilesNameTheProblem) {
  auto bytes = small_images();
  bytes[0] = 7;
  write_bytes(temp_path("bad-magic"), bytes);
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("bad-magic")), "bad-magic: bad magic number");
  bytes = small_images();
  bytes.resize(bytes.size() - 5);
  write_bytes(temp_path("short"), bytes);
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("short")), "shape (2,2,3) needs 12 data bytes from byte offset 16, but 7 follow (truncated file)");
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("missing")), "read_idx: cannot open");
}

TEST(LoadMnist, ShippedDigits) {
  auto m = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits");
  EXPECT_EQ(m.x_train.shape(), (xg::Shape{8000, 784}));
  EXPECT_EQ(m.t_train.shape(), (xg::Shape{8000}));
  EXPECT_EQ(m.x_test.shape(), (xg::Shape{2000, 784}));
  EXPECT_EQ(m.t_train.dtype(), xg::kInt64);
  EXPECT_GE(m.x_train.min().item(), 0.0);
  EXPECT_LE(m.x_train.max().item(), 1.0);
  EXPECT_EQ(m.t_test.min().item(), 0);
  EXPECT_EQ(m.t_test.max().item(), 9);
  auto one_hot = xg::data::load_mnist(std::string(XGRAD_DATA_DIR) + "/digits", {true, false, true});
  EXPECT_EQ(one_hot.x_test.shape(), (xg::Shape{2000, 1, 28, 28}));
  EXPECT_EQ(one_hot.t_test.shape(), (xg::Shape{2000, 10}));
  EXPECT_XG_ERROR(xg::data::load_mnist(temp_path("nowhere")), "load_mnist: ", "has no train-images-idx3-ubyte");
}

TEST(LoadMnist, ImageAndLabelCountsMustAgree) {
  const std::string dir = ::testing::TempDir() + "xgrad_mismatch";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::vector<unsigned char> images = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 5, 6};
  std::vector<unsigned char> labels = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3};
  for (const char* split : {"train", "test"}) {
    write_bytes(dir + "/" + split + "-images-idx3-ubyte", images);
    write_bytes(dir + "/" + split + "-labels-idx1-ubyte", labels);
  }
  EXPECT_XG_ERROR(xg::data::load_mnist(dir), "holds 3 labels for 2 images");
}

TEST(ReadIdx, HeadersClaimingMoreThanTheFileHoldsAreRefused) {
  // Three dimensions of 2^32-1: their product overflows int64.
  write_bytes(temp_path("overflow-idx"), {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("overflow-idx")), "overflow-idx", "more elements than fit in int64");
  // 2^31 bytes claimed by a 16-byte file (plain) and by a tiny gzip file: refused before reading.
  const std::vector<unsigned char> big = {0, 0, 8, 2, 0, 0, 0x80, 0, 0, 1, 0, 0};  // 32768 x 65536
  write_bytes(temp_path("big-idx"), big);
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("big-idx")), "needs 2147483648 data bytes, more than the file can hold");
  gzFile gz = gzopen(temp_path("big-idx.gz").c_str(), "wb");
  gzwrite(gz, big.data(), static_cast<unsigned>(big.size()));
  gzclose(gz);
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("big-idx.gz")), "more than the file can hold");
  // Data past the shape's end is an error, not silently dropped.
  auto bytes = small_images();
  bytes.push_back(1);
  write_bytes(temp_path("long-idx"), bytes);
  EXPECT_XG_ERROR(xg::data::read_idx(temp_path("long-idx")), "needs 12 data bytes from byte offset 16, but more follow");
}
