#pragma once
// Skip-gram checkpoints in the session file format, with checkpoint.h's keys where they mean the
// same thing: weights/embeddings (the input table, the Embedding), task/context (word2vec's
// syn1neg), progress/epoch, progress/step (chunks of the epochs x chunks cursor done),
// progress/step_in_epoch, history (completed epochs), manifest and vocabulary; then what only a
// Hogwild SGNS run has: task/rng (threads x 6 uint64: each thread's generator), task/cursor
// (int64: chunks done, chunks per epoch, words processed = the learning-rate position),
// task/epoch_sums (uint64 per epoch: loss-sum bits, targets, pairs, seconds bits), task/seconds,
// and config/task, the configuration a resume must repeat (the learning-rate schedule, windows
// and negatives depend on all of it).
#include <string>

#include "engine/data/vocabulary.h"
#include "engine/io/session_file.h"
#include "engine/tasks/skipgram_config.h"
#include "engine/tasks/skipgram_trainer.h"

namespace embedscope::session {

// Where the skip-gram configuration is kept (also under config/task, unless a caller such as the
// window stores its own settings there).
inline constexpr const char* kSkipGramConfigKey = "config/skipgram";

// The configuration that decides a run's arithmetic (threads excluded: Hogwild may resume on
// another count), as JSON.
std::string skipGramConfigJson(const SkipGramConfig& config);

io::SessionFile skipGramCheckpoint(const SkipGramState& state, const SkipGramConfig& config,
                                   const data::Vocabulary& vocabulary, const std::string& manifestJson);

// InvalidArgument when the checkpoint was made with another configuration or vocabulary (naming
// both), DataError when it is not a skip-gram checkpoint or is inconsistent.
Result<SkipGramState> skipGramStateFromCheckpoint(const io::SessionFile& file, const SkipGramConfig& config,
                                                  const data::Vocabulary& vocabulary);

}  // namespace embedscope::session
