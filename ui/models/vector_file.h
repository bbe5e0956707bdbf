#pragma once
// Reads a vectors file for the explorer through the engine's io library (every format it knows),
// as the explorer's corpus description and one snapshot.
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
