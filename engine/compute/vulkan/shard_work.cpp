#include "engine/compute/vulkan/shard_work.h"

#include <algorithm>

namespace embedscope::vk {

ShardWork groupByShard(const std::vector<std::uint64_t>& rows, const std::vector<std::uint32_t>& payload,
                       std::uint64_t rowsPerShard, std::uint32_t shardCount, std::uint32_t rowsPerGroup) {
  // Counting sort by shard keeps the original order inside each shard (stable, deterministic).
  std::vector<std::vector<std::uint32_t>> byShard(shardCount);
  for (std::size_t i = 0; i < rows.size(); ++i)
    byShard[static_cast<std::size_t>(rows[i] / rowsPerShard)].push_back(static_cast<std::uint32_t>(i));
  ShardWork w;
  for (std::uint32_t s = 0; s < shardCount; ++s) {
    const auto& list = byShard[s];
    if (list.empty()) continue;
    const std::size_t groups = (list.size() + rowsPerGroup - 1) / rowsPerGroup;
    for (std::size_t k = 0; k < groups * rowsPerGroup; ++k) {
      if (k < list.size()) {
        std::uint32_t i = list[k];
        w.items.push_back(payload[i]);
        w.items.push_back(static_cast<std::uint32_t>(rows[i] % rowsPerShard));
      } else {
        w.items.push_back(kPadItem);
        w.items.push_back(0);
      }
    }
    w.groupShard.insert(w.groupShard.end(), groups, s);
  }
  return w;
}

void dispatchFlat(VkCommandBuffer cmd, std::uint32_t groups, std::uint32_t maxX) {
  if (groups == 0) return;
  maxX = std::max<std::uint32_t>(1, maxX);
  if (groups <= maxX) {
    vkCmdDispatch(cmd, groups, 1, 1);
    return;
  }
  // The kernels skip groups past their item count, so a rectangular grid may overshoot.
  const std::uint32_t y = (groups + maxX - 1) / maxX;
  vkCmdDispatch(cmd, maxX, y, 1);
}

}  // namespace embedscope::vk
