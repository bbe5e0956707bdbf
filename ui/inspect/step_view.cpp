#include "ui/inspect/step_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace embedscope::ui::inspect {

namespace {

const QColor kGrey(225, 225, 225);
const QColor kGreyText(150, 150, 150);

QString f(double v, int prec = 5) { return QString::number(v, 'f', prec); }

QTableWidgetItem* numberItem(double v, int prec = 5) {
  auto* it = new QTableWidgetItem(f(v, prec));
  it->setData(Qt::UserRole, v);
  it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return it;
}

double rowNorm(const Matrix& m, Eigen::Index r) {
  double s = 0;
  for (Eigen::Index c = 0; c < m.cols(); ++c) s += static_cast<double>(m(r, c)) * m(r, c);
  return std::sqrt(s);
}

const char* kStageNames[] = {"1. ids", "2. rows they select", "3. output (batch, length, dim)", "4. loss",
                             "5. gradient rows", "6. optimizer update"};

}  // namespace

StepView::StepView(QWidget* parent) : QWidget(parent) {
  setObjectName("stepView");
  m_lock = new ClassroomLock(this);

  m_preset = new QComboBox(this);
  m_preset->setObjectName("stepPreset");
  m_maskZero = new QCheckBox(tr("mask_zero"), this);
  m_maskZero->setObjectName("stepMaskZero");
  m_maskZero->setChecked(true);
  m_outputDim = new QSpinBox(this);
  m_outputDim->setObjectName("stepOutputDim");
  m_outputDim->setRange(1, 512);
  m_outputDim->setValue(8);
  m_optimizer = new QComboBox(this);
  m_optimizer->setObjectName("stepOptimizer");
  m_optimizer->addItems({"sgd", "rmsprop", "adam", "adamw", "adagrad", "ftrl"});
  m_optimizer->setCurrentText("adam");
  m_updates = new QComboBox(this);
  m_updates->setObjectName("stepUpdates");
  m_updates->addItems({"dense", "lazy"});
  m_learningRate = new QDoubleSpinBox(this);
  m_learningRate->setObjectName("stepLearningRate");
  m_learningRate->setDecimals(5);
  m_learningRate->setRange(1e-5, 10);
  m_learningRate->setSingleStep(0.001);
  m_learningRate->setValue(0.01);
  m_batchSize = new QSpinBox(this);
  m_batchSize->setObjectName("stepBatchSize");
  m_batchSize->setRange(1, 64);
  m_batchSize->setValue(4);
  m_seed = new QSpinBox(this);
  m_seed->setObjectName("stepSeed");
  m_seed->setRange(0, 1'000'000);
  m_reset = new QPushButton(tr("Reset"), this);
  m_reset->setObjectName("stepReset");
  m_next = new QPushButton(tr("Next batch ▶"), this);
  m_next->setObjectName("stepNext");
  m_next->setDefault(true);
  m_saveLesson = new QPushButton(tr("Save as lesson…"), this);
  m_saveLesson->setObjectName("stepSaveLesson");
  m_openLesson = new QPushButton(tr("Open lesson…"), this);
  m_openLesson->setObjectName("stepOpenLesson");

  auto* setupBox = new QGroupBox(tr("Setup"), this);
  setupBox->setObjectName("stepSetupBox");
  auto* form = new QFormLayout(setupBox);
  form->addRow(tr("preset"), m_preset);
  form->addRow(QString(), m_maskZero);
  form->addRow(tr("output_dim"), m_outputDim);
  form->addRow(tr("optimizer"), m_optimizer);
  form->addRow(tr("updates"), m_updates);
  form->addRow(tr("learning_rate"), m_learningRate);
  form->addRow(tr("batch_size"), m_batchSize);
  form->addRow(tr("seed"), m_seed);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_reset);
  buttons->addWidget(m_next);

  m_stages = new QListWidget(this);
  m_stages->setObjectName("stepStages");
  for (const char* s : kStageNames) m_stages->addItem(tr(s));
  m_stages->setMaximumHeight(150);
  m_prevStage = new QPushButton(tr("◀ stage"), this);
  m_prevStage->setObjectName("stepStagePrev");
  m_nextStage = new QPushButton(tr("stage ▶"), this);
  m_nextStage->setObjectName("stepStageNext");
  auto* stageButtons = new QHBoxLayout;
  stageButtons->addWidget(m_prevStage);
  stageButtons->addWidget(m_nextStage);

  m_lessonTitle = new QLabel(this);
  m_lessonTitle->setObjectName("stepLessonTitle");
  m_lessonTitle->setStyleSheet("font-weight: bold; font-size: 14pt");
  m_lessonTitle->setWordWrap(true);
  m_lessonTitle->hide();
  m_lessonNotes = new QLabel(this);
  m_lessonNotes->setObjectName("stepLessonNotes");
  m_lessonNotes->setWordWrap(true);
  m_lessonNotes->hide();

  auto* side = new QVBoxLayout;
  side->addWidget(m_lessonTitle);
  side->addWidget(m_lessonNotes);
  side->addWidget(setupBox);
  side->addLayout(buttons);
  side->addWidget(m_stages);
  side->addLayout(stageButtons);
  side->addStretch(1);
  auto* lessonButtons = new QHBoxLayout;
  lessonButtons->addWidget(m_openLesson);
  lessonButtons->addWidget(m_saveLesson);
  side->addLayout(lessonButtons);

  m_narration = new QLabel(this);
  m_narration->setObjectName("stepNarration");
  m_narration->setWordWrap(true);
  m_narration->setTextFormat(Qt::RichText);
  m_narration->setMinimumHeight(70);
  m_narration->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_error = new QLabel(this);
  m_error->setObjectName("stepError");
  m_error->setStyleSheet("color: #b00020");
  m_error->setWordWrap(true);
  m_error->hide();
  m_table = new QTableWidget(this);
  m_table->setObjectName("stepTable");
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setDefaultSectionSize(22);

  auto* main = new QVBoxLayout;
  main->addWidget(m_error);
  main->addWidget(m_narration);
  main->addWidget(m_table, 1);
  auto* layout = new QHBoxLayout(this);
  auto* sideWidget = new QWidget(this);
  sideWidget->setLayout(side);
  sideWidget->setMaximumWidth(300);
  layout->addWidget(sideWidget);
  layout->addLayout(main, 1);

  auto reset = [this] {
    if (!m_blockReset) showError(resetEngine());
  };
  connect(m_preset, &QComboBox::currentTextChanged, this, reset);
  connect(m_maskZero, &QCheckBox::toggled, this, reset);
  connect(m_outputDim, &QSpinBox::valueChanged, this, reset);
  connect(m_optimizer, &QComboBox::currentTextChanged, this, reset);
  connect(m_updates, &QComboBox::currentTextChanged, this, reset);
  connect(m_learningRate, &QDoubleSpinBox::valueChanged, this, reset);
  connect(m_batchSize, &QSpinBox::valueChanged, this, reset);
  connect(m_seed, &QSpinBox::valueChanged, this, reset);
  connect(m_reset, &QPushButton::clicked, this, reset);
  connect(m_next, &QPushButton::clicked, this, [this] { showError(nextStep()); });
  connect(m_stages, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row >= 0 && row != m_stage) showStage(row);
  });
  connect(m_prevStage, &QPushButton::clicked, this, [this] { showStage(std::max(0, m_stage - 1)); });
  connect(m_nextStage, &QPushButton::clicked, this, [this] { showStage(std::min(StageCount - 1, m_stage + 1)); });
  connect(m_saveLesson, &QPushButton::clicked, this, [this] {
    QString path = QFileDialog::getSaveFileName(this, tr("Save lesson"), QString(), tr("Embedscope session (*.embedscope)"));
    if (path.isEmpty()) return;
    bool ok = false;
    QString title = QInputDialog::getText(this, tr("Lesson"), tr("Title"), QLineEdit::Normal, tr("Masks and padding"), &ok);
    if (!ok) return;
    ClassroomSettings c;
    c.title = title;
    c.notes = tr("Step through a batch and watch which rows move.");
    c.locked = {"stepPreset", "stepOptimizer", "stepUpdates", "stepOutputDim", "stepSeed"};
    showError(saveLesson(path, c));
  });
  connect(m_openLesson, &QPushButton::clicked, this, [this] {
    QString path = QFileDialog::getOpenFileName(this, tr("Open lesson"), QString(), tr("Embedscope session (*.embedscope)"));
    if (!path.isEmpty()) showError(openLesson(path));
  });
  m_stages->setCurrentRow(0);
}

