#include "engine/io/projector_tsv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "engine/core/atomic_file.h"
#include "engine/io/mapped_file.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

Status lineError(const std::string& path, std::int64_t line, const std::string& what) {
  return Status::dataError(path + ": line " + std::to_string(line) + ": " + what);
}

void splitTabs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

// Lines of a mapped file with trailing blank lines removed (editors and the projector's own
// download add one).
std::vector<std::string_view> linesOf(const MappedFile& f) {
  std::vector<std::string_view> lines;
  std::string_view all(f.chars(), f.size());
  all.remove_prefix(utf8BomLength(all));
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t nl = all.find('\n', start);
    if (nl == std::string_view::npos) nl = all.size();
    lines.push_back(all.substr(start, nl - start));
    start = nl + 1;
  }
  while (!lines.empty()) {
    std::string_view l = lines.back();
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    if (!l.empty()) break;
    lines.pop_back();
  }
  return lines;
}

bool isOneOf(const std::string& name, std::initializer_list<const char*> names) {
  std::string l;
  for (char c : name) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* n : names)
    if (l == n) return true;
  return false;
}

Status checkField(const std::string& what, std::int64_t row, const std::string& s) {
  if (s.find_first_of("\t\n\r") != std::string::npos)
    return Status::invalidArgument(what + " of row " + std::to_string(row) + " " + quotedText(s) +
                                   " contains a tab or newline, which TSV cannot hold");
  return Status::ok();
}

}  // namespace

std::string defaultMetadataPath(const std::string& vectorsPath) {
  namespace fs = std::filesystem;
  const fs::path p(vectorsPath);
  const std::string name = p.filename().string();
  if (name == "vectors.tsv") return (p.parent_path() / "metadata.tsv").string();
  std::string stem = name;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".tsv") == 0) stem.resize(stem.size() - 4);
  return (p.parent_path() / (stem + ".metadata.tsv")).string();
}

Result<Vectors> readProjectorTsv(const std::string& path, const ReadOptions& options) {
  auto mapped = MappedFile::open(path);
  if (!mapped) return mapped.status();
  const auto lines = linesOf(*mapped);
  if (lines.empty()) return lineError(path, 1, "empty file: expected tab-separated vectors");
  std::vector<std::string_view> fields;
  splitTabs(lines[0], fields);
  const auto dim = static_cast<std::int64_t>(fields.size());
  // Every line's width is checked before the matrix is allocated: a wide first line followed by
  // many short ones must not make us allocate lines x width floats.
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto width = static_cast<std::int64_t>(std::count(lines[i].begin(), lines[i].end(), '\t')) + 1;
    if (width != dim)
      return lineError(path, static_cast<std::int64_t>(i + 1),
                       "vector has dimension " + std::to_string(width) + ", but " + std::to_string(dim) +
                           " expected (from line 1)");
  }
  Vectors v;
  v.format = formatName(VectorFormat::ProjectorTsv);
  v.storedDtype = kTextDtype;
  v.matrix.resize(static_cast<std::int64_t>(lines.size()), dim);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto line = static_cast<std::int64_t>(i + 1);
    splitTabs(lines[i], fields);
    if (static_cast<std::int64_t>(fields.size()) != dim)
      return lineError(path, line,
                       "vector has dimension " + std::to_string(fields.size()) + ", but " + std::to_string(dim) +
                           " expected (from line 1)");
    const std::string problem =
        parseRowValues(fields, 0, dim, options.allowNonFinite, v.matrix.row(static_cast<std::int64_t>(i)).data());
    if (!problem.empty()) return lineError(path, line, problem);
    if (options.cancel && (i & 0xFFF) == 0 && options.cancel->isCancelled()) return Status::cancelled();
    if (options.progress && (i & 0xFFFF) == 0) options.progress(static_cast<double>(i) / static_cast<double>(lines.size()));
  }

  std::string metaPath = options.metadataPath;
  std::error_code ec;
  if (metaPath.empty()) {
    const std::string guess = defaultMetadataPath(path);
    if (std::filesystem::is_regular_file(guess, ec)) metaPath = guess;
  }
  if (!metaPath.empty()) {
    auto meta = MappedFile::open(metaPath);
    if (!meta) return meta.status();
    const auto mlines = linesOf(*meta);
    if (mlines.empty()) return lineError(metaPath, 1, "empty metadata file");
    splitTabs(mlines[0], fields);
    const bool hasHeader = fields.size() > 1;
    std::vector<std::string> names;
    if (hasHeader)
      for (auto f : fields) names.emplace_back(f);
    else
      names.emplace_back("label");
    const std::size_t cols = names.size();
    const std::size_t dataRows = mlines.size() - (hasHeader ? 1 : 0);
    if (static_cast<std::int64_t>(dataRows) != v.rows()) {
      if (!hasHeader && static_cast<std::int64_t>(dataRows) == v.rows() + 1)
        return lineError(metaPath, 1,
                         "single-column metadata should not have a header row (" + std::to_string(dataRows) +
                             " lines for " + std::to_string(v.rows()) + " vectors)");
      return Status::dataError(metaPath + ": number of vectors (" + std::to_string(v.rows()) +
                               ") does not match the number of metadata rows (" + std::to_string(dataRows) + ")");
    }
    std::vector<std::vector<std::string>> columns(cols);
    for (std::size_t i = hasHeader ? 1 : 0; i < mlines.size(); ++i) {
      const auto line = static_cast<std::int64_t>(i + 1);
      if (auto badAt = findInvalidUtf8(mlines[i]))
        return lineError(metaPath, line, "invalid UTF-8 at byte " + std::to_string(*badAt));
      if (cols == 1) {
        std::string_view l = mlines[i];
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        columns[0].emplace_back(l);
        continue;
      }
      splitTabs(mlines[i], fields);
      if (fields.size() != cols)
        return lineError(metaPath, line,
                         std::to_string(fields.size()) + " columns, but the header has " + std::to_string(cols));
      for (std::size_t c = 0; c < cols; ++c) columns[c].emplace_back(fields[c]);
    }
    std::size_t tokenCol = 0;
    for (std::size_t c = 0; c < cols; ++c)
      if (isOneOf(names[c], {"word", "token", "label", "name"})) {
        tokenCol = c;
        break;
      }
    for (std::size_t c = 0; c < cols; ++c) {
      if (c == tokenCol) {
        v.tokens = std::move(columns[c]);
        continue;
      }
      if (isOneOf(names[c], {"frequency", "count", "freq", "counts", "frequencies"}) && v.frequencies.empty()) {
        std::vector<std::int64_t> freq;
        bool allInts = true;
        for (const auto& s : columns[c]) {
          std::int64_t x = 0;
          if (!parseCount(s, x)) {
            allInts = false;
            break;
          }
          freq.push_back(x);
        }
        if (allInts) {
          v.frequencies = std::move(freq);
          continue;
        }
      }
      v.metadataColumns.push_back(names[c]);
      v.metadata.push_back(std::move(columns[c]));
    }
    detectReservedRows(v);
  }
  if (options.progress) options.progress(1.0);
  return v;
}

