#pragma once
// `planted-clusters`: the explorer's demo data set (and `embedscope train --preset planted-clusters`).
// Tokens t >= 2 of a pronounceable, seeded vocabulary belong to class (t - 2) % classes. Each
// example is a sequence of length/2..length tokens, padded with 0 at the end, whose tokens come
// 80% from its class and 20% from the whole vocabulary; its label is its class. Trained with
// Embedding(mask_zero) -> GlobalAveragePooling1D -> Dense softmax (the classify task), the table
// learns to separate the classes, which a projection shows as clusters.
//
// The regression variant regresses the table toward a hidden uniform(-0.05, 0.05) teacher table
// at ids drawn uniformly over the whole table (padding and OOV rows included).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/data/presets.h"
#include "engine/data/sequences.h"
#include "engine/data/vocabulary.h"

namespace embedscope::data {

struct PlantedClustersOptions {
  std::int64_t inputDim = 2000;  // ids in all, padding and OOV included (>= 3)
  std::int64_t classes = 6;      // >= 2
  std::int64_t length = 12;      // sequence length (>= 1)
  std::int64_t examples = 4000;  // 100 steps an epoch at batch 32 with validation_split=0.2
  std::uint64_t seed = 0;
};

struct PlantedClustersData {
  IdMatrix ids;                          // (examples, length)
  std::vector<std::int64_t> labels;      // per example, in [0, classes)
  std::vector<std::string> classNames;   // "class 0", "class 1", ...
  Vocabulary vocabulary;                 // inputDim ids in id order, frequencies counted over `ids`
  std::vector<std::int64_t> tokenClass;  // per id: its planted class, -1 for padding and OOV
};

// The options are clamped to their minimums (a demo never fails on a small number).
PlantedClustersData plantedClustersPreset(const PlantedClustersOptions& options = {});

// The regression variant: ids (examples, length) uniform over [0, inputDim), targets teacher[ids].
RegressionData plantedRegressionPreset(const PlantedClustersOptions& options, std::int64_t outputDim);

// The class of token `id` under `classes` planted classes (-1 for the reserved ids 0 and 1).
inline std::int64_t plantedClassOf(std::int64_t id, std::int64_t classes) {
  return id < Vocabulary::kReserved ? -1 : (id - Vocabulary::kReserved) % classes;
}

}  // namespace embedscope::data
