// Hostile .npz/.npy files: every size a file claims is bounded by what it holds, and every
// malformed field is an xg::Error naming the file and entry (regressions from fuzzing).
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace {

using Bytes = std::vector<unsigned char>;

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "xgrad_npz_" + name; }

void put16(Bytes& b, unsigned v) { b.push_back(v & 0xff), b.push_back((v >> 8) & 0xff); }
void put32(Bytes& b, unsigned v) { put16(b, v & 0xffff), put16(b, v >> 16); }

// A .npy v1 file with the given header dict text and raw data bytes.
Bytes npy(const std::string& dict, const Bytes& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put16(b, static_cast<unsigned>(h.size()));
  b.insert(b.end(), h.begin(), h.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

struct Entry {
  std::string name;
  Bytes stored;             // bytes as they sit in the archive
  unsigned method = 0;      // 0 stored, 8 deflate
  unsigned usize = 0;       // declared uncompressed size
  unsigned crc = 0;
};

Entry stored(const std::string& name, const Bytes& content) {
  return {name, content, 0, static_cast<unsigned>(content.size()),
          static_cast<unsigned>(crc32(0, content.data(), static_cast<uInt>(content.size())))};
}

Entry deflated(const std::string& name, const Bytes& content) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  Bytes out(deflateBound(&zs, static_cast<uLong>(content.size())));
  zs.next_in = const_cast<unsigned char*>(content.data());
  zs.avail_in = static_cast<uInt>(content.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return {name, out, 8, static_cast<unsigned>(content.size()),
          static_cast<unsigned>(crc32(0, content.data(), static_cast<uInt>(content.size())))};
}

std::string write_zip(const std::string& file, const std::vector<Entry>& entries) {
  Bytes zip, cd;
  for (const auto& e : entries) {
    const auto offset = static_cast<unsigned>(zip.size());
    put32(zip, 0x04034b50); put16(zip, 20); put16(zip, 0); put16(zip, e.method); put16(zip, 0); put16(zip, 0x21);
    put32(zip, e.crc); put32(zip, static_cast<unsigned>(e.stored.size())); put32(zip, e.usize);
    put16(zip, static_cast<unsigned>(e.name.size())); put16(zip, 0);
    zip.insert(zip.end(), e.name.begin(), e.name.end());
    zip.insert(zip.end(), e.stored.begin(), e.stored.end());
    put32(cd, 0x02014b50); put16(cd, 20); put16(cd, 20); put16(cd, 0); put16(cd, e.method); put16(cd, 0); put16(cd, 0x21);
    put32(cd, e.crc); put32(cd, static_cast<unsigned>(e.stored.size())); put32(cd, e.usize);
    put16(cd, static_cast<unsigned>(e.name.size())); put16(cd, 0); put16(cd, 0); put16(cd, 0); put16(cd, 0); put32(cd, 0);
    put32(cd, offset);
    cd.insert(cd.end(), e.name.begin(), e.name.end());
  }
  const auto cd_offset = static_cast<unsigned>(zip.size());
  zip.insert(zip.end(), cd.begin(), cd.end());
  put32(zip, 0x06054b50); put16(zip, 0); put16(zip, 0); put16(zip, static_cast<unsigned>(entries.size()));
  put16(zip, static_cast<unsigned>(entries.size())); put32(zip, static_cast<unsigned>(cd.size())); put32(zip, cd_offset);
  put16(zip, 0);
  const std::string path = temp_path(file);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(zip.data()), static_cast<long>(zip.size()));
  return path;
}

std::string one_array(const std::string& file, const std::string& dict, const Bytes& data = {}) {
  return write_zip(file, {stored("x.npy", npy(dict, data))});
}

}  // namespace

TEST(LoadNpz, AHandWrittenArchiveLoads) {  // the helpers above are right, so the failures below mean something
  const Bytes data = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40};  // 1.0f, 2.0f
  const auto path = write_zip("ok.npz", {stored("a.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data)),
                                         deflated("b.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", data))});
  const auto t = xg::load_npz(path);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].second.to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(t[1].second.shape(), (xg::Shape{1, 2}));
}

TEST(LoadNpz, ShapeWhoseElementCountOverflowsIsAnError) {
  // 2^32 * 2^32 wraps to 0 in int64 arithmetic: it used to pass the "enough bytes" check.
  const auto path = one_array("overflow.npz", "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }");
  EXPECT_XG_ERROR(xg::load_npz(path), "load_npz: ", "entry 'x'", "more elements than fit in int64");
}

TEST(LoadNpz, ShapeWhoseByteSizeOverflowsIsAnError) {
  // 2^62 float32 elements: numel * 4 wraps size_t to 0.
  const auto path = one_array("bytes.npz", "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }");
  EXPECT_XG_ERROR(xg::load_npz(path), "entry 'x'", "needs more than 2^63 bytes");
}

TEST(LoadNpz, ShapeLargerThanItsDataIsAnError) {
  const auto path = one_array("short.npz", "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000,), }", Bytes(16));
  EXPECT_XG_ERROR(xg::load_npz(path), "shape (1000000,) needs 8000000 data bytes, found 16");
}

