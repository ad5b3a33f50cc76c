// .npz reading and writing: a minimal zip container (stored entries on write; stored or
// deflate on read) around .npy arrays, all little-endian. zlib provides CRC-32 and inflate.
// Every size read from a file is bounded by what the file can hold before anything is
// allocated for it (docs/design.md, "Files from outside").
#include <xgrad/detail/format.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <xgrad/npz.h>

#include "tensor/checked.h"
#include "tensor/tensor_impl.h"

namespace xg {

namespace {

using Bytes = std::vector<unsigned char>;

void put16(Bytes& b, std::uint32_t v) {
  b.push_back(v & 0xff);
  b.push_back((v >> 8) & 0xff);
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v & 0xffff);
  put16(b, v >> 16);
}

const char* npy_descr(Dtype dt) { return dt == kFloat32 ? "<f4" : dt == kFloat64 ? "<f8" : "<i8"; }

// The .npy header numpy writes (magic, version 1.0, length, dict padded to 64 bytes).
Bytes npy_header(const Tensor& t) {
  std::string header = "{'descr': '" + std::string(npy_descr(t.dtype())) + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < t.shape().size(); ++i) header += std::to_string(t.shape()[i]) + (t.shape().size() == 1 ? "," : i + 1 < t.shape().size() ? ", " : "");
  header += "), }";
  // Pad so that magic (6) + version (2) + length (2) + header is a multiple of 64, ending in '\n'.
  const std::size_t total = ((10 + header.size() + 1 + 63) / 64) * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put16(b, static_cast<std::uint32_t>(header.size()));
  b.insert(b.end(), header.begin(), header.end());
  return b;
}

std::uint32_t crc_of(const unsigned char* p, std::size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t done = 0; done < n;) {  // zlib takes uInt lengths: at most 1 GiB a call
    const auto k = static_cast<uInt>(std::min<std::size_t>(n - done, std::size_t{1} << 30));
    crc = crc32(crc, p + done, k);
    done += k;
  }
  return static_cast<std::uint32_t>(crc);
}

// "model.npz.tmp-<pid>" files whose writer no longer runs: a save killed between creating
// its temporary file and renaming it. Removed at the next save to the same path.
void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const std::string prefix = target.filename().string() + ".tmp-";
  std::error_code ec;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) fs::remove(it->path(), ec);
  }
}

}  // namespace

