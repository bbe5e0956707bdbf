#include "engine/data/labeled_tsv.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace embedscope::data {

namespace {

bool isValidUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    if (c < 0x80) extra = 0;
    else if ((c & 0xE0) == 0xC0 && c >= 0xC2) extra = 1;
    else if ((c & 0xF0) == 0xE0) extra = 2;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4) extra = 3;
    else return false;
    if (i + static_cast<std::size_t>(extra) >= s.size() && extra > 0) return false;
    for (int k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80) return false;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

bool parseNonNegative(const std::string& s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

}  // namespace

Result<LabeledCorpus> parseLabeledTsv(const std::string& content, const std::string& sourceName) {
  struct Raw {
    std::string label, text;
    std::int64_t line;
  };
  std::vector<Raw> raw;
  std::istringstream in(content);
  std::string line;
  std::int64_t lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineNo == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const auto tab = line.find('\t');
    const std::string where = sourceName + ":" + std::to_string(lineNo) + ": ";
    if (tab == std::string::npos)
      return Status::dataError(where + "expected `label<TAB>text`, found no tab");
    std::string label = line.substr(0, tab);
    while (!label.empty() && label.back() == ' ') label.pop_back();
    while (!label.empty() && label.front() == ' ') label.erase(0, 1);
    if (label.empty()) return Status::dataError(where + "empty label");
    std::string text = line.substr(tab + 1);
    if (!isValidUtf8(text) || !isValidUtf8(label)) return Status::dataError(where + "text is not valid UTF-8");
    raw.push_back({std::move(label), std::move(text), lineNo});
  }
  if (raw.empty()) return Status::dataError(sourceName + ": no examples");

  LabeledCorpus corpus;
  bool allIntegers = true;
  std::int64_t maxLabel = 0;
  for (const auto& r : raw) {
    std::int64_t v = 0;
    if (!parseNonNegative(r.label, v)) {
      allIntegers = false;
      break;
    }
    maxLabel = std::max(maxLabel, v);
  }
  if (allIntegers && maxLabel > 100000)
    return Status::dataError(sourceName + ": label " + std::to_string(maxLabel) + " is too large for a class index");
  std::map<std::string, std::int64_t> index;
  if (allIntegers) {
    for (std::int64_t c = 0; c <= maxLabel; ++c) corpus.classNames.push_back(std::to_string(c));
  } else {
    for (const auto& r : raw) index.emplace(r.label, 0);
    std::int64_t next = 0;
    for (auto& [name, id] : index) {
      id = next++;
      corpus.classNames.push_back(name);
    }
  }
  corpus.examples.reserve(raw.size());
  for (auto& r : raw) {
    std::int64_t label = 0;
    if (allIntegers) parseNonNegative(r.label, label);
    else label = index.at(r.label);
    corpus.examples.push_back({label, std::move(r.text), r.line});
  }
  if (corpus.classNames.size() < 2)
    return Status::dataError(sourceName + ": all examples have the same label; classify needs at least two classes");
  return corpus;
}

Result<LabeledCorpus> readLabeledTsv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::ioError("cannot open " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::ioError("cannot read " + path);
  return parseLabeledTsv(ss.str(), path);
}

}  // namespace embedscope::data
