#pragma once
// Reads a vectors file for the explorer until the engine's io library takes over: word2vec /
// fastText text (optional "N D" header, then "token v1 ... vD") and the projector's TSV (numbers
// only, with metadata.tsv next to it when present).
#include <QString>

#include "ui/training/training_types.h"

namespace embedscope::ui {

struct LoadedVectors {
  CorpusPtr corpus;
  SnapshotPtr snapshot;
  QString error;  // with the file and line
};

LoadedVectors readVectorFile(const QString& path);

}  // namespace embedscope::ui
