#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0): every numeric dtype, C or Fortran order,
// little or big endian. Readers normalise to NdArray (C order, native byte order); the writer
// writes version 1.0 (2.0 when the header needs it), little endian, C order, atomically.
//
// Hostile input: the header is parsed by a strict little parser (no eval), the element count is
// checked for overflow and against the bytes actually present before anything is allocated, and
// every error names the file, the byte offset and the problem.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/ndarray.h"
#include "engine/core/status.h"

namespace embedscope::io {

struct NpyHeader {
  DType dtype = DType::Float32;
  bool bigEndian = false;
  bool fortranOrder = false;
  std::vector<std::int64_t> shape;
  std::uint64_t dataOffset = 0;  // where the array bytes start
  std::uint64_t dataBytes = 0;   // element count * item size
  // Set for a unicode string array ('<U7'): item size in bytes is 4 * stringChars.
  bool isUnicode = false;
  std::int64_t stringChars = 0;
  std::size_t itemSize() const;
};

// Parses the header at the start of `data` (the whole file or npz member: `size` bytes) and checks
// that the array fits in it exactly. `where` names the file in messages.
Result<NpyHeader> parseNpyHeader(const std::byte* data, std::uint64_t size, const std::string& where);

// A numeric array from a whole .npy image in memory (used for npz members as well).
Result<NdArray> decodeNpy(const std::byte* data, std::uint64_t size, const std::string& where);
// A unicode string array ('<U' / '>U', any shape, flattened in C order) as UTF-8 strings; this is
// how Embedscope stores a vocabulary next to a table in .npz files.
Result<std::vector<std::string>> decodeNpyStrings(const std::byte* data, std::uint64_t size, const std::string& where);

Result<NdArray> readNpy(const std::string& path);

// The .npy image of an array (header + data), as writeNpy writes it.
std::vector<std::byte> encodeNpy(const NdArray& array);
// A 1-D '<U{n}' array of the strings (n = the longest string in code points; at least 1).
// InvalidArgument when a string is not valid UTF-8.
Result<std::vector<std::byte>> encodeNpyStrings(const std::vector<std::string>& strings);

// Writes `array` to `path` atomically (nothing is left at `path` on failure).
Status writeNpy(const std::string& path, const NdArray& array);

}  // namespace embedscope::io
