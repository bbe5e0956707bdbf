#include "engine/io/session_file.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "engine/core/atomic_file.h"
#include "engine/io/mapped_file.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

constexpr char kMagic[] = "EMBEDSCOPE-SESSION\n";
constexpr std::size_t kMagicLen = sizeof(kMagic) - 1;
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kMaxKey = 4096;
constexpr std::uint8_t kMaxRank = 8;

std::uint32_t crc32(const std::byte* p, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ static_cast<std::uint8_t>(p[i])) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

template <class T>
void put(std::vector<std::byte>& out, T v) {
  for (std::size_t k = 0; k < sizeof(T); ++k)
    out.push_back(std::byte{static_cast<unsigned char>((static_cast<std::uint64_t>(v) >> (8 * k)) & 0xFF)});
}

class Reader {
 public:
  Reader(const std::byte* d, std::size_t n, std::string where) : m_d(d), m_n(n), m_where(std::move(where)) {}
  std::size_t pos() const { return m_pos; }
  std::size_t remaining() const { return m_n - m_pos; }
  Status err(const std::string& what, std::size_t at) const {
    return Status::dataError(m_where + ": offset " + std::to_string(at) + ": " + what);
  }
  template <class T>
  Status get(T& v, const char* what) {
    if (remaining() < sizeof(T)) return err(std::string("truncated while reading ") + what, m_pos);
    std::uint64_t x = 0;
    for (std::size_t k = 0; k < sizeof(T); ++k) x |= static_cast<std::uint64_t>(m_d[m_pos + k]) << (8 * k);
    v = static_cast<T>(x);
    m_pos += sizeof(T);
    return Status::ok();
  }
  Status bytes(std::size_t n, const std::byte*& p, const char* what) {
    if (remaining() < n)
      return err(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
                     std::to_string(remaining()) + " remain",
                 m_pos);
    p = m_d + m_pos;
    m_pos += n;
    return Status::ok();
  }
  const std::byte* at(std::size_t p) const { return m_d + p; }

 private:
  const std::byte* m_d;
  std::size_t m_n;
  std::size_t m_pos = 0;
  std::string m_where;
};

}  // namespace

const std::string* SessionFile::text(const std::string& key) const {
  auto it = texts.find(key);
  return it == texts.end() ? nullptr : &it->second;
}

std::string SessionFile::textOr(const std::string& key, const std::string& fallback) const {
  const std::string* t = text(key);
  return t ? *t : fallback;
}

const NdArray* SessionFile::array(const std::string& key) const {
  auto it = arrays.find(key);
  return it == arrays.end() ? nullptr : &it->second;
}

void SessionFile::setMatrix(const std::string& key, const Matrix& m) {
  arrays[key] = NdArray::fromFloat32({m.rows(), m.cols()}, m.data());
}

Result<Matrix> SessionFile::matrix(const std::string& key) const {
  const NdArray* a = array(key);
  if (!a) return Status::dataError("the session has no array '" + key + "'");
  if (a->shape.size() != 2) return Status::dataError("session array '" + key + "' has shape " + a->shapeString() + ", not 2-D");
  const std::vector<float> f = a->toFloat32();
  return Matrix(Eigen::Map<const Matrix>(f.data(), a->shape[0], a->shape[1]));
}

void SessionFile::setUInt64s(const std::string& key, const std::vector<std::uint64_t>& values) {
  NdArray a;
  a.dtype = DType::UInt64;
  a.shape = {static_cast<std::int64_t>(values.size())};
  a.bytes.resize(values.size() * 8);
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  arrays[key] = std::move(a);
}

Result<std::vector<std::uint64_t>> SessionFile::uint64s(const std::string& key) const {
  const NdArray* a = array(key);
  if (!a || a->dtype != DType::UInt64 || a->shape.size() != 1)
    return Status::dataError("the session has no 1-D uint64 array '" + key + "'");
  std::vector<std::uint64_t> out(static_cast<std::size_t>(a->shape[0]));
  if (!out.empty()) std::memcpy(out.data(), a->bytes.data(), out.size() * 8);
  return out;
}

void SessionFile::setInt64s(const std::string& key, const std::vector<std::int64_t>& values) {
  arrays[key] = NdArray::fromInt64({static_cast<std::int64_t>(values.size())}, values.data());
}

