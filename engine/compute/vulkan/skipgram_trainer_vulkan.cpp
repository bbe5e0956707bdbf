#include "engine/compute/vulkan/skipgram_trainer_vulkan.h"

#include <chrono>
#include <cmath>

#include "engine/compute/vulkan/skipgram_kernel.h"
#include "engine/core/rng.h"
#include "engine/tasks/skipgram_sampler.h"

namespace embedscope::vk {

namespace {
using Clock = std::chrono::steady_clock;
}

Result<std::unique_ptr<VulkanContext>> openSkipGramContext(bool autoOnly) {
  auto devices = enumerateDevices();
  if (!devices) return devices.status();
  const DeviceChoice choice = autoOnly ? chooseAutoDevice(*devices) : chooseVulkanDevice(*devices);
  if (!choice.index) return Status::unavailable(choice.reason);
  VulkanContext::Options o;
  o.deviceIndex = choice.index;
  return VulkanContext::create(o);
}

Result<SkipGramResult> trainSkipGramOnVulkan(KernelCache& kernels, const SkipGramConfig& config,
                                             const data::TextCorpus& corpus, const SkipGramCallbacks& callbacks,
                                             const CancelToken& cancel, const VulkanSkipGramOptions& options,
                                             const SkipGramState* resumeFrom) {
  const std::int64_t vocab = corpus.vocabulary.size();
  EMBEDSCOPE_TRY(validateSkipGramConfig(config, vocab));
  if (corpus.ids.empty())
    return Status::dataError("the corpus has no word seen at least min_count times: nothing to train on");
  const std::int64_t dim = config.outputDim;
  const std::vector<std::size_t> chunkStarts = skipgram_detail::chunkStarts(corpus, skipgram_detail::kWordsPerChunk);
  const std::int64_t chunksPerEpoch = static_cast<std::int64_t>(chunkStarts.size()) - 1;
  if (resumeFrom) EMBEDSCOPE_TRY(checkSkipGramResume(*resumeFrom, vocab, dim, chunksPerEpoch, config.epochs));
  const Matrix initial = resumeFrom ? resumeFrom->embeddings
                         : config.initialTable ? *config.initialTable
                                               : defaultSkipGramTable(vocab, dim, config.seed);
  // word2vec's context table starts at zero.
  const Matrix context = resumeFrom ? resumeFrom->context : Matrix::Zero(vocab, dim);
  auto dev = SkipGramDevice::create(kernels, initial, context, config.negative,
                                    std::max<std::uint32_t>(1, options.batchPairs));
  if (!dev) return dev.status();
  SkipGramDevice& device = **dev;

  const std::vector<std::uint32_t> keep = skipgram_detail::keepThresholds(corpus, config.sample);
  const skipgram_detail::NegativeSampler sampler(corpus.vocabulary.frequencies(), config.negativePower);
  const std::int64_t trainWords = corpus.keptTokens();
  const double totalWords = double(config.epochs) * double(trainWords) + 1.0;
  const float startAlpha = static_cast<float>(config.learningRate);
  Rng rng = Rng::stream(config.seed, 1);  // the CPU trainer's thread 0

  const std::uint32_t stride = device.stride();
  std::vector<std::uint32_t> batch(std::size_t(device.maxPairs()) * stride);
  std::uint32_t inBatch = 0;
  std::int64_t batchTargets = 0;
  std::vector<SkipGramEpochSums> sums(static_cast<std::size_t>(config.epochs));
  std::int64_t wordCount = 0, chunksDone = 0;
  double secondsBefore = 0.0;
  if (resumeFrom) {
    const SkipGramPosition& pos = resumeFrom->position;
    rng.setState(pos.rngStates.front());  // thread 0's stream
    sums = pos.epochSums;
    wordCount = pos.wordsProcessed;
    chunksDone = pos.chunksDone;
    secondsBefore = pos.seconds;
  }
  float alpha = skipgram_detail::decayedRate(startAlpha, wordCount, totalWords);
  const auto start =
      Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secondsBefore));
  auto lastReport = start;
  double reportLoss = 0.0;
  std::int64_t reportTargets = 0;
  std::int64_t nextSnapshot = config.snapshotEveryWords > 0 ? config.snapshotEveryWords : -1;
  while (nextSnapshot > 0 && nextSnapshot <= wordCount) nextSnapshot += config.snapshotEveryWords;
  auto positionNow = [&] {
    SkipGramPosition pos;
    pos.chunksDone = chunksDone;
    pos.chunksPerEpoch = chunksPerEpoch;
    pos.wordsProcessed = wordCount;
    pos.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    pos.rngStates = {rng.state()};
    pos.epochSums = sums;
    return pos;
  };
  bool diverged = false;

  auto flush = [&](SkipGramEpochSums& es) -> Status {
    if (inBatch == 0) return Status::ok();
    auto r = device.train(batch, inBatch, alpha);
    if (!r) return r.status();
    if (!std::isfinite(r->scoreSum)) diverged = true;
    es.loss += r->loss;
    es.targets += batchTargets;
    reportLoss += r->loss;
    reportTargets += batchTargets;
    inBatch = 0;
    batchTargets = 0;
    return Status::ok();
  };

  std::vector<std::int32_t> sentence;
  const int window = config.window;
  for (std::int64_t chunk = chunksDone; chunk < chunksPerEpoch * config.epochs && !diverged; ++chunk) {
    if (cancel.isCancelled()) break;
    const auto epoch = static_cast<std::size_t>(chunk / chunksPerEpoch);
    const auto inEpoch = static_cast<std::size_t>(chunk % chunksPerEpoch);
    SkipGramEpochSums& es = sums[epoch];
    std::int64_t chunkWords = 0;
    for (std::size_t s = chunkStarts[inEpoch]; s < chunkStarts[inEpoch + 1]; ++s) {
      const std::size_t begin = s == 0 ? 0 : corpus.sentenceEnds[s - 1];
      const std::size_t end = corpus.sentenceEnds[s];
      sentence.clear();
      for (std::size_t i = begin; i < end; ++i) {
        const std::int32_t w = corpus.ids[i];
        if (!keep.empty() && static_cast<std::uint32_t>(rng.next()) >= keep[static_cast<std::size_t>(w)]) continue;
        sentence.push_back(w);
      }
      chunkWords += static_cast<std::int64_t>(end - begin);
      const int len = static_cast<int>(sentence.size());
      for (int pos = 0; pos < len; ++pos) {
        const std::int32_t word = sentence[static_cast<std::size_t>(pos)];
        const int b = static_cast<int>(rng.below(static_cast<std::uint64_t>(window)));
        const int lo = std::max(0, pos - window + b);
        const int hi = std::min(len - 1, pos + window - b);
        for (int c = lo; c <= hi; ++c) {
          if (c == pos) continue;
          std::uint32_t* p = batch.data() + std::size_t(inBatch) * stride;
          p[0] = static_cast<std::uint32_t>(sentence[static_cast<std::size_t>(c)]);
          p[1] = static_cast<std::uint32_t>(word);
          int count = 1;
          for (int d = 0; d < config.negative; ++d) {
            const std::int32_t t = sampler.sample(rng.next());
            p[2 + d] = t == word ? kNoTarget : static_cast<std::uint32_t>(t);
            if (t != word) ++count;
          }
          batchTargets += count;
          ++es.pairs;
          if (++inBatch == device.maxPairs()) EMBEDSCOPE_TRY(flush(es));
        }
      }
    }
    EMBEDSCOPE_TRY(flush(es));  // a batch never spans a learning-rate change
    wordCount += chunkWords;
    ++chunksDone;
    alpha = skipgram_detail::decayedRate(startAlpha, wordCount, totalWords);
    const auto now = Clock::now();
    es.seconds = std::chrono::duration<double>(now - start).count();
    if (callbacks.onProgress &&
        std::chrono::duration<double>(now - lastReport).count() >= config.progressIntervalSeconds) {
      SkipGramProgress pr;
      pr.wordsProcessed = wordCount;
      pr.wordsTotal = config.epochs * trainWords;
      pr.epoch = static_cast<int>(epoch);
      pr.learningRate = alpha;
      pr.loss = reportTargets > 0 ? reportLoss / double(reportTargets) : 0.0;
      pr.seconds = es.seconds;
      pr.wordsPerSecond = pr.seconds > 0 ? double(wordCount) / pr.seconds : 0.0;
      callbacks.onProgress(pr);
      lastReport = now;
      reportLoss = 0.0;
      reportTargets = 0;
    }
    if (nextSnapshot > 0 && wordCount >= nextSnapshot && callbacks.onSnapshot) {
      auto snap = std::make_shared<SkipGramSnapshot>();
      Matrix ctx(vocab, dim);
      snap->embeddings = Matrix(vocab, dim);
      EMBEDSCOPE_TRY(device.download(snap->embeddings, ctx));
      snap->wordsProcessed = wordCount;
      snap->epoch = static_cast<int>(epoch);
      snap->loss = es.targets > 0 ? es.loss / double(es.targets) : 0.0;
      callbacks.onSnapshot(std::move(snap));
      while (nextSnapshot <= wordCount) nextSnapshot += config.snapshotEveryWords;
    }
    if (config.checkpointEveryChunks > 0 && callbacks.onCheckpoint && chunksDone % config.checkpointEveryChunks == 0 &&
        chunksDone < chunksPerEpoch * config.epochs && !diverged) {
      SkipGramState st{Matrix(vocab, dim), Matrix(vocab, dim), positionNow()};
      EMBEDSCOPE_TRY(device.download(st.embeddings, st.context));
      EMBEDSCOPE_TRY(callbacks.onCheckpoint(st));
    }
  }
  if (diverged)
    return Status::dataError("non-finite loss after " + std::to_string(wordCount) +
                             " words: training diverged (learning_rate=" + std::to_string(config.learningRate) +
                             " is too high for this table); the run was stopped");

  SkipGramResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.wordsProcessed = wordCount;
  result.cancelled = chunksDone < chunksPerEpoch * config.epochs;
  result.embeddings = Matrix(vocab, dim);
  result.context = Matrix(vocab, dim);
  EMBEDSCOPE_TRY(device.download(result.embeddings, result.context));
  result.epochs = epochStatsOf(sums, config.epochs, result.cancelled, &result.pairs);
  result.position = positionNow();
  return result;
}

}  // namespace embedscope::vk
