#include "engine/io/word2vec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/core/atomic_file.h"
#include "engine/io/mapped_file.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

constexpr std::int64_t kMaxDim = 1 << 20;
constexpr std::uint64_t kProgressStep = 8u << 20;

Status lineError(const std::string& path, std::int64_t line, const std::string& what) {
  return Status::dataError(path + ": line " + std::to_string(line) + ": " + what);
}
Status offsetError(const std::string& path, std::uint64_t offset, const std::string& what) {
  return Status::dataError(path + ": offset " + std::to_string(offset) + ": " + what);
}

// Walks the lines of a mapped file, keeping the 1-based line number and byte offset.
class LineCursor {
 public:
  explicit LineCursor(const MappedFile& f)
      : m_f(f), m_pos(utf8BomLength(std::string_view(f.chars(), static_cast<std::size_t>(std::min<std::uint64_t>(f.size(), 3))))) {}
  bool next(std::string_view& line) {
    if (m_pos >= m_f.size()) return false;
    const char* base = m_f.chars();
    const void* nl = std::memchr(base + m_pos, '\n', m_f.size() - m_pos);
    const std::uint64_t end = nl ? static_cast<std::uint64_t>(static_cast<const char*>(nl) - base) : m_f.size();
    line = std::string_view(base + m_pos, end - m_pos);
    m_lineStart = m_pos;
    m_pos = nl ? end + 1 : end;
    ++m_line;
    return true;
  }
  std::int64_t line() const { return m_line; }
  std::uint64_t lineStart() const { return m_lineStart; }
  std::uint64_t pos() const { return m_pos; }

 private:
  const MappedFile& m_f;
  std::uint64_t m_pos;
  std::uint64_t m_lineStart = 0;
  std::int64_t m_line = 0;
};

Status checkToken(const std::string& path, std::int64_t line, std::string_view token) {
  if (auto badAt = findInvalidUtf8(token))
    return lineError(path, line, "the token is not valid UTF-8 (byte " + std::to_string(*badAt) + " of " + quotedText(token) + ")");
  return Status::ok();
}

Status parseValues(const std::string& path, std::int64_t line, const std::vector<std::string_view>& fields,
                   std::size_t first, float* out, std::int64_t dim, bool allowNonFinite) {
  const std::string problem = parseRowValues(fields, first, dim, allowNonFinite, out);
  return problem.empty() ? Status::ok() : lineError(path, line, problem);
}

struct Progress {
  const ReadOptions& opt;
  std::uint64_t total;
  std::uint64_t next = kProgressStep;
  Status tick(std::uint64_t pos) {
    if (pos < next) return Status::ok();
    next = pos + kProgressStep;
    if (opt.cancel && opt.cancel->isCancelled()) return Status::cancelled();
    if (opt.progress && total) opt.progress(static_cast<double>(pos) / static_cast<double>(total));
    return Status::ok();
  }
  void done() const {
    if (opt.progress) opt.progress(1.0);
  }
};

// Reads "COUNT DIM"; checks them against the file size so a hostile header cannot make us
// allocate 10^12 rows.
Status parseHeader(const std::string& path, std::string_view line, std::uint64_t fileSize, std::uint64_t minRowBytes,
                   std::int64_t& count, std::int64_t& dim) {
  std::vector<std::string_view> f;
  splitWhitespace(line, f);
  if (f.size() != 2 || !parseCount(f[0], count) || !parseCount(f[1], dim))
    return lineError(path, 1,
                     "expected a header 'COUNT DIM', found " + quotedText(line) +
                         " (a GloVe file without a header needs --from glove)");
  if (dim <= 0 || dim > kMaxDim)
    return lineError(path, 1, "the header's dimension " + std::to_string(dim) + " is out of range (1.." + std::to_string(kMaxDim) + ")");
  const std::uint64_t rowBytes = minRowBytes * static_cast<std::uint64_t>(dim);
  if (static_cast<std::uint64_t>(count) > fileSize / rowBytes + 1)
    return lineError(path, 1,
                     "the header claims " + std::to_string(count) + " vectors of dimension " + std::to_string(dim) +
                         " but the file has only " + std::to_string(fileSize) + " bytes");
  return Status::ok();
}

}  // namespace

