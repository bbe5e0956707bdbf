#pragma once
// Vectors: an embedding table as files hold it — the matrix, and when the file says so the tokens,
// which rows are reserved (padding, out-of-vocabulary), token frequencies and extra metadata.
// readVectors/writeVectors pick the format from the extension (or an explicit VectorFormat) and
// are what the CLI, the analysis code and the UI call.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/cancel_token.h"
#include "engine/core/matrix.h"
#include "engine/core/ndarray.h"
#include "engine/core/status.h"

namespace embedscope::io {

enum class VectorFormat {
  Npy,             // .npy: a 2-D numeric array
  Npz,             // .npz: "embeddings" (or the only 2-D array) + optional "tokens"/"frequencies"
  Word2VecText,    // .txt (default), .w2v: "COUNT DIM" header, then "token v1 .. vD"
  Word2VecBinary,  // .bin: header line, then token, space, DIM little-endian float32
  FastTextVec,     // .vec: word2vec text as fastText writes it
  GloveText,       // GloVe .txt: "token v1 .. vD" lines, no header (only with --from glove)
  ProjectorTsv,    // TensorBoard projector vectors.tsv (+ metadata.tsv beside it)
  Csv,             // .csv: optional header row, optional leading token column
  Keras,           // .keras archive (read only; one Embedding layer)
  KerasWeightsH5,  // .weights.h5 (Keras 3 layout; written for an Embedding-only model)
  LegacyH5,        // .h5 / .hdf5 (Keras 2 / legacy layout; read only)
  Session,         // .embscope session file: its weights/embeddings table and vocabulary (read only)
};

// The format's short name as the CLI spells it ("npy", "word2vec", "word2vec-binary", "fasttext",
// "glove", "tsv", "csv", "npz", "keras", "weights.h5", "h5", "session").
std::string formatName(VectorFormat f);
// Parses a --from/--to name (also accepts "w2v", "text", "bin", "vec", "projector").
Result<VectorFormat> formatFromName(const std::string& name);
// The format a path's extension implies (".txt" is word2vec text). InvalidArgument naming the
// extension when it implies none.
Result<VectorFormat> formatFromPath(const std::string& path);
bool formatCanWrite(VectorFormat f);

struct Vectors {
  Matrix matrix;                           // rows x dim, float32
  std::vector<std::string> tokens;         // empty, or one per row
  std::optional<std::int64_t> paddingRow;  // the row Keras masks (mask_zero / '' token), if known
  std::optional<std::int64_t> oovRow;      // the out-of-vocabulary row ('[UNK]'), if known
  std::vector<std::int64_t> frequencies;   // empty, or one count per row
  std::string format;                      // formatName of what it was read from
  // The element type as the file stores it, which `matrix` (always float32) may not show:
  // "float64", "int16", "bfloat16", "float32 (parsed from text)", "int8 (quantized, ...)".
  std::string storedDtype;
  // Extra per-row metadata columns (projector metadata.tsv, CSV), excluding tokens/frequencies.
  std::vector<std::string> metadataColumns;
  std::vector<std::vector<std::string>> metadata;  // metadata[column][row]
  std::string sourceDescription;                   // e.g. "layer 'tokens' of model.keras"

  std::int64_t rows() const { return matrix.rows(); }
  std::int64_t dim() const { return matrix.cols(); }
};

// Reports progress in [0, 1]; called at most every few megabytes.
using ProgressFn = std::function<void(double)>;

struct ReadOptions {
  std::optional<VectorFormat> format;  // overrides the extension
  std::string layer;                   // Keras files: the Embedding layer's name (empty = the only one)
  std::string metadataPath;            // projector TSV: metadata.tsv (empty = beside vectors.tsv, if present)
  bool allowNonFinite = false;         // NaN/Inf values are a DataError unless set (inspect sets it)
  ProgressFn progress;
  const CancelToken* cancel = nullptr;
};

struct WriteOptions {
  std::optional<VectorFormat> format;  // overrides the extension
  std::string metadataPath;            // projector TSV: where metadata.tsv goes (empty = beside)
  std::string layerName = "embedding"; // .weights.h5: the Embedding layer's name
  std::string modelName = "sequential";
};

// Reads any supported file. `PATH::LAYER` selects a Keras layer as well. Errors name the file and
// the offset or line.
Result<Vectors> readVectors(const std::string& path, const ReadOptions& options = {});
// Writes atomically in the format of `options.format` or the extension.
Status writeVectors(const std::string& path, const Vectors& vectors, const WriteOptions& options = {});

// Fills paddingRow/oovRow from tokens Keras uses for them ('' or '[PAD]' / '<pad>' at row 0 for
// padding, '[UNK]' / '<unk>' for out-of-vocabulary).
void detectReservedRows(Vectors& v);
// NaN/Inf check: the first non-finite element as "row R, column C", or nullopt.
std::optional<std::pair<std::int64_t, std::int64_t>> firstNonFinite(const Matrix& m);

// Vectors from a 2-D numeric array (any dtype, converted to float32; storedDtype names the array's);
// `where` names it in errors.
Result<Vectors> vectorsFromArray(const NdArray& array, const std::string& where, bool allowNonFinite);

// Splits "model.keras::tokens" into path and layer (layer empty when there is no "::").
std::pair<std::string, std::string> splitLayerSuffix(const std::string& spec);

}  // namespace embedscope::io