namespace {

// Writes to a FILE*, remembering the first failure's errno and counting the bytes written.
struct Writer {
  std::FILE* f;
  std::uint64_t offset = 0;
  int error = 0;
  void write(const void* p, std::size_t n) {
    if (error == 0 && n > 0 && std::fwrite(p, 1, n, f) != n) error = errno ? errno : EIO;
    offset += n;
  }
  void write(const Bytes& b) { write(b.data(), b.size()); }
};

// fsync of the directory holding `path`, so the rename itself survives a power cut.
void sync_directory(const std::string& path) {
  const auto dir = std::filesystem::path(path).has_parent_path() ? std::filesystem::path(path).parent_path().string() : ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void save_npz(const NamedTensors& tensors, const std::string& path) {
  for (const auto& [name, t] : tensors)
    if (!t.defined()) fail(detail::call_or("save_npz"), ": ", path, ": tensor '", name, "' is undefined");
  remove_stale_temporaries(path);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) fail(detail::call_or("save_npz"), ": cannot write ", path, " (its temporary ", tmp, "): ", std::strerror(errno));
  // Streamed: each array's bytes go from its storage to the file, with no archive-sized
  // copy in memory; only the (small) central directory is built up.
  Writer w{f};
  Bytes central;
  std::uint16_t count = 0;
  try {
    for (const auto& [name, stored] : tensors) {
      const Tensor t = detail::copy_to(stored, kCPU, "save_npz");  // a CUDA tensor's values, on the host
      const Bytes header = npy_header(t);
      const auto* data = static_cast<const unsigned char*>(t.impl()->storage->host());
      const std::size_t nbytes = static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype());
      const std::string entry = name + ".npy";
      const std::uint64_t size64 = header.size() + nbytes;
      if (size64 >= 0xffffffffu || w.offset + size64 + 30 + entry.size() >= 0xffffffffu || count == 0xffff)
        fail(detail::call_or("save_npz"), ": ", path, ": '", name, "' makes the archive larger than 4 GiB or 65,535 entries (zip64 is not supported)");
      const std::uint32_t crc = static_cast<std::uint32_t>(
          crc32_combine(crc_of(header.data(), header.size()), crc_of(data, nbytes), static_cast<z_off_t>(nbytes)));
      const auto size = static_cast<std::uint32_t>(size64), offset = static_cast<std::uint32_t>(w.offset);
      // Local file header: stored (method 0), dated 1980-01-01.
      Bytes local;
      put32(local, 0x04034b50); put16(local, 20); put16(local, 0); put16(local, 0); put16(local, 0); put16(local, 0x21);
      put32(local, crc); put32(local, size); put32(local, size);
      put16(local, static_cast<std::uint32_t>(entry.size())); put16(local, 0);
      local.insert(local.end(), entry.begin(), entry.end());
      w.write(local);
      w.write(header);
      w.write(data, nbytes);
      // Its central directory record.
      put32(central, 0x02014b50); put16(central, 20); put16(central, 20); put16(central, 0); put16(central, 0);
      put16(central, 0); put16(central, 0x21); put32(central, crc); put32(central, size); put32(central, size);
      put16(central, static_cast<std::uint32_t>(entry.size())); put16(central, 0); put16(central, 0);
      put16(central, 0); put16(central, 0); put32(central, 0); put32(central, offset);
      central.insert(central.end(), entry.begin(), entry.end());
      ++count;
    }
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  const auto cd_offset = static_cast<std::uint32_t>(w.offset);
  w.write(central);
  Bytes end;
  put32(end, 0x06054b50); put16(end, 0); put16(end, 0); put16(end, count); put16(end, count);
  put32(end, static_cast<std::uint32_t>(central.size())); put32(end, cd_offset); put16(end, 0);
  w.write(end);
  // Durable before it replaces anything: flushed and fsync'ed, then renamed.
  const bool ok = w.error == 0 && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  const int err = w.error ? w.error : errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    fail(detail::call_or("save_npz"), ": writing ", path, " failed: ", std::strerror(err), " (", path, " is unchanged; its temporary ", tmp, " was removed)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rerr = errno;
    std::remove(tmp.c_str());
    fail(detail::call_or("save_npz"), ": cannot replace ", path, " (renaming its temporary ", tmp, "): ", std::strerror(rerr));
  }
  sync_directory(path);
}

namespace {

// Bounds-checked little-endian reads over the whole file, with errors naming path and offset.
// A file's bytes in one allocation, not zero-filled first (a vector's value-initialisation
// was a sixth of a large load).
struct FileBytes {
  std::unique_ptr<unsigned char[]> bytes;
  std::size_t n = 0;
  std::size_t size() const { return n; }
  const unsigned char* data() const { return bytes.get(); }
  const unsigned char* begin() const { return bytes.get(); }
  unsigned char operator[](std::size_t i) const { return bytes[i]; }
};

struct Reader {
  const FileBytes& b;
  const std::string& path;
  void need(std::size_t offset, std::size_t n, const std::string& what) const {
    if (offset > b.size() || n > b.size() - offset)
      fail(detail::call_or("load_npz"), ": ", path, ": truncated or corrupt: ", what, " at byte offset ", offset, " needs ", n,
           " bytes, but the file has ", b.size());
  }
  std::uint32_t u16(std::size_t o, const std::string& what) const {
    need(o, 2, what);
    return b[o] | (b[o + 1] << 8);
  }
  std::uint32_t u32(std::size_t o, const std::string& what) const {
    need(o, 4, what);
    return u16(o, what) | (static_cast<std::uint32_t>(u16(o + 2, what)) << 16);
  }
};

// Deflate cannot expand data by more than about 1032:1; a directory that claims more is
// lying, and believing it would let a 100-byte file reserve gigabytes.
constexpr std::size_t kMaxDeflateRatio = 1032;

// Inflates a raw deflate stream, growing the output as data actually arrives and never past
// `declared` bytes (the size the zip directory claims).
Bytes inflate_raw(const unsigned char* p, std::size_t n, std::size_t declared, const std::string& path,
                  const std::string& entry, std::size_t offset) {
  if (declared / kMaxDeflateRatio > n + 1)
    fail(detail::call_or("load_npz"), ": ", path, ": entry '", entry, "' at byte offset ", offset, " claims ", declared,
         " bytes from ", n, " compressed bytes, more than deflate can produce (corrupt or hostile archive)");
  Bytes out;
  out.reserve(std::min<std::size_t>(declared, std::size_t{1} << 20));
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(detail::call_or("load_npz"), ": ", path, ": zlib initialisation failed");
  zs.next_in = const_cast<unsigned char*>(p);
  int rc = Z_OK;
  std::size_t in_left = n;
  unsigned char chunk[1 << 16];
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_left > 0) {  // zlib counts in uInt: feed at most 1 GiB at a time
      zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in_left, std::size_t{1} << 30));
      in_left -= zs.avail_in;
    }
    zs.next_out = chunk;
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t got = sizeof chunk - zs.avail_out;
    if ((rc != Z_OK && rc != Z_STREAM_END) || out.size() + got > declared || (got == 0 && zs.avail_in == 0 && in_left == 0 && rc != Z_STREAM_END))
      break;
    out.insert(out.end(), chunk, chunk + got);
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || out.size() != declared)
    fail(detail::call_or("load_npz"), ": ", path, ": entry '", entry, "' at byte offset ", offset,
         " does not decompress to the ", declared, " bytes its directory declares (corrupt data)");
  return out;
}

