#include "ui/inspect/memory_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace embedscope::ui::inspect {

QString formatBytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  QString exact = QLocale(QLocale::English).toString(static_cast<qulonglong>(bytes));
  if (u == 0) return exact + " B";
  return QStringLiteral("%1 B (%2 %3)").arg(exact).arg(v, 0, 'f', 1).arg(units[u]);
}

namespace {
QString shortBytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return QStringLiteral("%1 %2").arg(v, 0, 'f', u == 0 ? 0 : 1).arg(units[u]);
}
}  // namespace

// ---------------------------------------------------------------------------------------------

MemoryBars::MemoryBars(QWidget* parent) : QWidget(parent) {
  setObjectName("memoryBars");
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void MemoryBars::setPlan(const PlanRecord* plan) {
  m_plan = plan;
  // One fixed-height band per heap plus the legend: the table below gets the rest of the room.
  const int heaps = plan ? std::max<int>(1, static_cast<int>(plan->heaps.size())) : 1;
  setFixedHeight(16 + heaps * 64 + 60);
  update();
}

QColor MemoryBars::colourFor(const QString& a) {
  if (a == "table") return QColor(31, 119, 180);
  if (a.startsWith("gradient")) return QColor(255, 127, 14);
  // Each optimizer slot its own colour so Adam's m and v are told apart.
  if (a == "slot:m" || a == "slot:momentum" || a == "slot:accumulator") return QColor(44, 160, 44);
  if (a == "slot:v" || a == "slot:velocity") return QColor(148, 103, 189);
  if (a.startsWith("slot:")) return QColor(23, 190, 207);
  if (a.startsWith("batch") || a.startsWith("staging")) return QColor(140, 86, 75);
  return QColor(127, 127, 127);
}

void MemoryBars::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing, false);
  p.fillRect(rect(), palette().base());
  if (!m_plan) {
    p.drawText(rect(), Qt::AlignCenter, tr("No plan"));
    return;
  }
  const PlanRecord& plan = *m_plan;
  const int n = static_cast<int>(plan.heaps.size());
  if (n == 0) return;
  const int left = 150, right = 24, top = 8;
  const int rowH = 64;
  const int barH = std::min(34, rowH - 18);
  const int width = std::max(50, this->width() - left - right);
  QFontMetrics fm(font());
  for (int h = 0; h < n; ++h) {
    const PlanHeap& heap = plan.heaps[static_cast<size_t>(h)];
    std::uint64_t used = 0;
    for (const auto& a : plan.allocations)
      if (a.heap == heap.index) used += a.bytes;
    // Scale: the heap itself, or what the plan wants when that is more (so overflow shows).
    double scale = static_cast<double>(std::max<std::uint64_t>({heap.size, used, 1}));
    int y = top + h * rowH;
    p.setPen(palette().text().color());
    QString title = tr("heap %1").arg(heap.index);
    p.drawText(QRect(4, y, left - 8, barH / 2 + 6), Qt::AlignLeft | Qt::AlignVCenter, title);
    p.setPen(palette().placeholderText().color());
    p.drawText(QRect(4, y + barH / 2, left - 8, barH / 2 + 6), Qt::AlignLeft | Qt::AlignVCenter,
               heap.flags.isEmpty() ? tr("system RAM") : heap.flags.join("|").left(22));
    QRect frame(left, y, width, barH);
    p.fillRect(frame, palette().alternateBase());
    double x = left;
    for (const auto& a : plan.allocations) {
      if (a.heap != heap.index || a.bytes == 0) continue;
      double w = width * static_cast<double>(a.bytes) / scale;
      QRectF seg(x, y, std::max(1.0, w), barH);
      p.fillRect(seg, colourFor(a.name));
      // Shard boundaries as white ticks inside the segment.
      p.setPen(QPen(Qt::white, 1));
      for (int s = 1; s < a.shards; ++s) {
        double sx = x + w * s / a.shards;
        p.drawLine(QPointF(sx, y + 2), QPointF(sx, y + barH - 2));
      }
      if (w > fm.horizontalAdvance(a.name) + 8) {
        p.setPen(Qt::white);
        QString label = a.shards > 1 ? QStringLiteral("%1 ×%2").arg(a.name).arg(a.shards) : a.name;
        p.drawText(seg, Qt::AlignCenter, label);
      }
      x += w;
    }
    p.setPen(palette().mid().color());
    p.setBrush(Qt::NoBrush);
    p.drawRect(QRectF(left, y, width * heap.size / scale, barH));
    // Budget line: dashed red.
    if (heap.budget > 0) {
      double bx = left + width * static_cast<double>(heap.budget) / scale;
      p.setPen(QPen(QColor(200, 0, 0), 2, Qt::DashLine));
      p.drawLine(QPointF(bx, y - 3), QPointF(bx, y + barH + 3));
    }
    // Measured use: a black triangle under the bar.
    if (heap.measuredUse) {
      double mx = left + width * static_cast<double>(*heap.measuredUse) / scale;
      QPolygonF tri;
      tri << QPointF(mx, y + barH + 1) << QPointF(mx - 5, y + barH + 9) << QPointF(mx + 5, y + barH + 9);
      p.setPen(Qt::NoPen);
      p.setBrush(palette().text());
      p.drawPolygon(tri);
      p.setBrush(Qt::NoBrush);
    }
    p.setPen(palette().text().color());
    QString caption = tr("plan %1 of %2, budget %3").arg(shortBytes(used), shortBytes(heap.size), shortBytes(heap.budget));
    if (heap.measuredUse) caption += tr(", measured %1").arg(shortBytes(*heap.measuredUse));
    if (used > heap.budget) caption += tr("  — over budget");
    p.drawText(QRect(left, y + barH + 1, width, 16), Qt::AlignRight | Qt::AlignVCenter, caption);
  }
  // Legend.
  int lx = left, ly = top + n * rowH;
  QStringList seen;
  for (const auto& a : plan.allocations) {
    if (seen.contains(a.name)) continue;
    seen << a.name;
    if (lx + 24 + fm.horizontalAdvance(a.name) > this->width() - right) lx = left, ly += 20;  // wrap
    p.fillRect(QRect(lx, ly + 4, 12, 12), colourFor(a.name));
    p.setPen(palette().text().color());
    p.drawText(QPoint(lx + 16, ly + 15), a.name);
    lx += 24 + fm.horizontalAdvance(a.name);
  }
  if (lx + 80 > this->width() - right) lx = left, ly += 20;
  p.setPen(QPen(QColor(200, 0, 0), 2, Qt::DashLine));
  p.drawLine(lx, ly + 10, lx + 14, ly + 10);
  p.setPen(palette().text().color());
  p.drawText(QPoint(lx + 18, ly + 15), tr("budget"));
}

