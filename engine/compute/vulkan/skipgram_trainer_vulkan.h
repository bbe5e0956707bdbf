#pragma once
// `embedscope train --task skipgram --engine vulkan`: word2vec SGNS with the updates on the device.
// The host walks the corpus exactly as one CPU trainer thread does — the same chunks, the same
// subsampling, window draws and unigram^0.75 negatives from Rng::stream(seed, 1), the same
// learning-rate decay per chunk — and hands the device batches of (context word, centre word,
// negatives); shaders/skipgram.comp applies the CPU step to both tables (Hogwild inside a batch,
// batches in order; a batch never spans a learning-rate change). The result has the CPU
// trainer's shape (SkipGramResult), so --save, --metrics and the evaluations read it alike.
// Progress, snapshots (every snapshotEveryWords), cancel, checkpoints (onCheckpoint every
// checkpointEveryChunks chunks, the tables read back from the device) and resume from a
// SkipGramState follow the CPU trainer's contract; the state is interchangeable with the CPU
// trainer's (thread 0's generator), so a run may continue on the other engine.
#include <cstdint>
#include <memory>

#include "engine/compute/vulkan/kernel_cache.h"
#include "engine/core/cancel_token.h"
#include "engine/data/text_corpus.h"
#include "engine/tasks/skipgram_config.h"
#include "engine/tasks/skipgram_trainer.h"

namespace embedscope::vk {

struct VulkanSkipGramOptions {
  std::uint32_t batchPairs = 8192;  // pairs per dispatch
};

// A context on the device `--engine vulkan` (autoOnly = false) or `--engine auto` (true: real
// GPUs only) would use; Unavailable with the reason when there is none.
Result<std::unique_ptr<VulkanContext>> openSkipGramContext(bool autoOnly);

Result<SkipGramResult> trainSkipGramOnVulkan(KernelCache& kernels, const SkipGramConfig& config,
                                             const data::TextCorpus& corpus, const SkipGramCallbacks& callbacks = {},
                                             const CancelToken& cancel = {}, const VulkanSkipGramOptions& options = {},
                                             const SkipGramState* resumeFrom = nullptr);

}  // namespace embedscope::vk
