#include "ui/inspect/matrix_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/inspect/heatmap_widget.h"

namespace embedscope::ui::inspect {

namespace {
// Plain loops instead of Eigen reductions: GCC 12 reports a false maybe-uninitialized inside
// Eigen's AVX-512 reductions, and warnings are errors here.
float rowDistance(const Matrix& a, const Matrix& b, Eigen::Index r) {
  double s = 0;
  const float* pa = a.data() + r * a.cols();
  const float* pb = b.data() + r * b.cols();
  for (Eigen::Index c = 0; c < a.cols(); ++c) s += static_cast<double>(pa[c] - pb[c]) * (pa[c] - pb[c]);
  return static_cast<float>(std::sqrt(s));
}
float rowNorm(const Matrix& a, Eigen::Index r) {
  double s = 0;
  const float* pa = a.data() + r * a.cols();
  for (Eigen::Index c = 0; c < a.cols(); ++c) s += static_cast<double>(pa[c]) * pa[c];
  return static_cast<float>(std::sqrt(s));
}
}  // namespace

MatrixView::MatrixView(QWidget* parent) : QWidget(parent) {
  setObjectName("matrixView");
  m_heatmap = new HeatmapWidget(this);
  m_heatmap->setObjectName("matrixHeatmap");
  m_heatmap->setRowPixels(4);  // the zoom slider's starting value, 2^2
  m_summary = new QLabel(this);
  m_summary->setObjectName("matrixSummary");
  m_summary->setWordWrap(true);
  m_summary->setTextFormat(Qt::RichText);
  m_hover = new QLabel(this);
  m_hover->setObjectName("matrixHover");
  m_zoom = new QSlider(Qt::Horizontal, this);
  m_zoom->setObjectName("matrixZoom");
  // Negative: 2^-v rows share one pixel line; zero and up: 2^v pixels per row.
  m_zoom->setRange(-14, 5);
  m_zoom->setValue(2);
  m_zoom->setToolTip(tr("Zoom (Ctrl+wheel on the heatmap)"));
  connect(m_zoom, &QSlider::valueChanged, this, [this](int v) {
    std::int64_t top = m_heatmap->firstVisibleRow();
    if (v >= 0)
      m_heatmap->setRowPixels(1 << v);
    else
      m_heatmap->setRowsPerLine(1 << -v);
    m_heatmap->scrollToRow(top);
  });
  connect(m_heatmap, &HeatmapWidget::zoomChanged, this, [this] {
    int v = m_heatmap->rowsPerLine() > 1 ? -static_cast<int>(std::log2(m_heatmap->rowsPerLine()))
                                         : static_cast<int>(std::log2(m_heatmap->rowPixels()));
    QSignalBlocker block(m_zoom);
    m_zoom->setValue(v);
  });
  connect(m_heatmap, &HeatmapWidget::rowHovered, this, [this](qint64 row) {
    if (row < 0 || !m_frame.table) return;
    QString text = tr("row %1: ‖row‖ = %2").arg(row).arg(rowNorm(*m_frame.table, row), 0, 'g', 5);
    if (row < static_cast<qint64>(m_delta.size())) text += tr(", |Δ| = %1").arg(m_delta[static_cast<size_t>(row)], 0, 'g', 4);
    if (std::binary_search(m_heatmap->highlightedRows().begin(), m_heatmap->highlightedRows().end(), row))
      text += tr(", looked up by the last step");
    if (row < static_cast<qint64>(m_frame.everTouched.size()) && !m_frame.everTouched[static_cast<size_t>(row)])
      text += tr(", cold (never given a gradient)");
    m_hover->setText(text);
  });

  m_histogram = new QCustomPlot(this);
  m_histogram->setObjectName("initHistogram");
  m_histogram->setMinimumHeight(180);
  m_histogram->xAxis->setLabel(tr("initial value"));
  m_histogram->yAxis->setLabel(tr("density"));
  m_histogram->legend->setVisible(true);
  m_histogram->legend->setFont(QFont(font().family(), 8));
  m_histogram->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  m_histogram->legend->setBrush(QColor(255, 255, 255, 200));

  auto* zoomRow = new QHBoxLayout;
  zoomRow->addWidget(new QLabel(tr("Zoom"), this));
  zoomRow->addWidget(m_zoom, 1);
  zoomRow->addWidget(m_hover, 3);

  auto* top = new QWidget(this);
  auto* tl = new QVBoxLayout(top);
  tl->setContentsMargins(0, 0, 0, 0);
  tl->addWidget(m_summary);
  tl->addLayout(zoomRow);
  tl->addWidget(m_heatmap, 1);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(top);
  split->addWidget(m_histogram);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split);
}

