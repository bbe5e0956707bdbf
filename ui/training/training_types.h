#pragma once
// Values that cross from the training worker to the GUI thread: progress (copied), immutable
// snapshots of the table (shared, never mutated after creation) and the corpus description.
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "engine/core/matrix.h"

namespace embedscope::ui {

struct TrainingProgress {
  long long step = 0;
  long long maxSteps = 0;
  double loss = 0.0;        // mean training loss since the previous report
  double metric = 0.0;      // accuracy (classify) or mae (regression), same window
  bool hasFigures = true;   // false: loss/metric repeat older figures (a report while held), no new point
  bool hasValidation = false;  // valLoss/valMetric are set (every report, or at epoch ends)
  double valLoss = 0.0;
  double valMetric = 0.0;
  double stepsPerSecond = 0.0;
  double samplesPerSecond = 0.0;
  double etaSeconds = -1.0;  // -1 = unknown
  QString metricName;
  bool running = false;
  bool paused = false;  // the run holds before its next step (reported once on pausing)
  bool finished = false;
};

// The rows of the table at one step. Built on the worker, read anywhere, never changed.
struct EmbeddingSnapshot {
  long long step = 0;
  double loss = 0.0;
  Matrix table;                   // (input_dim, output_dim)
  std::vector<unsigned char> touched;  // rows updated since the previous snapshot (1 = touched)
};
using SnapshotPtr = std::shared_ptr<const EmbeddingSnapshot>;

// What each row means: token text, frequency in the training corpus, and metadata columns.
struct CorpusInfo {
  QStringList tokens;                 // tokens[id]; id 0 = padding, id 1 = out-of-vocabulary
  std::vector<long long> frequency;   // occurrences in the training corpus
  std::vector<int> cluster;           // planted class of each token (-1 = none)
  QStringList clusterNames;           // name of each class (empty: "class k")
  std::vector<int> specialRows{0, 1}; // padding / OOV rows, pinned and excluded by default
  QStringList metadataColumns;        // extra columns, e.g. "class"
  std::vector<QStringList> metadata;  // metadata[column][id]
  QString description;
};
using CorpusPtr = std::shared_ptr<const CorpusInfo>;

}  // namespace embedscope::ui

Q_DECLARE_METATYPE(embedscope::ui::TrainingProgress)
Q_DECLARE_METATYPE(embedscope::ui::SnapshotPtr)
Q_DECLARE_METATYPE(embedscope::ui::CorpusPtr)
