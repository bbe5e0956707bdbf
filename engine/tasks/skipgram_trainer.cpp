#include "engine/tasks/skipgram_trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "engine/core/rng.h"
#include "engine/tasks/skipgram_kernels.h"
#include "engine/tasks/skipgram_sampler.h"

namespace embedscope {
namespace {

using Clock = std::chrono::steady_clock;
using skipgram_detail::NegativeSampler;
using skipgram_detail::SigmoidTables;
using skipgram_detail::StepStats;

using skipgram_detail::decayedRate;

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;

AlignedFloats allocateAligned(std::size_t count) {
  const std::size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, std::max<std::size_t>(bytes, 64)));
  if (p) std::memset(p, 0, bytes);
  return AlignedFloats(p);
}

struct ThreadEpochStats {
  double loss = 0.0;
  std::int64_t targets = 0;
  std::int64_t pairs = 0;
  double endSeconds = 0.0;
};

using StepFn = StepStats (*)(float*, float*, std::int64_t, const std::int32_t*, int, float, const SigmoidTables&,
                             float*);

#if defined(__AVX512F__)
template <int NB>
StepStats stepAvx512(float* in, float* syn1, std::int64_t, const std::int32_t* targets, int count, float alpha,
                     const SigmoidTables& tables, float*) {
  return skipgram_detail::trainStepAvx512<NB>(in, syn1, targets, count, alpha, tables);
}
#endif

StepStats stepGeneric(float* in, float* syn1, std::int64_t dp, const std::int32_t* targets, int count, float alpha,
                      const SigmoidTables& tables, float* acc) {
  return skipgram_detail::trainStepGeneric(in, syn1, dp, targets, count, alpha, tables, acc);
}

StepFn pickStep(std::int64_t dp) {
#if defined(__AVX512F__)
  switch (dp / 16) {
    case 1:
      return &stepAvx512<1>;
    case 2:
      return &stepAvx512<2>;
    case 3:
      return &stepAvx512<3>;
    case 4:
      return &stepAvx512<4>;
    case 5:
      return &stepAvx512<5>;
    case 6:
      return &stepAvx512<6>;
    case 7:
      return &stepAvx512<7>;
    case 8:
      return &stepAvx512<8>;
    default:
      break;
  }
#endif
  (void)dp;
  return &stepGeneric;
}

