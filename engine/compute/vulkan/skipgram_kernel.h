#pragma once
// The skip-gram (SGNS) step on the Vulkan engine: the input table (syn0, the Embedding) and the
// context table (syn1neg) live on the device as ShardedMatrix descriptor arrays, and a batch of
// (context word, centre word, negatives) pairs built on the host is trained by shaders/skipgram.comp,
// one pair per invocation, with the CPU trainer's arithmetic and sigmoid table. Pairs of a batch
// run concurrently (Hogwild inside the batch); batches run in order.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/compute/vulkan/buffer.h"
#include "engine/compute/vulkan/kernel_cache.h"
#include "engine/compute/vulkan/sharded_matrix.h"
#include "engine/core/matrix.h"
#include "engine/core/status.h"

namespace embedscope::vk {

inline constexpr std::uint32_t kNoTarget = 0xffffffffu;
// Shards per table the kernel binds (shaders/skipgram.comp SG_MAX_SHARDS): two tables of 15 and
// two buffers fill the 32 push descriptors / per-stage storage buffers lavapipe offers.
inline constexpr std::uint32_t kSkipGramMaxShards = 15;

struct SkipGramBatchLoss {
  double loss = 0.0;      // summed over the batch's (pair, target) terms, in pair order
  double scoreSum = 0.0;  // summed raw scores: non-finite means the tables diverged
};

// MODE 0 (pair per invocation) on CPU-type devices: on lavapipe it measured ~6x faster than MODE 1,
// whose two workgroup barriers per target are expensive there (docs/benchmarks/vulkan.md).
// MODE 1 on real GPUs: the coalesced shape (lanes over a row's columns) GPUs want; not measured
// on a GPU yet.
int defaultSkipGramMode(const DeviceInfo& info);

class SkipGramDevice {
 public:
  // input and context are V x D; `negative` fixes the pair stride (negative + 2 words);
  // maxPairs the largest batch. rowsPerShard = 0 shards the tables by the device's storage range
  // (ShardedMatrix); a positive value forces that many rows per shard (tests cross shard
  // boundaries on tiny tables with it). mode: 0 one pair per invocation, 1 one pair per workgroup
  // with lanes over columns, -1 the device's choice (defaultSkipGramMode).
  static Result<std::unique_ptr<SkipGramDevice>> create(KernelCache& kernels, const Matrix& input,
                                                        const Matrix& context, int negative, std::uint32_t maxPairs,
                                                        std::uint64_t rowsPerShard = 0, int mode = -1);

  std::uint32_t stride() const { return m_stride; }
  std::uint32_t maxPairs() const { return m_maxPairs; }
  std::uint32_t mode() const { return m_mode; }
  std::uint32_t workgroupSize() const { return m_workgroup; }
  std::uint32_t inputShards() const { return m_syn0->shardCount(); }
  std::uint32_t contextShards() const { return m_syn1->shardCount(); }

  // One batch: pairs[i * stride()] is the input row (the context word), then the centre word,
  // then `negative` negatives (kNoTarget where a draw was skipped). Rows must be < V (checked).
  Result<SkipGramBatchLoss> train(const std::vector<std::uint32_t>& pairs, std::uint32_t count, float alpha);

  Status download(Matrix& input, Matrix& context) const;

 private:
  SkipGramDevice() = default;
  VulkanContext* m_ctx = nullptr;
  Pipeline* m_pipeline = nullptr;
  std::unique_ptr<ShardedMatrix> m_syn0, m_syn1;
  std::unique_ptr<Buffer> m_pairs, m_aux;
  std::vector<BufferBinding> m_bindings;
  std::vector<float> m_lossHost;
  std::uint32_t m_stride = 0, m_maxPairs = 0, m_workgroup = 64, m_mode = 1;
  std::uint64_t m_rows = 0, m_cols = 0;
};

}  // namespace embedscope::vk
