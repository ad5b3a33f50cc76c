// .npz reading and writing: a minimal zip container (stored entries on write; stored or
// deflate on read) around .npy arrays, all little-endian. zlib provides CRC-32 and inflate.
#include <xgrad/detail/format.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <unistd.h>
#include <zlib.h>

#include <xgrad/npz.h>

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

Bytes npy_bytes(const Tensor& t) {
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
  const auto* data = static_cast<const unsigned char*>(t.impl()->storage->data);
  b.insert(b.end(), data, data + t.numel() * static_cast<std::int64_t>(dtype_size(t.dtype())));
  return b;
}

std::uint32_t crc_of(const unsigned char* p, std::size_t n) {
  return static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0), p, static_cast<uInt>(n)));
}

}  // namespace

void save_npz(const NamedTensors& tensors, const std::string& path) {
  Bytes zip, central;
  std::uint16_t count = 0;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) fail("save_npz: ", path, ": tensor '", name, "' is undefined");
    const Bytes npy = npy_bytes(t);
    const std::string entry = name + ".npy";
    if (npy.size() >= 0xffffffffu || zip.size() >= 0xffffffffu)
      fail("save_npz: ", path, ": '", name, "' makes the archive larger than 4 GiB (zip64 is not supported)");
    const std::uint32_t crc = crc_of(npy.data(), npy.size()), size = static_cast<std::uint32_t>(npy.size());
    const auto offset = static_cast<std::uint32_t>(zip.size());
    // Local file header: stored (method 0), dated 1980-01-01.
    put32(zip, 0x04034b50); put16(zip, 20); put16(zip, 0); put16(zip, 0); put16(zip, 0); put16(zip, 0x21);
    put32(zip, crc); put32(zip, size); put32(zip, size);
    put16(zip, static_cast<std::uint32_t>(entry.size())); put16(zip, 0);
    zip.insert(zip.end(), entry.begin(), entry.end());
    zip.insert(zip.end(), npy.begin(), npy.end());
    // Its central directory record.
    put32(central, 0x02014b50); put16(central, 20); put16(central, 20); put16(central, 0); put16(central, 0);
    put16(central, 0); put16(central, 0x21); put32(central, crc); put32(central, size); put32(central, size);
    put16(central, static_cast<std::uint32_t>(entry.size())); put16(central, 0); put16(central, 0);
    put16(central, 0); put16(central, 0); put32(central, 0); put32(central, offset);
    central.insert(central.end(), entry.begin(), entry.end());
    ++count;
  }
  const auto cd_offset = static_cast<std::uint32_t>(zip.size());
  zip.insert(zip.end(), central.begin(), central.end());
  put32(zip, 0x06054b50); put16(zip, 0); put16(zip, 0); put16(zip, count); put16(zip, count);
  put32(zip, static_cast<std::uint32_t>(central.size())); put32(zip, cd_offset); put16(zip, 0);

  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) fail("save_npz: cannot create ", tmp, ": ", std::strerror(errno));
  const bool ok = std::fwrite(zip.data(), 1, zip.size(), f) == zip.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    fail("save_npz: writing ", tmp, " failed: ", std::strerror(err), " (", path, " is unchanged)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rerr = errno;
    std::remove(tmp.c_str());
    fail("save_npz: cannot rename ", tmp, " to ", path, ": ", std::strerror(rerr));
  }
}

