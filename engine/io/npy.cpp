#include "engine/io/npy.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/core/atomic_file.h"
#include "engine/io/mapped_file.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// numpy refuses headers past this size too (np.lib.format._MAX_HEADER_SIZE); far larger than any
// real header, small enough that a hostile length cannot make us scan gigabytes.
constexpr std::uint64_t kMaxHeaderLen = 10000;

Status bad(const std::string& where, std::uint64_t offset, const std::string& what) {
  return Status::dataError(where + ": offset " + std::to_string(offset) + ": " + what);
}

// A strict reader for the Python dict literal numpy writes:
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::uint64_t base, std::string where)
      : m_s(text), m_base(base), m_where(std::move(where)) {}

  Status parse(std::string& descr, bool& fortran, std::vector<std::int64_t>& shape) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skipSpace();
    if (!eat('{')) return err("expected '{' to open the header dict");
    for (;;) {
      skipSpace();
      if (eat('}')) break;
      std::string key;
      EMBEDSCOPE_TRY(readString(key));
      skipSpace();
      if (!eat(':')) return err("expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (haveDescr) return err("duplicate key 'descr'");
        if (peek() != '\'' && peek() != '"')
          return err("'descr' is not a simple type string (structured dtypes are not supported)");
        EMBEDSCOPE_TRY(readString(descr));
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (haveFortran) return err("duplicate key 'fortran_order'");
        if (m_s.substr(m_i, 4) == "True") {
          fortran = true;
          m_i += 4;
        } else if (m_s.substr(m_i, 5) == "False") {
          fortran = false;
          m_i += 5;
        } else {
          return err("'fortran_order' must be True or False");
        }
        haveFortran = true;
      } else if (key == "shape") {
        if (haveShape) return err("duplicate key 'shape'");
        EMBEDSCOPE_TRY(readShape(shape));
        haveShape = true;
      } else {
        return err("unexpected key '" + key + "' in the header");
      }
      skipSpace();
      if (eat(',')) continue;
      skipSpace();
      if (eat('}')) break;
      return err("expected ',' or '}' in the header dict");
    }
    if (!haveDescr || !haveFortran || !haveShape)
      return err("the header must have 'descr', 'fortran_order' and 'shape'");
    skipSpace();
    if (m_i != m_s.size()) return err("unexpected text after the header dict");
    return Status::ok();
  }

 private:
  char peek() const { return m_i < m_s.size() ? m_s[m_i] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++m_i;
    return true;
  }
  void skipSpace() {
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\t' || m_s[m_i] == '\r')) ++m_i;
  }
  Status err(const std::string& what) const { return bad(m_where, m_base + m_i, what); }
  Status readString(std::string& out) {
    const char q = peek();
    if (q != '\'' && q != '"') return err("expected a quoted string");
    ++m_i;
    const std::size_t start = m_i;
    while (m_i < m_s.size() && m_s[m_i] != q) {
      if (m_s[m_i] == '\\') return err("escapes are not allowed in header strings");
      ++m_i;
    }
    if (m_i >= m_s.size()) return err("unterminated string in the header");
    out = std::string(m_s.substr(start, m_i - start));
    ++m_i;
    return Status::ok();
  }
  Status readShape(std::vector<std::int64_t>& shape) {
    if (!eat('(')) return err("'shape' must be a tuple");
    shape.clear();
    for (;;) {
      skipSpace();
      if (eat(')')) return Status::ok();
      std::size_t start = m_i;
      while (m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9') ++m_i;
      // numpy 1.x wrote shapes with an 'L' suffix on Python 2.
      std::int64_t v = 0;
      if (!parseCount(m_s.substr(start, m_i - start), v)) return err("a shape entry is not a non-negative integer");
      if (peek() == 'L') ++m_i;
      if (shape.size() >= 32) return err("more than 32 dimensions");
      shape.push_back(v);
      skipSpace();
      if (eat(',')) continue;
      skipSpace();
      if (eat(')')) return Status::ok();
      return err("expected ',' or ')' in 'shape'");
    }
  }

  std::string_view m_s;
  std::size_t m_i = 0;
  std::uint64_t m_base;
  std::string m_where;
};

