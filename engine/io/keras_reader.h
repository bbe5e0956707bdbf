#pragma once
// Keras files: `.keras` archives (config.json + model.weights.h5), Keras 3 `.weights.h5` and legacy
// `.h5` (Keras 2 / Keras 3's legacy writer). Layouts: reference/keras-files.md.
//
// libhdf5 is not hardened against hostile files, so every HDF5 parse runs in a forked child
// process: a crash or hang inside the library becomes a DataError naming the file, not a crash of
// ours. The child sends back a small, checked description (and the one matrix asked for).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

struct KerasEmbeddingInfo {
  std::string name;                 // the layer's name ("embedding", "tokens", ...)
  std::string weightsPath;          // HDF5 path of the table ("/layers/embedding/vars/0")
  std::vector<std::int64_t> shape;  // (input_dim, output_dim)
  std::string dtype;                // "float32", "float16", "float64", "bfloat16", "int8" ...
  std::string configJson;           // the layer's config object from the archive/model_config ("" if none)
  std::int64_t vocabularySize = 0;  // tokens found for it (StringLookup/TextVectorization), 0 if none
};

struct KerasFileInfo {
  std::string format;  // "keras", "weights.h5", "h5"
  std::string kerasVersion;  // from metadata.json / root attributes, "" if unknown
  std::string modelName;
  std::vector<KerasEmbeddingInfo> embeddings;
  std::vector<std::string> vocabulary;  // from a StringLookup/TextVectorization, if stored
};

// Lists the Embedding layers of a Keras file (format from the extension, or `format`).
Result<KerasFileInfo> inspectKerasFile(const std::string& path, VectorFormat format);
// Opens one Embedding layer (options.layer names it; empty = the only one).
Result<Vectors> readKerasEmbedding(const std::string& path, VectorFormat format, const ReadOptions& options);

}  // namespace embedscope::io
