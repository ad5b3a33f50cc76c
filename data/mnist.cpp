// IDX files (MNIST's format), plain or gzip-compressed.
#include <xgrad/detail/format.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <zlib.h>

#include <xgrad/data/mnist.h>
#include <xgrad/ops.h>

#include "tensor/checked.h"

namespace xg::data {

namespace {

// A gzip stream (or a plain file: zlib reads it unchanged) read in bounded pieces.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (!f_) fail("read_idx: cannot open ", path, ": ", std::strerror(errno));
  }
  ~GzFile() { gzclose(f_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  bool compressed() const { return gzdirect(f_) == 0; }
  // Up to n bytes appended to out; returns how many arrived.
  std::size_t read(std::vector<unsigned char>& out, std::size_t n) {
    std::size_t got = 0;
    unsigned char buf[1 << 16];
    while (got < n) {
      const int k = gzread(f_, buf, static_cast<unsigned>(std::min(sizeof buf, n - got)));
      if (k < 0 || (k == 0 && !gzeof(f_))) {
        int err = 0;
        const char* msg = gzerror(f_, &err);
        fail("read_idx: ", path_, ": corrupt or truncated gzip data after ", out.size(), " decompressed bytes (", msg, ")");
      }
      if (k == 0) break;
      out.insert(out.end(), buf, buf + k);
      got += static_cast<std::size_t>(k);
    }
    return got;
  }

 private:
  std::string path_;
  gzFile f_;
};

bool exists(const std::string& path) { return std::ifstream(path).good(); }

// Deflate expands by at most about 1032:1, so a gzip file cannot hold more than this.
std::size_t capacity_of(const std::string& path, bool compressed) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return SIZE_MAX;
  return compressed ? static_cast<std::size_t>(size) * 1032 + 1032 : static_cast<std::size_t>(size);
}

}  // namespace

Tensor read_idx(const std::string& path, bool as_labels, double scale) {
  GzFile f(path);
  std::vector<unsigned char> b;
  if (f.read(b, 4) < 4 || b[0] != 0 || b[1] != 0) fail("read_idx: ", path, ": bad magic number (not an IDX file)");
  if (b[2] != 0x08)
    fail("read_idx: ", path, ": element type 0x", std::hex, static_cast<int>(b[2]), " is not unsigned byte (0x08)");
  const std::size_t ndim = b[3];
  const std::size_t header = 4 + 4 * ndim;
  if (ndim == 0 || f.read(b, 4 * ndim) < 4 * ndim) fail("read_idx: ", path, ": truncated header (", b.size(), " bytes)");
  Shape shape;
  for (std::size_t d = 0; d < ndim; ++d) {
    const unsigned char* p = b.data() + 4 + 4 * d;
    shape.push_back((static_cast<std::int64_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
  }
  const std::size_t expected = detail::checked_nbytes(shape, 1, "read_idx: " + path);
  // Bound the header's claim by what the file can hold before reading (or allocating) for it.
  const std::size_t capacity = capacity_of(path, f.compressed());
  if (expected > capacity)
    fail("read_idx: ", path, ": shape ", detail::shape_str(shape), " needs ", expected,
         " data bytes, more than the file can hold (truncated or corrupt header)");
  b.clear();
  const std::size_t got = f.read(b, expected);
  std::vector<unsigned char> extra;
  if (got != expected || f.read(extra, 1) != 0)
    fail("read_idx: ", path, ": shape ", detail::shape_str(shape), " needs ", expected, " data bytes from byte offset ",
         header, ", but ", got == expected ? "more" : std::to_string(got), " follow", got < expected ? " (truncated file)" : "");
  // Straight from bytes into the tensor: no wider intermediate copy (60,000 images would
  // otherwise pass through 376 MB of doubles).
  Tensor t = empty(shape, as_labels ? kInt64 : kFloat32);
  const unsigned char* src = b.data();
  if (as_labels) {
    auto* dst = t.data<std::int64_t>();
    for (std::size_t i = 0; i < expected; ++i) dst[i] = src[i];
  } else {
    auto* dst = t.data<float>();
    const auto s = static_cast<float>(scale);
    for (std::size_t i = 0; i < expected; ++i) dst[i] = static_cast<float>(src[i]) * s;
  }
  return t;
}

Mnist load_mnist(const std::string& dir, MnistOptions options) {
  auto find = [&](const std::vector<std::string>& names) {
    for (const auto& n : names)
      for (const char* ext : {"", ".gz"})
        if (exists(dir + "/" + n + ext)) return dir + "/" + n + ext;
    fail("load_mnist: ", dir, " has no ", names[0], "[.gz]");
  };
  auto images = [&](const std::string& path) {
    Tensor x = read_idx(path, false, options.normalize ? 1.0 / 255.0 : 1.0);
    if (x.dim() != 3) fail("load_mnist: ", path, " holds shape ", detail::shape_str(x.shape()), ", expected (N,28,28)");
    return options.flatten ? x.reshape({x.shape()[0], -1}) : x.reshape({x.shape()[0], 1, x.shape()[1], x.shape()[2]});
  };
  auto labels = [&](const std::string& path, const Tensor& x) {
    Tensor t = read_idx(path, true);
    if (t.dim() != 1 || t.shape()[0] != x.shape()[0])
      fail("load_mnist: ", path, " holds ", t.numel(), " labels for ", x.shape()[0], " images");
    return options.one_hot_label ? one_hot(t, 10) : t;
  };
  Mnist m;
  m.x_train = images(find({"train-images-idx3-ubyte"}));
  m.t_train = labels(find({"train-labels-idx1-ubyte"}), m.x_train);
  m.x_test = images(find({"t10k-images-idx3-ubyte", "test-images-idx3-ubyte"}));
  m.t_test = labels(find({"t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"}), m.x_test);
  return m;
}

}  // namespace xg::data
