#pragma once
// What a skip-gram run is asked to do: word2vec's skip-gram with negative sampling (SGNS), with
// word2vec's names and defaults (the CLI spells them --window --negative --min-count --sample).
#include <cstdint>
#include <optional>

#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope {

struct SkipGramConfig {
  std::int64_t outputDim = 100;  // D, the Embedding's output_dim
  int window = 5;                // max context distance; each centre draws b in [0, window) and uses window - b
  int negative = 5;              // negatives per (centre, context) pair, from the unigram^0.75 distribution
  double negativePower = 0.75;   // negatives ∝ frequency^this (word2vec 0.75; fastText uses 0.5)
  double sample = 1e-3;          // frequent-word subsampling threshold (word2vec's -sample); 0 = off
  double learningRate = 0.025;   // word2vec's skip-gram default; decays linearly to learningRate * 1e-4
  int epochs = 5;                // word2vec's -iter
  int threads = 1;               // Hogwild threads; 1 thread + seed = bit-identical runs
  std::uint64_t seed = 1;        // negative sampling, subsampling and window draws
  // The input (Embedding) table to start from, V x D: the layer's initializer output
  // (initializeTable) so the trained table is a Keras Embedding's. Absent: Keras's default
  // RandomUniform(-0.05, 0.05) drawn with `seed`.
  std::optional<Matrix> initialTable;
  // A snapshot of the input table every this many words processed (0 = none).
  std::int64_t snapshotEveryWords = 0;
  // onCheckpoint every this many chunks of ~10,000 corpus words (0 = none): the barrier where
  // the workers are joined and the state is whole.
  std::int64_t checkpointEveryChunks = 0;
  // Progress callbacks at most this often.
  double progressIntervalSeconds = 0.05;
};

// InvalidArgument with the offending value, e.g. "`window` must be a positive integer. Received: window=0".
Status validateSkipGramConfig(const SkipGramConfig& config, std::int64_t vocabularySize);

}  // namespace embedscope