// State shared by the worker threads of one run.
struct Shared {
  const SkipGramConfig* config = nullptr;
  const data::TextCorpus* corpus = nullptr;
  const SkipGramCallbacks* callbacks = nullptr;
  const CancelToken* cancel = nullptr;
  std::int64_t vocab = 0;
  std::int64_t dim = 0;
  std::int64_t dp = 0;
  float* syn0 = nullptr;
  float* syn1 = nullptr;
  const NegativeSampler* sampler = nullptr;
  const std::uint32_t* keepThreshold = nullptr;
  const SigmoidTables* tables = nullptr;
  StepFn step = nullptr;
  std::int64_t trainWords = 0;           // kept tokens per epoch
  std::vector<std::size_t> chunkStarts;  // sentence index where each chunk of an epoch starts, then the end
  std::vector<Rng> rngs;                 // one per thread; kept across segments and in checkpoints
  std::int64_t segmentEnd = 0;           // workers stop before this chunk (the next barrier)
  SkipGramControl* control = nullptr;
  bool stepping = false;                 // this segment is one granted step: a pending pause waits for its end
  // The reporter's (thread 0's) bookkeeping, kept across segments.
  Clock::time_point lastReport;
  double reportLoss = 0.0;
  std::int64_t reportTargets = 0;
  std::int64_t nextSnapshot = -1;
  std::atomic<std::int64_t> nextChunk{0};
  std::atomic<std::int64_t> wordCount{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> diverged{false};
  std::atomic<std::int64_t> divergedAt{0};
  Clock::time_point start;
};

Matrix unpad(const float* rows, std::int64_t vocab, std::int64_t dim, std::int64_t dp) {
  Matrix m(vocab, dim);
  for (std::int64_t r = 0; r < vocab; ++r)
    std::memcpy(m.row(r).data(), rows + r * dp, sizeof(float) * std::size_t(dim));
  return m;
}

// Trains chunks from the shared cursor until it reaches sh.segmentEnd (or a stop). Every chunk a
// thread fetches below segmentEnd is trained whole, so after the join the chunks done are exactly
// [segment start, min(nextChunk, segmentEnd)).
void trainThread(Shared& sh, int thread, std::vector<ThreadEpochStats>& epochStats) {
  const SkipGramConfig& cfg = *sh.config;
  const data::TextCorpus& corpus = *sh.corpus;
  Rng& rng = sh.rngs[static_cast<std::size_t>(thread)];
  const float startAlpha = static_cast<float>(cfg.learningRate);
  const double totalWords = double(cfg.epochs) * double(sh.trainWords) + 1.0;
  // The same value an uninterrupted thread holds here: the rate of the last count it saw.
  float alpha = decayedRate(startAlpha, sh.wordCount.load(), totalWords);
  std::vector<std::int32_t> sentence;
  sentence.reserve(1024);
  std::vector<std::int32_t> targets(static_cast<std::size_t>(cfg.negative) + 1);
  AlignedFloats acc = allocateAligned(static_cast<std::size_t>(sh.dp));
  const bool reporter = thread == 0;
  const int window = cfg.window;
  const int negative = cfg.negative;
  const std::int64_t chunksPerEpoch = static_cast<std::int64_t>(sh.chunkStarts.size()) - 1;
  const std::int64_t chunkCount = sh.segmentEnd;

  while (!sh.stop.load(std::memory_order_relaxed)) {
    // A pause is honoured before taking a chunk, so every chunk taken is trained whole and the
    // cursor after the join is exactly the chunks done.
    if (sh.control && !sh.stepping && sh.control->pauseRequested()) break;
    // Threads take chunks from one cursor over epochs x chunks, so they move through the epochs
    // together and the learning rate matches the position (a fixed slice per thread, as
    // word2vec has, lets a thread that gets less CPU train its slice at a decayed rate).
    const std::int64_t chunk = sh.nextChunk.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= chunkCount) break;
    const int epoch = static_cast<int>(chunk / chunksPerEpoch);
    const std::size_t inEpoch = static_cast<std::size_t>(chunk % chunksPerEpoch);
    ThreadEpochStats& es = epochStats[static_cast<std::size_t>(epoch)];
    std::int64_t chunkWords = 0;
    float scoreSum = 0.0f;
    for (std::size_t s = sh.chunkStarts[inEpoch]; s < sh.chunkStarts[inEpoch + 1]; ++s) {
      const std::size_t begin = s == 0 ? 0 : corpus.sentenceEnds[s - 1];
      const std::size_t end = corpus.sentenceEnds[s];
      sentence.clear();
      for (std::size_t i = begin; i < end; ++i) {
        const std::int32_t w = corpus.ids[i];
        if (sh.keepThreshold && static_cast<std::uint32_t>(rng.next()) >= sh.keepThreshold[w]) continue;
        sentence.push_back(w);
      }
      chunkWords += static_cast<std::int64_t>(end - begin);

      const int len = static_cast<int>(sentence.size());
      float sentenceLoss = 0.0f;
      std::int64_t sentenceTargets = 0;
      for (int pos = 0; pos < len; ++pos) {
        const std::int32_t word = sentence[static_cast<std::size_t>(pos)];
        const int b = static_cast<int>(rng.below(static_cast<std::uint64_t>(window)));
        const int lo = std::max(0, pos - window + b);
        const int hi = std::min(len - 1, pos + window - b);
        for (int c = lo; c <= hi; ++c) {
          if (c == pos) continue;
          // word2vec's order: the context word's input row predicts the centre word against
          // fresh negatives drawn for this pair (a draw equal to the centre word is skipped).
          const std::int32_t contextWord = sentence[static_cast<std::size_t>(c)];
          int count = 0;
          targets[static_cast<std::size_t>(count++)] = word;
          for (int d = 0; d < negative; ++d) {
            const std::int32_t t = sh.sampler->sample(rng.next());
            if (t == word) continue;
            targets[static_cast<std::size_t>(count++)] = t;
          }
          float* in = sh.syn0 + static_cast<std::int64_t>(contextWord) * sh.dp;
          const StepStats st = sh.step(in, sh.syn1, sh.dp, targets.data(), count, alpha, *sh.tables, acc.get());
          sentenceLoss += st.loss;
          scoreSum += st.scoreSum;
          sentenceTargets += count;
          ++es.pairs;
        }
      }
      es.loss += sentenceLoss;
      es.targets += sentenceTargets;
      if (reporter) {
        sh.reportLoss += sentenceLoss;
        sh.reportTargets += sentenceTargets;
      }
    }
    if (!std::isfinite(scoreSum)) {
      sh.divergedAt.store(sh.wordCount.load() + chunkWords);
      sh.diverged.store(true);
      sh.stop.store(true);
      return;
    }
    es.endSeconds = std::chrono::duration<double>(Clock::now() - sh.start).count();

    const std::int64_t total = sh.wordCount.fetch_add(chunkWords, std::memory_order_relaxed) + chunkWords;
    alpha = decayedRate(startAlpha, total, totalWords);
    if (sh.cancel->isCancelled()) sh.stop.store(true, std::memory_order_relaxed);
    if (sh.stop.load(std::memory_order_relaxed)) break;
    if (!reporter) continue;
    const auto now = Clock::now();
    if (sh.callbacks->onProgress &&
        std::chrono::duration<double>(now - sh.lastReport).count() >= cfg.progressIntervalSeconds) {
      SkipGramProgress p;
      p.wordsProcessed = total;
      p.wordsTotal = cfg.epochs * sh.trainWords;
      p.epoch = epoch;
      p.learningRate = alpha;
      p.loss = sh.reportTargets > 0 ? sh.reportLoss / double(sh.reportTargets) : 0.0;
      p.seconds = std::chrono::duration<double>(now - sh.start).count();
      p.wordsPerSecond = p.seconds > 0 ? double(total) / p.seconds : 0.0;
      sh.callbacks->onProgress(p);
      sh.lastReport = now;
      sh.reportLoss = 0.0;
      sh.reportTargets = 0;
    }
    if (sh.nextSnapshot > 0 && total >= sh.nextSnapshot && sh.callbacks->onSnapshot) {
      auto snap = std::make_shared<SkipGramSnapshot>();
      snap->embeddings = unpad(sh.syn0, sh.vocab, sh.dim, sh.dp);  // racy by design under Hogwild
      snap->wordsProcessed = total;
      snap->epoch = epoch;
      snap->loss = es.targets > 0 ? es.loss / double(es.targets) : 0.0;
      sh.callbacks->onSnapshot(std::move(snap));
      while (sh.nextSnapshot <= total) sh.nextSnapshot += cfg.snapshotEveryWords;
    }
  }
}

}  // namespace