void MatrixView::setFrame(MatrixFrame frame) {
  m_frame = std::move(frame);
  const Matrix* t = m_frame.table.get();
  m_heatmap->setMatrix(m_frame.table);
  m_heatmap->setHighlightedRows(m_frame.lastBatchIds);
  std::vector<std::uint8_t> cold;
  if (t && static_cast<Eigen::Index>(m_frame.everTouched.size()) == t->rows()) {
    cold.resize(m_frame.everTouched.size());
    for (size_t i = 0; i < cold.size(); ++i) cold[i] = m_frame.everTouched[i] ? 0 : 1;
  }
  std::int64_t coldCount = std::count(cold.begin(), cold.end(), std::uint8_t{1});
  m_heatmap->setColdRows(std::move(cold));

  m_delta.clear();
  m_rowsMoved = m_untouchedMoved = 0;
  const auto& hl = m_heatmap->highlightedRows();
  if (t && static_cast<Eigen::Index>(m_frame.rowDelta.size()) == t->rows()) {
    m_delta = m_frame.rowDelta;
    for (Eigen::Index r = 0; r < t->rows(); ++r) {
      if (m_delta[static_cast<size_t>(r)] == 0) continue;
      ++m_rowsMoved;
      if (!std::binary_search(hl.begin(), hl.end(), static_cast<std::int64_t>(r))) ++m_untouchedMoved;
    }
    m_heatmap->setStrip(tr("|Δ| step"), m_delta, QColor(214, 39, 40));
  } else if (t && m_frame.previous && m_frame.previous->rows() == t->rows() && m_frame.previous->cols() == t->cols()) {
    m_delta.resize(static_cast<size_t>(t->rows()));
    for (Eigen::Index r = 0; r < t->rows(); ++r) {
      float d = rowDistance(*t, *m_frame.previous, r);
      m_delta[static_cast<size_t>(r)] = d;
      if (d != 0) {
        ++m_rowsMoved;
        if (!std::binary_search(hl.begin(), hl.end(), static_cast<std::int64_t>(r))) ++m_untouchedMoved;
      }
    }
    m_heatmap->setStrip(tr("|Δ| step"), m_delta, QColor(214, 39, 40));
  }
  if (t && !m_frame.gradientRows.empty()) {
    std::vector<float> g(static_cast<size_t>(t->rows()), 0.0f);
    for (size_t i = 0; i < m_frame.gradientRows.size() && i < m_frame.gradientNorms.size(); ++i)
      if (m_frame.gradientRows[i] >= 0 && m_frame.gradientRows[i] < t->rows())
        g[static_cast<size_t>(m_frame.gradientRows[i])] = m_frame.gradientNorms[i];
    m_heatmap->setStrip(tr("‖grad‖"), std::move(g), QColor(255, 127, 14));
  }

  QString s = tr("<b>Step %1</b>: %2 × %3 table, %4 rows %5 (highlighted)")
                  .arg(m_frame.step)
                  .arg(t ? t->rows() : 0)
                  .arg(t ? t->cols() : 0)
                  .arg(hl.size())
                  .arg(m_frame.touchedIsLastStep ? tr("looked up by the last step") : tr("touched since the previous snapshot"));
  if (!m_frame.everTouched.empty()) s += tr(", %1 cold rows never given a gradient (greyed)").arg(coldCount);
  if (!m_delta.empty()) {
    s += tr(". <b>%1</b> rows moved in the last update, <b>%2</b> of them not in the batch").arg(m_rowsMoved).arg(m_untouchedMoved);
    if (!m_frame.optimizer.isEmpty()) {
      if (m_frame.lazy)
        s += tr(" — lazy %1 moves only the rows it looked up.").arg(m_frame.optimizer);
      else if (m_untouchedMoved > 0)
        s += tr(" — dense (Keras 3) %1: the moments of untouched rows decay and those rows still move.")
                 .arg(m_frame.optimizer);
      else
        s += tr(" — dense %1.").arg(m_frame.optimizer);
    }
  }
  m_summary->setText(s);
}

