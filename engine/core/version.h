#pragma once
#include <string>

namespace embedscope {
// The product version (from CMake's project()), e.g. "0.1.0".
inline std::string versionString() { return EMBEDSCOPE_VERSION; }
}  // namespace embedscope
