#include "engine/compute/vulkan/sharded_matrix.h"

#include <algorithm>

namespace embedscope::vk {

std::uint64_t rowsPerShardFor(std::uint64_t maxShardBytes, std::uint64_t cols) {
  const std::uint64_t rowBytes = std::max<std::uint64_t>(1, cols) * 4;
  return std::max<std::uint64_t>(1, maxShardBytes / rowBytes);
}

Result<std::unique_ptr<ShardedMatrix>> ShardedMatrix::create(VulkanContext& ctx, std::uint64_t rows, std::uint64_t cols,
                                                            MemoryPlace place, std::uint64_t rowsPerShard) {
  const std::uint64_t maxBytes = ctx.info().maxShardBytes();
  if (cols * 4 > maxBytes)
    return Status::unavailable("one row of " + std::to_string(cols) + " floats is larger than the device's " +
                               std::to_string(maxBytes) + "-byte buffer range");
  auto m = std::unique_ptr<ShardedMatrix>(new ShardedMatrix());
  m->m_rows = rows;
  m->m_cols = cols;
  m->m_rowsPerShard = rowsPerShard ? rowsPerShard : rowsPerShardFor(maxBytes, cols);
  if (m->m_rowsPerShard * cols * 4 > maxBytes)
    return Status::internal("a shard of " + std::to_string(m->m_rowsPerShard) + " rows passes the device's range");
  const std::uint64_t count = rows == 0 ? 1 : (rows + m->m_rowsPerShard - 1) / m->m_rowsPerShard;
  if (count > kMaxShards)
    return Status::unavailable("a " + std::to_string(rows) + " x " + std::to_string(cols) + " tensor needs " +
                               std::to_string(count) + " shards of at most " + std::to_string(maxBytes) +
                               " bytes; kernels bind at most " + std::to_string(kMaxShards));
  for (std::uint64_t s = 0; s < count; ++s) {
    std::uint64_t r = std::min(m->m_rowsPerShard, rows - std::min(rows, s * m->m_rowsPerShard));
    auto b = Buffer::create(ctx, r * cols * 4, place);
    if (!b) return b.status();
    m->m_shards.push_back(std::move(*b));
  }
  return m;
}

std::uint64_t ShardedMatrix::shardRows(std::uint32_t s) const {
  std::uint64_t start = s * m_rowsPerShard;
  return std::min(m_rowsPerShard, m_rows - std::min(m_rows, start));
}

Status ShardedMatrix::upload(const Matrix& m) {
  for (std::uint32_t s = 0; s < shardCount(); ++s) {
    const std::uint64_t r = shardRows(s);
    EMBEDSCOPE_TRY(m_shards[s]->upload(m.data() + s * m_rowsPerShard * m_cols, r * m_cols * 4));
  }
  return Status::ok();
}

Status ShardedMatrix::download(Matrix& m) const {
  m.resize(static_cast<Eigen::Index>(m_rows), static_cast<Eigen::Index>(m_cols));
  for (std::uint32_t s = 0; s < shardCount(); ++s) {
    const std::uint64_t r = shardRows(s);
    EMBEDSCOPE_TRY(m_shards[s]->download(m.data() + s * m_rowsPerShard * m_cols, r * m_cols * 4));
  }
  return Status::ok();
}

Status ShardedMatrix::fillZero() {
  for (auto& s : m_shards) EMBEDSCOPE_TRY(s->fillZero());
  return Status::ok();
}

Status ShardedMatrix::fill(std::uint32_t word) {
  for (auto& s : m_shards) EMBEDSCOPE_TRY(s->fill(word));
  return Status::ok();
}

BufferBinding ShardedMatrix::shardBinding(std::uint32_t binding, std::uint32_t s) const {
  const std::uint64_t bytes = std::max<std::uint64_t>(4, shardRows(s) * m_cols * 4);
  return {binding, 0, m_shards[s]->handle(), 0, bytes};
}

void ShardedMatrix::appendArrayBindings(std::uint32_t binding, std::vector<BufferBinding>& out) const {
  for (std::uint32_t e = 0; e < kMaxShards; ++e) {
    std::uint32_t s = e < shardCount() ? e : 0;
    BufferBinding b = shardBinding(binding, s);
    b.arrayElement = e;
    out.push_back(b);
  }
}

}  // namespace embedscope::vk