// The value text of `key` in a .npy header dict, e.g. "'<f4'", "False" or "(3, 4)".
std::string header_field(const std::string& h, const std::string& key, const std::string& where) {
  const auto k = h.find("'" + key + "'");
  if (k == std::string::npos) fail(detail::call_or("load_npz"), ": ", where, ": .npy header lacks '", key, "': ", h);
  auto v = h.find(':', k + key.size() + 2);
  if (v == std::string::npos) fail(detail::call_or("load_npz"), ": ", where, ": malformed .npy header: ", h);
  ++v;
  while (v < h.size() && h[v] == ' ') ++v;
  if (v >= h.size()) fail(detail::call_or("load_npz"), ": ", where, ": malformed .npy header: ", h);
  const char open = h[v];
  const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
  const auto e = h.find(close, v + 1);
  if (e == std::string::npos) fail(detail::call_or("load_npz"), ": ", where, ": malformed .npy header: ", h);
  return h.substr(v, e - v + (close == ',' ? 0 : 1));
}

// "(3, 4)", "(5,)" or "()": each dimension a plain non-negative integer.
Shape parse_shape(const std::string& text, const std::string& where) {
  Shape shape;
  std::size_t i = 1;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i < text.size() && text[i] == ')') break;
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    shape.push_back(detail::parse_size(text.substr(i, j - i), std::string(detail::call_or("load_npz")) + ": " + where + ": shape " + text));
    while (j < text.size() && text[j] == ' ') ++j;
    if (j < text.size() && text[j] == ',') ++j;
    else if (j >= text.size() || text[j] != ')') fail(detail::call_or("load_npz"), ": ", where, ": malformed shape ", text);
    i = j;
  }
  if (shape.size() > 64) fail(detail::call_or("load_npz"), ": ", where, ": shape ", text, " has more than 64 dimensions");
  return shape;
}

