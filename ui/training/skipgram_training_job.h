#pragma once
// word2vec skip-gram (SGNS) on the `topics` preset as a TrainingJob, so the explorer's buttons
// drive it like the Keras tasks. A "step" is one chunk of ~10,000 corpus words (the trainer's
// barrier), the loss is the SGNS loss, the snapshots are the input table (the Embedding) and the
// corpus rows are the vocabulary's words coloured by their planted topic.
#include <memory>

#include "ui/training/training_job.h"

namespace embedscope::ui {

std::unique_ptr<TrainingJob> makeSkipGramTrainingJob(const LayerSettings& layer, const TaskSettings& task);

}  // namespace embedscope::ui