Result<Vectors> readWord2VecText(const std::string& path, TextFlavor flavor, const ReadOptions& options) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  const MappedFile& f = *mapped;
  LineCursor cur(f);
  Progress progress{options, f.size()};
  std::vector<std::string_view> fields;
  std::string_view line;
  std::int64_t count = 0, dim = 0;
  Vectors v;
  v.format = formatName(flavor == TextFlavor::Glove      ? VectorFormat::GloveText
                        : flavor == TextFlavor::FastText ? VectorFormat::FastTextVec
                                                         : VectorFormat::Word2VecText);
  v.storedDtype = kTextDtype;
  if (flavor != TextFlavor::Glove) {
    if (!cur.next(line)) return lineError(path, 1, "empty file: expected a header 'COUNT DIM'");
    // Each row needs at least a 1-byte token and "space digit" per value.
    EMBEDSCOPE_TRY(parseHeader(path, line, f.size(), 2, count, dim));
  } else {
    // No header: the first line fixes the dimension; rows are counted with one memchr pass.
    LineCursor probe(f);
    std::int64_t lines = 0;
    std::string_view l;
    while (probe.next(l)) {
      if (lines == 0) {
        splitWhitespace(l, fields);
        if (fields.size() < 2) return lineError(path, 1, "expected 'token v1 .. vD', found " + quotedText(l));
        dim = static_cast<std::int64_t>(fields.size()) - 1;
        if (dim > kMaxDim) return lineError(path, 1, "dimension " + std::to_string(dim) + " is out of range");
      }
      ++lines;
    }
    if (lines == 0) return lineError(path, 1, "empty file");
    // Blank lines are skipped below and the matrix trimmed to the rows found. A row needs at least
    // 2*dim+1 bytes, which bounds the allocation however many short lines follow a wide first one.
    count = std::min<std::int64_t>(lines, static_cast<std::int64_t>(f.size() / (2 * static_cast<std::uint64_t>(dim) + 1)) + 1);
  }
  v.matrix.resize(count, dim);
  v.tokens.reserve(static_cast<std::size_t>(count));
  std::int64_t row = 0;
  std::uint64_t dropped = 0;
  while (row < count) {
    if (!cur.next(line)) {
      if (flavor == TextFlavor::Glove) break;
      return lineError(path, cur.line() + 1,
                       "truncated: the header promises " + std::to_string(count) + " vectors but the file ends after " +
                           std::to_string(row));
    }
    EMBEDSCOPE_TRY(progress.tick(cur.pos()));
    splitWhitespace(line, fields);
    if (fields.empty()) {
      if (flavor == TextFlavor::Glove) continue;  // blank lines between rows are tolerated in GloVe files
      return lineError(path, cur.line(), "empty line where vector " + std::to_string(row + 1) + " was expected");
    }
    std::string token;
    std::size_t firstValue = 1;
    if (static_cast<std::int64_t>(fields.size()) == dim + 1) {
      token = std::string(fields[0]);
    } else if (flavor == TextFlavor::Glove && static_cast<std::int64_t>(fields.size()) > dim + 1) {
      // GloVe 840B has tokens with spaces: the values are the last `dim` fields.
      firstValue = fields.size() - static_cast<std::size_t>(dim);
      const char* tokEnd = fields[firstValue - 1].data() + fields[firstValue - 1].size();
      token = std::string(fields[0].data(), static_cast<std::size_t>(tokEnd - fields[0].data()));
    } else {
      return lineError(path, cur.line(),
                       "expected a token and " + std::to_string(dim) + " values, found " +
                           std::to_string(static_cast<std::int64_t>(fields.size()) - 1) + " values");
    }
    EMBEDSCOPE_TRY(checkToken(path, cur.line(), token));
    EMBEDSCOPE_TRY(parseValues(path, cur.line(), fields, firstValue, v.matrix.row(row).data(), dim, options.allowNonFinite));
    v.tokens.push_back(std::move(token));
    ++row;
    if (cur.lineStart() - dropped > kProgressStep * 4) {  // hand pages back in 32 MiB steps, not per row
      f.dropPages(dropped, cur.lineStart());
      dropped = cur.lineStart();
    }
  }
  if (row < count) v.matrix.conservativeResize(row, dim);
  if (flavor != TextFlavor::Glove) {
    while (cur.next(line)) {
      splitWhitespace(line, fields);
      if (!fields.empty())
        return lineError(path, cur.line(), "more vectors than the header's " + std::to_string(count));
    }
  }
  progress.done();
  detectReservedRows(v);
  return v;
}