Result<std::vector<std::int64_t>> SessionFile::int64s(const std::string& key) const {
  const NdArray* a = array(key);
  if (!a || a->dtype != DType::Int64 || a->shape.size() != 1)
    return Status::dataError("the session has no 1-D int64 array '" + key + "'");
  std::vector<std::int64_t> out(static_cast<std::size_t>(a->shape[0]));
  if (!out.empty()) std::memcpy(out.data(), a->bytes.data(), out.size() * 8);
  return out;
}

std::vector<std::string> SessionFile::keysWithPrefix(const std::string& prefix) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : texts)
    if (k.compare(0, prefix.size(), prefix) == 0) out.push_back(k);
  for (const auto& [k, v] : arrays)
    if (k.compare(0, prefix.size(), prefix) == 0) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::byte> encodeSessionFile(const SessionFile& s) {
  std::vector<std::byte> out;
  for (std::size_t i = 0; i < kMagicLen; ++i) out.push_back(std::byte{static_cast<unsigned char>(kMagic[i])});
  put<std::uint32_t>(out, kVersion);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.texts.size() + s.arrays.size()));
  auto beginEntry = [&](char kind, const std::string& key) {
    const std::size_t start = out.size();
    out.push_back(std::byte{static_cast<unsigned char>(kind)});
    put<std::uint32_t>(out, static_cast<std::uint32_t>(key.size()));
    for (char c : key) out.push_back(std::byte{static_cast<unsigned char>(c)});
    return start;
  };
  auto endEntry = [&](std::size_t start) { put<std::uint32_t>(out, crc32(out.data() + start, out.size() - start)); };
  for (const auto& [key, value] : s.texts) {
    const std::size_t start = beginEntry('T', key);
    put<std::uint64_t>(out, value.size());
    for (char c : value) out.push_back(std::byte{static_cast<unsigned char>(c)});
    endEntry(start);
  }
  for (const auto& [key, a] : s.arrays) {
    const std::size_t start = beginEntry('A', key);
    out.push_back(std::byte{static_cast<unsigned char>(a.dtype)});
    out.push_back(std::byte{static_cast<unsigned char>(a.shape.size())});
    for (auto d : a.shape) put<std::int64_t>(out, d);
    put<std::uint64_t>(out, a.bytes.size());
    out.insert(out.end(), a.bytes.begin(), a.bytes.end());
    endEntry(start);
  }
  for (char c : std::string("END\n")) out.push_back(std::byte{static_cast<unsigned char>(c)});
  return out;
}

