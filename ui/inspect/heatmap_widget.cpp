#include "ui/inspect/heatmap_widget.h"

#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace embedscope::ui::inspect {

QColor divergingColour(float v, float limit) {
  if (!std::isfinite(v)) return QColor(40, 200, 40);  // non-finite shows green: never blends in
  float t = limit > 0 ? std::clamp(v / limit, -1.0f, 1.0f) : 0.0f;
  // White at 0, to (33,102,172) at -1 and (178,24,43) at +1 (ColorBrewer RdBu ends).
  auto mix = [](int a, int b, float f) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  if (t >= 0) return QColor(mix(247, 178, t), mix(247, 24, t), mix(247, 43, t));
  float f = -t;
  return QColor(mix(247, 33, f), mix(247, 102, f), mix(247, 172, f));
}

HeatmapWidget::HeatmapWidget(QWidget* parent) : QAbstractScrollArea(parent) {
  setObjectName("heatmap");
  setMouseTracking(true);
  viewport()->setMouseTracking(true);
  horizontalScrollBar()->setSingleStep(20);
  verticalScrollBar()->setSingleStep(1);
  connect(verticalScrollBar(), &QScrollBar::valueChanged, viewport(), qOverload<>(&QWidget::update));
  connect(horizontalScrollBar(), &QScrollBar::valueChanged, viewport(), qOverload<>(&QWidget::update));
}

void HeatmapWidget::setMatrix(std::shared_ptr<const Matrix> matrix) {
  m_matrix = std::move(matrix);
  recomputeLimit();
  updateScrollRange();
  viewport()->update();
}

void HeatmapWidget::setSymmetricLimit(float limit) {
  m_requestedLimit = limit;
  recomputeLimit();
  viewport()->update();
}

void HeatmapWidget::recomputeLimit() {
  if (m_requestedLimit > 0) {
    m_limit = m_requestedLimit;
    return;
  }
  float m = 0;
  if (m_matrix && m_matrix->size() > 0) {
    // maxCoeff over |x| ignoring non-finite values, so one NaN does not wash the scale out.
    const float* p = m_matrix->data();
    for (Eigen::Index i = 0; i < m_matrix->size(); ++i)
      if (std::isfinite(p[i])) m = std::max(m, std::fabs(p[i]));
  }
  m_limit = m > 0 ? m : 1.0f;
}

void HeatmapWidget::setHighlightedRows(std::vector<std::int64_t> rows) {
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  m_highlighted = std::move(rows);
  viewport()->update();
}

void HeatmapWidget::setColdRows(std::vector<std::uint8_t> cold) {
  m_cold = std::move(cold);
  viewport()->update();
}

void HeatmapWidget::setStrip(const QString& title, std::vector<float> values, QColor colour) {
  Strip s{title, std::move(values), 0, colour};
  for (float v : s.values)
    if (std::isfinite(v)) s.max = std::max(s.max, std::fabs(v));
  for (auto& existing : m_strips)
    if (existing.title == title) {
      existing = std::move(s);
      updateScrollRange();
      viewport()->update();
      return;
    }
  m_strips.push_back(std::move(s));
  updateScrollRange();
  viewport()->update();
}

void HeatmapWidget::clearStrips() {
  m_strips.clear();
  updateScrollRange();
  viewport()->update();
}

void HeatmapWidget::setRowPixels(int pixels) {
  m_rowPixels = std::clamp(pixels, 1, 48);
  m_rowsPerLine = 1;
  updateScrollRange();
  viewport()->update();
  emit zoomChanged();
}

void HeatmapWidget::setRowsPerLine(int rows) {
  m_rowsPerLine = std::max(1, rows);
  m_rowPixels = 1;
  updateScrollRange();
  viewport()->update();
  emit zoomChanged();
}

void HeatmapWidget::fitColumns() {
  if (!m_fitColumns || !m_matrix || m_matrix->cols() == 0) return;
  int room = viewport()->width() - kGutter - static_cast<int>(m_strips.size()) * (kStripWidth + 4) - 12;
  m_columnPixels = std::clamp(room / static_cast<int>(m_matrix->cols()), 1, 96);
}

void HeatmapWidget::setColumnPixels(int pixels) {
  m_fitColumns = false;
  m_columnPixels = std::clamp(pixels, 1, 48);
  updateScrollRange();
  viewport()->update();
}

void HeatmapWidget::zoomIn() {
  std::int64_t top = firstVisibleRow();
  if (m_rowsPerLine > 1)
    setRowsPerLine(m_rowsPerLine / 2);
  else
    setRowPixels(m_rowPixels * 2);
  scrollToRow(top);
}

