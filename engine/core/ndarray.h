#pragma once
// NdArray: an n-dimensional array as files hold it (npy, npz, HDF5): a dtype, a shape and the
// bytes in C order, native (little-endian) byte order. Readers normalise to this; the layer and
// tasks convert to what they compute with (float32 tables, int64 ids).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope {

enum class DType { Bool, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float16, Float32, Float64 };

std::size_t dtypeSize(DType t);
bool dtypeIsInteger(DType t);
bool dtypeIsFloat(DType t);
// numpy's name for the dtype ("int32", "float32", "bool", ...).
std::string dtypeName(DType t);

struct NdArray {
  DType dtype = DType::Float32;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> bytes;  // C order, native byte order

  std::int64_t elementCount() const;
  // "(32, 10)" as numpy prints a shape.
  std::string shapeString() const;

  static NdArray fromFloat32(std::vector<std::int64_t> shape, const float* data);
  static NdArray fromInt64(std::vector<std::int64_t> shape, const std::int64_t* data);
  static NdArray fromBool(std::vector<std::int64_t> shape, const std::vector<bool>& data);

  // Every element converted to float32 (float16/float64 rounded, integers converted).
  std::vector<float> toFloat32() const;
  // Every element converted to int64 the way Keras casts ids to int32/int64: floats truncate
  // toward zero. A non-finite float or one outside int64 is a DataError naming its flat index.
  Result<std::vector<std::int64_t>> toInt64() const;
};

std::string shapeString(const std::vector<std::int64_t>& shape);

}  // namespace embedscope
