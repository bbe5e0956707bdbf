#pragma once
// Host-side grouping that keeps descriptor-array indices workgroup-uniform: per-row work items
// are sorted by the shard their row lives in, each shard's run padded to whole workgroups, and
// each workgroup told its shard.
#include <cstdint>
#include <vector>

#include <vulkan/vulkan.h>

namespace embedscope::vk {

inline constexpr std::uint32_t kPadItem = 0xffffffffu;

struct ShardWork {
  std::vector<std::uint32_t> items;       // pairs (payload, rowInShard); payload = kPadItem for padding
  std::vector<std::uint32_t> groupShard;  // one per workgroup
  std::uint32_t itemCount() const { return static_cast<std::uint32_t>(items.size() / 2); }
  std::uint32_t groupCount() const { return static_cast<std::uint32_t>(groupShard.size()); }
};

// rows[i] is a global row; payload[i] what the kernel needs with it (an output row, a segment...).
ShardWork groupByShard(const std::vector<std::uint64_t>& rows, const std::vector<std::uint32_t>& payload,
                       std::uint64_t rowsPerShard, std::uint32_t shardCount, std::uint32_t rowsPerGroup);

// vkCmdDispatch over `groups` workgroups as a 2D grid within maxComputeWorkGroupCount.
void dispatchFlat(VkCommandBuffer cmd, std::uint32_t groups, std::uint32_t maxX);

}  // namespace embedscope::vk