void StepView::setEngine(std::shared_ptr<StepEngine> engine) {
  m_engine = std::move(engine);
  m_blockReset = true;
  QString current = m_preset->currentText();
  m_preset->clear();
  if (m_engine) m_preset->addItems(m_engine->presets());
  if (!current.isEmpty()) m_preset->setCurrentText(current);
  m_blockReset = false;
  showError(resetEngine());
}

void StepView::setLessonIo(LessonSaver saver, LessonLoader loader) {
  m_saver = std::move(saver);
  m_loader = std::move(loader);
}

StepSetup StepView::setup() const {
  StepSetup s;
  s.preset = m_preset->currentText();
  s.maskZero = m_maskZero->isChecked();
  s.outputDim = m_outputDim->value();
  s.optimizer = m_optimizer->currentText();
  s.lazy = m_updates->currentText() == "lazy";
  s.learningRate = m_learningRate->value();
  s.batchSize = m_batchSize->value();
  s.seed = static_cast<quint64>(m_seed->value());
  return s;
}

void StepView::setSetup(const StepSetup& s) {
  m_blockReset = true;
  if (m_preset->findText(s.preset) < 0) m_preset->addItem(s.preset);
  m_preset->setCurrentText(s.preset);
  m_maskZero->setChecked(s.maskZero);
  m_outputDim->setValue(s.outputDim);
  m_optimizer->setCurrentText(s.optimizer);
  m_updates->setCurrentText(s.lazy ? "lazy" : "dense");
  m_learningRate->setValue(s.learningRate);
  m_batchSize->setValue(s.batchSize);
  m_seed->setValue(static_cast<int>(s.seed));
  m_blockReset = false;
  showError(resetEngine());
}

