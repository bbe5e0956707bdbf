#pragma once
// Two embeddings side by side (two snapshots of a run, a run and a file, CPU and Vulkan runs):
// each projected with PCA, the second aligned to the first by Procrustes, both coloured by how
// much of each token's k-nearest-neighbour set (cosine, original space) survives from A to B,
// with the tokens whose neighbourhoods changed most listed.
#include <QWidget>
#include <vector>

#include "ui/training/training_types.h"

class QComboBox;
class QTreeWidget;
class QLabel;
class QSpinBox;

namespace embedscope::ui {

class EmbeddingCanvas;

// For each row of `rows`: |kNN_a(r) ∩ kNN_b(r)| / k, neighbours among `rows`, cosine.
std::vector<float> neighbourhoodOverlap(const Matrix& a, const Matrix& b, const std::vector<int>& rows, int k);

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);
  // The snapshots offered on both sides (the explorer's timeline, newest last).
  void setSnapshots(const std::vector<SnapshotPtr>& snapshots, const CorpusPtr& corpus);
  // Compares snapshot indices a and b now.
  void compare(int a, int b);
  const std::vector<float>& overlap() const { return m_overlap; }
  EmbeddingCanvas* left() const { return m_left; }
  EmbeddingCanvas* right() const { return m_right; }

 private:
  void refresh();

  std::vector<SnapshotPtr> m_snapshots;
  CorpusPtr m_corpus;
  QComboBox *m_a, *m_b;
  QSpinBox* m_k;
  EmbeddingCanvas *m_left, *m_right;
  QTreeWidget* m_changes;
  QLabel* m_summary;
  std::vector<float> m_overlap;
};

}  // namespace embedscope::ui
