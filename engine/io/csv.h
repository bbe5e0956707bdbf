#pragma once
// CSV vectors (RFC 4180 quoting). Reading: a first record with a non-numeric value column is a
// header; a first column that is not numeric (or is headed token/word/label/name) holds tokens.
// Writing: "token,d0,...,dN" header plus a token column when there are tokens, otherwise bare
// numbers (np.loadtxt(path, delimiter=",") reads that).
#include <string>

#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

Result<Vectors> readCsvVectors(const std::string& path, const ReadOptions& options);
Status writeCsvVectors(const std::string& path, const Vectors& v);

}  // namespace embedscope::io
