#include "engine/compute/vulkan/gather.h"

#include <algorithm>
#include <cstring>

#include "engine/compute/vulkan/shard_work.h"
#include "engine/compute/vulkan/vk_status.h"

namespace embedscope::vk {

namespace {
struct GatherParams {
  std::uint32_t cols;
  std::uint32_t itemCount;
};
}  // namespace

Result<std::unique_ptr<PreparedGather>> PreparedGather::create(KernelCache& kernels, const ShardedMatrix& table,
                                                              const std::vector<std::int64_t>& ids) {
  VulkanContext& ctx = kernels.context();
  const std::uint64_t cols = table.cols();
  const std::uint64_t n = ids.size();
  if (n * cols * 4 > ctx.info().maxShardBytes())
    return Status::internal("PreparedGather of " + std::to_string(n) + " rows passes one storage range");
  for (auto id : ids)
    if (id < 0 || static_cast<std::uint64_t>(id) >= table.rows())
      return Status::internal("gatherRows got an id the host did not validate: " + std::to_string(id));
  const KernelShape shape = kernelShapeFor(ctx.info());
  auto pipe = kernels.get("gather", {1, 1, 1, kMaxShards}, sizeof(GatherParams),
                          {shape.workgroupSize, shape.mode, shape.rowsPerGroup});
  if (!pipe) return pipe.status();
  std::unique_ptr<PreparedGather> g(new PreparedGather());
  g->m_ctx = &ctx;
  g->m_pipeline = *pipe;
  g->m_rows = n;
  std::vector<std::uint64_t> rows(n);
  std::vector<std::uint32_t> payload(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    rows[i] = static_cast<std::uint64_t>(ids[i]);
    payload[i] = static_cast<std::uint32_t>(i);
  }
  ShardWork work = groupByShard(rows, payload, table.rowsPerShard(), table.shardCount(), shape.rowsPerGroup);
  auto items = Buffer::create(ctx, work.items.size() * 4);
  if (!items) return items.status();
  auto groups = Buffer::create(ctx, work.groupShard.size() * 4);
  if (!groups) return groups.status();
  auto result = Buffer::create(ctx, n * cols * 4);
  if (!result) return result.status();
  g->m_items = std::move(*items);
  g->m_groups = std::move(*groups);
  g->m_out = std::move(*result);
  EMBEDSCOPE_TRY(g->m_items->upload(work.items.data(), work.items.size() * 4));
  EMBEDSCOPE_TRY(g->m_groups->upload(work.groupShard.data(), work.groupShard.size() * 4));
  g->m_bindings = {
      {0, 0, g->m_items->handle(), 0, std::max<std::uint64_t>(4, work.items.size() * 4)},
      {1, 0, g->m_groups->handle(), 0, std::max<std::uint64_t>(4, work.groupShard.size() * 4)},
      {2, 0, g->m_out->handle(), 0, std::max<std::uint64_t>(4, n * cols * 4)},
  };
  table.appendArrayBindings(3, g->m_bindings);
  g->m_cols = static_cast<std::uint32_t>(cols);
  g->m_itemCount = work.itemCount();
  g->m_groupCount = work.groupCount();
  return g;
}

void PreparedGather::record(VkCommandBuffer cmd) const {
  if (m_groupCount == 0) return;
  GatherParams params{m_cols, m_itemCount};
  m_pipeline->bind(cmd);
  m_pipeline->pushBuffers(cmd, m_bindings);
  m_pipeline->pushConstants(cmd, &params, sizeof(params));
  dispatchFlat(cmd, m_groupCount, m_ctx->info().limits.maxComputeWorkGroupCount[0]);
}

Status PreparedGather::download(float* out) const { return m_out->download(out, m_rows * m_cols * 4); }

Result<Matrix> gatherRows(KernelCache& kernels, const ShardedMatrix& table, const std::vector<std::int64_t>& ids) {
  VulkanContext& ctx = kernels.context();
  const std::uint64_t cols = table.cols();
  Matrix out(static_cast<Eigen::Index>(ids.size()), static_cast<Eigen::Index>(cols));
  if (ids.empty() || cols == 0) return out;
  const std::uint64_t chunkRows = rowsPerShardFor(ctx.info().maxShardBytes(), cols);
  for (std::uint64_t start = 0; start < ids.size(); start += chunkRows) {
    const std::uint64_t n = std::min<std::uint64_t>(chunkRows, ids.size() - start);
    std::vector<std::int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                    ids.begin() + static_cast<std::ptrdiff_t>(start + n));
    auto g = PreparedGather::create(kernels, table, chunk);
    if (!g) return g.status();
    PreparedGather* pg = g->get();
    EMBEDSCOPE_TRY(ctx.runOnce([&](VkCommandBuffer cmd) { pg->record(cmd); }));
    EMBEDSCOPE_TRY(pg->download(out.data() + start * cols));
  }
  return out;
}

}  // namespace embedscope::vk

namespace embedscope {

Result<std::vector<float>> vulkanGather(const Matrix& table, const std::vector<std::int64_t>& validatedIds) {
  auto ctx = vk::VulkanContext::create();
  if (!ctx) return ctx.status();
  auto t = vk::ShardedMatrix::create(**ctx, static_cast<std::uint64_t>(table.rows()),
                                     static_cast<std::uint64_t>(table.cols()));
  if (!t) return t.status();
  EMBEDSCOPE_TRY((*t)->upload(table));
  vk::KernelCache kernels(**ctx);
  auto m = vk::gatherRows(kernels, **t, validatedIds);
  if (!m) return m.status();
  return std::vector<float>(m->data(), m->data() + m->size());
}

}  // namespace embedscope