void HeatmapWidget::zoomOut() {
  std::int64_t top = firstVisibleRow();
  if (m_rowPixels > 1)
    setRowPixels(m_rowPixels / 2);
  else
    setRowsPerLine(m_rowsPerLine * 2);
  scrollToRow(top);
}

std::int64_t HeatmapWidget::rowCount() const { return m_matrix ? m_matrix->rows() : 0; }

std::int64_t HeatmapWidget::lineCount() const {
  return (rowCount() + m_rowsPerLine - 1) / m_rowsPerLine;
}

int HeatmapWidget::cellsWidth() const {
  return m_matrix ? static_cast<int>(m_matrix->cols()) * m_columnPixels : 0;
}

void HeatmapWidget::updateScrollRange() {
  fitColumns();
  // The vertical scroll bar counts lines, not pixels, so a million rows never overflow its int.
  int h = std::max(0, viewport()->height() - kHeaderHeight);
  std::int64_t visibleLines = h / lineHeight();
  std::int64_t maxLine = std::max<std::int64_t>(0, lineCount() - visibleLines);
  verticalScrollBar()->setRange(0, static_cast<int>(std::min<std::int64_t>(maxLine, INT32_MAX)));
  verticalScrollBar()->setPageStep(static_cast<int>(std::max<std::int64_t>(1, visibleLines)));
  int total = kGutter + cellsWidth() + static_cast<int>(m_strips.size()) * (kStripWidth + 4) + 8;
  horizontalScrollBar()->setRange(0, std::max(0, total - viewport()->width()));
  horizontalScrollBar()->setPageStep(viewport()->width());
}

void HeatmapWidget::scrollToRow(std::int64_t row) {
  verticalScrollBar()->setValue(static_cast<int>(std::max<std::int64_t>(0, row / m_rowsPerLine)));
}

std::int64_t HeatmapWidget::firstVisibleRow() const {
  return static_cast<std::int64_t>(verticalScrollBar()->value()) * m_rowsPerLine;
}

std::int64_t HeatmapWidget::rowAt(int y) const {
  if (y < kHeaderHeight) return -1;
  std::int64_t line = verticalScrollBar()->value() + (y - kHeaderHeight) / lineHeight();
  std::int64_t row = line * m_rowsPerLine;
  return row < rowCount() ? row : -1;
}

QSize HeatmapWidget::sizeHint() const { return {640, 480}; }

void HeatmapWidget::resizeEvent(QResizeEvent* event) {
  QAbstractScrollArea::resizeEvent(event);
  updateScrollRange();
}

void HeatmapWidget::mouseMoveEvent(QMouseEvent* event) {
  emit rowHovered(rowAt(event->position().toPoint().y()));
  QAbstractScrollArea::mouseMoveEvent(event);
}