Tensor parse_npy(const unsigned char* npy, std::size_t size, const std::string& where) {
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(npy, magic, 6) != 0) fail(detail::call_or("load_npz"), ": ", where, ": not a .npy array (bad magic)");
  const int major = npy[6];
  if (major < 1 || major > 3) fail(detail::call_or("load_npz"), ": ", where, ": unsupported .npy version ", major);
  const std::size_t start = major == 1 ? 10 : 12;
  if (size < start) fail(detail::call_or("load_npz"), ": ", where, ": truncated .npy header");
  const std::size_t hlen = major == 1 ? (npy[8] | (npy[9] << 8))
                                      : (npy[8] | (npy[9] << 8) | (npy[10] << 16) | (static_cast<std::size_t>(npy[11]) << 24));
  if (size - start < hlen)
    fail(detail::call_or("load_npz"), ": ", where, ": .npy header of ", hlen, " bytes, but only ", size - start, " follow");
  const std::string h(npy + start, npy + start + hlen);
  const std::string descr = header_field(h, "descr", where);
  if (header_field(h, "fortran_order", where) != "False")
    fail(detail::call_or("load_npz"), ": ", where, ": Fortran-ordered arrays are not supported");
  const Shape shape = parse_shape(header_field(h, "shape", where), where);
  Dtype dt;
  std::size_t item;
  if (descr == "'<f4'") dt = kFloat32, item = 4;
  else if (descr == "'<f8'") dt = kFloat64, item = 8;
  else if (descr == "'<i8'") dt = kInt64, item = 8;
  else if (descr == "'<i4'") dt = kInt64, item = 4;
  else fail(detail::call_or("load_npz"), ": ", where, ": unsupported dtype ", descr, " (supported: <f4, <f8, <i8, <i4)");
  const std::size_t nbytes = detail::checked_nbytes(shape, item, std::string(detail::call_or("load_npz")) + ": " + where);
  const std::size_t data_start = start + hlen;
  if (size - data_start != nbytes)
    fail(detail::call_or("load_npz"), ": ", where, ": shape ", detail::shape_str(shape), " needs ", nbytes, " data bytes, found ",
         size - data_start);
  Tensor t = detail::make_tensor(shape, dt);  // only now: the bytes are known to be there
  if (item == 4 && dt == kInt64) {
    auto* out = t.data<std::int64_t>();
    for (std::size_t i = 0, n = nbytes / 4; i < n; ++i) {
      std::int32_t v;
      std::memcpy(&v, npy + data_start + 4 * i, 4);
      out[i] = v;
    }
  } else if (nbytes > 0) {
    std::memcpy(t.impl()->storage->host(), npy + data_start, nbytes);
  }
  return t;
}

// No central directory: either not a zip at all, or cut short. Walk the local headers from
// the start to say where the data stops.
[[noreturn]] void explain_missing_directory(const Reader& r) {
  if (r.b.size() < 4 || r.u32(0, "signature") != 0x04034b50)
    fail(detail::call_or("load_npz"), ": ", r.path, ": not a .npz archive (no zip signature at byte offset 0)");
  std::size_t p = 0;
  while (p + 30 <= r.b.size() && r.u32(p, "local header") == 0x04034b50) {
    const std::size_t size = r.u32(p + 18, "size"), nlen = r.u16(p + 26, "name"), xlen = r.u16(p + 28, "extra");
    const std::string name(r.b.begin() + static_cast<long>(std::min(p + 30, r.b.size())),
                           r.b.begin() + static_cast<long>(std::min(p + 30 + nlen, r.b.size())));
    const std::size_t end = p + 30 + nlen + xlen + size;
    if (end > r.b.size())
      fail(detail::call_or("load_npz"), ": ", r.path, ": truncated: entry '", name, "' at byte offset ", p, " runs to byte ", end,
           ", but the file ends at byte ", r.b.size());
    p = end;
  }
  fail(detail::call_or("load_npz"), ": ", r.path, ": truncated or corrupt: the zip central directory after byte offset ", p, " is missing");
}

FileBytes read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(detail::call_or("load_npz"), ": cannot open ", path, ": ", std::strerror(errno));
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  FileBytes b;
  b.bytes.reset(new unsigned char[ec ? 1 : static_cast<std::size_t>(size) + 1]);
  b.n = ec ? 0 : std::fread(b.bytes.get(), 1, static_cast<std::size_t>(size), f);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) fail(detail::call_or("load_npz"), ": reading ", path, " failed after ", b.n, " bytes");
  return b;
}

}  // namespace

