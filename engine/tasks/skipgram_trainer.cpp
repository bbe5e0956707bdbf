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

namespace embedscope {
namespace {

using Clock = std::chrono::steady_clock;
using skipgram_detail::SigmoidTables;
using skipgram_detail::StepStats;

// Words between two updates of the shared word count, the learning rate and the cancel check
// (word2vec updates alpha every 10,000 words too).
constexpr std::int64_t kWordsPerCheckpoint = 10000;

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

// Walker's alias method over unigram^0.75 (Vose's construction): one 64-bit draw, one 8-byte
// lookup per negative, exact probabilities, and a table of V entries that stays in cache where
// word2vec's 10^8-entry table would miss on nearly every draw.
class NegativeSampler {
 public:
  explicit NegativeSampler(const std::vector<std::int64_t>& frequencies) {
    const std::size_t n = frequencies.size();
    m_entries.resize(n);
    std::vector<double> scaled(n);
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) total += std::pow(static_cast<double>(frequencies[i]), 0.75);
    for (std::size_t i = 0; i < n; ++i)
      scaled[i] = i < data::Vocabulary::kReserved ? 0.0 : std::pow(double(frequencies[i]), 0.75) / total * double(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t i = n; i-- > 0;) (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back();
      small.pop_back();
      const std::uint32_t l = large.back();
      m_entries[s] = {toThreshold(scaled[s]), static_cast<std::int32_t>(l)};
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Leftovers are 1 up to rounding. A reserved id can only be left over when every weight is 0,
    // which the trainer rules out before building the sampler.
    for (std::uint32_t i : large) m_entries[i] = {0xFFFFFFFFu, static_cast<std::int32_t>(i)};
    for (std::uint32_t i : small) m_entries[i] = {0xFFFFFFFFu, static_cast<std::int32_t>(i)};
  }

  std::int32_t sample(std::uint64_t r) const {
    const auto idx = static_cast<std::uint32_t>(((r >> 32) * m_entries.size()) >> 32);
    const Entry& e = m_entries[idx];
    return static_cast<std::uint32_t>(r) < e.threshold ? static_cast<std::int32_t>(idx) : e.alias;
  }