Status parseDescr(const std::string& descr, NpyHeader& h, const std::string& where, std::uint64_t offset) {
  if (descr.size() < 2) return bad(where, offset, "unsupported dtype '" + descr + "'");
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    return bad(where, offset, "unsupported dtype '" + descr + "' (no byte order)");
  h.bigEndian = order == '>';
  const char kind = descr[1];
  std::int64_t size = 0;
  if (!parseCount(std::string_view(descr).substr(2), size) || size <= 0)
    return bad(where, offset, "unsupported dtype '" + descr + "'");
  auto pick = [&](DType t) {
    h.dtype = t;
    return static_cast<std::int64_t>(dtypeSize(t)) == size;
  };
  bool ok = false;
  switch (kind) {
    case 'b':  // '|b1' is numpy's bool (dtype('b') alone would be int8, but descr strings carry a size)
    case '?': ok = pick(DType::Bool); break;
    case 'i':
      ok = size == 1 ? pick(DType::Int8) : size == 2 ? pick(DType::Int16) : size == 4 ? pick(DType::Int32) : pick(DType::Int64);
      break;
    case 'u':
      ok = size == 1 ? pick(DType::UInt8) : size == 2 ? pick(DType::UInt16) : size == 4 ? pick(DType::UInt32) : pick(DType::UInt64);
      break;
    case 'f': ok = size == 2 ? pick(DType::Float16) : size == 4 ? pick(DType::Float32) : pick(DType::Float64); break;
    case 'U':
      if (size > 1 << 20) return bad(where, offset, "string dtype '" + descr + "' is implausibly wide");
      h.isUnicode = true;
      h.stringChars = size;
      ok = true;
      break;
    default: ok = false;
  }
  if (!ok) return bad(where, offset, "unsupported dtype '" + descr + "'");
  return Status::ok();
}

void byteSwapInPlace(std::byte* p, std::size_t count, std::size_t item) {
  if (item <= 1) return;
  for (std::size_t i = 0; i < count; ++i) std::reverse(p + i * item, p + (i + 1) * item);
}