TEST(LoadNpz, MalformedShapeTextIsAnXgErrorNotAStdException) {
  for (const std::string shape : {"(3a, 4)", "(99999999999999999999,)", "(-1,)", "(,)", "(3 4)", "(1"}) {
    const auto path = one_array("text.npz", "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
    EXPECT_XG_ERROR(xg::load_npz(path), "load_npz: ", "entry 'x'");
  }
  const auto nodescr = one_array("nodescr.npz", "{'fortran_order': False, 'shape': (1,), }", Bytes(4));
  EXPECT_XG_ERROR(xg::load_npz(nodescr), "lacks 'descr'");
  const auto dtype = one_array("dtype.npz", "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", Bytes(16));
  EXPECT_XG_ERROR(xg::load_npz(dtype), "unsupported dtype '<c16'");
}

TEST(LoadNpz, InflateBombIsRefusedBeforeAllocating) {
  // A few compressed bytes whose directory claims 4 GiB: refused at once, not zero-filled.
  Entry bomb = deflated("x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Bytes(8)));
  bomb.usize = 0xfffffff0u;
  const auto path = write_zip("bomb.npz", {bomb, bomb, bomb});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_XG_ERROR(xg::load_npz(path), "claims 4294967280 bytes from", "more than deflate can produce");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(LoadNpz, DeclaredSizeThatTheStreamDoesNotMatchIsAnError) {
  Entry e = deflated("x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Bytes(8)));
  e.usize += 100;  // plausible, but false
  EXPECT_XG_ERROR(xg::load_npz(write_zip("liar.npz", {e})), "does not decompress to the", "bytes its directory declares");
  Entry s = stored("x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Bytes(8)));
  s.usize += 1;
  EXPECT_XG_ERROR(xg::load_npz(write_zip("liar2.npz", {s})), "stored entry 'x.npy'", "declares");
}

TEST(LoadNpz, DuplicateEntriesAreAnError) {
  const auto e = stored("x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", Bytes(4)));
  EXPECT_XG_ERROR(xg::load_npz(write_zip("dup.npz", {e, e})), "entry 'x' appears twice");
}

TEST(SaveNpz, RemovesTemporariesLeftByKilledSaves) {
  const std::string path = temp_path("stale.npz");
  // A pid that surely no longer runs: a child that has exited and been reaped.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const std::string stale = path + ".tmp-" + std::to_string(child);
  const std::string other = temp_path("other.npz") + ".tmp-" + std::to_string(child);
  std::ofstream(stale) << "half a save";
  std::ofstream(other) << "another file's";
  xg::save_npz({{"a", xg::ones({2})}}, path);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(other));  // only temporaries of the path being saved
  EXPECT_EQ(xg::load_npz(path)[0].second.to_vector<float>(), (std::vector<float>{1, 1}));
  std::filesystem::remove(other);
  std::filesystem::remove(path);
}

TEST(Shape, ElementCountOverflowIsAnErrorEverywhere) {
  EXPECT_XG_ERROR(xg::zeros({1LL << 32, 1LL << 32}), "zeros: shape (4294967296,4294967296) has more elements than fit in int64");
  EXPECT_XG_ERROR(xg::shape_numel({-2, 3}), "negative dimension");
  EXPECT_XG_ERROR(xg::ones({4}).reshape({1LL << 40, 1LL << 40, -1}), "reshape:", "more elements than fit in int64");
}

// An empty tensor's strides come from its other axes: (0, 2^62, 2^62) holds no element but
// would need a stride of 2^124. Found by the operations' fuzzer (UBSan in the stride loop,
// through broadcast_to); PyTorch refuses such shapes too ("Stride calculation overflowed").
TEST(Shape, AnEmptyShapeWhoseStridesOverflowIsAnError) {
  const xg::Shape huge{0, 1LL << 62, 1LL << 62};
  EXPECT_XG_ERROR(xg::zeros(huge), "zeros: shape (0,4611686018427387904,4611686018427387904) has strides that overflow int64");
  EXPECT_XG_ERROR(xg::shape_numel({1LL << 62, 1LL << 62, 0}), "strides that overflow int64");
  EXPECT_XG_ERROR(xg::zeros({0, 3}).reshape(huge), "reshape: shape (0,4611686018427387904,4611686018427387904)", "strides that overflow");
  EXPECT_XG_ERROR(xg::broadcast_to(xg::zeros({0, 1, 1}), huge), "broadcast_to:", "strides that overflow int64");
  EXPECT_XG_ERROR(xg::empty({2, 0, 1LL << 62, 4}), "empty:", "strides that overflow int64");
  // Large empty shapes whose strides fit stay valid.
  EXPECT_EQ(xg::zeros({0, 1LL << 31, 1LL << 31}).numel(), 0);
  EXPECT_EQ(xg::shape_numel({1LL << 62, 0, 1}), 0);
}