 private:
  struct Entry {
    std::uint32_t threshold;
    std::int32_t alias;
  };
  static std::uint32_t toThreshold(double p) {
    const double t = std::floor(p * 4294967296.0);
    return t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(std::max(0.0, t));
  }
  std::vector<Entry> m_entries;
};

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
    case 1: return &stepAvx512<1>;
    case 2: return &stepAvx512<2>;
    case 3: return &stepAvx512<3>;
    case 4: return &stepAvx512<4>;
    case 5: return &stepAvx512<5>;
    case 6: return &stepAvx512<6>;
    case 7: return &stepAvx512<7>;
    case 8: return &stepAvx512<8>;
    default: break;
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
  std::int64_t trainWords = 0;  // kept tokens per epoch
  std::atomic<std::int64_t> wordCount{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> diverged{false};
  std::atomic<std::int64_t> divergedAt{0};
  Clock::time_point start;
};

Matrix unpad(const float* rows, std::int64_t vocab, std::int64_t dim, std::int64_t dp) {
  Matrix m(vocab, dim);
  for (std::int64_t r = 0; r < vocab; ++r) std::memcpy(m.row(r).data(), rows + r * dp, sizeof(float) * std::size_t(dim));
  return m;
}

void trainThread(Shared& sh, int thread, std::size_t firstSentence, std::size_t lastSentence,
                 std::vector<ThreadEpochStats>& epochStats) {
  const SkipGramConfig& cfg = *sh.config;
  const data::TextCorpus& corpus = *sh.corpus;
  Rng rng = Rng::stream(cfg.seed, static_cast<std::uint64_t>(thread) + 1);
  const float startAlpha = static_cast<float>(cfg.learningRate);
  const double totalWords = double(cfg.epochs) * double(sh.trainWords) + 1.0;
  float alpha = startAlpha;
  std::vector<std::int32_t> sentence;
  sentence.reserve(1024);
  std::vector<std::int32_t> targets(static_cast<std::size_t>(cfg.negative) + 1);
  AlignedFloats acc = allocateAligned(static_cast<std::size_t>(sh.dp));
  const bool reporter = thread == 0;
  std::int64_t localSinceCheckpoint = 0;
  Clock::time_point lastReport = sh.start;
  double reportLoss = 0.0;
  std::int64_t reportTargets = 0;
  std::int64_t nextSnapshot = cfg.snapshotEveryWords > 0 ? cfg.snapshotEveryWords : -1;
  const int window = cfg.window;
  const int negative = cfg.negative;

  for (int epoch = 0; epoch < cfg.epochs && !sh.stop.load(std::memory_order_relaxed); ++epoch) {
    ThreadEpochStats& es = epochStats[static_cast<std::size_t>(epoch)];
    for (std::size_t s = firstSentence; s < lastSentence; ++s) {
      const std::size_t begin = s == 0 ? 0 : corpus.sentenceEnds[s - 1];
      const std::size_t end = corpus.sentenceEnds[s];
      sentence.clear();
      for (std::size_t i = begin; i < end; ++i) {
        const std::int32_t w = corpus.ids[i];
        if (sh.keepThreshold && static_cast<std::uint32_t>(rng.next()) >= sh.keepThreshold[w]) continue;
        sentence.push_back(w);
      }
      localSinceCheckpoint += static_cast<std::int64_t>(end - begin);

      const int len = static_cast<int>(sentence.size());
      float scoreSum = 0.0f;
      double sentenceLoss = 0.0;
      std::int64_t sentenceTargets = 0;
      for (int pos = 0; pos < len; ++pos) {
        const std::int32_t word = sentence[static_cast<std::size_t>(pos)];
        const int b = static_cast<int>(rng.below(static_cast<std::uint64_t>(window)));
        // The targets (centre word, then its negatives) are the same draw order as word2vec's:
        // fresh negatives for every context word.
        const int lo = std::max(0, pos - window + b);
        const int hi = std::min(len - 1, pos + window - b);
        for (int c = lo; c <= hi; ++c) {
          if (c == pos) continue;
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
      reportLoss += sentenceLoss;
      reportTargets += sentenceTargets;
      if (!std::isfinite(scoreSum)) {
        sh.divergedAt.store(sh.wordCount.load() + localSinceCheckpoint);
        sh.diverged.store(true);
        sh.stop.store(true);
        return;
      }

      if (localSinceCheckpoint >= kWordsPerCheckpoint) {
        const std::int64_t total = sh.wordCount.fetch_add(localSinceCheckpoint, std::memory_order_relaxed) + localSinceCheckpoint;
        localSinceCheckpoint = 0;
        alpha = startAlpha * static_cast<float>(std::max(1e-4, 1.0 - double(total) / totalWords));
        if (sh.cancel->isCancelled()) sh.stop.store(true, std::memory_order_relaxed);
        if (sh.stop.load(std::memory_order_relaxed)) break;
        if (reporter) {
          const auto now = Clock::now();
          if (sh.callbacks->onProgress &&
              std::chrono::duration<double>(now - lastReport).count() >= cfg.progressIntervalSeconds) {
            SkipGramProgress p;
            p.wordsProcessed = total;
            p.wordsTotal = cfg.epochs * sh.trainWords;
            p.epoch = epoch;
            p.learningRate = alpha;
            p.loss = reportTargets > 0 ? reportLoss / double(reportTargets) : 0.0;
            p.seconds = std::chrono::duration<double>(now - sh.start).count();
            p.wordsPerSecond = p.seconds > 0 ? double(total) / p.seconds : 0.0;
            sh.callbacks->onProgress(p);
            lastReport = now;
            reportLoss = 0.0;
            reportTargets = 0;
          }
          if (nextSnapshot > 0 && total >= nextSnapshot && sh.callbacks->onSnapshot) {
            auto snap = std::make_shared<SkipGramSnapshot>();
            snap->embeddings = unpad(sh.syn0, sh.vocab, sh.dim, sh.dp);  // racy by design under Hogwild
            snap->wordsProcessed = total;
            snap->epoch = epoch;
            snap->loss = es.targets > 0 ? es.loss / double(es.targets) : 0.0;
            sh.callbacks->onSnapshot(std::move(snap));
            while (nextSnapshot <= total) nextSnapshot += cfg.snapshotEveryWords;
          }
        }
      }
    }
    es.endSeconds = std::chrono::duration<double>(Clock::now() - sh.start).count();
  }
  sh.wordCount.fetch_add(localSinceCheckpoint, std::memory_order_relaxed);
}

}  // namespace

Matrix defaultSkipGramTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  Matrix m(rows, cols);
  Rng rng(seed);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) m(r, c) = rng.uniform(-0.05f, 0.05f);
  return m;
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
    return Status::invalidArgument("`sample` must be a non-negative number. Received: sample=" + std::to_string(c.sample));
  if (!(c.learningRate > 0.0) || !std::isfinite(c.learningRate))
    return Status::invalidArgument("`learning_rate` must be a positive number. Received: learning_rate=" +
                                   std::to_string(c.learningRate));
  if (c.snapshotEveryWords < 0)
    return Status::invalidArgument("`snapshot_every` must be 0 or positive. Received: " + std::to_string(c.snapshotEveryWords));
  if (c.initialTable && (c.initialTable->rows() != vocabularySize || c.initialTable->cols() != c.outputDim))
    return Status::invalidArgument("Layer embedding weight shape (" + std::to_string(vocabularySize) + ", " +
                                   std::to_string(c.outputDim) + ") is not compatible with provided weight shape (" +
                                   std::to_string(c.initialTable->rows()) + ", " +
                                   std::to_string(c.initialTable->cols()) + ").");
  return Status::ok();
}

Result<SkipGramResult> SkipGramTrainer::run(const SkipGramConfig& config, const data::TextCorpus& corpus,
                                            const SkipGramCallbacks& callbacks, const CancelToken& cancel) {
  const std::int64_t vocab = corpus.vocabulary.size();
  EMBEDSCOPE_TRY(validateSkipGramConfig(config, vocab));
  if (corpus.ids.empty())
    return Status::dataError("the corpus has no word seen at least min_count times: nothing to train on");

  const std::int64_t dim = config.outputDim;
  const std::int64_t dp = (dim + 15) / 16 * 16;
  AlignedFloats syn0 = allocateAligned(static_cast<std::size_t>(vocab * dp));
  AlignedFloats syn1 = allocateAligned(static_cast<std::size_t>(vocab * dp));
  if (!syn0 || !syn1) return Status::unavailable("cannot allocate two " + std::to_string(vocab) + " x " +
                                                 std::to_string(dim) + " tables");
  const Matrix initial = config.initialTable ? *config.initialTable : defaultSkipGramTable(vocab, dim, config.seed);
  for (std::int64_t r = 0; r < vocab; ++r) std::memcpy(syn0.get() + r * dp, initial.row(r).data(), sizeof(float) * std::size_t(dim));

  // Subsampling: word2vec's keep probability, as a 32-bit threshold per word.
  std::vector<std::uint32_t> keep;
  const std::int64_t trainWords = corpus.keptTokens();
  if (config.sample > 0.0) {
    keep.resize(static_cast<std::size_t>(vocab));
    const double sN = config.sample * double(trainWords);
    for (std::int64_t w = 0; w < vocab; ++w) {
      const double cn = double(corpus.vocabulary.frequency(static_cast<std::int32_t>(w)));
      const double p = cn > 0 ? (std::sqrt(cn / sN) + 1.0) * sN / cn : 1.0;
      keep[static_cast<std::size_t>(w)] = p >= 1.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(p * 4294967296.0);
    }
  }
  const NegativeSampler sampler(corpus.vocabulary.frequencies());
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
  sh.start = Clock::now();

  // Slices of about equal token counts, whole sentences each.
  const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(config.threads), corpus.sentenceCount()));
  std::vector<std::size_t> bounds{0};
  for (int t = 1; t < threads; ++t) {
    const std::uint64_t target = static_cast<std::uint64_t>(double(trainWords) * t / threads);
    bounds.push_back(static_cast<std::size_t>(
        std::lower_bound(corpus.sentenceEnds.begin(), corpus.sentenceEnds.end(), target) - corpus.sentenceEnds.begin()));
  }
  bounds.push_back(corpus.sentenceCount());

  std::vector<std::vector<ThreadEpochStats>> stats(static_cast<std::size_t>(threads),
                                                   std::vector<ThreadEpochStats>(static_cast<std::size_t>(config.epochs)));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t)
    workers.emplace_back(trainThread, std::ref(sh), t, bounds[std::size_t(t)], bounds[std::size_t(t) + 1],
                         std::ref(stats[std::size_t(t)]));
  trainThread(sh, 0, bounds[0], bounds[1], stats[0]);
  for (auto& w : workers) w.join();

  if (sh.diverged.load())
    return Status::dataError("non-finite loss after " + std::to_string(sh.divergedAt.load()) +
                             " words: training diverged (learning_rate=" + std::to_string(config.learningRate) +
                             " is too high for this table); the run was stopped");

  SkipGramResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - sh.start).count();
  result.wordsProcessed = sh.wordCount.load();
  result.cancelled = cancel.isCancelled();
  for (int e = 0; e < config.epochs; ++e) {
    SkipGramEpochStats es;
    es.epoch = e;
    double loss = 0.0;
    std::int64_t targets = 0;
    for (const auto& perThread : stats) {
      const ThreadEpochStats& s = perThread[static_cast<std::size_t>(e)];
      loss += s.loss;
      targets += s.targets;
      es.pairs += s.pairs;
      es.seconds = std::max(es.seconds, s.endSeconds);
    }
    if (targets == 0 && result.cancelled) break;
    es.loss = targets > 0 ? loss / double(targets) : 0.0;
    result.pairs += es.pairs;
    result.epochs.push_back(es);
  }
  result.embeddings = unpad(syn0.get(), vocab, dim, dp);
  result.context = unpad(syn1.get(), vocab, dim, dp);
  return result;
}

}  // namespace embedscope
