#pragma once
// Nearest neighbours of the clicked point in the original space (cosine or euclidean, with a
// distance bar per neighbour) and word analogies (a is to b as c is to ?).
#include <QWidget>
#include <vector>

#include "ui/training/training_types.h"

class QTreeWidget;
class QSpinBox;
class QComboBox;
class QLineEdit;
class QLabel;

namespace embedscope::ui {

struct Neighbour {
  int id;
  float distance;
};

// k nearest rows to `query` (a vector), skipping `skip` ids; cosine distance = 1 - cos.
std::vector<Neighbour> nearestRows(const Matrix& table, const Eigen::RowVectorXf& query, int k, bool cosine,
                                   const std::vector<int>& skip);

class NeighboursPanel : public QWidget {
  Q_OBJECT
 public:
  explicit NeighboursPanel(QWidget* parent = nullptr);
  void setData(const SnapshotPtr& snapshot, const CorpusPtr& corpus, const std::vector<int>& excluded);
  void showNeighbours(int id);
  int currentId() const { return m_id; }
  const std::vector<Neighbour>& neighbours() const { return m_result; }

 signals:
  void neighbourActivated(int id);

 private:
  void recompute();
  void runAnalogy();
  int idOf(const QString& token) const;

  SnapshotPtr m_snapshot;
  CorpusPtr m_corpus;
  std::vector<int> m_excluded;
  int m_id = -1;
  std::vector<Neighbour> m_result;
  QLabel* m_title;
  QSpinBox* m_k;
  QComboBox* m_metric;
  QTreeWidget* m_list;
  QLineEdit *m_a, *m_b, *m_c;
  QTreeWidget* m_analogy;
};

}  // namespace embedscope::ui
