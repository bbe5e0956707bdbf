#pragma once
// A rows×cols float matrix on the device, split by rows into shards so that no buffer passes
// maxStorageBufferRange / maxMemoryAllocationSize / maxBufferSize (or EMBEDSCOPE_VK_MAX_RANGE).
// Each shard is its own buffer and allocation; kernels see the shards as a descriptor array.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/compute/vulkan/buffer.h"
#include "engine/compute/vulkan/pipeline.h"
#include "engine/core/matrix.h"

namespace embedscope::vk {

// Kernels bind at most this many shards (shaders/common.glsl MAX_SHARDS).
inline constexpr std::uint32_t kMaxShards = 16;

// Rows per shard for a matrix of `cols` float columns under a byte limit (at least 1 row).
std::uint64_t rowsPerShardFor(std::uint64_t maxShardBytes, std::uint64_t cols);

class ShardedMatrix {
 public:
  // rowsPerShard = 0: as many rows per shard as the device's range allows; otherwise that many
  // (a row map aligned with a table's shards).
  static Result<std::unique_ptr<ShardedMatrix>> create(VulkanContext& ctx, std::uint64_t rows, std::uint64_t cols,
                                                       MemoryPlace place = MemoryPlace::Device,
                                                       std::uint64_t rowsPerShard = 0);

  std::uint64_t rows() const { return m_rows; }
  std::uint64_t cols() const { return m_cols; }
  std::uint64_t rowsPerShard() const { return m_rowsPerShard; }
  std::uint32_t shardCount() const { return static_cast<std::uint32_t>(m_shards.size()); }
  std::uint64_t shardRows(std::uint32_t s) const;
  const Buffer& shard(std::uint32_t s) const { return *m_shards[s]; }
  Buffer& shard(std::uint32_t s) { return *m_shards[s]; }
  std::uint64_t bytes() const { return m_rows * m_cols * 4; }

  Status upload(const Matrix& m);
  Status download(Matrix& m) const;
  Status fillZero();
  // Every 32-bit word set to `word` (0xffffffff for an empty row map; a float's bits for a constant).
  Status fill(std::uint32_t word);

  // The MAX_SHARDS descriptors of array binding `binding`; slots past the last shard repeat shard 0
  // (never read, but every descriptor of a statically used array must be valid).
  void appendArrayBindings(std::uint32_t binding, std::vector<BufferBinding>& out) const;
  // One shard as a single binding.
  BufferBinding shardBinding(std::uint32_t binding, std::uint32_t s) const;

 private:
  std::uint64_t m_rows = 0, m_cols = 0, m_rowsPerShard = 0;
  std::vector<std::unique_ptr<Buffer>> m_shards;
};

}  // namespace embedscope::vk
