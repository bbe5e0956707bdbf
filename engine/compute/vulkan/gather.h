#pragma once
// The embedding forward gather on the Vulkan engine. Ids must already be validated on the host
// (0 <= id < rows) with the layer's id validation, so the error message is the CPU engine's.
// Output rows are bit-identical to the CPU gather (the kernel only copies floats).
#include <cstdint>
#include <vector>

#include "engine/compute/vulkan/kernel_cache.h"
#include "engine/compute/vulkan/sharded_matrix.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::vk {

// out (ids.size() × table.cols()) = table rows. Chunks the output so no buffer passes the
// device's range.
Result<Matrix> gatherRows(KernelCache& kernels, const ShardedMatrix& table, const std::vector<std::int64_t>& ids);

}  // namespace embedscope::vk

namespace embedscope {

// Creates a context on the device `--engine vulkan` would use, uploads the table, gathers.
// Returns ids.size() rows of table.cols() floats in a flat row-major vector.
Result<std::vector<float>> vulkanGather(const Matrix& table, const std::vector<std::int64_t>& validatedIds);

}  // namespace embedscope
