#pragma once
// LayerConfig: every argument of Keras 3's keras.layers.Embedding, with Keras's defaults, and its
// validation with Keras's own messages (reference/keras-embedding.md section 1).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/status.h"
#include "engine/layer/object_spec.h"

namespace embedscope {

struct LayerConfig {
  std::int64_t inputDim = 0;   // V: the vocabulary size, max id + 1
  std::int64_t outputDim = 0;  // D: the width of a vector
  InitializerSpec embeddingsInitializer = initializerSpec("uniform");  // RandomUniform(-0.05, 0.05)
  std::optional<RegularizerSpec> embeddingsRegularizer;
  std::optional<RegularizerSpec> activityRegularizer;
  std::optional<ConstraintSpec> embeddingsConstraint;
  bool maskZero = false;
  // Keras >= 3.2 accepts and ignores it with a warning; kept only so that warning can be given.
  std::optional<std::int64_t> inputLength;
  // Keras's `weights=`: an initial (V, D) table that replaces the initializer.
  std::optional<Matrix> weights;
  std::optional<std::int64_t> loraRank;  // LoRA enabled when set
  std::optional<double> loraAlpha;       // defaults to loraRank
  std::uint64_t seed = 0;                // the initializer's seed (our Rng, not Keras's bits)
  std::string name = "embedding";        // the layer's name, as in Keras's messages

  bool loraEnabled() const { return loraRank.has_value(); }
  // alpha / rank (Keras >= 3.10); 1 when LoRA is off.
  double loraScale() const;
  // Python that builds the same layer, e.g.
  // "keras.layers.Embedding(input_dim=1000, output_dim=64, embeddings_initializer=keras.initializers.RandomUniform(...), ...)".
  // Only non-default arguments after input_dim/output_dim are written; `weights` is written as the
  // name given (the caller saves the array).
  std::string toKerasRepr(std::string_view weightsExpr = "weights") const;
};

// Keras's checks, first failure wins, InvalidArgument with Keras's text:
//   "`input_dim` must be a positive integer. Received: input_dim=0 (of type int)."
//   "Lora is incompatible with embedding constraints. In order to enable lora on this layer, remove the `embeddings_constraint` argument."
//   "Layer embedding weight shape (50, 8) is not compatible with provided weight shape (40, 8)."
// plus the spec checks. Warnings Keras would give (input_length) are appended to *warnings.
Status validateLayerConfig(const LayerConfig& config, std::vector<std::string>* warnings = nullptr);

// The warning text Keras >= 3.2 gives for input_length.
inline constexpr std::string_view kInputLengthWarning = "Argument `input_length` is deprecated. Just remove it.";

// Parses a dimension the way Keras 3.15 checks it, from user text: "64" is fine; "0", "-1",
// "3.7", "4.0", "True", "abc" are InvalidArgument with the Python type Keras would name
// ("Received: output_dim=3.7 (of type float).").
Result<std::int64_t> parseDimension(std::string_view argName, std::string_view text);

}  // namespace embedscope
