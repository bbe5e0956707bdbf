#pragma once
// The TensorBoard Embedding Projector's files: vectors.tsv (tab-separated floats, no header, one
// row per point) and metadata.tsv beside it. Header rules are the projector's: a metadata file
// with one column has no header row (every line is a label); with several columns the first line
// names them. A metadata row count that does not match the vectors is an error, as there.
#include <string>

#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

// Reads vectors.tsv and (options.metadataPath, else metadata.tsv beside it when it exists) the
// metadata: tokens from the "word"/"token"/"label"/"name" column (else the first), frequencies from
// "frequency"/"count", the other columns into Vectors::metadata.
Result<Vectors> readProjectorTsv(const std::string& path, const ReadOptions& options);
// Writes vectors.tsv and, when there are tokens or metadata, the metadata file (metadataPath, or
// metadata.tsv beside the vectors; "<stem>.metadata.tsv" when the vectors file is not vectors.tsv).
Status writeProjectorTsv(const std::string& path, const Vectors& v, const std::string& metadataPath);

// Where the metadata for a vectors file lives by default.
std::string defaultMetadataPath(const std::string& vectorsPath);

}  // namespace embedscope::io