Status writeProjectorTsv(const std::string& path, const Vectors& v, const std::string& metadataPathIn) {
  const bool needMeta = !v.tokens.empty() || !v.metadata.empty() || !v.frequencies.empty();
  if (v.metadata.size() != v.metadataColumns.size())
    return Status::invalidArgument("writing " + path + ": metadata column names and columns differ in number");
  for (const auto& col : v.metadata)
    if (static_cast<std::int64_t>(col.size()) != v.rows())
      return Status::invalidArgument("writing " + path + ": a metadata column has the wrong number of rows");
  if (!v.frequencies.empty() && static_cast<std::int64_t>(v.frequencies.size()) != v.rows())
    return Status::invalidArgument("writing " + path + ": frequencies do not match the rows");
  EMBEDSCOPE_TRY(writeFileAtomically(path, [&](std::ostream& out) {
    std::string buf;
    for (std::int64_t r = 0; r < v.rows(); ++r) {
      appendFloatRow(buf, v.matrix.row(r).data(), v.dim(), '\t', false);
      buf += '\n';
      flushIfLarge(out, buf);
    }
    flush(out, buf);
    return Status::ok();
  }));
  if (!needMeta) return Status::ok();
  const std::string metaPath = metadataPathIn.empty() ? defaultMetadataPath(path) : metadataPathIn;
  // Token column: an empty padding token would be a blank line the projector drops; name it.
  std::vector<std::string> tokens(static_cast<std::size_t>(v.rows()));
  for (std::int64_t r = 0; r < v.rows(); ++r) {
    std::string t = v.tokens.empty() ? std::to_string(r) : v.tokens[static_cast<std::size_t>(r)];
    if (t.empty()) t = r == v.paddingRow.value_or(0) ? "[PAD]" : "";
    EMBEDSCOPE_TRY(checkField("token", r, t).withContext("writing " + metaPath));
    tokens[static_cast<std::size_t>(r)] = std::move(t);
  }
  for (std::size_t c = 0; c < v.metadata.size(); ++c) {
    EMBEDSCOPE_TRY(checkField("column name", 0, v.metadataColumns[c]).withContext("writing " + metaPath));
    for (std::int64_t r = 0; r < v.rows(); ++r)
      EMBEDSCOPE_TRY(checkField(v.metadataColumns[c], r, v.metadata[c][static_cast<std::size_t>(r)]).withContext("writing " + metaPath));
  }
  const bool single = v.metadata.empty() && v.frequencies.empty();
  return writeFileAtomically(metaPath, [&](std::ostream& out) {
    std::string buf;
    if (!single) {
      buf += "word";
      if (!v.frequencies.empty()) buf += "\tfrequency";
      for (const auto& n : v.metadataColumns) buf += "\t" + n;
      buf += '\n';
    }
    for (std::int64_t r = 0; r < v.rows(); ++r) {
      buf += tokens[static_cast<std::size_t>(r)];
      if (!v.frequencies.empty()) buf += "\t" + std::to_string(v.frequencies[static_cast<std::size_t>(r)]);
      for (const auto& col : v.metadata) buf += "\t" + col[static_cast<std::size_t>(r)];
      buf += '\n';
    }
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    return Status::ok();
  });
}

}  // namespace embedscope::io