Status StepView::resetEngine() {
  m_record.reset();
  refreshStage();
  if (!m_engine) return Status::ok();
  Status s = m_engine->reset(setup());
  if (s.isOk()) emit engineReset();
  return s;
}

Status StepView::nextStep() {
  if (!m_engine) return Status::unavailable("no engine attached to the step-through");
  Result<StepRecord> r = m_engine->next();
  if (!r.isOk()) return r.status();
  m_record = std::move(r.value());
  refreshStage();
  emit stepped(m_record->step);
  return Status::ok();
}

void StepView::showStage(int stage) {
  m_stage = std::clamp(stage, 0, StageCount - 1);
  {
    QSignalBlocker block(m_stages);
    m_stages->setCurrentRow(m_stage);
  }
  refreshStage();
  emit stageShown(m_stage);
}

void StepView::showError(const Status& s) {
  m_error->setVisible(!s.isOk());
  if (!s.isOk()) m_error->setText(QString::fromStdString(s.message()));
}

void StepView::refreshStage() {
  m_table->clear();
  m_table->setRowCount(0);
  m_table->setColumnCount(0);
  m_prevStage->setEnabled(m_stage > 0);
  m_nextStage->setEnabled(m_stage < StageCount - 1);
  if (!m_record) {
    m_narration->setText(tr("Press <b>Next batch</b> to run one training step and follow it stage by stage."));
    return;
  }
  const StepRecord& r = *m_record;
  switch (m_stage) {
    case Ids: fillIds(r); break;
    case Rows: fillRows(r); break;
    case Output: fillOutput(r); break;
    case Loss: fillLoss(r); break;
    case Gradient: fillGradient(r); break;
    case Update: fillUpdate(r); break;
    default: break;
  }
}