void MatrixView::setSnapshot(const std::shared_ptr<const Matrix>& table, const std::vector<std::int64_t>& rowsTouched,
                             const std::vector<float>& rowDelta, std::int64_t step, bool touchedIsLastStep,
                             const QString& optimizer, bool lazy) {
  if (!table) return;
  MatrixFrame f;
  f.table = table;
  f.lastBatchIds = rowsTouched;
  f.rowDelta = rowDelta;
  f.step = step;
  f.touchedIsLastStep = touchedIsLastStep;
  f.optimizer = optimizer;
  f.lazy = lazy;
  if (static_cast<Eigen::Index>(m_seenTouched.size()) != table->rows())
    m_seenTouched.assign(static_cast<size_t>(table->rows()), 0);
  for (std::int64_t r : rowsTouched)
    if (r >= 0 && r < static_cast<std::int64_t>(m_seenTouched.size())) m_seenTouched[static_cast<size_t>(r)] = 1;
  f.everTouched = m_seenTouched;
  setFrame(std::move(f));
}

void MatrixView::setInitializer(const Matrix& initialTable, InitializerDensity density) {
  m_histogram->clearPlottables();
  m_histDensity.clear();
  m_formulaDensity.clear();
  const Eigen::Index n = initialTable.size();
  if (n == 0) return;
  double lo = density.lo, hi = density.hi;
  if (!(hi > lo)) {
    lo = *std::min_element(initialTable.data(), initialTable.data() + n);
    hi = *std::max_element(initialTable.data(), initialTable.data() + n);
    if (!(hi > lo)) hi = lo + 1;
  }
  const int bins = 60;
  const double width = (hi - lo) / bins;
  std::vector<double> counts(bins, 0.0);
  const float* p = initialTable.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    int b = static_cast<int>(std::floor((p[i] - lo) / width));
    if (b >= 0 && b < bins) counts[static_cast<size_t>(b)] += 1;
  }
  QVector<double> xs, ys, fx, fy;
  for (int b = 0; b < bins; ++b) {
    double c = lo + (b + 0.5) * width;
    double d = counts[static_cast<size_t>(b)] / (static_cast<double>(n) * width);
    m_histDensity.push_back(d);
    xs << c;
    ys << d;
    if (density.pdf) m_formulaDensity.push_back(density.pdf(c));
  }
  auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
  bars->setName(tr("table values (%1)").arg(n));
  bars->setWidth(width * 0.95);
  bars->setData(xs, ys);
  bars->setPen(Qt::NoPen);
  bars->setBrush(QColor(31, 119, 180, 150));
  if (density.pdf) {
    for (int i = 0; i <= 400; ++i) {
      double x = lo + (hi - lo) * i / 400.0;
      fx << x;
      fy << density.pdf(x);
    }
    QCPGraph* g = m_histogram->addGraph();
    g->setName(density.description);
    g->setData(fx, fy);
    g->setPen(QPen(QColor(214, 39, 40), 2));
  }
  m_histogram->rescaleAxes();
  m_histogram->xAxis->setRange(lo - width, hi + width);
  m_histogram->yAxis->setRangeLower(0);
  m_histogram->yAxis->setRangeUpper(m_histogram->yAxis->range().upper * 1.1);
  m_histogram->replot();
}

}  // namespace embedscope::ui::inspect