void HeatmapWidget::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    if (event->angleDelta().y() > 0)
      zoomIn();
    else if (event->angleDelta().y() < 0)
      zoomOut();
    event->accept();
    return;
  }
  QAbstractScrollArea::wheelEvent(event);
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
  QPainter p(viewport());
  p.fillRect(viewport()->rect(), palette().base());
  m_lastPaintedRows = 0;
  if (!m_matrix || m_matrix->rows() == 0) {
    p.setPen(palette().text().color());
    p.drawText(viewport()->rect(), Qt::AlignCenter, tr("No table yet"));
    return;
  }
  const Matrix& m = *m_matrix;
  const int xOff = -horizontalScrollBar()->value();
  const int lh = lineHeight();
  const int bodyHeight = std::max(0, viewport()->height() - kHeaderHeight);
  const std::int64_t firstLine = verticalScrollBar()->value();
  const std::int64_t lines = std::min<std::int64_t>(lineCount() - firstLine, (bodyHeight + lh - 1) / lh);
  const int cols = static_cast<int>(m.cols());

  // Cells: one image row per line, each cell m_columnPixels wide, then scaled by line height.
  QImage img(cols, static_cast<int>(std::max<std::int64_t>(lines, 1)), QImage::Format_RGB32);
  img.fill(palette().base().color());
  std::vector<std::int64_t> lineRow(static_cast<size_t>(std::max<std::int64_t>(lines, 0)));
  for (std::int64_t li = 0; li < lines; ++li) {
    std::int64_t r0 = (firstLine + li) * m_rowsPerLine;
    std::int64_t r1 = std::min<std::int64_t>(r0 + m_rowsPerLine, m.rows());
    std::int64_t shown = r0;
    if (r1 - r0 > 1) {  // the row of largest magnitude in the bucket stands for it
      float best = -1;
      for (std::int64_t r = r0; r < r1; ++r) {
        // A plain loop: Eigen's vectorised maxCoeff trips GCC 12's maybe-uninitialized on AVX-512.
        float n = 0;
        const float* rp = m.data() + r * m.cols();
        for (Eigen::Index c = 0; c < m.cols(); ++c) n = std::max(n, std::fabs(rp[c]));
        if (n > best) best = n, shown = r;
      }
    }
    m_lastPaintedRows += r1 - r0;
    lineRow[static_cast<size_t>(li)] = shown;
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(static_cast<int>(li)));
    for (int c = 0; c < cols; ++c) line[c] = divergingColour(m(shown, c), m_limit).rgb();
  }
  QRect cellRect(kGutter + xOff, kHeaderHeight, cols * m_columnPixels, static_cast<int>(lines) * lh);
  if (lines > 0) p.drawImage(cellRect, img);

  auto bucketHas = [&](std::int64_t li, auto pred) {
    std::int64_t r0 = (firstLine + li) * m_rowsPerLine;
    std::int64_t r1 = std::min<std::int64_t>(r0 + m_rowsPerLine, m.rows());
    for (std::int64_t r = r0; r < r1; ++r)
      if (pred(r)) return true;
    return false;
  };
  auto isHighlighted = [&](std::int64_t r) { return std::binary_search(m_highlighted.begin(), m_highlighted.end(), r); };
  auto isCold = [&](std::int64_t r) { return r < static_cast<std::int64_t>(m_cold.size()) && m_cold[static_cast<size_t>(r)]; };

  // Cold rows: a grey veil, so "never touched" reads as faded.
  if (!m_cold.empty()) {
    QColor veil(128, 128, 128, 110);
    for (std::int64_t li = 0; li < lines; ++li)
      if (bucketHas(li, isCold))
        p.fillRect(QRect(cellRect.left(), kHeaderHeight + static_cast<int>(li) * lh, cellRect.width(), lh), veil);
  }
  // Highlighted rows: a marker in the gutter and a frame across the cells.
  QColor hl(255, 170, 0);
  for (std::int64_t li = 0; li < lines; ++li) {
    if (!bucketHas(li, isHighlighted)) continue;
    int y = kHeaderHeight + static_cast<int>(li) * lh;
    p.fillRect(QRect(kGutter - 8 + xOff, y, 6, std::max(lh, 2)), hl);
    if (lh >= 4) {
      p.setPen(QPen(hl, 1.5));
      p.setBrush(Qt::NoBrush);
      p.drawRect(QRectF(cellRect.left() + 0.5, y + 0.5, cellRect.width() - 1, lh - 1));
    }
  }

  // Strips.
  int sx = cellRect.right() + 6;
  QFont small = font();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1.5));
  p.setFont(small);
  for (const Strip& s : m_strips) {
    p.fillRect(QRect(sx, kHeaderHeight, kStripWidth, static_cast<int>(lines) * lh), palette().alternateBase());
    for (std::int64_t li = 0; li < lines; ++li) {
      std::int64_t r0 = (firstLine + li) * m_rowsPerLine;
      std::int64_t r1 = std::min<std::int64_t>(r0 + m_rowsPerLine, m.rows());
      float v = 0;
      for (std::int64_t r = r0; r < r1 && r < static_cast<std::int64_t>(s.values.size()); ++r)
        v = std::max(v, std::fabs(s.values[static_cast<size_t>(r)]));
      if (s.max <= 0 || v <= 0) continue;
      int w = std::max(1, static_cast<int>(std::lround(kStripWidth * v / s.max)));
      p.fillRect(QRect(sx, kHeaderHeight + static_cast<int>(li) * lh, w, std::max(1, lh - (lh > 3 ? 1 : 0))), s.colour);
    }
    p.setPen(palette().text().color());
    p.drawText(QRect(sx, 0, kStripWidth, kHeaderHeight), Qt::AlignCenter, s.title);
    sx += kStripWidth + 4;
  }

  // Header (column indices every few columns) and gutter (row numbers where they fit).
  p.setPen(palette().text().color());
  int every = std::max(1, 40 / std::max(1, m_columnPixels));
  for (int c = 0; c < cols; c += every)
    p.drawText(QRect(kGutter + xOff + c * m_columnPixels, 0, 40, kHeaderHeight), Qt::AlignLeft | Qt::AlignVCenter,
               QString::number(c));
  p.fillRect(QRect(0, kHeaderHeight, kGutter - 10, bodyHeight), palette().base());
  int labelEvery = std::max(1, (QFontMetrics(small).height() + lh - 1) / lh);
  for (std::int64_t li = 0; li < lines; li += labelEvery) {
    int y = kHeaderHeight + static_cast<int>(li) * lh;
    p.drawText(QRect(0, y, kGutter - 12, QFontMetrics(small).height()), Qt::AlignRight | Qt::AlignTop,
               QString::number(lineRow[static_cast<size_t>(li)]));
  }
}

}  // namespace embedscope::ui::inspect
