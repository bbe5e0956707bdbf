#include "engine/io/csv.h"

#include <cmath>

#include "engine/core/atomic_file.h"
#include "engine/io/mapped_file.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

Status lineError(const std::string& path, std::int64_t line, const std::string& what) {
  return Status::dataError(path + ": line " + std::to_string(line) + ": " + what);
}

struct Record {
  std::int64_t line = 0;
  std::vector<std::string> fields;
};

// RFC 4180: fields separated by ',', optionally quoted with '"' ("" inside is a quote); quoted
// fields may span lines.
Status parseCsv(const std::string& path, std::string_view s, std::vector<Record>& out) {
  std::size_t i = 0;
  std::int64_t line = 1;
  while (i < s.size()) {
    Record rec;
    rec.line = line;
    std::string field;
    bool endOfRecord = false;
    while (!endOfRecord) {
      field.clear();
      if (i < s.size() && s[i] == '"') {
        const std::int64_t startLine = line;
        ++i;
        for (;;) {
          if (i >= s.size()) return lineError(path, startLine, "unterminated quoted field");
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (s[i] == '\n') ++line;
          field += s[i++];
        }
        if (i < s.size() && s[i] == '\r') ++i;
        if (i < s.size() && s[i] != ',' && s[i] != '\n')
          return lineError(path, line, "unexpected character after a closing quote");
      } else {
        while (i < s.size() && s[i] != ',' && s[i] != '\n') field += s[i++];
        if (!field.empty() && field.back() == '\r') field.pop_back();
      }
      rec.fields.push_back(field);
      if (i >= s.size()) {
        endOfRecord = true;
      } else if (s[i] == ',') {
        ++i;
      } else {  // '\n'
        ++i;
        ++line;
        endOfRecord = true;
      }
    }
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.push_back(std::move(rec));
  }
  return Status::ok();
}

bool isNumber(std::string_view f) {
  while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
  while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
  float x = 0;
  return parseFloat(f, x);
}

bool isTokenHeader(const std::string& name) {
  std::string l;
  for (char c : name) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l == "token" || l == "word" || l == "label" || l == "name" || l == "key";
}

}  // namespace

Result<Vectors> readCsvVectors(const std::string& path, const ReadOptions& options) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  std::string_view text(mapped->chars(), mapped->size());
  text.remove_prefix(utf8BomLength(text));
  if (auto badAt = findInvalidUtf8(text)) {
    std::int64_t line = 1;
    for (std::size_t k = 0; k < *badAt; ++k) line += text[k] == '\n';
    return lineError(path, line, "invalid UTF-8 (byte offset " + std::to_string(*badAt) + ")");
  }
  std::vector<Record> recs;
  EMBEDSCOPE_TRY(parseCsv(path, text, recs));
  if (recs.empty()) return lineError(path, 1, "empty file: expected comma-separated vectors");
  bool header = false;
  const Record& first = recs[0];
  for (std::size_t c = 1; c < first.fields.size(); ++c)
    if (!isNumber(first.fields[c])) header = true;
  if (first.fields.size() == 1 && !isNumber(first.fields[0]) && recs.size() > 1) header = true;
  const std::size_t firstData = header ? 1 : 0;
  if (firstData >= recs.size()) return lineError(path, 2, "a header but no vectors");
  bool tokenCol = header && isTokenHeader(first.fields[0]);
  for (std::size_t r = firstData; r < recs.size() && !tokenCol; ++r)
    if (!recs[r].fields.empty() && !isNumber(recs[r].fields[0])) tokenCol = true;
  const std::size_t cols = recs[firstData].fields.size();
  if (tokenCol && cols < 2) return lineError(path, recs[firstData].line, "a token but no values");
  const auto dim = static_cast<std::int64_t>(cols - (tokenCol ? 1 : 0));
  if (header && first.fields.size() != cols)
    return lineError(path, first.line, "the header has " + std::to_string(first.fields.size()) + " columns, the rows " + std::to_string(cols));
  for (std::size_t r = firstData; r < recs.size(); ++r)  // before allocating rows x cols
    if (recs[r].fields.size() != cols)
      return lineError(path, recs[r].line, std::to_string(recs[r].fields.size()) + " fields, but " + std::to_string(cols) + " expected");
  Vectors v;
  v.format = formatName(VectorFormat::Csv);
  v.storedDtype = kTextDtype;
  v.matrix.resize(static_cast<std::int64_t>(recs.size() - firstData), dim);
  std::vector<std::string_view> fields;
  for (std::size_t r = firstData; r < recs.size(); ++r) {
    const Record& rec = recs[r];
    if (tokenCol) v.tokens.push_back(rec.fields[0]);
    fields.assign(rec.fields.begin(), rec.fields.end());
    const std::string problem = parseRowValues(fields, tokenCol ? 1 : 0, dim, options.allowNonFinite,
                                               v.matrix.row(static_cast<std::int64_t>(r - firstData)).data());
    if (!problem.empty()) return lineError(path, rec.line, problem);
  }
  detectReservedRows(v);
  if (options.progress) options.progress(1.0);
  return v;
}

Status writeCsvVectors(const std::string& path, const Vectors& v) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos && !s.empty()) return s;
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  };
  for (std::size_t r = 0; r < v.tokens.size(); ++r)
    if (findInvalidUtf8(v.tokens[r]))
      return Status::invalidArgument("writing " + path + ": token of row " + std::to_string(r) + " is not valid UTF-8");
  return writeFileAtomically(path, [&](std::ostream& out) {
    std::string buf;
    const bool tokens = !v.tokens.empty();
    if (tokens) {
      buf += "token";
      for (std::int64_t c = 0; c < v.dim(); ++c) buf += ",d" + std::to_string(c);
      buf += '\n';
    }
    for (std::int64_t r = 0; r < v.rows(); ++r) {
      if (tokens) buf += quote(v.tokens[static_cast<std::size_t>(r)]) + ",";
      appendFloatRow(buf, v.matrix.row(r).data(), v.dim(), ',', false);
      buf += '\n';
      flushIfLarge(out, buf);
    }
    flush(out, buf);
    return Status::ok();
  });
}

}  // namespace embedscope::io