namespace {

// Bounds-checked little-endian reads over the whole file, with errors naming path and offset.
struct Reader {
  const Bytes& b;
  const std::string& path;
  void need(std::size_t offset, std::size_t n, const std::string& what) const {
    if (offset > b.size() || n > b.size() - offset)
      fail("load_npz: ", path, ": truncated or corrupt: ", what, " at byte offset ", offset, " needs ", n,
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

Bytes inflate_raw(const unsigned char* p, std::size_t n, std::size_t out_size, const std::string& path,
                  const std::string& entry) {
  Bytes out(out_size);
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail("load_npz: ", path, ": zlib initialisation failed");
  zs.next_in = const_cast<unsigned char*>(p);
  zs.avail_in = static_cast<uInt>(n);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != out_size)
    fail("load_npz: ", path, ": entry '", entry, "' does not decompress (corrupt data)");
  return out;
}

// The value text of `key` in a .npy header dict, e.g. "'<f4'" or "(3, 4)".
std::string header_field(const std::string& h, const std::string& key, const std::string& where) {
  const auto k = h.find("'" + key + "'");
  if (k == std::string::npos) fail("load_npz: ", where, ": .npy header lacks '", key, "': ", h);
  auto v = h.find(':', k) + 1;
  while (v < h.size() && h[v] == ' ') ++v;
  const char open = h[v];
  const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
  const auto e = h.find(close, v + 1);
  if (e == std::string::npos) fail("load_npz: ", where, ": malformed .npy header: ", h);
  return h.substr(v, e - v + (close == ',' ? 0 : 1));
}

Tensor parse_npy(const Bytes& npy, const std::string& where) {
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (npy.size() < 10 || std::memcmp(npy.data(), magic, 6) != 0)
    fail("load_npz: ", where, ": not a .npy array (bad magic)");
  const bool v1 = npy[6] == 1;
  const std::size_t hlen = v1 ? (npy[8] | (npy[9] << 8)) : (npy.size() < 12 ? 0 : (npy[8] | (npy[9] << 8) | (npy[10] << 16) | (static_cast<std::size_t>(npy[11]) << 24)));
  const std::size_t start = v1 ? 10 : 12;
  if (npy.size() < start + hlen) fail("load_npz: ", where, ": truncated .npy header");
  const std::string h(npy.begin() + start, npy.begin() + start + hlen);
  const std::string descr = header_field(h, "descr", where);
  if (header_field(h, "fortran_order", where).find("True") != std::string::npos)
    fail("load_npz: ", where, ": Fortran-ordered arrays are not supported");
  const std::string shape_text = header_field(h, "shape", where);
  Shape shape;
  for (std::size_t i = 1; i < shape_text.size();) {
    while (i < shape_text.size() && (shape_text[i] == ' ' || shape_text[i] == ',')) ++i;
    if (i >= shape_text.size() || shape_text[i] == ')') break;
    std::size_t used = 0;
    shape.push_back(std::stoll(shape_text.substr(i), &used));
    i += used;
  }
  Dtype dt;
  std::size_t item;
  if (descr == "'<f4'") dt = kFloat32, item = 4;
  else if (descr == "'<f8'") dt = kFloat64, item = 8;
  else if (descr == "'<i8'") dt = kInt64, item = 8;
  else if (descr == "'<i4'") dt = kInt64, item = 4;
  else fail("load_npz: ", where, ": unsupported dtype ", descr, " (supported: <f4, <f8, <i8, <i4)");
  const auto numel = static_cast<std::size_t>(shape_numel(shape));
  const std::size_t data_start = start + hlen;
  if (npy.size() - data_start != numel * item)
    fail("load_npz: ", where, ": shape ", detail::shape_str(shape), " needs ", numel * item, " data bytes, found ",
         npy.size() - data_start);
  Tensor t = detail::make_tensor(shape, dt);
  if (item == 4 && dt == kInt64) {
    auto* out = t.data<std::int64_t>();
    for (std::size_t i = 0; i < numel; ++i) {
      std::int32_t v;
      std::memcpy(&v, npy.data() + data_start + 4 * i, 4);
      out[i] = v;
    }
  } else {
    std::memcpy(t.impl()->storage->data, npy.data() + data_start, numel * item);
  }
  return t;
}

// No central directory: either not a zip at all, or cut short. Walk the local headers from
// the start to say where the data stops.
[[noreturn]] void explain_missing_directory(const Reader& r) {
  if (r.b.size() < 4 || r.u32(0, "signature") != 0x04034b50)
    fail("load_npz: ", r.path, ": not a .npz archive (no zip signature at byte offset 0)");
  std::size_t p = 0;
  while (p + 30 <= r.b.size() && r.u32(p, "local header") == 0x04034b50) {
    const std::size_t size = r.u32(p + 18, "size"), nlen = r.u16(p + 26, "name"), xlen = r.u16(p + 28, "extra");
    const std::string name(r.b.begin() + static_cast<long>(std::min(p + 30, r.b.size())),
                           r.b.begin() + static_cast<long>(std::min(p + 30 + nlen, r.b.size())));
    const std::size_t end = p + 30 + nlen + xlen + size;
    if (end > r.b.size())
      fail("load_npz: ", r.path, ": truncated: entry '", name, "' at byte offset ", p, " runs to byte ", end,
           ", but the file ends at byte ", r.b.size());
    p = end;
  }
  fail("load_npz: ", r.path, ": truncated or corrupt: the zip central directory after byte offset ", p, " is missing");
}

}  // namespace

NamedTensors load_npz(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("load_npz: cannot open ", path, ": ", std::strerror(errno));
  const Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
  NamedTensors out;
  for (std::size_t i = 0; i < count; ++i) {
    if (r.u32(p, "central directory record") != 0x02014b50)
      fail("load_npz: ", path, ": corrupt central directory at byte offset ", p);
    const std::uint32_t method = r.u16(p + 10, "method"), crc = r.u32(p + 16, "crc");
    const std::size_t csize = r.u32(p + 20, "size"), usize = r.u32(p + 24, "size");
    const std::size_t nlen = r.u16(p + 28, "name"), xlen = r.u16(p + 30, "extra"), clen = r.u16(p + 32, "comment");
    const std::size_t local = r.u32(p + 42, "local header offset");
    r.need(p + 46, nlen, "entry name");
    std::string entry(b.begin() + p + 46, b.begin() + p + 46 + nlen);
    p += 46 + nlen + xlen + clen;
    if (r.u32(local, "local header of '" + entry + "'") != 0x04034b50)
      fail("load_npz: ", path, ": corrupt local header of '", entry, "' at byte offset ", local);
    const std::size_t data = local + 30 + r.u16(local + 26, "name") + r.u16(local + 28, "extra");
    r.need(data, csize, "data of '" + entry + "'");
    Bytes npy;
    if (method == 0) {
      npy.assign(b.begin() + data, b.begin() + data + csize);
    } else if (method == 8) {
      npy = inflate_raw(b.data() + data, csize, usize, path, entry);
    } else {
      fail("load_npz: ", path, ": entry '", entry, "' uses unsupported compression method ", method);
    }
    if (crc_of(npy.data(), npy.size()) != crc)
      fail("load_npz: ", path, ": entry '", entry, "' at byte offset ", data, " fails its CRC check (corrupt data)");
    if (entry.size() > 4 && entry.compare(entry.size() - 4, 4, ".npy") == 0) entry.resize(entry.size() - 4);
    out.emplace_back(entry, parse_npy(npy, path + " entry '" + entry + "'"));
  }
  return out;
}

}  // namespace xg
