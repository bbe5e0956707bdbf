#pragma once
// Matrix view: the V x D table as a heatmap that scales to large vocabularies, the rows the last
// step looked up highlighted, per-row strips for |delta| of the last update and the gradient norm,
// rows never touched shown cold; under dense Keras Adam the |delta| strip shows untouched rows
// moving too, under lazy updates only the looked-up rows. Below it, the initializer's histogram
// against its formula's density.
#include <QWidget>
#include <functional>
#include <memory>
#include <vector>

#include "engine/core/matrix.h"

class QCPBars;
class QCPGraph;
class QCustomPlot;
class QLabel;
class QSlider;

namespace embedscope::ui::inspect {

class HeatmapWidget;

// One snapshot of the table as the matrix view needs it.
struct MatrixFrame {
  std::shared_ptr<const Matrix> table;
  std::shared_ptr<const Matrix> previous;        // the table one step earlier (for |delta|); may be null
  std::vector<std::int64_t> lastBatchIds;        // every id the last step looked up (duplicates fine)
  std::vector<std::int64_t> gradientRows;        // rows with a gradient in the last step
  std::vector<float> gradientNorms;              // L2 norm per gradientRows entry
  std::vector<float> rowDelta;                   // per row |delta| from the engine (UpdateStats); empty = from previous
  std::vector<std::uint8_t> everTouched;         // per row: looked up at least once so far; empty = unknown
  std::int64_t step = 0;
  bool touchedIsLastStep = true;                 // false: lastBatchIds = rows touched since the previous frame
  QString optimizer;                             // e.g. "adam"
  bool lazy = false;
};

// An initializer's density: its Keras name with arguments, and p(x) on [lo, hi].
struct InitializerDensity {
  QString description;  // "RandomUniform(minval=-0.05, maxval=0.05)"
  std::function<double(double)> pdf;
  double lo = -0.1;
  double hi = 0.1;
};

class MatrixView : public QWidget {
  Q_OBJECT
 public:
  explicit MatrixView(QWidget* parent = nullptr);

  void setFrame(MatrixFrame frame);
  // A training snapshot from the main window's trainer. Rows are "cold" until a snapshot names
  // them (steps between snapshots are not seen), which the summary says.
  void setSnapshot(const std::shared_ptr<const Matrix>& table, const std::vector<std::int64_t>& rowsTouched,
                   const std::vector<float>& rowDelta, std::int64_t step, bool touchedIsLastStep,
                   const QString& optimizer, bool lazy);
  const MatrixFrame& frame() const { return m_frame; }
  // The freshly initialised table and the formula it was drawn from.
  void setInitializer(const Matrix& initialTable, InitializerDensity density);

  HeatmapWidget* heatmap() const { return m_heatmap; }
  // Per row |delta| = ||table - previous||_2 of the last frame (empty without a previous table).
  const std::vector<float>& deltaNorms() const { return m_delta; }
  std::int64_t rowsMoved() const { return m_rowsMoved; }
  std::int64_t untouchedRowsMoved() const { return m_untouchedMoved; }
  // Histogram counts (normalised to a density) and the formula's values at the bin centres.
  const std::vector<double>& histogramDensity() const { return m_histDensity; }
  const std::vector<double>& formulaDensity() const { return m_formulaDensity; }

 private:
  HeatmapWidget* m_heatmap = nullptr;
  QLabel* m_summary = nullptr;
  QLabel* m_hover = nullptr;
  QSlider* m_zoom = nullptr;
  QCustomPlot* m_histogram = nullptr;
  MatrixFrame m_frame;
  std::vector<float> m_delta;
  std::int64_t m_rowsMoved = 0;
  std::int64_t m_untouchedMoved = 0;
  std::vector<double> m_histDensity;
  std::vector<double> m_formulaDensity;
  std::vector<std::uint8_t> m_seenTouched;  // accumulated over snapshots
};

}  // namespace embedscope::ui::inspect
