#include "ui/panels/training_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace embedscope::ui {

namespace {

QCustomPlot* makePlot(QWidget* parent, const QString& name, const QString& yLabel) {
  auto* p = new QCustomPlot(parent);
  p->setObjectName(name);
  p->setMinimumHeight(140);
  p->xAxis->setLabel("step");
  p->yAxis->setLabel(yLabel);
  p->legend->setVisible(true);
  p->legend->setFont(QFont(p->font().family(), 8));
  p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
  p->addGraph();
  p->graph(0)->setName("training");
  p->graph(0)->setPen(QPen(QColor(0, 114, 178), 1.6));  // Okabe-Ito blue
  p->addGraph();
  p->graph(1)->setName("validation");
  p->graph(1)->setPen(QPen(QColor(230, 159, 0), 1.6, Qt::DashLine));  // Okabe-Ito orange
  // Validation comes once an epoch (as in Keras's fit): dots, so the first one shows on its own.
  p->graph(1)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
  p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  return p;
}

QString formatDuration(double s) {
  if (s < 0) return "--";
  const int t = int(s + 0.5);
  if (t >= 3600) return QString("%1h %2m").arg(t / 3600).arg((t % 3600) / 60, 2, 10, QChar('0'));
  if (t >= 60) return QString("%1m %2s").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
  return QString("%1s").arg(t);
}

}  // namespace

TrainingPanel::TrainingPanel(TrainingController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller) {
  setObjectName("trainingPanel");
  auto* col = new QVBoxLayout(this);
  col->setContentsMargins(4, 4, 4, 4);
  // Two rows of buttons, so the dock fits beside the view on a 1366-px screen.
  auto* row = new QHBoxLayout;
  auto* stepRow = new QHBoxLayout;
  auto button = [&](const QString& name, const QString& text, const QString& tip, QStyle::StandardPixmap icon) {
    auto* b = new QPushButton(style()->standardIcon(icon), text, this);
    b->setObjectName(name);
    b->setToolTip(tip);
    (name.startsWith("step") ? stepRow : row)->addWidget(b);
    return b;
  };
  m_play = button("playButton", "Train", "Play / pause training (Space).", QStyle::SP_MediaPlay);
  m_step = button("stepButton", "Step", "Run one training step (Ctrl+Right).", QStyle::SP_MediaSeekForward);
  m_step10 = button("step10Button", "×10", "Run ten steps.", QStyle::SP_MediaSeekForward);
  m_step100 = button("step100Button", "×100", "Run a hundred steps.", QStyle::SP_MediaSeekForward);
  m_reset = button("resetButton", "Reset", "Discard the run and start again from step 0 (Ctrl+R).",
                   QStyle::SP_BrowserReload);
  col->addLayout(row);
  col->addLayout(stepRow);
  m_progress = new QProgressBar(this);
  m_progress->setObjectName("trainingProgress");
  m_progress->setRange(0, 1000);
  m_progress->setValue(0);
  m_progress->setFormat("step 0");
  col->addWidget(m_progress);
  m_status = new QLabel("Ready.", this);
  m_status->setObjectName("trainingStatus");
  m_status->setWordWrap(true);
  col->addWidget(m_status);
  m_lossPlot = makePlot(this, "lossPlot", "loss");
  m_metricPlot = makePlot(this, "metricPlot", "metric");
  col->addWidget(m_lossPlot, 1);
  col->addWidget(m_metricPlot, 1);

  m_replotTimer = new QTimer(this);
  m_replotTimer->setSingleShot(true);
  m_replotTimer->setInterval(40);
  connect(m_replotTimer, &QTimer::timeout, this, &TrainingPanel::replot);

  connect(m_play, &QPushButton::clicked, this, [this] {
    if (m_controller->state() == TrainingController::State::Running) m_controller->pause();
    else m_controller->play();
  });
  connect(m_step, &QPushButton::clicked, this, [this] { m_controller->stepBy(1); });
  connect(m_step10, &QPushButton::clicked, this, [this] { m_controller->stepBy(10); });
  connect(m_step100, &QPushButton::clicked, this, [this] { m_controller->stepBy(100); });
  connect(m_reset, &QPushButton::clicked, m_controller, &TrainingController::reset);
  connect(m_controller, &TrainingController::progress, this, &TrainingPanel::onProgress);
  connect(m_controller, &TrainingController::stateChanged, this, &TrainingPanel::onState);
  connect(m_controller, &TrainingController::runReset, this, [this] {
    clearCurves();
    m_lastVal.clear();
    m_lastValMetric.clear();
    m_progress->setValue(0);
    m_progress->setFormat("step 0");
    m_status->setText("Ready.");
  });
  connect(m_controller, &TrainingController::failed, this,
          [this](const QString& msg) { m_status->setText("<span style='color:#b00020'>" + msg.toHtmlEscaped() + "</span>"); });
  updateButtons();
}

