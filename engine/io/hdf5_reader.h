#pragma once
// Reading untrusted HDF5 through Debian's libhdf5. Everything here runs inside runIsolated (a
// forked child), and what comes back is re-checked by the parent: a JSON listing (parsed by our
// own strict parser) or a .npy image (parsed by our own hardened .npy reader).
#include <cstddef>
#include <string>
#include <vector>

#include "engine/core/ndarray.h"
#include "engine/core/status.h"
#include "engine/io/json.h"

namespace embedscope::io {

// A file on disk (path), or an in-memory image (a .keras archive's model.weights.h5) named `path`.
struct Hdf5Source {
  std::string path;
  const std::vector<std::byte>* image = nullptr;
};

// The tree: {"groups": {"/a/b": {attrs}}, "datasets": {"/a/b/0": {"shape": [..], "dtype": "float32",
// "attrs": {..}}}, "refused": ["/x (soft link)", ...]}. Only hard links are followed; string
// attributes (scalar or 1-D, fixed or variable length) are kept, others are named with "<type>".
Result<Json> listHdf5(const Hdf5Source& source);
// One 2-D numeric dataset as float32 (float16/64 and integers converted; bfloat16 tables decoded),
// refusing external/virtual storage and declared sizes the file cannot hold.
Result<NdArray> readHdf5Matrix(const Hdf5Source& source, const std::string& datasetPath);
// The same for a 1-D or 2-D dataset (a quantized table's per-row scales, int4's group index), as
// float32 with the dataset's own shape.
Result<NdArray> readHdf5Array(const Hdf5Source& source, const std::string& datasetPath);

// Checks the HDF5 signature at offset 0 (or a 512·2^k user block) before anything else.
Status checkHdf5Signature(const std::byte* data, std::size_t size, const std::string& where);

}  // namespace embedscope::io
