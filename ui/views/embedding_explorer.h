#pragma once
// The Embedding view: the projection of every row (PCA or custom axes from two words, 2-D or a
// rotating 3-D), updated live from snapshots with Procrustes-aligned animated transitions;
// colour by cluster / frequency / norm / metadata with a legend and colour-blind-safe palettes;
// labels by any column; search by substring or regex; box / lasso selection, isolate, clear;
// click for neighbours; the trust overlay; padding / OOV excluded (or pinned) by default;
// bookmarks; a timeline of snapshots; export of the chart, the selection and the projector TSVs.
#include "engine/io/session_marks.h"
#include <QWidget>
#include <vector>

#include "ui/controllers/projection_controller.h"
#include "ui/training/training_types.h"
#include "ui/views/embedding_canvas.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QCheckBox;
class QLineEdit;
class QLabel;
class QSlider;
class QTimer;
class QPushButton;
class QWidget;

namespace embedscope::ui {

class NeighboursPanel;

class EmbeddingExplorer : public QWidget {
  Q_OBJECT
 public:
  explicit EmbeddingExplorer(QWidget* parent = nullptr);

  void setCorpus(const CorpusPtr& corpus);
  // A new snapshot from training (or a loaded file): kept on the timeline, shown when following live.
  void addSnapshot(const SnapshotPtr& snapshot);
  void clearSnapshots();

  EmbeddingCanvas* canvas() const { return m_canvas; }
  NeighboursPanel* neighbours() const { return m_neighbours; }
  SnapshotPtr currentSnapshot() const { return m_current; }
  int timelineSize() const { return int(m_timeline.size()); }
  const std::vector<SnapshotPtr>& timeline() const { return m_timeline; }
  CorpusPtr corpus() const { return m_corpus; }
  bool projecting() const { return m_projector->busy(); }
  int projectionsShown() const { return m_projectionsShown; }

  // Search: selects and highlights the points whose label matches; returns how many.
  int search(const QString& text, bool regex);
  std::vector<int> selectedIds() const;
  void selectIds(const std::vector<int>& ids);
  void clearSelection();
  void isolateSelection(bool on);
  void openNeighbours(int id);

  // Export (atomic writes). Return an error message, or empty.
  QString exportChart(const QString& path);
  QString exportSelection(const QString& path);
  QString exportProjectorTsv(const QString& vectorsPath, const QString& metadataPath);

  QString colorBy() const;
  void setColorBy(const QString& mode);
  void setPaletteName(const QString& name);
  void setThreeD(bool on);

  struct Bookmark {
    QString name;
    EmbeddingCanvas::ViewState view;
    QString projection, colorBy, labelBy;
    std::vector<int> selection;
    int timelineIndex;
  };
  void addBookmark(const QString& name);
  void restoreBookmark(int index);
  const QList<Bookmark>& bookmarks() const { return m_bookmarks; }

  // Bookmarks and the selection in the session file's types (engine/io/session_marks.h).
  std::vector<io::SessionBookmark> sessionBookmarks() const;
  std::vector<std::int64_t> sessionSelection() const;
  // Restores both; a selection waits for the next projection when its points are not shown yet.
  void restoreMarks(const std::vector<io::SessionBookmark>& bookmarks, const std::vector<std::int64_t>& selection);

 signals:
  void statusMessage(const QString& text);
  void projected();

 private:
  void requestProjection();
  void onProjected(const ProjectionResult& r, const SnapshotPtr& s, const ProjectionRequest& req);
  void refreshAppearance();
  std::vector<int> excludedIds() const;
  std::vector<int> idsMatching(const QString& text) const;
  void showTimelineIndex(int index);

  CorpusPtr m_corpus;
  SnapshotPtr m_current;
  std::vector<SnapshotPtr> m_timeline;
  ProjectionController* m_projector;
  EmbeddingCanvas* m_canvas;
  NeighboursPanel* m_neighbours;
  QComboBox *m_projection, *m_colorBy, *m_palette, *m_labelBy, *m_selectMode, *m_bookmarkCombo;
  QCheckBox *m_threeD, *m_includeSpecial, *m_trust, *m_regex, *m_live, *m_isolate;
  QLineEdit *m_search, *m_xFrom, *m_xTo, *m_yFrom, *m_yTo;
  QWidget* m_customRow;
  QWidget* m_paramRow;
  QDoubleSpinBox *m_perplexity, *m_minDist;
  QSpinBox* m_neighborsParam;
  QList<QWidget*> m_tsneParams, m_umapParams;
  QLabel *m_searchCount, *m_timelineLabel, *m_info;
  QSlider* m_timelineSlider;
  QTimer* m_rotateTimer;
  QTimer* m_projectTimer;  // coalesces snapshot bursts into one projection
  double m_yaw = 0.4;
  std::vector<int> m_shownIds;
  int m_projectionsShown = 0;
  QList<Bookmark> m_bookmarks;
  std::vector<int> m_pendingSelection;  // from a restored session, applied once its points show
  QString m_lastProjectionKey;
  QString m_lastRequestedKey;
};

}  // namespace embedscope::ui