void StepView::fillIds(const StepRecord& r) {
  const TokenBatch& b = r.batch;
  int padding = 0;
  for (auto id : b.ids) padding += id == 0;
  m_narration->setText(tr("<b>Step %1.</b> The batch is a (%2, %3) array of token ids, one row per sentence, padded "
                          "at the end with id 0 (%4 padding positions). %5")
                           .arg(r.step)
                           .arg(b.batch)
                           .arg(b.length)
                           .arg(padding)
                           .arg(r.maskZero ? tr("With mask_zero=True the layer also emits the mask ids != 0.")
                                           : tr("mask_zero=False: no mask; padding is just row 0.")));
  m_table->setRowCount(b.batch);
  m_table->setColumnCount(b.length);
  for (int e = 0; e < b.batch; ++e)
    for (int t = 0; t < b.length; ++t) {
      std::int64_t id = b.id(e, t);
      auto* it = new QTableWidgetItem(QStringLiteral("%1 (%2)").arg(id).arg(b.token(id)));
      it->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(id));
      if (id == 0) it->setBackground(kGrey);
      m_table->setItem(e, t, it);
    }
}

void StepView::fillRows(const StepRecord& r) {
  const int dim = static_cast<int>(r.selectedBefore.cols());
  const bool padding = !r.selectedRows.empty() && r.selectedRows.front() == 0;
  m_narration->setText(tr("The lookup selects one row of the (input_dim, %1) table per id: %2 distinct rows for %3 "
                          "positions, shown with their values before the step.%4")
                           .arg(dim)
                           .arg(r.selectedRows.size())
                           .arg(r.batch.ids.size())
                           .arg(padding ? tr(" Row 0 is read at every padding position: it is an ordinary row of "
                                             "the table, not a frozen zero vector as PyTorch's padding_idx makes it.")
                                        : QString()));
  m_table->setRowCount(static_cast<int>(r.selectedRows.size()));
  m_table->setColumnCount(dim + 2);
  QStringList cols{tr("id"), tr("positions")};
  for (int d = 0; d < dim; ++d) cols << tr("d%1").arg(d);
  m_table->setHorizontalHeaderLabels(cols);
  for (int i = 0; i < static_cast<int>(r.selectedRows.size()); ++i) {
    std::int64_t id = r.selectedRows[static_cast<size_t>(i)];
    auto* idItem = new QTableWidgetItem(QStringLiteral("%1 %2").arg(id).arg(r.batch.token(id)));
    idItem->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(id));
    if (id == 0) idItem->setBackground(kGrey);
    m_table->setItem(i, 0, idItem);
    m_table->setItem(i, 1, numberItem(static_cast<double>(r.selectedCounts[static_cast<size_t>(i)]), 0));
    for (int d = 0; d < dim; ++d) m_table->setItem(i, d + 2, numberItem(r.selectedBefore(i, d)));
  }
}

