// The .npz container, measured: xgrad's own zip code against libzip (Debian's libzip-dev)
// doing the same job, side by side in one run, to decide whether to keep our own
// (docs/design.md, "Files from outside"). Save: every array stored (uncompressed, as
// numpy.savez) to a file (xgrad's is fsync'ed: durable when it returns); load: every entry read back and copied into a tensor.
// Run: build-bench/bench/npz_container (built when libzip-dev is installed).
#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include <xgrad/xgrad.h>

namespace {

double best_ms(int reps, const std::function<void()>& f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// The .npy bytes numpy writes for a float32 array (header padded to 64 bytes).
std::string npy_bytes(const xg::Tensor& t) {
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (auto d : t.shape()) h += std::to_string(d) + ", ";
  h += "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string b = "\x93NUMPY\x01";
  b += '\0';
  b += static_cast<char>(h.size() & 0xff);
  b += static_cast<char>(h.size() >> 8);
  b += h;
  b.append(reinterpret_cast<const char*>(t.data<float>()), static_cast<std::size_t>(t.numel()) * 4);
  return b;
}

void libzip_save(const xg::NamedTensors& state, const std::string& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  std::vector<std::string> keep;  // libzip reads the buffers at zip_close
  keep.reserve(state.size());
  for (const auto& [name, t] : state) {
    keep.push_back(npy_bytes(t));
    zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
    const auto idx = zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_OVERWRITE);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);
  }
  if (zip_close(z) != 0) std::abort();
}

// libzip writes a temporary file and renames it, but does not fsync: add that, so both
// saves are durable when they return (what xg::save promises).
void libzip_save_durable(const xg::NamedTensors& state, const std::string& path) {
  libzip_save(state, path);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ::fsync(fd);
  ::close(fd);
}

std::size_t libzip_load(const std::string& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  std::size_t total = 0;
  for (zip_int64_t i = 0, n = zip_get_num_entries(z, 0); i < n; ++i) {
    zip_stat_t st;
    zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st);
    std::string buf(st.size, '\0');
    zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
    zip_fread(f, buf.data(), st.size);
    zip_fclose(f);
    // The array's data into a tensor, as load_npz does (header parsing is the same either way).
    const std::size_t header = 10 + (static_cast<unsigned char>(buf[8]) | static_cast<unsigned char>(buf[9]) << 8);
    xg::Tensor t = xg::empty({static_cast<std::int64_t>((st.size - header) / 4)});
    std::memcpy(t.data<float>(), buf.data() + header, st.size - header);
    total += static_cast<std::size_t>(t.numel());
  }
  zip_close(z);
  return total;
}

}  // namespace

int main() {
  std::printf("npz container: xgrad's own vs libzip %s, best of 5, ms\n", zip_libzip_version());
  std::printf("%-34s %10s %10s %14s %10s %10s\n", "state", "own save", "libzip", "libzip+fsync", "own load", "libzip");
  const std::string a = "/tmp/xgrad-bench-own.npz", b = "/tmp/xgrad-bench-libzip.npz";
  struct Case {
    const char* name;
    std::vector<xg::Shape> shapes;
  };
  for (const Case& c : {Case{"TwoLayerNet 784-50-10 (0.16 MB)", {{784, 50}, {50}, {50, 10}, {10}}},
                        Case{"784-1024-1024-10 (7.4 MB)", {{784, 1024}, {1024}, {1024, 1024}, {1024}, {1024, 10}, {10}}},
                        Case{"4 x 4096x4096 (268 MB)", {{4096, 4096}, {4096, 4096}, {4096, 4096}, {4096, 4096}}}}) {
    xg::NamedTensors state;
    for (std::size_t i = 0; i < c.shapes.size(); ++i) state.emplace_back("p" + std::to_string(i), xg::randn(c.shapes[i]));
    const double own_save = best_ms(5, [&] { xg::save_npz(state, a); });
    const double lz_save = best_ms(5, [&] { libzip_save(state, b); });
    const double lz_durable = best_ms(5, [&] { libzip_save_durable(state, b); });
    const double own_load = best_ms(5, [&] { (void)xg::load_npz(a); });
    const double lz_load = best_ms(5, [&] { (void)libzip_load(b); });
    std::printf("%-34s %10.2f %10.2f %14.2f %10.2f %10.2f\n", c.name, own_save, lz_save, lz_durable, own_load, lz_load);
  }
  std::remove(a.c_str());
  std::remove(b.c_str());
}