Result<Vectors> readWord2VecBinary(const std::string& path, const ReadOptions& options) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  const MappedFile& f = *mapped;
  LineCursor cur(f);
  std::string_view line;
  if (!cur.next(line)) return offsetError(path, 0, "empty file: expected a header 'COUNT DIM'");
  std::int64_t count = 0, dim = 0;
  // Each row needs a 1-byte token, a space and 4 bytes per value.
  EMBEDSCOPE_TRY(parseHeader(path, line, f.size(), 4, count, dim));
  Progress progress{options, f.size()};
  Vectors v;
  v.format = formatName(VectorFormat::Word2VecBinary);
  v.storedDtype = dtypeName(DType::Float32);  // little-endian float32, as word2vec's C code writes
  v.matrix.resize(count, dim);
  v.tokens.reserve(static_cast<std::size_t>(count));
  std::uint64_t pos = cur.pos();
  const std::uint64_t rowBytes = static_cast<std::uint64_t>(dim) * 4;
  const char* base = f.chars();
  std::uint64_t dropped = 0;
  for (std::int64_t row = 0; row < count; ++row) {
    // word2vec's C tool writes '\n' after each vector, gensim does not: skip it either way.
    while (pos < f.size() && (base[pos] == '\n' || base[pos] == '\r')) ++pos;
    const std::uint64_t tokenStart = pos;
    while (pos < f.size() && base[pos] != ' ') {
      if (base[pos] == '\n' || base[pos] == '\0')
        return offsetError(path, pos, "vector " + std::to_string(row + 1) + ": control byte inside its token");
      if (pos - tokenStart > 4096) return offsetError(path, tokenStart, "vector " + std::to_string(row + 1) + ": token longer than 4096 bytes");
      ++pos;
    }
    if (pos >= f.size())
      return offsetError(path, tokenStart,
                         "truncated: the header promises " + std::to_string(count) + " vectors but the file ends in vector " +
                             std::to_string(row + 1));
    const std::string_view token(base + tokenStart, pos - tokenStart);
    if (token.empty()) return offsetError(path, tokenStart, "vector " + std::to_string(row + 1) + ": empty token");
    if (auto badAt = findInvalidUtf8(token))
      return offsetError(path, tokenStart + *badAt, "vector " + std::to_string(row + 1) + ": the token is not valid UTF-8");
    ++pos;  // the space
    if (f.size() - pos < rowBytes)
      return offsetError(path, pos,
                         "truncated: vector " + std::to_string(row + 1) + " needs " + std::to_string(rowBytes) + " bytes, " +
                             std::to_string(f.size() - pos) + " remain");
    float* out = v.matrix.row(row).data();
    std::memcpy(out, base + pos, rowBytes);  // little-endian float32, as on every platform we build for
    if (!options.allowNonFinite)
      for (std::int64_t c = 0; c < dim; ++c)
        if (!std::isfinite(out[c]))
          return offsetError(path, pos + static_cast<std::uint64_t>(c) * 4,
                             "vector " + std::to_string(row + 1) + " (" + quotedText(token) + "): value " + std::to_string(c + 1) +
                                 " is NaN/Inf");
    pos += rowBytes;
    v.tokens.emplace_back(token);
    EMBEDSCOPE_TRY(progress.tick(pos));
    if (tokenStart - dropped > kProgressStep * 4) {
      f.dropPages(dropped, tokenStart);
      dropped = tokenStart;
    }
  }
  while (pos < f.size() && (base[pos] == '\n' || base[pos] == '\r' || base[pos] == ' ')) ++pos;
  if (pos != f.size()) return offsetError(path, pos, std::to_string(f.size() - pos) + " unexpected bytes after the last vector");
  progress.done();
  detectReservedRows(v);
  return v;
}

