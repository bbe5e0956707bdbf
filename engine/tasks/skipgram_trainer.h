#pragma once
// Trains word2vec's skip-gram with negative sampling on a TextCorpus, on the CPU, with word2vec's
// semantics:
// - the input matrix (syn0) is the Embedding table: row `id` is the vector of vocabulary id `id`;
//   the context (output) matrix (syn1neg) starts at zero, as in word2vec;
// - for each centre word and each context word within a dynamically reduced window (b drawn in
//   [0, window), the window used is window - b), the context word's input row is trained to
//   predict the centre word (label 1) and `negative` words drawn from unigram^0.75 (label 0), a
//   draw equal to the centre word being skipped;
// - frequent-word subsampling keeps a word with probability (sqrt(f/(s·N)) + 1)·(s·N)/f;
// - the learning rate decays linearly with words processed to learningRate·1e-4 (floor);
// - threads update the shared tables without locks (Hogwild), taking ~10,000-word chunks of
//   the corpus from one cursor over epochs x chunks (so they share the learning-rate schedule);
//   one thread with a seed gives bit-identical results.
//
// Checkpoints and resume. Skip-gram is not a tasks::Task driven by session::Trainer: that
// interface is one optimizer step per batch through a Backend (gather, row-sparse gradient,
// optimizer slots), while Hogwild SGNS is threads writing both tables in place between chunk
// boundaries with word2vec's own schedule and no optimizer state. So the trainer keeps its own
// loop but honours the Trainer's contract: progress at most every progressIntervalSeconds,
// immutable snapshots every N words, cancel, a non-finite loss as a named DataError, and a
// SkipGramState at every chunk barrier (onCheckpoint every checkpointEveryChunks chunks, and in the
// result) from which run() continues exactly. The barrier is real: the workers run the chunks up to
// the next checkpoint and are joined before the state is read, so with several threads too the
// state is consistent (whole chunks, no update in flight). On one thread an interrupted and
// resumed run is bit-identical to an uninterrupted one: the state holds both tables, the corpus
// cursor (chunks done), the words processed (the learning-rate position), every thread's RNG
// state and the per-epoch loss sums.
// The sigmoid comes from a precomputed table over [-6, 6] (word2vec's MAX_EXP), saturating outside.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/core/cancel_token.h"
#include "engine/core/matrix.h"
#include "engine/core/rng.h"
#include "engine/core/status.h"
#include "engine/data/text_corpus.h"
#include "engine/tasks/skipgram_config.h"
#include "engine/tasks/skipgram_control.h"

