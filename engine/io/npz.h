#pragma once
// NumPy .npz archives: a zip of NAME.npy members (np.savez stores them, np.savez_compressed
// deflates them; both are read).
#include <string>
#include <utility>
#include <vector>

#include "engine/core/ndarray.h"
#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

struct NpzEntry {
  std::string name;  // without ".npy"
  bool isStrings = false;
  NdArray array;                     // numeric members
  std::vector<std::string> strings;  // '<U' members, flattened
};

Result<std::vector<NpzEntry>> readNpz(const std::string& path);
// Writes the entries (stored, like np.savez) atomically.
Status writeNpz(const std::string& path, const std::vector<NpzEntry>& entries);

// Vectors from an .npz: the array named by options.layer, else "embeddings", else the only 2-D
// numeric array; tokens from "tokens"/"vocab"/"vocabulary", frequencies from "frequencies"/"counts".
Result<Vectors> readNpzVectors(const std::string& path, const ReadOptions& options);
// Writes "embeddings" (float32), "tokens" ('<U') when there are tokens, "frequencies" (int64) when known.
Status writeNpzVectors(const std::string& path, const Vectors& v);

}  // namespace embedscope::io