Result<std::string> tokenForWriting(const Vectors& v, std::int64_t row, bool allowSpaces) {
  if (v.tokens.empty()) return std::to_string(row);
  const std::string& t = v.tokens[static_cast<std::size_t>(row)];
  if (t.empty()) {
    if (row == v.paddingRow.value_or(0)) return std::string("[PAD]");
    return Status::invalidArgument("row " + std::to_string(row) + " has an empty token, which this format cannot hold");
  }
  for (char c : t) {
    if (c == '\n' || c == '\r' || c == '\0' || (!allowSpaces && (c == ' ' || c == '\t')))
      return Status::invalidArgument("row " + std::to_string(row) + ": token " + quotedText(t) +
                                     " contains whitespace, which this format cannot hold");
  }
  if (findInvalidUtf8(t)) return Status::invalidArgument("row " + std::to_string(row) + ": token " + quotedText(t) + " is not valid UTF-8");
  return t;
}

namespace {
// Every row's token as the word2vec family writes it (row numbers when there are none), checked
// before anything is written.
Result<std::vector<std::string>> tokensForWriting(const std::string& path, const Vectors& v) {
  if (!v.tokens.empty() && static_cast<std::int64_t>(v.tokens.size()) != v.rows())
    return Status::invalidArgument("writing " + path + ": " + std::to_string(v.tokens.size()) + " tokens for " +
                                   std::to_string(v.rows()) + " rows");
  std::vector<std::string> tokens(static_cast<std::size_t>(v.rows()));
  for (std::int64_t r = 0; r < v.rows(); ++r) {
    auto t = tokenForWriting(v, r, false);
    if (!t) return t.status().withContext("writing " + path);
    tokens[static_cast<std::size_t>(r)] = std::move(*t);
  }
  return tokens;
}
}  // namespace

Status writeWord2VecText(const std::string& path, const Vectors& v, TextFlavor flavor) {
  auto toks = tokensForWriting(path, v);
  if (!toks) return toks.status();
  const std::vector<std::string>& tokens = *toks;
  return writeFileAtomically(path, [&](std::ostream& out) {
    std::string buf;
    if (flavor != TextFlavor::Glove) buf = std::to_string(v.rows()) + " " + std::to_string(v.dim()) + "\n";
    for (std::int64_t r = 0; r < v.rows(); ++r) {
      buf += tokens[static_cast<std::size_t>(r)];
      appendFloatRow(buf, v.matrix.row(r).data(), v.dim(), ' ', true);
      if (flavor == TextFlavor::FastText) buf += ' ';
      buf += '\n';
      flushIfLarge(out, buf);
    }
    flush(out, buf);
    return Status::ok();
  });
}

Status writeWord2VecBinary(const std::string& path, const Vectors& v) {
  auto toks = tokensForWriting(path, v);
  if (!toks) return toks.status();
  const std::vector<std::string>& tokens = *toks;
  return writeFileAtomically(path, [&](std::ostream& out) {
    const std::string header = std::to_string(v.rows()) + " " + std::to_string(v.dim()) + "\n";
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (std::int64_t r = 0; r < v.rows(); ++r) {
      const std::string& t = tokens[static_cast<std::size_t>(r)];
      out.write(t.data(), static_cast<std::streamsize>(t.size()));
      out.put(' ');
      out.write(reinterpret_cast<const char*>(v.matrix.row(r).data()), static_cast<std::streamsize>(v.dim() * 4));
      out.put('\n');
    }
    return Status::ok();
  });
}

}  // namespace embedscope::io
