#pragma once
// Labelled text for the classify task: one example per line, `label<TAB>text`, UTF-8.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::data {

struct LabeledText {
  std::int64_t label = 0;
  std::string text;
  std::int64_t line = 0;  // 1-based source line (0 for generated data), for messages
};

struct LabeledCorpus {
  std::vector<LabeledText> examples;
  // Class names by class index. Integer labels keep their value as the index (names "0", "1", ...);
  // any other labels are numbered in sorted order, as a LabelEncoder would.
  std::vector<std::string> classNames;
};

// Parses `label<TAB>text` lines. Blank lines are skipped; a line without a tab, an empty label or
// text that is not UTF-8 is a DataError naming the file and line. A single class is a DataError too
// (a softmax over one class learns nothing).
Result<LabeledCorpus> parseLabeledTsv(const std::string& content, const std::string& sourceName);
Result<LabeledCorpus> readLabeledTsv(const std::string& path);

}  // namespace embedscope::data
