#pragma once
// The `topics` preset: a seeded, generated corpus whose words belong to known clusters (topics),
// with planted analogies, so a test can ask whether skip-gram recovered what was planted.
//
// Each topic T (ocean, forest, ...) has `slots` concepts S; each concept has three words: a
// neutral one "TS" and a pair of forms "TShe" / "TSshe". A sentence is about one topic, one concept
// and one form: its content words are the concept in that form, the concept's neutral word and
// other neutral words of the topic, mixed with the form's marker words (he/him/his or
// she/her/hers) and Zipf-distributed function words (the, of, and, ...). So:
// - a word's contexts are its own topic's words: neighbours are the topic (neighbour purity);
// - the two forms of a concept share the neutral word's context: they are each other's twins;
// - every "he" form differs from its "she" twin by the same marker contexts in every topic: the
//   offset he − she is one direction, so TShe − TSshe + UPshe ≈ UPhe for any other topic U and
//   concept P (the planted analogies, paired relations across clusters).
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace embedscope::data {

struct TopicsPresetOptions {
  int topics = 16;                 // clusters (at most the built-in topic names: 24)
  int slots = 6;                   // concepts per topic: 3 words each
  std::int64_t sentences = 80000;  // about 12 tokens each
  std::int64_t maxAnalogies = 1000;
  std::uint64_t seed = 1;
};

struct TopicsPreset {
  std::string text;                                   // one sentence per line
  std::vector<std::string> topicNames;                // cluster names, by cluster index
  std::unordered_map<std::string, int> clusterOf;     // every topic word → its cluster
  std::vector<std::string> clusterWords;              // the same words in a fixed order
  std::vector<std::array<std::string, 4>> analogies;  // a : b :: c : d, i.e. d ≈ a − b + c
};

// Deterministic in its options (seed included). Topics beyond the name list are clamped.
TopicsPreset generateTopicsPreset(const TopicsPresetOptions& options = {});

}  // namespace embedscope::data