Matrix uniformSkipGramTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed, float limit) {
  Matrix m(rows, cols);
  Rng rng(seed);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) m(r, c) = rng.uniform(-limit, limit);
  return m;
}

float word2vecInitLimit(std::int64_t outputDim) {
  return static_cast<float>(kWord2VecInitScale / double(std::max<std::int64_t>(outputDim, 1)));
}

Matrix defaultSkipGramTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  return uniformSkipGramTable(rows, cols, seed, word2vecInitLimit(cols));
}

Status validateSkipGramConfig(const SkipGramConfig& c, std::int64_t vocabularySize) {
  auto positive = [](const char* name, std::int64_t v) {
    return Status::invalidArgument(std::string("`") + name + "` must be a positive integer. Received: " + name + "=" +
                                   std::to_string(v));
  };
  if (c.outputDim < 1) return positive("output_dim", c.outputDim);
  if (c.window < 1) return positive("window", c.window);
  if (c.negative < 1) return positive("negative", c.negative);
  if (c.epochs < 1) return positive("epochs", c.epochs);
  if (c.threads < 1) return positive("threads", c.threads);
  if (!(c.sample >= 0.0) || !std::isfinite(c.sample))
    return Status::invalidArgument("`sample` must be a non-negative number. Received: sample=" +
                                   std::to_string(c.sample));
  if (!(c.learningRate > 0.0) || !std::isfinite(c.learningRate))
    return Status::invalidArgument("`learning_rate` must be a positive number. Received: learning_rate=" +
                                   std::to_string(c.learningRate));
  if (!(c.negativePower >= 0.0) || !std::isfinite(c.negativePower))
    return Status::invalidArgument("`negative_power` must be a non-negative number. Received: negative_power=" +
                                   std::to_string(c.negativePower));
  if (c.snapshotEveryWords < 0)
    return Status::invalidArgument("`snapshot_every` must be 0 or positive. Received: " +
                                   std::to_string(c.snapshotEveryWords));
  if (c.initialTable && (c.initialTable->rows() != vocabularySize || c.initialTable->cols() != c.outputDim))
    return Status::invalidArgument("Layer embedding weight shape (" + std::to_string(vocabularySize) + ", " +
                                   std::to_string(c.outputDim) + ") is not compatible with provided weight shape (" +
                                   std::to_string(c.initialTable->rows()) + ", " +
                                   std::to_string(c.initialTable->cols()) + ").");
  return Status::ok();
}

