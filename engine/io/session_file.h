#pragma once
// The session file (.embscope): one file that holds everything a run needs to be shown again or
// continued — configuration, seed, weights, optimizer slots, history, projections, selections,
// bookmarks, an optional classroom section — and that doubles as the training checkpoint.
//
// It is a generic container: named text sections (JSON or plain text, chosen by whoever writes
// them) and named arrays (bit-exact bytes: a resumed run continues from exactly these floats).
// Keys are free-form paths; the conventional ones are in session_keys below so that the trainer,
// the UI and the CLI agree. Files are written atomically; each entry carries a CRC-32, and every
// length is checked against the file before anything is allocated.
//
// Layout (little endian):  "EMBEDSCOPE-SESSION\n" u32 version=1, u32 entryCount,
//   entry*: u8 kind ('T' text | 'A' array), u32 keyLength, key (UTF-8),
//           'T': u64 length, bytes (UTF-8)
//           'A': u8 dtype (DType), u8 rank (<= 8), i64 dims[rank], u64 byteLength, bytes
//           u32 crc32 (of the entry from its kind byte to its last payload byte)
//   "END\n"
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/matrix.h"
#include "engine/core/ndarray.h"
#include "engine/core/status.h"

namespace embedscope::io {

// The extension session files carry (readVectors opens their weights table by it).
inline constexpr const char* kSessionExtension = ".embscope";

namespace session_keys {
inline constexpr const char* kLayerConfig = "config/layer";          // JSON
inline constexpr const char* kOptimizerConfig = "config/optimizer";  // JSON
inline constexpr const char* kTaskConfig = "config/task";            // JSON
inline constexpr const char* kEngine = "config/engine";              // JSON or text ("cpu", "vulkan")
inline constexpr const char* kSeed = "seed";                         // decimal text
inline constexpr const char* kStep = "progress/step";                // decimal text: steps completed
inline constexpr const char* kEpoch = "progress/epoch";              // decimal text
inline constexpr const char* kWeights = "weights/embeddings";        // float32 (input_dim, output_dim)
inline constexpr const char* kOptimizerSlotPrefix = "optimizer/";    // "optimizer/m", "optimizer/v", ...
inline constexpr const char* kTaskStatePrefix = "task/";             // head weights, rng state, cursors
inline constexpr const char* kHistory = "history";                   // JSON: per-step/epoch metrics
inline constexpr const char* kProjectionPrefix = "projection/";      // "projection/pca" (rows, 2|3) ...
inline constexpr const char* kSelections = "selections";             // JSON: session_marks.h (readSelections)
inline constexpr const char* kBookmarks = "bookmarks";               // JSON: session_marks.h (readBookmarks)
inline constexpr const char* kClassroom = "classroom";               // JSON: locked/hidden controls
inline constexpr const char* kVocabulary = "vocabulary";             // text: one token per line (row order)
inline constexpr const char* kManifest = "manifest";                 // JSON: versions, engine, dates
}  // namespace session_keys

struct SessionFile {
  std::map<std::string, std::string> texts;
  std::map<std::string, NdArray> arrays;

  void setText(const std::string& key, std::string value) { texts[key] = std::move(value); }
  // nullptr when absent.
  const std::string* text(const std::string& key) const;
  std::string textOr(const std::string& key, const std::string& fallback) const;
  void setArray(const std::string& key, NdArray array) { arrays[key] = std::move(array); }
  const NdArray* array(const std::string& key) const;
  void setMatrix(const std::string& key, const Matrix& m);
  // The array as a float32 matrix; DataError naming the key when absent or not 2-D.
  Result<Matrix> matrix(const std::string& key) const;
  // 1-D integer arrays (generator states, cursors, step counters), stored bit-exactly.
  void setUInt64s(const std::string& key, const std::vector<std::uint64_t>& values);
  Result<std::vector<std::uint64_t>> uint64s(const std::string& key) const;  // DataError unless uint64 1-D
  void setInt64s(const std::string& key, const std::vector<std::int64_t>& values);
  Result<std::vector<std::int64_t>> int64s(const std::string& key) const;  // DataError unless int64 1-D
  bool has(const std::string& key) const { return texts.count(key) || arrays.count(key); }
  void remove(const std::string& key) {
    texts.erase(key);
    arrays.erase(key);
  }
  // Keys (texts and arrays) starting with `prefix`, sorted.
  std::vector<std::string> keysWithPrefix(const std::string& prefix) const;
};

std::vector<std::byte> encodeSessionFile(const SessionFile& s);
Result<SessionFile> decodeSessionFile(const std::byte* data, std::size_t size, const std::string& where);

// Atomic: a crash or a full disk during the save leaves the previous file intact.
Status writeSessionFile(const std::string& path, const SessionFile& s);
Result<SessionFile> readSessionFile(const std::string& path);

}  // namespace embedscope::io