namespace embedscope {

struct SkipGramProgress {
  std::int64_t wordsProcessed = 0;  // corpus words read so far, all threads, all epochs (before subsampling)
  std::int64_t wordsTotal = 0;      // epochs × kept corpus tokens
  int epoch = 0;                    // 0-based epoch of the reporting thread
  double learningRate = 0.0;        // the current, decayed rate
  double loss = 0.0;                // mean SGNS loss per (pair, target) since the last report
  double seconds = 0.0;             // since the run started
  double wordsPerSecond = 0.0;
  bool held = false;                // reported at a pause barrier (SkipGramControl): whole chunks done
  double fraction() const { return wordsTotal > 0 ? double(wordsProcessed) / double(wordsTotal) : 1.0; }
};

// An immutable copy of the input table taken during training (rows touched so far: all words seen).
struct SkipGramSnapshot {
  Matrix embeddings;  // V × D
  std::int64_t wordsProcessed = 0;
  int epoch = 0;
  double loss = 0.0;
};

struct SkipGramEpochSums {
  double loss = 0.0;         // summed (not averaged) SGNS loss over the epoch's targets
  std::int64_t targets = 0;  // (pair, target) terms in `loss`
  std::int64_t pairs = 0;
  double seconds = 0.0;      // run wall time when the epoch's last chunk ended (resumed runs continue it)
};

// Where a run stands at a chunk barrier (the tables travel beside it in SkipGramState).
struct SkipGramPosition {
  std::int64_t chunksDone = 0;       // cursor over epochs x chunks: chunks [0, chunksDone) are trained
  std::int64_t chunksPerEpoch = 0;   // of this corpus (a resume checks it)
  std::int64_t wordsProcessed = 0;   // corpus words of those chunks: the learning-rate position
  double seconds = 0.0;              // training wall time so far
  std::vector<Rng::State> rngStates;  // thread t's generator (Rng::stream(seed, t + 1) at the start)
  std::vector<SkipGramEpochSums> epochSums;  // one per epoch of the run
  // The epoch the cursor is in (epochs when done) and the chunks done in it.
  std::int64_t epoch() const { return chunksPerEpoch > 0 ? chunksDone / chunksPerEpoch : 0; }
  std::int64_t chunkInEpoch() const { return chunksPerEpoch > 0 ? chunksDone % chunksPerEpoch : 0; }
};

struct SkipGramState {
  Matrix embeddings;  // V × D input table
  Matrix context;     // V × D context table (syn1neg)
  SkipGramPosition position;
};

struct SkipGramCallbacks {
  // Both are called on the training thread (thread 0), so they must be quick and thread-safe
  // with respect to the caller; they never run concurrently with each other.
  std::function<void(const SkipGramProgress&)> onProgress;
  std::function<void(std::shared_ptr<const SkipGramSnapshot>)> onSnapshot;
  // Every SkipGramConfig::checkpointEveryChunks chunks, at a barrier (no worker running), on the
  // thread that called run(). A failing status stops the run with it.
  std::function<Status(const SkipGramState&)> onCheckpoint;
  // Pause / resume / single-step (one chunk), honoured at chunk barriers; at every hold the run
  // sends a snapshot of the table at the barrier (onSnapshot) and reports progress (onProgress,
  // held = true) so a caller sees where it stopped. Not owned; may be null.
  SkipGramControl* control = nullptr;
};

struct SkipGramEpochStats {
  int epoch = 0;
  double loss = 0.0;       // mean loss per (pair, target) over the epoch, all threads
  double seconds = 0.0;    // wall time when the last thread finished this epoch
  std::int64_t pairs = 0;  // (centre, context) pairs trained
};

// The per-epoch figures of a run from its epoch sums (a cancelled run stops at its first epoch
// without targets); adds each epoch's pairs to *pairs. Shared by the CPU and Vulkan trainers.
std::vector<SkipGramEpochStats> epochStatsOf(const std::vector<SkipGramEpochSums>& sums, int epochs, bool cancelled,
                                             std::int64_t* pairs);

struct SkipGramResult {
  Matrix embeddings;  // V × D input table (the Embedding's weights)
  Matrix context;     // V × D output table (word2vec's syn1neg)
  std::vector<SkipGramEpochStats> epochs;
  std::int64_t wordsProcessed = 0;
  std::int64_t pairs = 0;
  double seconds = 0.0;    // training only (the corpus is already built)
  bool cancelled = false;  // the cancel token fired: tables hold the state at that moment
  SkipGramPosition position;  // where the run stopped (a chunk barrier): with the tables, a resumable state
};

class SkipGramTrainer {
 public:
  // Runs to completion or cancellation. Errors: InvalidArgument for a bad config (validated
  // against the corpus's vocabulary size), DataError when the loss stops being finite (the
  // learning rate is too high for the table); an empty corpus is a DataError too.
  // With `resumeFrom`, the run continues from that state (same corpus and config; the config's
  // initialTable is ignored). InvalidArgument when its shapes or cursor do not fit this corpus.
  Result<SkipGramResult> run(const SkipGramConfig& config, const data::TextCorpus& corpus,
                             const SkipGramCallbacks& callbacks = {}, const CancelToken& cancel = {},
                             const SkipGramState* resumeFrom = nullptr);
};

// The result as a resumable state (copies the tables).
SkipGramState skipGramStateOf(const SkipGramResult& result);

// Whether a saved state can continue a run of this shape (vocab x dim tables, the corpus's chunks
// per epoch, the config's epochs): InvalidArgument naming what does not fit. Every engine's
// resume runs it.
Status checkSkipGramResume(const SkipGramState& state, std::int64_t vocab, std::int64_t dim,
                           std::int64_t chunksPerEpoch, std::int64_t epochs);

// The skip-gram task's default start for the input table: word2vec's own, uniform in
// [-0.5/D, 0.5/D) (word2vec.c's `(rand/65536 - 0.5) / layer1_size`), drawn row-major from
// Rng(seed); used when SkipGramConfig::initialTable is absent. Why not Keras's default
// RandomUniform(-0.05, 0.05): SGNS moves a row by lr x (a context row that starts at zero), so
// the first epochs' updates are small against a ±0.05 start and the random start stays in the
// trained vectors as noise (topics analogies 0.93–0.95 against 0.97–0.99 with a ±1/D-scale start;
// docs/benchmarks/skipgram.md). The limit is kWord2VecInitScale / D.
inline constexpr double kWord2VecInitScale = 0.5;
float word2vecInitLimit(std::int64_t outputDim);
Matrix defaultSkipGramTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed);
// RandomUniform(-limit, limit) the same way (fastText's own start is limit = 1/D).
Matrix uniformSkipGramTable(std::int64_t rows, std::int64_t cols, std::uint64_t seed, float limit);

}  // namespace embedscope