// Fortran (column-major) to C order, any rank.
std::vector<std::byte> fortranToC(const std::byte* src, const std::vector<std::int64_t>& shape, std::size_t item) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<std::byte> out(static_cast<std::size_t>(n) * item);
  if (n == 0) return out;
  const std::size_t rank = shape.size();
  if (rank == 2) {
    const std::int64_t rows = shape[0], cols = shape[1];
    for (std::int64_t c = 0; c < cols; ++c)
      for (std::int64_t r = 0; r < rows; ++r)
        std::memcpy(out.data() + static_cast<std::size_t>(r * cols + c) * item,
                    src + static_cast<std::size_t>(c * rows + r) * item, item);
    return out;
  }
  // Fortran strides: the first axis is contiguous.
  std::vector<std::int64_t> fstride(rank, 1);
  for (std::size_t k = 1; k < rank; ++k) fstride[k] = fstride[k - 1] * shape[k - 1];
  std::vector<std::int64_t> idx(rank, 0);
  for (std::int64_t lin = 0; lin < n; ++lin) {
    std::int64_t off = 0;
    for (std::size_t k = 0; k < rank; ++k) off += idx[k] * fstride[k];
    std::memcpy(out.data() + static_cast<std::size_t>(lin) * item, src + static_cast<std::size_t>(off) * item, item);
    for (std::size_t k = rank; k-- > 0;) {  // C order: last axis fastest
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

std::string descrOf(DType t) {
  switch (t) {
    case DType::Bool: return "|b1";
    case DType::Int8: return "|i1";
    case DType::UInt8: return "|u1";
    case DType::Int16: return "<i2";
    case DType::Int32: return "<i4";
    case DType::Int64: return "<i8";
    case DType::UInt16: return "<u2";
    case DType::UInt32: return "<u4";
    case DType::UInt64: return "<u8";
    case DType::Float16: return "<f2";
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
  }
  return "<f4";
}

std::vector<std::byte> buildHeader(const std::string& descr, const std::vector<std::int64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  // Pad with spaces and end in '\n' so the data starts on a 64-byte boundary, as numpy does.
  bool v2 = false;
  std::size_t prefix = 10;
  std::size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 65535) {
    v2 = true;
    prefix = 12;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::vector<std::byte> out;
  out.reserve(total);
  for (unsigned char c : kMagic) out.push_back(std::byte{c});
  out.push_back(std::byte{static_cast<unsigned char>(v2 ? 2 : 1)});
  out.push_back(std::byte{0});
  const std::uint64_t len = dict.size();
  out.push_back(std::byte{static_cast<unsigned char>(len & 0xFF)});
  out.push_back(std::byte{static_cast<unsigned char>((len >> 8) & 0xFF)});
  if (v2) {
    out.push_back(std::byte{static_cast<unsigned char>((len >> 16) & 0xFF)});
    out.push_back(std::byte{static_cast<unsigned char>((len >> 24) & 0xFF)});
  }
  for (char c : dict) out.push_back(std::byte{static_cast<unsigned char>(c)});
  return out;
}

}  // namespace

std::size_t NpyHeader::itemSize() const {
  return isUnicode ? static_cast<std::size_t>(4 * stringChars) : dtypeSize(dtype);
}

Result<NpyHeader> parseNpyHeader(const std::byte* data, std::uint64_t size, const std::string& where) {
  if (size < 10) return bad(where, 0, "truncated: " + std::to_string(size) + " bytes is too short for a .npy header");
  if (std::memcmp(data, kMagic, 6) != 0) return bad(where, 0, "wrong magic: not a .npy file");
  const auto major = static_cast<unsigned>(data[6]);
  std::uint64_t headerLen = 0;
  std::uint64_t prefix = 0;
  if (major == 1) {
    headerLen = static_cast<std::uint64_t>(data[8]) | (static_cast<std::uint64_t>(data[9]) << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return bad(where, 8, "truncated header length");
    headerLen = 0;
    for (int k = 0; k < 4; ++k) headerLen |= static_cast<std::uint64_t>(data[8 + k]) << (8 * k);
    prefix = 12;
  } else {
    return bad(where, 6, "unsupported .npy format version " + std::to_string(major));
  }
  if (headerLen > kMaxHeaderLen)
    return bad(where, 8, "header length " + std::to_string(headerLen) + " exceeds the limit of " + std::to_string(kMaxHeaderLen));
  if (prefix + headerLen > size)
    return bad(where, prefix, "truncated: the header claims " + std::to_string(headerLen) + " bytes but only " +
                                  std::to_string(size - prefix) + " follow");
  std::string_view text(reinterpret_cast<const char*>(data + prefix), headerLen);
  if (major < 3) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if (static_cast<unsigned char>(text[i]) >= 0x80) return bad(where, prefix + i, "non-ASCII byte in a version 1/2 header");
  } else if (auto badAt = findInvalidUtf8(text)) {
    return bad(where, prefix + *badAt, "invalid UTF-8 in the header");
  }
  NpyHeader h;
  std::string descr;
  HeaderParser parser(text, prefix, where);
  EMBEDSCOPE_TRY(parser.parse(descr, h.fortranOrder, h.shape));
  EMBEDSCOPE_TRY(parseDescr(descr, h, where, prefix));
  h.dataOffset = prefix + headerLen;
  // Element count and byte size with overflow checks: a header may claim 10^12 x 10^12.
  std::uint64_t count = 1;
  for (auto d : h.shape) {
    const auto ud = static_cast<std::uint64_t>(d);
    if (ud != 0 && count > std::numeric_limits<std::uint64_t>::max() / ud)
      return bad(where, prefix, "shape " + shapeString(h.shape) + " overflows the element count");
    count *= ud;
  }
  const std::uint64_t item = h.itemSize();
  if (count != 0 && item > std::numeric_limits<std::uint64_t>::max() / count)
    return bad(where, prefix, "shape " + shapeString(h.shape) + " overflows the byte size");
  h.dataBytes = count * item;
  const std::uint64_t available = size - h.dataOffset;
  if (h.dataBytes > available)
    return bad(where, h.dataOffset,
               "truncated: shape " + shapeString(h.shape) + " of " + descr + " needs " + std::to_string(h.dataBytes) +
                   " bytes of data but the file has " + std::to_string(available));
  if (h.dataBytes < available)
    return bad(where, h.dataOffset + h.dataBytes,
               std::to_string(available - h.dataBytes) + " unexpected bytes after the array data");
  return h;
}

Result<NdArray> decodeNpy(const std::byte* data, std::uint64_t size, const std::string& where) {
  auto h = parseNpyHeader(data, size, where);
  if (!h) return h.status();
  if (h->isUnicode) return bad(where, 0, "a string array, not a numeric one");
  NdArray a;
  a.dtype = h->dtype;
  a.shape = h->shape;
  const std::byte* src = data + h->dataOffset;
  const std::size_t item = h->itemSize();
  if (h->fortranOrder && h->shape.size() > 1) {
    a.bytes = fortranToC(src, h->shape, item);
  } else {
    a.bytes.assign(src, src + h->dataBytes);
  }
  if (h->bigEndian) byteSwapInPlace(a.bytes.data(), a.bytes.size() / item, item);
  if (a.dtype == DType::Bool) {
    for (std::size_t i = 0; i < a.bytes.size(); ++i)
      if (static_cast<unsigned char>(a.bytes[i]) > 1)
        return bad(where, h->dataOffset + i, "a bool element is neither 0 nor 1");
  }
  return a;
}

Result<std::vector<std::string>> decodeNpyStrings(const std::byte* data, std::uint64_t size, const std::string& where) {
  auto h = parseNpyHeader(data, size, where);
  if (!h) return h.status();
  if (!h->isUnicode) return bad(where, 0, "expected a unicode string array ('<U...'), found " + dtypeName(h->dtype));
  std::vector<std::byte> bytes;
  const std::byte* src = data + h->dataOffset;
  if (h->fortranOrder && h->shape.size() > 1) {
    bytes = fortranToC(src, h->shape, h->itemSize());
    src = bytes.data();
  }
  const std::uint64_t count = h->itemSize() ? h->dataBytes / h->itemSize() : 0;
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string s;
    for (std::int64_t c = 0; c < h->stringChars; ++c) {
      const std::byte* p = src + (i * h->stringChars + c) * 4;
      std::uint32_t cp = 0;
      for (int k = 0; k < 4; ++k) {
        const int shift = h->bigEndian ? 8 * (3 - k) : 8 * k;
        cp |= static_cast<std::uint32_t>(p[k]) << shift;
      }
      if (cp == 0) break;  // numpy pads with NULs
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return bad(where, h->dataOffset + (i * h->stringChars + c) * 4, "invalid code point in a string element");
      appendUtf8(s, cp);
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<NdArray> readNpy(const std::string& path) {
  auto f = MappedFile::open(path);
  if (!f) return f.status();
  return decodeNpy(f->data(), f->size(), path);
}

std::vector<std::byte> encodeNpy(const NdArray& array) {
  std::vector<std::byte> out = buildHeader(descrOf(array.dtype), array.shape);
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

Result<std::vector<std::byte>> encodeNpyStrings(const std::vector<std::string>& strings) {
  std::vector<std::vector<char32_t>> decoded;
  decoded.reserve(strings.size());
  std::size_t width = 1;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    if (auto badAt = findInvalidUtf8(strings[i]))
      return Status::invalidArgument("string " + std::to_string(i) + " is not valid UTF-8 (byte " + std::to_string(*badAt) + ")");
    decoded.push_back(decodeUtf8(strings[i]));
    width = std::max(width, decoded.back().size());
  }
  std::vector<std::byte> out =
      buildHeader("<U" + std::to_string(width), {static_cast<std::int64_t>(strings.size())});
  const std::size_t start = out.size();
  out.resize(start + strings.size() * width * 4, std::byte{0});
  for (std::size_t i = 0; i < decoded.size(); ++i)
    for (std::size_t c = 0; c < decoded[i].size(); ++c)
      for (int k = 0; k < 4; ++k)
        out[start + (i * width + c) * 4 + k] = std::byte{static_cast<unsigned char>((decoded[i][c] >> (8 * k)) & 0xFF)};
  return out;
}

Status writeNpy(const std::string& path, const NdArray& array) {
  if (static_cast<std::size_t>(array.elementCount()) * dtypeSize(array.dtype) != array.bytes.size())
    return Status::invalidArgument("writing " + path + ": array bytes do not match shape " + array.shapeString());
  return writeFileAtomically(path, [&](std::ostream& out) {
    const std::vector<std::byte> header = buildHeader(descrOf(array.dtype), array.shape);
    out.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(array.bytes.data()), static_cast<std::streamsize>(array.bytes.size()));
    return Status::ok();
  });
}

}  // namespace embedscope::io