SkipGramState skipGramStateOf(const SkipGramResult& result) {
  return SkipGramState{result.embeddings, result.context, result.position};
}

Status checkSkipGramResume(const SkipGramState& r, std::int64_t vocab, std::int64_t dim, std::int64_t chunksPerEpoch,
                           std::int64_t epochs) {
  auto shape = [](const Matrix& m) { return std::to_string(m.rows()) + " x " + std::to_string(m.cols()); };
  if (r.embeddings.rows() != vocab || r.embeddings.cols() != dim || r.context.rows() != vocab ||
      r.context.cols() != dim)
    return Status::invalidArgument("the checkpoint's tables (" + shape(r.embeddings) + ", " + shape(r.context) +
                                   ") do not fit this run (" + std::to_string(vocab) + " x " + std::to_string(dim) +
                                   ")");
  if (r.position.chunksPerEpoch != chunksPerEpoch || r.position.chunksDone > chunksPerEpoch * epochs ||
      r.position.chunksDone < 0 || r.position.epochSums.size() != static_cast<std::size_t>(epochs))
    return Status::invalidArgument("the checkpoint's corpus cursor (" + std::to_string(r.position.chunksDone) +
                                   " chunks done, " + std::to_string(r.position.chunksPerEpoch) + " per epoch, " +
                                   std::to_string(r.position.epochSums.size()) + " epochs) does not fit this corpus (" +
                                   std::to_string(chunksPerEpoch) + " chunks per epoch, " + std::to_string(epochs) +
                                   " epochs)");
  if (r.position.rngStates.empty()) return Status::invalidArgument("the checkpoint holds no generator state");
  return Status::ok();
}

