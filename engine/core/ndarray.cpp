#include "engine/core/ndarray.h"

#include <cmath>
#include <cstring>

namespace embedscope {

namespace {

// IEEE half to float, for float16 arrays (numpy's '<f2').
float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1Fu;
  std::uint32_t mant = h & 0x3FFu;
  std::uint32_t bits = 0;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3FFu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f = 0.0f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

template <class T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

double elementAsDouble(DType t, const std::byte* p) {
  switch (t) {
    case DType::Bool: return load<std::uint8_t>(p) != 0 ? 1.0 : 0.0;
    case DType::Int8: return load<std::int8_t>(p);
    case DType::Int16: return load<std::int16_t>(p);
    case DType::Int32: return load<std::int32_t>(p);
    case DType::Int64: return static_cast<double>(load<std::int64_t>(p));
    case DType::UInt8: return load<std::uint8_t>(p);
    case DType::UInt16: return load<std::uint16_t>(p);
    case DType::UInt32: return load<std::uint32_t>(p);
    case DType::UInt64: return static_cast<double>(load<std::uint64_t>(p));
    case DType::Float16: return halfToFloat(load<std::uint16_t>(p));
    case DType::Float32: return load<float>(p);
    case DType::Float64: return load<double>(p);
  }
  return 0.0;
}

}  // namespace

std::size_t dtypeSize(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::Int8:
    case DType::UInt8: return 1;
    case DType::Int16:
    case DType::UInt16:
    case DType::Float16: return 2;
    case DType::Int32:
    case DType::UInt32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::UInt64:
    case DType::Float64: return 8;
  }
  return 0;
}

bool dtypeIsInteger(DType t) {
  switch (t) {
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64:
    case DType::UInt8:
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64: return true;
    default: return false;
  }
}

bool dtypeIsFloat(DType t) { return t == DType::Float16 || t == DType::Float32 || t == DType::Float64; }

std::string dtypeName(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int8: return "int8";
    case DType::Int16: return "int16";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::UInt8: return "uint8";
    case DType::UInt16: return "uint16";
    case DType::UInt32: return "uint32";
    case DType::UInt64: return "uint64";
    case DType::Float16: return "float16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

std::string shapeString(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::int64_t NdArray::elementCount() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string NdArray::shapeString() const { return embedscope::shapeString(shape); }

NdArray NdArray::fromFloat32(std::vector<std::int64_t> shape, const float* data) {
  NdArray a;
  a.dtype = DType::Float32;
  a.shape = std::move(shape);
  a.bytes.resize(static_cast<std::size_t>(a.elementCount()) * sizeof(float));
  if (!a.bytes.empty()) std::memcpy(a.bytes.data(), data, a.bytes.size());
  return a;
}

NdArray NdArray::fromInt64(std::vector<std::int64_t> shape, const std::int64_t* data) {
  NdArray a;
  a.dtype = DType::Int64;
  a.shape = std::move(shape);
  a.bytes.resize(static_cast<std::size_t>(a.elementCount()) * sizeof(std::int64_t));
  if (!a.bytes.empty()) std::memcpy(a.bytes.data(), data, a.bytes.size());
  return a;
}

NdArray NdArray::fromBool(std::vector<std::int64_t> shape, const std::vector<bool>& data) {
  NdArray a;
  a.dtype = DType::Bool;
  a.shape = std::move(shape);
  a.bytes.resize(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) a.bytes[i] = std::byte{data[i] ? std::uint8_t{1} : std::uint8_t{0}};
  return a;
}

std::vector<float> NdArray::toFloat32() const {
  const auto n = static_cast<std::size_t>(elementCount());
  std::vector<float> out(n);
  if (dtype == DType::Float32) {
    if (n) std::memcpy(out.data(), bytes.data(), n * sizeof(float));
    return out;
  }
  const std::size_t w = dtypeSize(dtype);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(elementAsDouble(dtype, bytes.data() + i * w));
  return out;
}

Result<std::vector<std::int64_t>> NdArray::toInt64() const {
  const auto n = static_cast<std::size_t>(elementCount());
  std::vector<std::int64_t> out(n);
  const std::size_t w = dtypeSize(dtype);
  const std::byte* p = bytes.data();
  for (std::size_t i = 0; i < n; ++i, p += w) {
    switch (dtype) {
      case DType::Int64: out[i] = load<std::int64_t>(p); break;
      case DType::UInt64: {
        const auto u = load<std::uint64_t>(p);
        if (u > static_cast<std::uint64_t>(INT64_MAX))
          return Status::dataError("element " + std::to_string(i) + " = " + std::to_string(u) + " does not fit int64");
        out[i] = static_cast<std::int64_t>(u);
        break;
      }
      case DType::Float16:
      case DType::Float32:
      case DType::Float64: {
        const double v = elementAsDouble(dtype, p);
        if (!std::isfinite(v) || v >= 9.2233720368547758e18 || v < -9.2233720368547758e18)
          return Status::dataError("element " + std::to_string(i) + " = " + std::to_string(v) +
                                   " cannot be cast to an integer id");
        out[i] = static_cast<std::int64_t>(std::trunc(v));
        break;
      }
      default: out[i] = static_cast<std::int64_t>(elementAsDouble(dtype, p)); break;
    }
  }
  return out;
}

}  // namespace embedscope