void StepView::fillOutput(const StepRecord& r) {
  const TokenBatch& b = r.batch;
  const int dim = static_cast<int>(r.gathered.cols());
  int masked = 0;
  for (auto m : r.mask) masked += m == 0;
  m_narration->setText(tr("The Embedding output has shape <b>(%1, %2, %3)</b>: position (b, t) holds row ids[b, t]. "
                          "%4 Then GlobalAveragePooling1D averages each sentence's valid positions into a (%1, %3) "
                          "vector.")
                           .arg(b.batch)
                           .arg(b.length)
                           .arg(dim)
                           .arg(r.maskZero ? tr("The %1 masked positions (greyed) are skipped downstream.").arg(masked)
                                           : tr("Nothing is masked, so padding rows are averaged in.")));
  m_table->setRowCount(b.batch * b.length);
  m_table->setColumnCount(dim + 1);
  QStringList cols{tr("mask")};
  for (int d = 0; d < dim; ++d) cols << tr("d%1").arg(d);
  m_table->setHorizontalHeaderLabels(cols);
  QStringList rows;
  for (int e = 0; e < b.batch; ++e)
    for (int t = 0; t < b.length; ++t) rows << QStringLiteral("[%1, %2] %3").arg(e).arg(t).arg(b.token(b.id(e, t)));
  m_table->setVerticalHeaderLabels(rows);
  for (int p = 0; p < b.batch * b.length; ++p) {
    bool valid = r.mask[static_cast<size_t>(p)] != 0;
    auto* m = new QTableWidgetItem(valid ? "True" : "False");
    m->setData(Qt::UserRole, valid);
    m_table->setItem(p, 0, m);
    for (int d = 0; d < dim; ++d) {
      auto* it = numberItem(r.gathered(p, d));
      if (!valid) {
        it->setBackground(kGrey);
        it->setForeground(kGreyText);
      }
      m_table->setItem(p, d + 1, it);
    }
    if (!valid) m->setBackground(kGrey);
  }
}

void StepView::fillLoss(const StepRecord& r) {
  const int classes = static_cast<int>(r.probabilities.cols());
  const int n = r.batch.batch;
  m_narration->setText(tr("Dense + softmax turn each pooled vector into %1 class probabilities. %2 is the mean of "
                          "−log p(label) over the batch: <b>loss = %3</b>.")
                           .arg(classes)
                           .arg(r.lossName)
                           .arg(f(r.loss, 6)));
  m_table->setRowCount(n);
  m_table->setColumnCount(classes + 2);
  QStringList cols{tr("label")};
  for (int c = 0; c < classes; ++c) cols << tr("p(%1)").arg(c);
  cols << tr("−log p(label)");
  m_table->setHorizontalHeaderLabels(cols);
  for (int e = 0; e < n; ++e) {
    int label = e < static_cast<int>(r.batch.labels.size()) ? r.batch.labels[static_cast<size_t>(e)] : -1;
    m_table->setItem(e, 0, numberItem(label, 0));
    for (int c = 0; c < classes; ++c) m_table->setItem(e, c + 1, numberItem(r.probabilities(e, c)));
    double p = label >= 0 && label < classes ? r.probabilities(e, label) : std::nan("");
    m_table->setItem(e, classes + 1, numberItem(-std::log(p), 6));
  }
}

void StepView::fillGradient(const StepRecord& r) {
  const int dim = static_cast<int>(r.gradient.cols());
  int dup = 0;
  for (auto c : r.gradientCounts) dup += c > 1;
  const bool rowZeroSelected = !r.selectedRows.empty() && r.selectedRows.front() == 0;
  const bool rowZeroGrad = !r.gradientRows.empty() && r.gradientRows.front() == 0;
  QString zero;
  if (rowZeroSelected && !rowZeroGrad)
    zero = tr(" Row 0 gets no gradient: every position that read it is masked, so nothing downstream used it.");
  else if (rowZeroGrad)
    zero = tr(" Row 0 gets a gradient too: without a mask the padding positions are averaged in, so row 0 trains.");
  m_narration->setText(tr("The gradient of the loss reaches the table only in the %1 rows the batch's valid "
                          "positions looked up (a row-sparse gradient). %2 row(s) occur more than once, and their "
                          "gradients are summed before the optimizer sees them.%3")
                           .arg(r.gradientRows.size())
                           .arg(dup)
                           .arg(zero));
  m_table->setRowCount(static_cast<int>(r.gradientRows.size()));
  m_table->setColumnCount(dim + 3);
  QStringList cols{tr("id"), tr("positions"), tr("‖grad‖")};
  for (int d = 0; d < dim; ++d) cols << tr("d%1").arg(d);
  m_table->setHorizontalHeaderLabels(cols);
  for (int i = 0; i < static_cast<int>(r.gradientRows.size()); ++i) {
    std::int64_t id = r.gradientRows[static_cast<size_t>(i)];
    auto* idItem = new QTableWidgetItem(QStringLiteral("%1 %2").arg(id).arg(r.batch.token(id)));
    idItem->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(id));
    m_table->setItem(i, 0, idItem);
    m_table->setItem(i, 1, numberItem(static_cast<double>(r.gradientCounts[static_cast<size_t>(i)]), 0));
    m_table->setItem(i, 2, numberItem(rowNorm(r.gradient, i), 6));
    for (int d = 0; d < dim; ++d) m_table->setItem(i, d + 3, numberItem(r.gradient(i, d), 6));
  }
}