Result<SkipGramResult> SkipGramTrainer::run(const SkipGramConfig& config, const data::TextCorpus& corpus,
                                            const SkipGramCallbacks& callbacks, const CancelToken& cancel,
                                            const SkipGramState* resumeFrom) {
  const std::int64_t vocab = corpus.vocabulary.size();
  EMBEDSCOPE_TRY(validateSkipGramConfig(config, vocab));
  if (corpus.ids.empty())
    return Status::dataError("the corpus has no word seen at least min_count times: nothing to train on");

  const std::int64_t dim = config.outputDim;
  const std::int64_t dp = (dim + 15) / 16 * 16;
  std::vector<std::size_t> chunkStarts = skipgram_detail::chunkStarts(corpus, skipgram_detail::kWordsPerChunk);
  const std::int64_t chunksPerEpoch = static_cast<std::int64_t>(chunkStarts.size()) - 1;
  const std::int64_t chunkCount = chunksPerEpoch * config.epochs;

  if (resumeFrom) EMBEDSCOPE_TRY(checkSkipGramResume(*resumeFrom, vocab, dim, chunksPerEpoch, config.epochs));

  AlignedFloats syn0 = allocateAligned(static_cast<std::size_t>(vocab * dp));
  AlignedFloats syn1 = allocateAligned(static_cast<std::size_t>(vocab * dp));
  if (!syn0 || !syn1)
    return Status::unavailable("cannot allocate two " + std::to_string(vocab) + " x " + std::to_string(dim) +
                               " tables");
  if (resumeFrom) {
    for (std::int64_t r = 0; r < vocab; ++r) {
      std::memcpy(syn0.get() + r * dp, resumeFrom->embeddings.row(r).data(), sizeof(float) * std::size_t(dim));
      std::memcpy(syn1.get() + r * dp, resumeFrom->context.row(r).data(), sizeof(float) * std::size_t(dim));
    }
  } else {
    const Matrix initial = config.initialTable ? *config.initialTable : defaultSkipGramTable(vocab, dim, config.seed);
    for (std::int64_t r = 0; r < vocab; ++r)
      std::memcpy(syn0.get() + r * dp, initial.row(r).data(), sizeof(float) * std::size_t(dim));
  }

  // Subsampling: word2vec's keep probability, as a 32-bit threshold per word.
  const std::vector<std::uint32_t> keep = skipgram_detail::keepThresholds(corpus, config.sample);
  const std::int64_t trainWords = corpus.keptTokens();
  const NegativeSampler sampler(corpus.vocabulary.frequencies(), config.negativePower);
  static const SigmoidTables tables;

  Shared sh;
  sh.config = &config;
  sh.corpus = &corpus;
  sh.callbacks = &callbacks;
  sh.cancel = &cancel;
  sh.vocab = vocab;
  sh.dim = dim;
  sh.dp = dp;
  sh.syn0 = syn0.get();
  sh.syn1 = syn1.get();
  sh.sampler = &sampler;
  sh.keepThreshold = keep.empty() ? nullptr : keep.data();
  sh.tables = &tables;
  sh.step = pickStep(dp);
  sh.trainWords = trainWords;
  sh.chunkStarts = std::move(chunkStarts);
  const int threads = config.threads;

  std::vector<std::vector<ThreadEpochStats>> stats(
      static_cast<std::size_t>(threads), std::vector<ThreadEpochStats>(static_cast<std::size_t>(config.epochs)));
  for (int t = 0; t < threads; ++t) sh.rngs.push_back(Rng::stream(config.seed, static_cast<std::uint64_t>(t) + 1));
  std::int64_t chunksDone = 0;
  double secondsBefore = 0.0;
  if (resumeFrom) {
    const SkipGramPosition& pos = resumeFrom->position;
    // A thread of the earlier run continues its stream; a thread it did not have starts its own.
    for (std::size_t t = 0; t < sh.rngs.size() && t < pos.rngStates.size(); ++t) sh.rngs[t].setState(pos.rngStates[t]);
    chunksDone = pos.chunksDone;
    secondsBefore = pos.seconds;
    sh.wordCount.store(pos.wordsProcessed);
    // Thread 0 carries the earlier sums, so on one thread each epoch's sum continues the same additions.
    for (std::size_t e = 0; e < pos.epochSums.size(); ++e) {
      ThreadEpochStats& es = stats[0][e];
      es.loss = pos.epochSums[e].loss;
      es.targets = pos.epochSums[e].targets;
      es.pairs = pos.epochSums[e].pairs;
      es.endSeconds = pos.epochSums[e].seconds;
    }
  }
  sh.start = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secondsBefore));
  sh.lastReport = sh.start;
  if (config.snapshotEveryWords > 0) {
    sh.nextSnapshot = config.snapshotEveryWords;
    while (sh.nextSnapshot <= sh.wordCount.load()) sh.nextSnapshot += config.snapshotEveryWords;
  }
  sh.nextChunk.store(chunksDone);

  auto positionNow = [&] {
    SkipGramPosition pos;
    pos.chunksDone = chunksDone;
    pos.chunksPerEpoch = chunksPerEpoch;
    pos.wordsProcessed = sh.wordCount.load();
    pos.seconds = std::chrono::duration<double>(Clock::now() - sh.start).count();
    for (const Rng& g : sh.rngs) pos.rngStates.push_back(g.state());
    pos.epochSums.resize(static_cast<std::size_t>(config.epochs));
    for (std::size_t e = 0; e < pos.epochSums.size(); ++e)
      for (const auto& perThread : stats) {
        pos.epochSums[e].loss += perThread[e].loss;
        pos.epochSums[e].targets += perThread[e].targets;
        pos.epochSums[e].pairs += perThread[e].pairs;
        pos.epochSums[e].seconds = std::max(pos.epochSums[e].seconds, perThread[e].endSeconds);
      }
    return pos;
  };

  // Segments between barriers: each runs the workers over chunks [chunksDone, segmentEnd) and
  // joins them, so a checkpoint never sees an update in flight. One segment when not checkpointing
  // and not paused; a pause ends a segment early (workers take no further chunk) and holds at the
  // barrier; a granted step is a segment of one chunk.
  sh.control = callbacks.control;
  // At a hold: the table as it stands at the barrier (exact, no update in flight), so a caller
  // that steps sees each chunk's effect, then where the run stopped.
  auto reportAtHold = [&] {
    if (callbacks.onSnapshot) {
      auto snap = std::make_shared<SkipGramSnapshot>();
      snap->embeddings = unpad(syn0.get(), vocab, dim, dp);
      snap->wordsProcessed = sh.wordCount.load();
      snap->epoch = static_cast<int>(std::min<std::int64_t>(chunksDone / std::max<std::int64_t>(chunksPerEpoch, 1),
                                                            config.epochs - 1));
      snap->loss = sh.reportTargets > 0 ? sh.reportLoss / double(sh.reportTargets) : 0.0;
      callbacks.onSnapshot(std::move(snap));
    }
    if (!callbacks.onProgress) return;
    SkipGramProgress p;
    p.wordsProcessed = sh.wordCount.load();
    p.wordsTotal = config.epochs * sh.trainWords;
    p.epoch = static_cast<int>(std::min<std::int64_t>(chunksDone / std::max<std::int64_t>(chunksPerEpoch, 1),
                                                      config.epochs - 1));
    p.learningRate = decayedRate(static_cast<float>(config.learningRate), p.wordsProcessed,
                                 double(config.epochs) * double(sh.trainWords) + 1.0);
    p.loss = sh.reportTargets > 0 ? sh.reportLoss / double(sh.reportTargets) : 0.0;
    p.seconds = std::chrono::duration<double>(Clock::now() - sh.start).count();
    p.wordsPerSecond = p.seconds > 0 ? double(p.wordsProcessed) / p.seconds : 0.0;
    p.held = true;
    callbacks.onProgress(p);
    sh.lastReport = Clock::now();
    sh.reportLoss = 0.0;
    sh.reportTargets = 0;
  };
  const bool checkpointing = config.checkpointEveryChunks > 0 && static_cast<bool>(callbacks.onCheckpoint);
  const std::int64_t every = checkpointing ? config.checkpointEveryChunks : chunkCount;
  bool stepping = false;
  Status stoppedBy = Status::ok();
  while (chunksDone < chunkCount && !sh.stop.load()) {
    sh.segmentEnd = std::min(chunkCount, (chunksDone / every + 1) * every);
    if (stepping) sh.segmentEnd = std::min(sh.segmentEnd, chunksDone + 1);
    sh.stepping = stepping;
    std::vector<std::thread> workers;
    for (int t = 1; t < threads; ++t)
      workers.emplace_back(trainThread, std::ref(sh), t, std::ref(stats[std::size_t(t)]));
    trainThread(sh, 0, stats[0]);
    for (auto& w : workers) w.join();
    if (sh.diverged.load()) break;
    chunksDone = std::min(sh.nextChunk.load(), sh.segmentEnd);
    sh.nextChunk.store(chunksDone);
    stepping = false;
    if (checkpointing && chunksDone == sh.segmentEnd && chunksDone % every == 0 && chunksDone < chunkCount) {
      SkipGramState st{unpad(syn0.get(), vocab, dim, dp), unpad(syn1.get(), vocab, dim, dp), positionNow()};
      stoppedBy = callbacks.onCheckpoint(st);
      if (!stoppedBy) break;
    }
    if (sh.control && sh.control->pauseRequested() && chunksDone < chunkCount && !cancel.isCancelled() &&
        !sh.stop.load()) {
      reportAtHold();
      const auto heldSince = Clock::now();
      stepping = sh.control->holdAt(chunksDone, sh.wordCount.load(), cancel) == 1;
      sh.start += Clock::now() - heldSince;  // time held is not training time
      sh.lastReport = Clock::now();
      if (cancel.isCancelled()) sh.stop.store(true);
    }
  }
  if (sh.control) sh.control->finished();

  if (sh.diverged.load())
    return Status::dataError("non-finite loss after " + std::to_string(sh.divergedAt.load()) +
                             " words: training diverged (learning_rate=" + std::to_string(config.learningRate) +
                             " is too high for this table); the run was stopped");
  if (!stoppedBy) return stoppedBy;

  SkipGramResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - sh.start).count();
  result.wordsProcessed = sh.wordCount.load();
  result.cancelled = cancel.isCancelled() && chunksDone < chunkCount;
  result.position = positionNow();
  result.epochs = epochStatsOf(result.position.epochSums, config.epochs, result.cancelled, &result.pairs);
  result.embeddings = unpad(syn0.get(), vocab, dim, dp);
  result.context = unpad(syn1.get(), vocab, dim, dp);
  return result;
}

std::vector<SkipGramEpochStats> epochStatsOf(const std::vector<SkipGramEpochSums>& sums, int epochs, bool cancelled,
                                             std::int64_t* pairs) {
  std::vector<SkipGramEpochStats> out;
  for (int e = 0; e < epochs && e < static_cast<int>(sums.size()); ++e) {
    const SkipGramEpochSums& s = sums[static_cast<std::size_t>(e)];
    if (s.targets == 0 && cancelled) break;
    SkipGramEpochStats es;
    es.epoch = e;
    es.pairs = s.pairs;
    es.seconds = s.seconds;
    es.loss = s.targets > 0 ? s.loss / double(s.targets) : 0.0;
    if (pairs) *pairs += es.pairs;
    out.push_back(es);
  }
  return out;
}

}  // namespace embedscope