int TrainingPanel::curvePoints() const { return m_lossPlot->graph(0)->dataCount(); }

void TrainingPanel::setConfigurationValid(bool valid, const QString& why) {
  m_valid = valid;
  if (!valid && !why.isEmpty()) m_status->setText("Fix the layer configuration to train: " + why.toHtmlEscaped());
  else if (valid && m_controller->state() == TrainingController::State::Idle) m_status->setText("Ready.");
  updateButtons();
}

void TrainingPanel::updateButtons() {
  const auto s = m_controller->state();
  const bool running = s == TrainingController::State::Running;
  const bool finished = s == TrainingController::State::Finished;
  m_play->setEnabled(m_valid && !finished);
  m_play->setText(running ? "Pause" : "Train");
  m_play->setIcon(style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  for (auto* b : {m_step, m_step10, m_step100}) b->setEnabled(m_valid && !running && !finished);
  m_reset->setEnabled(m_controller->hasRun());
}

void TrainingPanel::onState(TrainingController::State) { updateButtons(); }

void TrainingPanel::onProgress(const TrainingProgress& p) {
  const double x = double(p.step);
  if (p.hasFigures && (!p.paused || m_lossPlot->graph(0)->dataCount() == 0 ||
                       (m_lossPlot->graph(0)->data()->constEnd() - 1)->key < x)) {
    m_lossPlot->graph(0)->addData(x, p.loss);
    m_metricPlot->graph(0)->addData(x, p.metric);
  }
  if (p.hasValidation) {
    m_lossPlot->graph(1)->addData(x, p.valLoss);
    m_metricPlot->graph(1)->addData(x, p.valMetric);
  }
  m_metricPlot->yAxis->setLabel(p.metricName);
  if (p.maxSteps > 0) m_progress->setValue(int(1000.0 * double(p.step) / double(p.maxSteps)));
  m_progress->setFormat(QString("step %1 / %2").arg(p.step).arg(p.maxSteps));
  if (p.hasValidation) m_lastVal = QString(" (val %1)").arg(p.valLoss, 0, 'g', 4), m_lastValMetric = QString(" (val %1)").arg(p.valMetric, 0, 'g', 3);
  m_status->setText(QString("loss %1%2 · %3 %4%5 · %6 steps/s · %7 samples/s · ETA %8")
                        .arg(p.loss, 0, 'g', 4)
                        .arg(m_lastVal)
                        .arg(p.metricName)
                        .arg(p.metric, 0, 'g', 3)
                        .arg(m_lastValMetric)
                        .arg(p.stepsPerSecond, 0, 'f', 0)
                        .arg(p.samplesPerSecond, 0, 'f', 0)
                        .arg(p.finished ? QString("done") : p.paused ? QString("paused") : formatDuration(p.etaSeconds)));
  if (!m_replotTimer->isActive()) m_replotTimer->start();
  updateButtons();
}

void TrainingPanel::clearCurves() {
  for (auto* p : {m_lossPlot, m_metricPlot}) {
    p->graph(0)->data()->clear();
    p->graph(1)->data()->clear();
    p->replot();
  }
}

void TrainingPanel::replot() {
  for (auto* p : {m_lossPlot, m_metricPlot}) {
    p->rescaleAxes();
    p->replot(QCustomPlot::rpQueuedReplot);
  }
}

}  // namespace embedscope::ui
