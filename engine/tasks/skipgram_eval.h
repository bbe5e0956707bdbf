#pragma once
// Held-out quality measures for skip-gram tables with planted structure (the `topics` preset):
// neighbour purity@k and analogy accuracy by 3CosAdd, brute force over cosine similarity. The
// reserved ids (padding, [UNK]) are never candidates.
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/data/vocabulary.h"

namespace embedscope {

struct NeighbourPurity {
  double purity = 0.0;         // mean over evaluated words of (same-cluster neighbours among the k nearest) / k
  std::int64_t evaluated = 0;  // cluster words present in the vocabulary
};

// For every word of clusterOf in the vocabulary: its k nearest other words by cosine over the
// whole vocabulary; a neighbour counts when it is in the same cluster.
NeighbourPurity neighbourPurity(const Matrix& table, const data::Vocabulary& vocabulary,
                                const std::unordered_map<std::string, int>& clusterOf, int k);

struct AnalogyScore {
  double accuracy = 0.0;       // correct / evaluated
  std::int64_t evaluated = 0;  // analogies whose four words are all in the vocabulary
  std::int64_t correct = 0;
};

// a : b :: c : d holds when d is the nearest word (by cosine, over unit-normalised rows) to
// a − b + c, a, b and c excluded (3CosAdd, as word2vec's compute-accuracy and gensim).
AnalogyScore analogyAccuracy(const Matrix& table, const data::Vocabulary& vocabulary,
                             const std::vector<std::array<std::string, 4>>& analogies);

// Rows scaled to unit length (zero rows stay zero).
Matrix normalizedRows(const Matrix& table);

}  // namespace embedscope