// ---------------------------------------------------------------------------------------------

MemoryView::MemoryView(QWidget* parent) : QWidget(parent) {
  setObjectName("memoryView");
  m_inputDim = new QSpinBox(this);
  m_inputDim->setObjectName("whatIfInputDim");
  m_inputDim->setRange(1, 2'000'000'000);
  m_inputDim->setGroupSeparatorShown(true);
  m_inputDim->setValue(1000);
  m_outputDim = new QSpinBox(this);
  m_outputDim->setObjectName("whatIfOutputDim");
  m_outputDim->setRange(1, 65536);
  m_outputDim->setValue(64);
  m_optimizer = new QComboBox(this);
  m_optimizer->setObjectName("whatIfOptimizer");
  m_optimizer->addItems({"sgd", "rmsprop", "adam", "adamw", "adagrad", "ftrl"});
  m_optimizer->setCurrentText("adam");
  m_updates = new QComboBox(this);
  m_updates->setObjectName("whatIfUpdates");
  m_updates->addItems({"dense", "lazy"});
  m_engine = new QComboBox(this);
  m_engine->setObjectName("whatIfEngine");
  m_engine->addItems({"auto", "cpu", "vulkan"});
  m_batchSize = new QSpinBox(this);
  m_batchSize->setObjectName("whatIfBatchSize");
  m_batchSize->setRange(1, 1 << 20);
  m_batchSize->setValue(32);

  auto* controls = new QGroupBox(tr("What if…"), this);
  auto* form = new QFormLayout(controls);
  form->addRow(tr("input_dim"), m_inputDim);
  form->addRow(tr("output_dim"), m_outputDim);
  form->addRow(tr("optimizer"), m_optimizer);
  form->addRow(tr("updates"), m_updates);
  form->addRow(tr("engine"), m_engine);
  form->addRow(tr("batch_size"), m_batchSize);

  m_device = new QLabel(this);
  m_device->setObjectName("memoryDevice");
  m_device->setWordWrap(true);
  m_decision = new QLabel(this);
  m_decision->setObjectName("memoryDecision");
  m_decision->setWordWrap(true);
  m_decision->setTextFormat(Qt::RichText);
  m_limit = new QLabel(this);
  m_limit->setObjectName("memoryFitLimit");
  m_limit->setWordWrap(true);
  m_measuredLabel = new QLabel(this);
  m_measuredLabel->setObjectName("memoryMeasured");
  m_measuredLabel->setWordWrap(true);

  m_bars = new MemoryBars(this);
  m_table = new QTableWidget(this);
  m_table->setObjectName("planTable");
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setColumnCount(6);
  m_table->setHorizontalHeaderLabels({tr("tensor"), tr("bytes"), tr("shards"), tr("addressing"), tr("heap"), tr("flags")});
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->verticalHeader()->hide();

  auto* side = new QVBoxLayout;
  side->addWidget(controls);
  side->addWidget(m_device);
  side->addWidget(m_decision);
  side->addWidget(m_limit);
  side->addWidget(m_measuredLabel);
  side->addStretch(1);
  auto* main = new QVBoxLayout;
  m_curve = new QCustomPlot(this);
  m_curve->setObjectName("memoryFitCurve");
  m_curve->setMinimumHeight(200);
  m_curve->xAxis->setLabel(tr("input_dim"));
  m_curve->yAxis->setLabel(tr("bytes planned on the table's heap"));
  m_curve->xAxis->setScaleType(QCPAxis::stLogarithmic);
  m_curve->yAxis->setScaleType(QCPAxis::stLogarithmic);
  m_curve->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  m_curve->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  m_curve->xAxis->setNumberFormat("eb");
  m_curve->xAxis->setNumberPrecision(0);
  m_curve->yAxis->setNumberFormat("eb");
  m_curve->yAxis->setNumberPrecision(0);
  m_curve->legend->setVisible(true);
  m_curve->legend->setFont(QFont(font().family(), 8));
  m_curve->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  main->addWidget(m_bars);
  main->addWidget(m_table, 1);
  main->addWidget(m_curve, 1);
  auto* layout = new QHBoxLayout(this);
  layout->addLayout(side, 1);
  layout->addLayout(main, 3);

  auto re = [this] { replan(); };
  connect(m_inputDim, &QSpinBox::valueChanged, this, re);
  connect(m_outputDim, &QSpinBox::valueChanged, this, re);
  connect(m_batchSize, &QSpinBox::valueChanged, this, re);
  connect(m_optimizer, &QComboBox::currentTextChanged, this, re);
  connect(m_updates, &QComboBox::currentTextChanged, this, re);
  connect(m_engine, &QComboBox::currentTextChanged, this, re);
}

void MemoryView::setPlanner(Planner planner) {
  m_planner = std::move(planner);
  replan();
}

WhatIf MemoryView::whatIf() const {
  WhatIf w;
  w.inputDim = m_inputDim->value();
  w.outputDim = m_outputDim->value();
  w.optimizer = m_optimizer->currentText();
  w.lazy = m_updates->currentText() == "lazy";
  w.engine = m_engine->currentText();
  w.batchSize = m_batchSize->value();
  w.task = m_task;
  w.sequenceLength = m_sequenceLength;
  return w;
}

void MemoryView::setWhatIf(const WhatIf& w) {
  m_blockReplan = true;
  m_task = w.task;
  m_sequenceLength = w.sequenceLength;
  m_inputDim->setValue(static_cast<int>(std::min<std::int64_t>(w.inputDim, m_inputDim->maximum())));
  m_outputDim->setValue(static_cast<int>(w.outputDim));
  m_optimizer->setCurrentText(w.optimizer);
  m_updates->setCurrentText(w.lazy ? "lazy" : "dense");
  m_engine->setCurrentText(w.engine);
  m_batchSize->setValue(w.batchSize);
  m_blockReplan = false;
  replan();
}

void MemoryView::setMeasuredUse(const std::vector<std::optional<std::uint64_t>>& perHeap) {
  m_measured = perHeap;
  replan();
}

// The CPU engine's plan says "cpu" when it fits system RAM; a device plan says "device".
bool fitsWherePlanned(const PlanRecord& r) { return r.fits && (r.decision == "device" || r.engine == "cpu"); }

std::int64_t MemoryView::searchFitLimit(const WhatIf& base) const {
  // The planner is arithmetic, so a bisection over input_dim costs microseconds per probe.
  auto fits = [&](std::int64_t v) {
    WhatIf w = base;
    w.inputDim = v;
    Result<PlanRecord> r = m_planner(w);
    return r.isOk() && fitsWherePlanned(*r);
  };
  const std::int64_t maxTry = 2'000'000'000;
  if (!fits(1)) return 0;
  if (fits(maxTry)) return -1;
  std::int64_t lo = 1, hi = maxTry;
  while (hi - lo > 1) {
    std::int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

void MemoryView::replan() {
  if (m_blockReplan || !m_planner) return;
  WhatIf w = whatIf();
  Result<PlanRecord> r = m_planner(w);
  if (!r.isOk()) {
    m_plan.reset();
    m_bars->setPlan(nullptr);
    m_decision->setText(QStringLiteral("<span style='color:#b00020'>%1</span>")
                            .arg(QString::fromStdString(r.status().message()).toHtmlEscaped()));
    m_table->setRowCount(0);
    emit replanned();
    return;
  }
  m_plan = std::move(r.value());
  bool anyUnknown = false;
  for (auto& heap : m_plan->heaps) {
    if (heap.index >= 0 && heap.index < static_cast<int>(m_measured.size()))
      heap.measuredUse = m_measured[static_cast<size_t>(heap.index)];
    if (!heap.measuredUse) anyUnknown = true;
  }
  m_bars->setPlan(&*m_plan);
  m_device->setText(tr("Device: %1 (%2), engine %3").arg(m_plan->deviceName, m_plan->deviceType, m_plan->engine));
  QString verdict;
  if (fitsWherePlanned(*m_plan))
    verdict = m_plan->engine == "cpu"
                  ? tr("<b style='color:#1a7f37'>Fits</b> in system RAM (CPU engine): %1 in all.").arg(formatBytes(m_plan->totalBytes))
                  : tr("<b style='color:#1a7f37'>Fits</b> on the device: %1 in all.").arg(formatBytes(m_plan->totalBytes));
  else if (m_plan->decision == "host-visible")
    verdict = tr("<b style='color:#b35900'>Does not fit the device budget</b>: the table goes to host-visible "
                 "memory (slower, but it trains). %1")
                  .arg(formatBytes(m_plan->totalBytes));
  else if (m_plan->decision == "cpu" && m_plan->engine != "cpu")
    verdict = tr("<b style='color:#b35900'>Runs on the CPU engine</b>, as the Keras docs advise for tables too "
                 "large for the accelerator: %1.")
                  .arg(formatBytes(m_plan->totalBytes));
  else
    verdict = tr("<b style='color:#b00020'>Does not fit</b>: %1.").arg(formatBytes(m_plan->totalBytes));
  if (!m_plan->reason.isEmpty()) verdict += "<br>" + m_plan->reason.toHtmlEscaped();
  if (m_plan->devicesNeeded > 1 && !m_plan->reason.contains("devices"))
    verdict += tr("<br>A row-sharded run would need %1 such devices.").arg(m_plan->devicesNeeded);
  m_decision->setText(verdict);

  m_fitLimit = searchFitLimit(w);
  if (m_fitLimit == 0)
    m_limit->setText(tr("No input_dim fits the device with these settings."));
  else if (m_fitLimit < 0)
    m_limit->setText(tr("Every input_dim up to 2,000,000,000 fits with these settings."));
  else
    m_limit->setText(tr("Stops fitting the device above input_dim = %1 (output_dim %2, %3 %4).")
                         .arg(QLocale(QLocale::English).toString(static_cast<qlonglong>(m_fitLimit)))
                         .arg(w.outputDim)
                         .arg(w.optimizer, w.lazy ? "lazy" : "dense"));
  QStringList measured;
  for (const auto& heap : m_plan->heaps)
    measured << tr("heap %1: %2").arg(heap.index).arg(heap.measuredUse ? formatBytes(*heap.measuredUse)
                                                                       : tr("not reported by this device"));
  m_measuredLabel->setText(tr("Measured use: ") + measured.join("; ") +
                           (anyUnknown && m_measured.empty() ? tr(" (shown while training)") : QString()));
  refreshTable();
  refreshCurve(w);
  emit replanned();
}

void MemoryView::refreshCurve(const WhatIf& base) {
  // Bytes on the table's heap against input_dim, from the planner itself, with the budget: the
  // crossing is where the run stops fitting (log-spaced probes; each is arithmetic only).
  m_curve->clearGraphs();
  m_curve->clearItems();
  if (!m_plan || m_plan->heaps.empty()) return;
  int heap = 0;
  for (const auto& a : m_plan->allocations)
    if (a.name == "table") heap = a.heap;
  QVector<double> xs, ys;
  double budget = 0;
  for (int i = 0; i <= 48; ++i) {
    WhatIf w = base;
    w.inputDim = static_cast<std::int64_t>(std::llround(std::pow(10.0, 2.0 + 7.3 * i / 48.0)));
    Result<PlanRecord> r = m_planner(w);
    if (!r.isOk()) continue;
    std::uint64_t onHeap = 0;
    for (const auto& a : r->allocations)
      if (a.heap == heap) onHeap += a.bytes;
    for (const auto& h : r->heaps)
      if (h.index == heap) budget = static_cast<double>(h.budget);
    xs << static_cast<double>(w.inputDim);
    ys << static_cast<double>(onHeap);
  }
  if (xs.isEmpty()) return;
  QCPGraph* g = m_curve->addGraph();
  g->setName(tr("%1, output_dim %2, %3 %4").arg(base.engine).arg(base.outputDim).arg(base.optimizer, base.lazy ? "lazy" : "dense"));
  g->setData(xs, ys);
  g->setPen(QPen(QColor(31, 119, 180), 2));
  QCPGraph* b = m_curve->addGraph();
  b->setName(tr("budget of heap %1").arg(heap));
  b->setData({xs.front(), xs.back()}, {budget, budget});
  b->setPen(QPen(QColor(200, 0, 0), 2, Qt::DashLine));
  auto* now = new QCPItemStraightLine(m_curve);
  now->point1->setCoords(static_cast<double>(base.inputDim), 1);
  now->point2->setCoords(static_cast<double>(base.inputDim), 2);
  now->setPen(QPen(QColor(90, 90, 90), 1, Qt::DotLine));
  if (m_fitLimit > 0) {
    auto* limit = new QCPItemText(m_curve);
    limit->position->setCoords(static_cast<double>(m_fitLimit), budget);
    limit->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    limit->setText(tr("stops fitting: %1 rows ").arg(QLocale(QLocale::English).toString(static_cast<qlonglong>(m_fitLimit))));
    limit->setColor(QColor(200, 0, 0));
  }
  m_curve->rescaleAxes();
  m_curve->yAxis->setRange(std::max(1.0, m_curve->yAxis->range().lower / 2), std::max(budget, m_curve->yAxis->range().upper) * 2);
  m_curve->replot();
}

void MemoryView::refreshTable() {
  const auto& allocs = m_plan->allocations;
  m_table->setRowCount(static_cast<int>(allocs.size()));
  for (int i = 0; i < static_cast<int>(allocs.size()); ++i) {
    const auto& a = allocs[static_cast<size_t>(i)];
    auto set = [&](int c, const QString& text, const QVariant& value = {}) {
      auto* it = new QTableWidgetItem(text);
      if (value.isValid()) it->setData(Qt::UserRole, value);
      m_table->setItem(i, c, it);
    };
    set(0, a.name);
    set(1, QLocale(QLocale::English).toString(static_cast<qulonglong>(a.bytes)), QVariant::fromValue<qulonglong>(a.bytes));
    set(2, QString::number(a.shards), a.shards);
    set(3, a.addressing);
    set(4, QString::number(a.heap), a.heap);
    set(5, a.flags.join("|"));
    m_table->item(i, 0)->setForeground(MemoryBars::colourFor(a.name));
  }
  m_table->resizeColumnsToContents();
}

}  // namespace embedscope::ui::inspect
