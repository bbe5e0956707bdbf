#pragma once
// A V x D heatmap that scales to millions of rows: rows are virtualised (only the rows inside the
// viewport are read and painted) and the zoom sets pixels per row, or rows per pixel line when
// zoomed out so far that several rows share one line (then the line shows the row of largest
// magnitude in its bucket, so a single hot row is never averaged away).
//
// Beside the cells it can draw per-row annotation strips (e.g. |delta| of the last update, gradient
// norm) and marks rows as highlighted (looked up by the last step) or cold (never touched).
#include <QAbstractScrollArea>
#include <QColor>
#include <QString>
#include <memory>
#include <vector>

#include "engine/core/matrix.h"

namespace embedscope::ui::inspect {

class HeatmapWidget : public QAbstractScrollArea {
  Q_OBJECT
 public:
  explicit HeatmapWidget(QWidget* parent = nullptr);

  // The table to draw. Shared so a snapshot's table is shown without a copy.
  void setMatrix(std::shared_ptr<const Matrix> matrix);
  const Matrix* matrix() const { return m_matrix.get(); }

  // Colour scale: values in [-limit, limit] map blue..white..red; 0 means "auto" (max |value|).
  void setSymmetricLimit(float limit);
  float effectiveLimit() const { return m_limit; }

  // Rows drawn with a highlight frame (sorted, unique after the call).
  void setHighlightedRows(std::vector<std::int64_t> rows);
  const std::vector<std::int64_t>& highlightedRows() const { return m_highlighted; }
  // Rows drawn hatched as "cold" (never looked up). One flag per row, or empty for none.
  void setColdRows(std::vector<std::uint8_t> cold);

  // A per-row annotation strip drawn right of the cells (one value per row, drawn as a bar
  // scaled to the strip's maximum). Replaces a strip with the same title.
  void setStrip(const QString& title, std::vector<float> values, QColor colour);
  void clearStrips();

  // Zoom: pixels per row when >= 1, or rows per pixel line when the value is negative (-k).
  void setRowPixels(int pixels);
  int rowPixels() const { return m_rowPixels; }
  void setRowsPerLine(int rows);
  int rowsPerLine() const { return m_rowsPerLine; }
  // Fixed column width; turns off fitting the columns to the width (on by default).
  void setColumnPixels(int pixels);
  void zoomIn();
  void zoomOut();

  // Scrolls so that `row` is at the top of the viewport.
  void scrollToRow(std::int64_t row);
  // First row drawn and how many rows the last paint read: the test for virtualisation.
  std::int64_t firstVisibleRow() const;
  std::int64_t lastPaintedRowCount() const { return m_lastPaintedRows; }
  // The row under a viewport position, or -1.
  std::int64_t rowAt(int y) const;

  QSize sizeHint() const override;

 signals:
  void rowHovered(qint64 row);
  void zoomChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  struct Strip {
    QString title;
    std::vector<float> values;
    float max = 0;
    QColor colour;
  };
  std::int64_t rowCount() const;
  std::int64_t lineCount() const;
  int lineHeight() const { return m_rowsPerLine > 1 ? 1 : m_rowPixels; }
  void updateScrollRange();
  void recomputeLimit();
  int cellsWidth() const;

  std::shared_ptr<const Matrix> m_matrix;
  float m_requestedLimit = 0;
  float m_limit = 1;
  std::vector<std::int64_t> m_highlighted;
  std::vector<std::uint8_t> m_cold;
  std::vector<Strip> m_strips;
  int m_rowPixels = 6;
  int m_rowsPerLine = 1;
  int m_columnPixels = 6;
  bool m_fitColumns = true;
  void fitColumns();
  std::int64_t m_lastPaintedRows = 0;
  static constexpr int kHeaderHeight = 18;
  static constexpr int kGutter = 56;  // row numbers
  static constexpr int kStripWidth = 60;
};

// Diverging blue-white-red colour of v / limit (clamped), the map every heatmap here uses.
QColor divergingColour(float v, float limit);

}  // namespace embedscope::ui::inspect
