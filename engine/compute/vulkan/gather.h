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

// One gather dispatch prepared on the device: its work list uploaded and its output allocated, so a
// command buffer can record it once and be resubmitted (the bench does; the engine's steps reuse
// buffers the same way). ids.size() x cols must fit one storage range.
class PreparedGather {
 public:
  static Result<std::unique_ptr<PreparedGather>> create(KernelCache& kernels, const ShardedMatrix& table,
                                                        const std::vector<std::int64_t>& ids);
  void record(VkCommandBuffer cmd) const;
  Status download(float* out) const;
  std::uint64_t rows() const { return m_rows; }

 private:
  PreparedGather() = default;
  VulkanContext* m_ctx = nullptr;
  Pipeline* m_pipeline = nullptr;
  std::unique_ptr<Buffer> m_items, m_groups, m_out;
  std::vector<BufferBinding> m_bindings;
  std::uint32_t m_cols = 0, m_itemCount = 0, m_groupCount = 0;
  std::uint64_t m_rows = 0;
};

// out (ids.size() × table.cols()) = table rows. Chunks the output so no buffer passes the
// device's range.
Result<Matrix> gatherRows(KernelCache& kernels, const ShardedMatrix& table, const std::vector<std::int64_t>& ids);

}  // namespace embedscope::vk

namespace embedscope {

// Creates a context on the device `--engine vulkan` would use, uploads the table, gathers.
// Returns ids.size() rows of table.cols() floats in a flat row-major vector.
Result<std::vector<float>> vulkanGather(const Matrix& table, const std::vector<std::int64_t>& validatedIds);

}  // namespace embedscope
