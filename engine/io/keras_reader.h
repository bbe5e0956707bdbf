#pragma once
// Keras files: `.keras` archives (config.json + model.weights.h5), Keras 3 `.weights.h5` and legacy
// `.h5` (Keras 2 / Keras 3's legacy writer). Layouts: reference/keras-files.md.
//
// libhdf5 is not hardened against hostile files, so every HDF5 parse runs in a forked child
// process: a crash or hang inside the library becomes a DataError naming the file, not a crash of
// ours. The child sends back a small, checked description (and the one matrix asked for).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

// Keras 3's `Embedding.quantize(mode)` (keras/src/layers/core/embedding.py) saves, in order,
//   int8:  vars/0 int8 (input_dim, output_dim), vars/1 embeddings_scale float (input_dim,)
//   int4:  vars/0 int8 (input_dim, ceil(output_dim/2)), two values a byte, low nibble first;
//          vars/1 embeddings_scale (input_dim,), or (input_dim, groups) with a block size, then
//          vars/2 embeddings_zero int8 (input_dim, groups) and vars/3 g_idx float (output_dim,).
// The reader dequantizes as Keras's call does: q / scale[row] (int8 and per-row int4), and
// (q - zero[row, g]) * scale[row, g] with g = g_idx[column] (grouped int4).
struct KerasQuantization {
  std::string mode;                      // "int8" or "int4"
  std::string scalePath;                 // ".../vars/1"
  std::vector<std::int64_t> scaleShape;  // (input_dim,) or (input_dim, groups)
  std::string zeroPath, groupIndexPath;  // grouped int4 only
  std::vector<std::int64_t> storedShape; // the int8 dataset's own shape (int4: packed columns)
  // How the mode was decided: "config" (output_dim / dtype policy of the archive), "g_idx" (a
  // grouped int4 layout says so), or "assumed" (a lone .weights.h5 with a table and a per-row scale,
  // whose width matches int8; per-row int4 cannot be told from it without the config).
  std::string decidedBy;
};

struct KerasEmbeddingInfo {
  std::string name;                 // the layer's name ("embedding", "tokens", ...)
  std::string weightsPath;          // HDF5 path of the table ("/layers/embedding/vars/0")
  std::vector<std::int64_t> shape;  // (input_dim, output_dim), dequantized
  std::string dtype;                // as stored: "float32", "float16", "float64", "bfloat16", "int8" ...
  std::string configJson;           // the layer's config object from the archive/model_config ("" if none)
  std::int64_t vocabularySize = 0;  // tokens found for it (StringLookup/TextVectorization), 0 if none
  std::optional<KerasQuantization> quantization;  // set for a quantized table (read dequantized)
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
