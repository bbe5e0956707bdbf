#include "ui/inspect/engines_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "ui/inspect/heatmap_widget.h"

namespace embedscope::ui::inspect {

EnginesView::EnginesView(QWidget* parent) : QWidget(parent) {
  setObjectName("enginesView");
  m_steps = new QSpinBox(this);
  m_steps->setObjectName("enginesSteps");
  m_steps->setRange(1, 10000);
  m_steps->setValue(20);
  m_steps->setSuffix(tr(" steps"));
  m_run = new QPushButton(tr("Run on both engines"), this);
  m_run->setObjectName("enginesRun");
  m_summary = new QLabel(tr("The same seed and batches on the CPU engine and on Vulkan; the heatmap shows "
                            "|CPU − Vulkan| per element."),
                         this);
  m_summary->setObjectName("enginesSummary");
  m_summary->setWordWrap(true);
  m_summary->setTextFormat(Qt::RichText);
  m_heatmap = new HeatmapWidget(this);
  m_heatmap->setObjectName("enginesHeatmap");
  auto* top = new QHBoxLayout;
  top->addWidget(m_steps);
  top->addWidget(m_run);
  top->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_summary);
  layout->addWidget(m_heatmap, 1);
  connect(m_run, &QPushButton::clicked, this, [this] {
    Status s = run();
    if (!s.isOk())
      m_summary->setText(QStringLiteral("<span style='color:#b00020'>%1</span>")
                             .arg(QString::fromStdString(s.message()).toHtmlEscaped()));
  });
}

void EnginesView::setRunner(Runner runner) { m_runner = std::move(runner); }

Status EnginesView::run() {
  if (!m_runner) return Status::unavailable("no engines to compare");
  Result<EngineComparison> r = m_runner(m_steps->value());
  if (!r.isOk()) return r.status();
  setComparison(std::move(r.value()));
  return Status::ok();
}

void EnginesView::setComparison(EngineComparison c) {
  m_rowMax.clear();
  m_max = 0;
  if (c.left.rows() != c.right.rows() || c.left.cols() != c.right.cols()) {
    m_summary->setText(tr("The two tables differ in shape."));
    return;
  }
  auto diff = std::make_shared<Matrix>(c.left.rows(), c.left.cols());
  std::int64_t rowsDiffering = 0;
  for (Eigen::Index r = 0; r < c.left.rows(); ++r) {
    float mx = 0;
    for (Eigen::Index k = 0; k < c.left.cols(); ++k) {
      float d = std::fabs(c.left(r, k) - c.right(r, k));
      (*diff)(r, k) = d;
      mx = std::max(mx, d);
    }
    m_rowMax.push_back(mx);
    m_max = std::max(m_max, mx);
    rowsDiffering += mx > 0;
  }
  m_heatmap->setMatrix(diff);
  m_heatmap->setStrip(tr("max |Δ|"), m_rowMax, QColor(214, 39, 40));
  m_summary->setText(tr("<b>%1</b> vs <b>%2</b> after %3 steps from the same seed: max |difference| = <b>%4</b>, "
                        "%5 of %6 rows differ at all.")
                         .arg(c.leftName.toHtmlEscaped(), c.rightName.toHtmlEscaped())
                         .arg(c.steps)
                         .arg(static_cast<double>(m_max), 0, 'g', 3)
                         .arg(rowsDiffering)
                         .arg(c.left.rows()));
  emit compared();
}

}  // namespace embedscope::ui::inspect