NamedTensors load_npz(const std::string& path) {
  const FileBytes b = read_file(path);
  const Reader r{b, path};
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  std::size_t eocd = std::string::npos;
  for (std::size_t i = b.size() >= 22 ? b.size() - 22 : 0; b.size() >= 22; --i) {
    if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 0x05 && b[i + 3] == 0x06) {
      eocd = i;
      break;
    }
    if (i == 0 || b.size() - i > 22 + 65535) break;
  }
  if (eocd == std::string::npos) explain_missing_directory(r);
  const std::size_t count = r.u16(eocd + 10, "entry count");
  std::size_t p = r.u32(eocd + 16, "central directory offset");
  if (count == 0xffff || p == 0xffffffffu)
    fail(detail::call_or("load_npz"), ": ", path, ": a zip64 archive (over 4 GiB or 65,535 entries) is not supported");
  NamedTensors out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < count; ++i) {
    if (r.u32(p, "central directory record") != 0x02014b50)
      fail(detail::call_or("load_npz"), ": ", path, ": corrupt central directory at byte offset ", p);
    const std::uint32_t flags = r.u16(p + 8, "flags"), method = r.u16(p + 10, "method"), crc = r.u32(p + 16, "crc");
    const std::size_t csize = r.u32(p + 20, "size"), usize = r.u32(p + 24, "size");
    const std::size_t nlen = r.u16(p + 28, "name"), xlen = r.u16(p + 30, "extra"), clen = r.u16(p + 32, "comment");
    const std::size_t local = r.u32(p + 42, "local header offset");
    r.need(p + 46, nlen, "entry name");
    std::string entry(b.begin() + static_cast<long>(p + 46), b.begin() + static_cast<long>(p + 46 + nlen));
    p += 46 + nlen + xlen + clen;
    if (flags & 1) fail(detail::call_or("load_npz"), ": ", path, ": entry '", entry, "' is encrypted");
    if (r.u32(local, "local header of '" + entry + "'") != 0x04034b50)
      fail(detail::call_or("load_npz"), ": ", path, ": corrupt local header of '", entry, "' at byte offset ", local);
    const std::size_t data = local + 30 + r.u16(local + 26, "name") + r.u16(local + 28, "extra");
    r.need(data, csize, "data of '" + entry + "'");
    Bytes inflated;
    const unsigned char* npy = b.data() + data;
    std::size_t npy_size = csize;
    if (method == 0) {
      if (usize != csize)
        fail(detail::call_or("load_npz"), ": ", path, ": stored entry '", entry, "' at byte offset ", data, " declares ", usize,
             " bytes but holds ", csize);
    } else if (method == 8) {
      inflated = inflate_raw(npy, csize, usize, path, entry, data);
      npy = inflated.data();
      npy_size = inflated.size();
    } else {
      fail(detail::call_or("load_npz"), ": ", path, ": entry '", entry, "' uses unsupported compression method ", method);
    }
    if (crc_of(npy, npy_size) != crc)
      fail(detail::call_or("load_npz"), ": ", path, ": entry '", entry, "' at byte offset ", data, " fails its CRC check (corrupt data)");
    if (entry.size() > 4 && entry.compare(entry.size() - 4, 4, ".npy") == 0) entry.resize(entry.size() - 4);
    if (!seen.insert(entry).second) fail(detail::call_or("load_npz"), ": ", path, ": entry '", entry, "' appears twice");
    out.emplace_back(entry, parse_npy(npy, npy_size, path + " entry '" + entry + "'"));
  }
  return out;
}

void save(const Tensor& tensor, const std::string& path) {
  detail::CallScope call("save");
  save(tensor_list{tensor}, path);
}

void save(const tensor_list& tensors, const std::string& path) {
  detail::CallScope call("save");
  NamedTensors named;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) fail("save: tensor ", i, " is undefined");
    named.emplace_back("arr_" + std::to_string(i), tensors[i]);
  }
  save_npz(named, path);
}

void load(Tensor& tensor, const std::string& path) {
  detail::CallScope call("load");
  NamedTensors all = load_npz(path);
  if (all.size() != 1)
    fail("load: ", path, " holds ", all.size(), " arrays; a tensor loads from a file of exactly one (what xg::save(tensor, path) "
         "writes); load a tensor_list, or use load_npz, for more");
  tensor = all[0].second;
}

void load(tensor_list& tensors, const std::string& path) {
  detail::CallScope call("load");
  tensor_list out;
  for (auto& named : load_npz(path)) out.push_back(named.second);
  tensors = std::move(out);
}

}  // namespace xg