void StepView::fillUpdate(const StepRecord& r) {
  const int dim = static_cast<int>(r.rowsAfter.cols());
  QString mode = r.lazy ? tr("lazy %1: only the looked-up rows change").arg(r.optimizer)
                        : tr("dense (Keras 3) %1: every row's moments decay, so rows outside the batch can move too")
                              .arg(r.optimizer);
  m_narration->setText(tr("The optimizer (%1, learning_rate=%2) updates the table: %3. <b>%4</b> rows moved, "
                          "<b>%5</b> of them not in this batch. The batch's rows after the step:")
                           .arg(r.optimizer)
                           .arg(r.learningRate)
                           .arg(mode)
                           .arg(r.rowsMoved)
                           .arg(r.untouchedRowsMoved));
  m_table->setRowCount(static_cast<int>(r.gradientRows.size()));
  m_table->setColumnCount(dim + 2);
  QStringList cols{tr("id"), tr("‖Δ‖")};
  for (int d = 0; d < dim; ++d) cols << tr("d%1").arg(d);
  m_table->setHorizontalHeaderLabels(cols);
  for (int i = 0; i < static_cast<int>(r.gradientRows.size()); ++i) {
    std::int64_t id = r.gradientRows[static_cast<size_t>(i)];
    auto* idItem = new QTableWidgetItem(QStringLiteral("%1 %2").arg(id).arg(r.batch.token(id)));
    idItem->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(id));
    m_table->setItem(i, 0, idItem);
    double d2 = 0;
    for (int d = 0; d < dim; ++d) {
      double dd = static_cast<double>(r.rowsAfter(i, d)) - r.rowsBefore(i, d);
      d2 += dd * dd;
    }
    m_table->setItem(i, 1, numberItem(std::sqrt(d2), 7));
    for (int d = 0; d < dim; ++d) m_table->setItem(i, d + 2, numberItem(r.rowsAfter(i, d), 6));
  }
}

Status StepView::saveLesson(const QString& path, const ClassroomSettings& classroom) const {
  if (!m_saver) return Status::unavailable("saving lessons needs the session file support");
  return m_saver(path, Lesson{setup(), classroom});
}

Status StepView::openLesson(const QString& path) {
  if (!m_loader) return Status::unavailable("opening lessons needs the session file support");
  Result<Lesson> lesson = m_loader(path);
  if (!lesson.isOk()) return lesson.status();
  m_lock->release();
  setSetup(lesson->setup);
  applyClassroom(lesson->classroom);
  emit lessonOpened(lesson->classroom.title);
  return Status::ok();
}

void StepView::applyClassroom(const ClassroomSettings& classroom) {
  m_lock->apply(this, classroom);
  m_lessonTitle->setText(classroom.title);
  m_lessonTitle->setVisible(!classroom.title.isEmpty());
  m_lessonNotes->setText(classroom.notes);
  m_lessonNotes->setVisible(!classroom.notes.isEmpty());
}

}  // namespace embedscope::ui::inspect
