#pragma once
// Built-in, seeded, generated data sets with planted structure that training must recover
// (`--preset NAME`). The same seed always gives the same data. The skip-gram corpus preset
// (`topics`) lives with the skip-gram task.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/data/labeled_tsv.h"
#include "engine/data/sequences.h"

namespace embedscope::data {

// `sentiment`: sentences of 2..maxWords words. Each sentence carries 1..3 polarity words of its class
// ("good", "superb", ... for class "positive"; "bad", "awful", ... for "negative") among neutral
// filler words; the rest of the vocabulary says nothing about the label. Short and long sentences
// mix, so sequences padded to the longest carry many padding positions and mask_zero matters.
struct SentimentPresetOptions {
  std::int64_t examples = 2000;
  std::int64_t maxWords = 24;
  std::uint64_t seed = 1337;
};
LabeledCorpus sentimentPreset(const SentimentPresetOptions& options = {});
// The polarity words of class 0 ("negative") and class 1 ("positive").
const std::vector<std::string>& sentimentWords(int polarity);

// `keras-example`: the Keras docs' `Embedding(1000, 64, input_length=10)` as a regression toward a
// hidden teacher table: ids (examples, 10) drawn Zipf(s) over a seeded permutation of the
// vocabulary, targets (examples, 10, 64) = teacher[ids]. Frequent rows get many updates and
// converge first; rare rows are looked up a few times or never.
struct KerasExamplePresetOptions {
  std::int64_t examples = 4000;
  std::int64_t inputDim = 1000;
  std::int64_t outputDim = 64;
  std::int64_t length = 10;
  double zipfExponent = 1.2;
  float teacherStddev = 0.5f;
  std::uint64_t seed = 1337;
};
struct RegressionData {
  IdMatrix ids;            // (examples, length)
  Matrix targets;          // (examples * length, outputDim): the (N, L, D) targets in C order
  Matrix teacher;          // (inputDim, outputDim): what generated the targets (for evaluation)
  std::int64_t inputDim = 0;
  std::int64_t outputDim = 0;
};
RegressionData kerasExamplePreset(const KerasExamplePresetOptions& options = {});

// The preset names each task accepts.
std::vector<std::string> presetNames(const std::string& task);

}  // namespace embedscope::data
