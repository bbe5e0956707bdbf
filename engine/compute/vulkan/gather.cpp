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

Result<Matrix> gatherRows(KernelCache& kernels, const ShardedMatrix& table, const std::vector<std::int64_t>& ids) {
  VulkanContext& ctx = kernels.context();
  const std::uint64_t cols = table.cols();
  Matrix out(static_cast<Eigen::Index>(ids.size()), static_cast<Eigen::Index>(cols));
  if (ids.empty() || cols == 0) return out;
  for (auto id : ids)
    if (id < 0 || static_cast<std::uint64_t>(id) >= table.rows())
      return Status::internal("gatherRows got an id the host did not validate: " + std::to_string(id));

  const KernelShape shape = kernelShapeFor(ctx.info());
  auto pipe = kernels.get("gather", {1, 1, 1, kMaxShards}, sizeof(GatherParams),
                          {shape.workgroupSize, shape.mode, shape.rowsPerGroup});
  if (!pipe) return pipe.status();

  const std::uint64_t chunkRows = rowsPerShardFor(ctx.info().maxShardBytes(), cols);
  for (std::uint64_t start = 0; start < ids.size(); start += chunkRows) {
    const std::uint64_t n = std::min<std::uint64_t>(chunkRows, ids.size() - start);
    std::vector<std::uint64_t> rows(n);
    std::vector<std::uint32_t> payload(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      rows[i] = static_cast<std::uint64_t>(ids[start + i]);
      payload[i] = static_cast<std::uint32_t>(i);
    }
    ShardWork work = groupByShard(rows, payload, table.rowsPerShard(), table.shardCount(), shape.rowsPerGroup);
    auto items = Buffer::create(ctx, work.items.size() * 4);
    if (!items) return items.status();
    auto groups = Buffer::create(ctx, work.groupShard.size() * 4);
    if (!groups) return groups.status();
    auto result = Buffer::create(ctx, n * cols * 4);
    if (!result) return result.status();
    EMBEDSCOPE_TRY((*items)->upload(work.items.data(), work.items.size() * 4));
    EMBEDSCOPE_TRY((*groups)->upload(work.groupShard.data(), work.groupShard.size() * 4));

    std::vector<BufferBinding> b = {
        {0, 0, (*items)->handle(), 0, work.items.size() * 4},
        {1, 0, (*groups)->handle(), 0, work.groupShard.size() * 4},
        {2, 0, (*result)->handle(), 0, n * cols * 4},
    };
    table.appendArrayBindings(3, b);
    GatherParams params{static_cast<std::uint32_t>(cols), work.itemCount()};
    Pipeline* p = *pipe;
    EMBEDSCOPE_TRY(ctx.runOnce([&](VkCommandBuffer cmd) {
      p->bind(cmd);
      p->pushBuffers(cmd, b);
      p->pushConstants(cmd, &params, sizeof(params));
      dispatchFlat(cmd, work.groupCount(), ctx.info().limits.maxComputeWorkGroupCount[0]);
    }));
    EMBEDSCOPE_TRY((*result)->download(out.data() + start * cols, n * cols * 4));
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
