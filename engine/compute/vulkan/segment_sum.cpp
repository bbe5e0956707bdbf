#include "engine/compute/vulkan/segment_sum.h"

#include <algorithm>
#include <numeric>

#include "engine/compute/vulkan/shard_work.h"

namespace embedscope::vk {

Segments buildSegments(const std::int64_t* ids, std::int64_t count, const std::uint8_t* keep) {
  Segments s;
  std::vector<std::uint32_t> order;
  order.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i)
    if (!keep || keep[i]) order.push_back(static_cast<std::uint32_t>(i));
  // Stable: equal ids keep ascending positions, the order the CPU adds them in.
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return ids[a] < ids[b]; });
  s.perm = order;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || ids[order[k]] != ids[order[k - 1]]) {
      s.rows.push_back(ids[order[k]]);
      s.offsets.push_back(static_cast<std::uint32_t>(k));
    }
  }
  s.offsets.push_back(static_cast<std::uint32_t>(order.size()));
  return s;
}

namespace {
struct SumParams {
  std::uint32_t cols;
  std::uint32_t segments;
};
}  // namespace

Status SegmentSummer::run(const Segments& seg, const float* dOut, std::int64_t count, std::int64_t cols, Matrix& values) {
  VulkanContext& ctx = m_kernels->context();
  const std::uint64_t U = seg.rows.size();
  values.resize(static_cast<Eigen::Index>(U), cols);
  if (U == 0 || cols == 0) return Status::ok();
  const std::uint64_t dOutBytes = static_cast<std::uint64_t>(count) * cols * 4;
  const std::uint64_t gradBytes = U * cols * 4;
  const std::uint64_t maxBytes = ctx.info().maxShardBytes();
  if (dOutBytes > maxBytes || gradBytes > maxBytes)
    return Status::unavailable("a batch of " + std::to_string(count) + " x " + std::to_string(cols) +
                               " gradients passes the device's " + std::to_string(maxBytes) + "-byte buffer range");
  const KernelShape shape = kernelShapeFor(ctx.info());
  auto pipe = m_kernels->get("segment_sum", {1, 1, 1, 1}, sizeof(SumParams), {shape.workgroupSize, shape.mode});
  if (!pipe) return pipe.status();
  auto d = m_dOut.ensure(ctx, dOutBytes);
  if (!d) return d.status();
  auto p = m_perm.ensure(ctx, seg.perm.size() * 4);
  if (!p) return p.status();
  auto o = m_offsets.ensure(ctx, seg.offsets.size() * 4);
  if (!o) return o.status();
  auto g = m_grad.ensure(ctx, gradBytes);
  if (!g) return g.status();
  EMBEDSCOPE_TRY((*d)->upload(dOut, dOutBytes));
  EMBEDSCOPE_TRY((*p)->upload(seg.perm.data(), seg.perm.size() * 4));
  EMBEDSCOPE_TRY((*o)->upload(seg.offsets.data(), seg.offsets.size() * 4));
  std::vector<BufferBinding> b = {
      {0, 0, (*d)->handle(), 0, std::max<std::uint64_t>(4, dOutBytes)},
      {1, 0, (*p)->handle(), 0, std::max<std::uint64_t>(4, seg.perm.size() * 4)},
      {2, 0, (*o)->handle(), 0, seg.offsets.size() * 4},
      {3, 0, (*g)->handle(), 0, gradBytes},
  };
  SumParams params{static_cast<std::uint32_t>(cols), static_cast<std::uint32_t>(U)};
  const std::uint32_t groups = shape.mode == 0 ? static_cast<std::uint32_t>((U + shape.workgroupSize - 1) / shape.workgroupSize)
                                               : static_cast<std::uint32_t>(U);
  Pipeline* pl = *pipe;
  EMBEDSCOPE_TRY(ctx.runOnce([&](VkCommandBuffer cmd) {
    pl->bind(cmd);
    pl->pushBuffers(cmd, b);
    pl->pushConstants(cmd, &params, sizeof(params));
    dispatchFlat(cmd, groups, ctx.info().limits.maxComputeWorkGroupCount[0]);
  }));
  return (*g)->download(values.data(), gradBytes);
}

}  // namespace embedscope::vk
