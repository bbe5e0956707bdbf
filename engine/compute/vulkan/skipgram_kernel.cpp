#include "engine/compute/vulkan/skipgram_kernel.h"

#include <algorithm>
#include <cmath>

#include "engine/compute/vulkan/shard_work.h"
#include "engine/tasks/skipgram_kernels.h"

namespace embedscope::vk {

namespace {
struct SkipGramParams {
  std::uint32_t pairCount;
  std::uint32_t inRowsPerShard;
  std::uint32_t inShards;
  std::uint32_t outRowsPerShard;
  std::uint32_t outShards;
  float alpha;
};
constexpr std::uint32_t kTableEntries = skipgram_detail::kSigmoidTableSize + 2;
// The shader keeps a pair's input row and its gradient in private arrays of D floats.
constexpr std::uint64_t kMaxDim = 1024;

void appendShards(const ShardedMatrix& m, std::uint32_t binding, std::vector<BufferBinding>& out) {
  for (std::uint32_t e = 0; e < kSkipGramMaxShards; ++e) {
    BufferBinding b = m.shardBinding(binding, e < m.shardCount() ? e : 0);  // unused slots repeat shard 0
    b.arrayElement = e;
    out.push_back(b);
  }
}
}  // namespace

int defaultSkipGramMode(const DeviceInfo& info) { return isRealGpu(info.type) ? 1 : 0; }

Result<std::unique_ptr<SkipGramDevice>> SkipGramDevice::create(KernelCache& kernels, const Matrix& input,
                                                              const Matrix& context, int negative,
                                                              std::uint32_t maxPairs, std::uint64_t rowsPerShard,
                                                              int mode) {
  VulkanContext& ctx = kernels.context();
  const auto rows = static_cast<std::uint64_t>(input.rows());
  const auto cols = static_cast<std::uint64_t>(input.cols());
  if (context.rows() != input.rows() || context.cols() != input.cols())
    return Status::invalidArgument("skip-gram tables differ in shape");
  if (cols == 0 || cols > kMaxDim)
    return Status::invalidArgument("the Vulkan skip-gram kernel takes output_dim in [1, " + std::to_string(kMaxDim) +
                                   "]; got " + std::to_string(cols));
  if (negative < 1 || maxPairs == 0) return Status::invalidArgument("skip-gram batch needs negative >= 1 and pairs");
  std::unique_ptr<SkipGramDevice> d(new SkipGramDevice());
  d->m_ctx = &ctx;
  d->m_rows = rows;
  d->m_cols = cols;
  d->m_stride = static_cast<std::uint32_t>(negative) + 2;
  d->m_maxPairs = maxPairs;
  d->m_mode = static_cast<std::uint32_t>(mode < 0 ? defaultSkipGramMode(ctx.info()) : mode);
  // MODE 1: lanes over columns, a subgroup's width (8 floats on lavapipe's 256-bit SIMD), never
  // more lanes than columns; MODE 0: 64 pairs per workgroup.
  d->m_workgroup = d->m_mode == 1 ? std::min<std::uint32_t>(kernelShapeFor(ctx.info()).workgroupSize,
                                                              std::max<std::uint32_t>(1, std::uint32_t(cols)))
                                  : 64;  // lavapipe: 8 to 128 measured alike (90-100k words/s)
  auto pipe = kernels.get("skipgram", {1, 1, kSkipGramMaxShards, kSkipGramMaxShards}, sizeof(SkipGramParams),
                          {d->m_workgroup, static_cast<std::uint32_t>(cols), d->m_stride, d->m_mode});
  if (!pipe) return pipe.status();
  d->m_pipeline = *pipe;
  auto syn0 = ShardedMatrix::create(ctx, rows, cols, MemoryPlace::Device, rowsPerShard);
  if (!syn0) return syn0.status();
  auto syn1 = ShardedMatrix::create(ctx, rows, cols, MemoryPlace::Device, rowsPerShard);
  if (!syn1) return syn1.status();
  d->m_syn0 = std::move(*syn0);
  d->m_syn1 = std::move(*syn1);
  if (d->m_syn0->shardCount() > kSkipGramMaxShards)
    return Status::unavailable("the skip-gram tables need " + std::to_string(d->m_syn0->shardCount()) +
                               " shards each on this device; the kernel binds at most " +
                               std::to_string(kSkipGramMaxShards));
  EMBEDSCOPE_TRY(d->m_syn0->upload(input));
  EMBEDSCOPE_TRY(d->m_syn1->upload(context));

  const std::uint64_t pairBytes = std::uint64_t(maxPairs) * d->m_stride * 4;
  if (pairBytes > ctx.info().maxShardBytes()) return Status::invalidArgument("skip-gram batch passes one storage range");
  auto pairs = Buffer::create(ctx, pairBytes, MemoryPlace::Host);
  if (!pairs) return pairs.status();
  const std::uint64_t auxBytes = (3 * kTableEntries + 2 * std::uint64_t(maxPairs)) * 4;
  auto aux = Buffer::create(ctx, auxBytes, MemoryPlace::Host);
  if (!aux) return aux.status();
  d->m_pairs = std::move(*pairs);
  d->m_aux = std::move(*aux);
  // The CPU trainer's own tables, so σ(f) and the loss are the same buckets on both engines.
  static const skipgram_detail::SigmoidTables cpuTables;
  std::vector<float> t(3 * kTableEntries);
  std::copy(cpuTables.sigmoid, cpuTables.sigmoid + kTableEntries, t.begin());
  std::copy(cpuTables.lossPositive, cpuTables.lossPositive + kTableEntries, t.begin() + kTableEntries);
  std::copy(cpuTables.lossNegative, cpuTables.lossNegative + kTableEntries, t.begin() + 2 * kTableEntries);
  EMBEDSCOPE_TRY(d->m_aux->upload(t.data(), t.size() * 4));
  d->m_bindings = {
      {0, 0, d->m_pairs->handle(), 0, pairBytes},
      {1, 0, d->m_aux->handle(), 0, auxBytes},
  };
  appendShards(*d->m_syn0, 2, d->m_bindings);
  appendShards(*d->m_syn1, 3, d->m_bindings);
  d->m_lossHost.resize(std::size_t(maxPairs) * 2);
  return d;
}

Result<SkipGramBatchLoss> SkipGramDevice::train(const std::vector<std::uint32_t>& pairs, std::uint32_t count,
                                                float alpha) {
  SkipGramBatchLoss out;
  if (count == 0) return out;
  if (count > m_maxPairs || pairs.size() < std::size_t(count) * m_stride)
    return Status::internal("skip-gram batch of " + std::to_string(count) + " pairs passes its buffer");
  for (std::size_t i = 0; i < std::size_t(count) * m_stride; ++i) {
    const std::uint32_t w = pairs[i];
    const bool target = i % m_stride != 0;
    if (w == kNoTarget && target) continue;
    if (w >= m_rows) return Status::internal("skip-gram batch names row " + std::to_string(w) + " of " +
                                             std::to_string(m_rows));
  }
  EMBEDSCOPE_TRY(m_pairs->upload(pairs.data(), std::uint64_t(count) * m_stride * 4));
  SkipGramParams params{count,
                        static_cast<std::uint32_t>(m_syn0->rowsPerShard()),
                        m_syn0->shardCount(),
                        static_cast<std::uint32_t>(m_syn1->rowsPerShard()),
                        m_syn1->shardCount(),
                        alpha};
  const std::uint32_t groups = m_mode == 1 ? count : (count + m_workgroup - 1) / m_workgroup;
  EMBEDSCOPE_TRY(m_ctx->runOnce([&](VkCommandBuffer cmd) {
    m_pipeline->bind(cmd);
    m_pipeline->pushBuffers(cmd, m_bindings);
    m_pipeline->pushConstants(cmd, &params, sizeof(params));
    dispatchFlat(cmd, groups, m_ctx->info().limits.maxComputeWorkGroupCount[0]);
  }));
  EMBEDSCOPE_TRY(m_aux->download(m_lossHost.data(), std::uint64_t(count) * 8, 3 * kTableEntries * 4));
  for (std::uint32_t i = 0; i < count; ++i) {
    out.loss += m_lossHost[2 * i];
    out.scoreSum += m_lossHost[2 * i + 1];
  }
  return out;
}

Status SkipGramDevice::download(Matrix& input, Matrix& context) const {
  EMBEDSCOPE_TRY(m_syn0->download(input));
  return m_syn1->download(context);
}

}  // namespace embedscope::vk