Result<SessionFile> decodeSessionFile(const std::byte* data, std::size_t size, const std::string& where) {
  Reader r(data, size, where);
  const std::byte* magic = nullptr;
  if (size < kMagicLen || std::memcmp(data, kMagic, kMagicLen) != 0)
    return r.err("wrong magic: not an Embedscope session file", 0);
  EMBEDSCOPE_TRY(r.bytes(kMagicLen, magic, "the magic"));
  std::uint32_t version = 0, count = 0;
  EMBEDSCOPE_TRY(r.get(version, "the version"));
  if (version != kVersion)
    return r.err("session format version " + std::to_string(version) + " is not supported (this build reads version " +
                     std::to_string(kVersion) + ")",
                 kMagicLen);
  EMBEDSCOPE_TRY(r.get(count, "the entry count"));
  // An entry takes at least 1 + 4 + 8 + 4 bytes: a count the file cannot hold is a lie.
  if (static_cast<std::uint64_t>(count) * 17 > r.remaining())
    return r.err("the header claims " + std::to_string(count) + " entries, more than the file can hold", kMagicLen + 4);
  SessionFile s;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t start = r.pos();
    std::uint8_t kind = 0;
    std::uint32_t keyLen = 0;
    EMBEDSCOPE_TRY(r.get(kind, "an entry kind"));
    if (kind != 'T' && kind != 'A') return r.err("unknown entry kind " + std::to_string(kind), start);
    EMBEDSCOPE_TRY(r.get(keyLen, "a key length"));
    if (keyLen == 0 || keyLen > kMaxKey) return r.err("key length " + std::to_string(keyLen) + " is out of range", start + 1);
    const std::byte* keyBytes = nullptr;
    EMBEDSCOPE_TRY(r.bytes(keyLen, keyBytes, "a key"));
    std::string key(reinterpret_cast<const char*>(keyBytes), keyLen);
    if (auto badAt = findInvalidUtf8(key)) return r.err("key is not valid UTF-8", start + 5 + *badAt);
    if (s.has(key)) return r.err("duplicate key '" + key + "'", start);
    if (kind == 'T') {
      std::uint64_t len = 0;
      EMBEDSCOPE_TRY(r.get(len, "a text length"));
      if (len > r.remaining())
        return r.err("truncated: text '" + key + "' claims " + std::to_string(len) + " bytes, " +
                         std::to_string(r.remaining()) + " remain",
                     r.pos() - 8);
      const std::byte* p = nullptr;
      EMBEDSCOPE_TRY(r.bytes(static_cast<std::size_t>(len), p, "a text"));
      std::string value(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
      if (auto badAt = findInvalidUtf8(value)) return r.err("text '" + key + "' is not valid UTF-8", r.pos() - len + *badAt);
      s.texts.emplace(key, std::move(value));
    } else {
      std::uint8_t dt = 0, rank = 0;
      EMBEDSCOPE_TRY(r.get(dt, "a dtype"));
      if (dt > static_cast<std::uint8_t>(DType::Float64)) return r.err("array '" + key + "': unknown dtype " + std::to_string(dt), r.pos() - 1);
      EMBEDSCOPE_TRY(r.get(rank, "a rank"));
      if (rank > kMaxRank) return r.err("array '" + key + "': rank " + std::to_string(rank) + " exceeds 8", r.pos() - 1);
      NdArray a;
      a.dtype = static_cast<DType>(dt);
      std::uint64_t count64 = 1;
      for (std::uint8_t k = 0; k < rank; ++k) {
        std::int64_t d = 0;
        EMBEDSCOPE_TRY(r.get(d, "a dimension"));
        if (d < 0) return r.err("array '" + key + "': negative dimension", r.pos() - 8);
        if (d != 0 && count64 > (std::uint64_t{1} << 62) / static_cast<std::uint64_t>(d))
          return r.err("array '" + key + "': shape overflows", r.pos() - 8);
        count64 *= static_cast<std::uint64_t>(d);
        a.shape.push_back(d);
      }
      std::uint64_t len = 0;
      EMBEDSCOPE_TRY(r.get(len, "an array length"));
      if (count64 > (std::uint64_t{1} << 60) || len != count64 * dtypeSize(a.dtype))
        return r.err("array '" + key + "': " + std::to_string(len) + " bytes do not match shape " + a.shapeString() + " of " +
                         dtypeName(a.dtype),
                     r.pos() - 8);
      const std::byte* p = nullptr;
      EMBEDSCOPE_TRY(r.bytes(static_cast<std::size_t>(len), p, ("array '" + key + "'").c_str()));
      a.bytes.assign(p, p + len);
      s.arrays.emplace(key, std::move(a));
    }
    const std::size_t end = r.pos();
    std::uint32_t stored = 0;
    EMBEDSCOPE_TRY(r.get(stored, "a checksum"));
    if (stored != crc32(r.at(start), end - start))
      return r.err("entry '" + key + "' is corrupt (checksum mismatch)", start);
  }
  const std::byte* trailer = nullptr;
  EMBEDSCOPE_TRY(r.bytes(4, trailer, "the end marker"));
  if (std::memcmp(trailer, "END\n", 4) != 0) return r.err("missing end marker", r.pos() - 4);
  if (r.remaining() != 0) return r.err(std::to_string(r.remaining()) + " unexpected bytes after the end marker", r.pos());
  return s;
}

Status writeSessionFile(const std::string& path, const SessionFile& s) {
  for (const auto& k : s.keysWithPrefix(""))
    if (k.empty() || k.size() > kMaxKey || findInvalidUtf8(k))
      return Status::invalidArgument("saving " + path + ": key '" + k + "' is empty, too long or not UTF-8");
  for (const auto& [k, v] : s.arrays)
    if (static_cast<std::size_t>(v.elementCount()) * dtypeSize(v.dtype) != v.bytes.size() || v.shape.size() > kMaxRank)
      return Status::invalidArgument("saving " + path + ": array '" + k + "' bytes do not match its shape");
  for (const auto& [k, v] : s.texts)
    if (findInvalidUtf8(v)) return Status::invalidArgument("saving " + path + ": text '" + k + "' is not valid UTF-8");
  const std::vector<std::byte> bytes = encodeSessionFile(s);
  return writeFileAtomically(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return Status::ok();
  });
}

Result<SessionFile> readSessionFile(const std::string& path) {
  auto f = MappedFile::open(path);
  if (!f) return f.status();
  return decodeSessionFile(f->data(), static_cast<std::size_t>(f->size()), path);
}

}  // namespace embedscope::io
