#include "ui/panels/task_panel.h"

#include <initializer_list>

#include "ui/models/engine_bridge.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QUndoStack>
#include <QVBoxLayout>

namespace embedscope::ui {

namespace {

class TaskEditCommand : public QUndoCommand {
 public:
  TaskEditCommand(TaskPanel* panel, TaskSettings before, TaskSettings after, const QString& what)
      : QUndoCommand(QString("Edit %1").arg(what)), m_panel(panel), m_before(std::move(before)),
        m_after(std::move(after)), m_what(what) {}
  void undo() override { m_panel->applySettings(m_before); }
  void redo() override {
    if (m_first) {
      m_first = false;
      return;
    }
    m_panel->applySettings(m_after);
  }
  int id() const override { return 0x5441; }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const TaskEditCommand*>(other);
    if (o->m_what != m_what) return false;
    m_after = o->m_after;
    return true;
  }

 private:
  TaskPanel* m_panel;
  TaskSettings m_before, m_after;
  QString m_what;
  bool m_first = true;
};

}  // namespace

TaskPanel::TaskPanel(QUndoStack* undoStack, QWidget* parent) : QWidget(parent), m_undo(undoStack) {
  setObjectName("taskPanel");
  m_presets = builtinPresets();
  buildUi();
  toWidgets();
  refresh();
}

void TaskPanel::buildUi() {
  auto* col = new QVBoxLayout(this);
  col->setContentsMargins(4, 4, 4, 4);

  auto* pg = new QGroupBox("Preset and data", this);
  auto* pf = new QFormLayout(pg);
  m_preset = new QComboBox(this);
  m_preset->setObjectName("presetCombo");
  // Long preset titles and device names must not widen the dock (the tooltip has the full text).
  m_preset->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_preset->setMinimumContentsLength(16);
  m_preset->addItem("(custom)");
  for (const auto& p : m_presets) m_preset->addItem(p.title, p.id);
  m_preset->setToolTip("Load a complete layer + task + optimizer configuration.");
  pf->addRow("preset", m_preset);
  m_presetDescription = new QLabel(this);
  m_presetDescription->setWordWrap(true);
  m_presetDescription->setObjectName("presetDescription");
  pf->addRow(QString(), m_presetDescription);
  connect(m_preset, &QComboBox::activated, this, [this](int index) {
    if (index <= 0 || index - 1 >= m_presets.size()) return;
    const Preset& p = m_presets[index - 1];
    m_presetDescription->setText(p.description);
    emit presetChosen(p);
  });
  m_task = new QComboBox(this);
  m_task->setObjectName("field_task");
  m_task->addItem("classify", "classify");
  m_task->addItem("regression", "regression");
  m_task->addItem("skipgram", "skipgram");
  m_task->setToolTip("classify: Embedding -> masked GlobalAveragePooling1D -> Dense softmax; regression: the Keras "
                     "docs' model with mse against a target table; skipgram: word2vec skip-gram with negative "
                     "sampling on the topics preset (a step = one chunk of ~10,000 words).");
  pf->addRow("task", m_task);
  auto* dataRow = new QHBoxLayout;
  m_data = new QLineEdit(this);
  m_data->setObjectName("field_data");
  m_data->setPlaceholderText("seeded synthetic corpus");
  m_data->setReadOnly(true);
  m_data->setToolTip("A text, TSV or NumPy file to explore or train on; empty uses the preset's synthetic corpus.");
  auto* open = new QPushButton("Open...", this);
  open->setObjectName("openDataButton");
  open->setToolTip("Open a text / TSV / NumPy file (Ctrl+O); files can also be dropped on the window.");
  connect(open, &QPushButton::clicked, this, &TaskPanel::openFileRequested);
  dataRow->addWidget(m_data, 1);
  dataRow->addWidget(open);
  pf->addRow("data", dataRow);
  m_classes = new QSpinBox(this);
  m_classes->setObjectName("field_num_classes");
  m_classes->setRange(2, 64);
  m_classes->setToolTip("Number of planted classes (units of the Dense softmax head).");
  pf->addRow("num_classes", m_classes);
  m_batch = new QSpinBox(this);
  m_batch->setObjectName("field_batch_size");
  m_batch->setRange(1, 65536);
  m_batch->setToolTip("Samples per step (Keras's batch_size).");
  pf->addRow("batch_size", m_batch);
  m_valSplit = new QDoubleSpinBox(this);
  m_valSplit->setObjectName("field_validation_split");
  m_valSplit->setRange(0.0, 0.9);
  m_valSplit->setSingleStep(0.05);
  m_valSplit->setToolTip("Fraction of samples held out for the validation curves.");
  pf->addRow("validation_split", m_valSplit);
  m_maxSteps = new QSpinBox(this);
  m_maxSteps->setObjectName("field_max_steps");
  m_maxSteps->setRange(1, 100000000);
  m_maxSteps->setToolTip("Training stops after this many steps.");
  pf->addRow("steps", m_maxSteps);
  m_snapshotEvery = new QSpinBox(this);
  m_snapshotEvery->setObjectName("field_snapshot_every");
  m_snapshotEvery->setRange(1, 100000);
  m_snapshotEvery->setToolTip("Steps between snapshots of the table sent to the views and the timeline.");
  pf->addRow("snapshot every", m_snapshotEvery);
  col->addWidget(pg);

  auto* og = new QGroupBox("Optimizer", this);
  m_optForm = new QFormLayout(og);
  m_optimizer = new QComboBox(this);
  m_optimizer->setObjectName("field_optimizer");
  m_optimizer->addItems(kerasOptimizers());
  m_optimizer->setToolTip("Choosing an optimizer resets its arguments to Keras's defaults.");
  m_optForm->addRow("optimizer", m_optimizer);
  auto dbl = [&](const QString& name, const QString& tip, double lo, double hi, int dec) {
    auto* s = new QDoubleSpinBox(this);
    s->setObjectName("field_" + name);
    s->setRange(lo, hi);
    s->setDecimals(dec);
    s->setSingleStep(hi <= 1.0 ? 0.001 : 0.01);
    s->setToolTip(tip);
    m_optForm->addRow(name, s);
    connect(s, &QDoubleSpinBox::valueChanged, this, [this, name] { edited(name); });
    return s;
  };
  auto chk = [&](const QString& name, const QString& tip) {
    auto* c = new QCheckBox(name, this);
    c->setObjectName("field_" + name);
    c->setToolTip(tip);
    m_optForm->addRow(QString(), c);
    connect(c, &QCheckBox::toggled, this, [this, name] { edited(name); });
    return c;
  };
  m_lr = dbl("learning_rate", "Step size (Keras: 0.01 for SGD, 0.001 for the others).", 0, 100, 6);
  m_momentum = dbl("momentum", "Momentum of SGD / RMSprop (a float in [0, 1]).", 0, 1, 4);
  m_nesterov = chk("nesterov", "Nesterov momentum for SGD.");
  m_rho = dbl("rho", "RMSprop's discount of the squared-gradient average.", 0, 1, 4);
  m_centered = chk("centered", "Centered RMSprop: normalise by the variance instead of the second moment.");
  m_beta1 = dbl("beta_1", "Adam's decay of the first moment.", 0, 1, 4);
  m_beta2 = dbl("beta_2", "Adam's decay of the second moment.", 0, 1, 5);
  m_amsgrad = chk("amsgrad", "Use the maximum of past second moments (AMSGrad).");
  m_wd = dbl("weight_decay", "AdamW's decoupled weight decay (Keras default 0.004).", 0, 1, 5);
  m_initAcc = dbl("initial_accumulator_value", "Adagrad's starting accumulator.", 0, 100, 4);
  m_epsilon = dbl("epsilon", "Small constant for numerical stability (Keras 1e-7).", 0, 1, 9);
  m_update = new QComboBox(this);
  m_update->setObjectName("field_update_mode");
  m_update->addItem("dense (Keras 3)", false);
  m_update->addItem("lazy (touched rows only)", true);
  m_update->setToolTip("Keras 3 updates every row's optimizer state each step; lazy mode updates only the rows "
                       "the batch touched (as tf.keras's legacy sparse optimizers and LazyAdam do).");
  m_optForm->addRow("updates", m_update);
  connect(m_optimizer, &QComboBox::currentTextChanged, this, [this](const QString& name) {
    if (m_updating) return;
    const TaskSettings before = m_settings;
    const bool lazy = m_settings.optimizer.lazy;
    m_settings.optimizer = OptimizerSettings::kerasDefaults(name);
    m_settings.optimizer.lazy = lazy;
    toWidgets();
    refresh();
    m_undo->push(new TaskEditCommand(this, before, m_settings, "optimizer"));
  });
  col->addWidget(og);

  auto* eg = new QGroupBox("Engine", this);
  auto* ef = new QFormLayout(eg);
  m_engine = new QComboBox(this);
  m_engine->setObjectName("field_engine");
  m_engine->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_engine->setMinimumContentsLength(16);
  m_engine->addItem("Auto", "auto");
  m_engine->addItem(QString("CPU (%1 threads)").arg(QThread::idealThreadCount()), "cpu");
  m_engine->addItem(QString("Vulkan: %1").arg(vulkanDeviceDescription()), "vulkan");
  m_engine->setToolTip("Auto uses Vulkan on a real GPU, else the CPU engine, and says why.");
  ef->addRow("engine", m_engine);
  m_engineLabel = new QLabel(this);
  m_engineLabel->setObjectName("engineDescription");
  m_engineLabel->setWordWrap(true);
  ef->addRow(QString(), m_engineLabel);
  m_seed = new QSpinBox(this);
  m_seed->setObjectName("field_seed");
  m_seed->setRange(0, std::numeric_limits<int>::max());
  m_seed->setToolTip("One seed for the corpus, the batches and the head: the same seed gives the same run.");
  ef->addRow("seed", m_seed);
  col->addWidget(eg);
  col->addStretch(1);

  connect(m_task, &QComboBox::currentIndexChanged, this, [this] { edited("task"); });
  connect(m_classes, &QSpinBox::valueChanged, this, [this] { edited("num_classes"); });
  connect(m_batch, &QSpinBox::valueChanged, this, [this] { edited("batch_size"); });
  connect(m_valSplit, &QDoubleSpinBox::valueChanged, this, [this] { edited("validation_split"); });
  connect(m_maxSteps, &QSpinBox::valueChanged, this, [this] { edited("steps"); });
  connect(m_snapshotEvery, &QSpinBox::valueChanged, this, [this] { edited("snapshot_every"); });
  connect(m_update, &QComboBox::currentIndexChanged, this, [this] { edited("updates"); });
  connect(m_engine, &QComboBox::currentIndexChanged, this, [this] { edited("engine"); });
  connect(m_seed, &QSpinBox::valueChanged, this, [this] { edited("seed"); });
}

void TaskPanel::edited(const QString& what) {
  if (m_updating) return;
  const TaskSettings before = m_settings;
  fromWidgets();
  if (before == m_settings) return;
  m_undo->push(new TaskEditCommand(this, before, m_settings, what));
  refresh();
}

void TaskPanel::fromWidgets() {
  TaskSettings& t = m_settings;
  t.task = m_task->currentData().toString();
  t.numClasses = m_classes->value();
  t.batchSize = m_batch->value();
  t.validationSplit = m_valSplit->value();
  t.maxSteps = m_maxSteps->value();
  t.snapshotEvery = m_snapshotEvery->value();
  t.engine = m_engine->currentData().toString();
  t.seed = quint64(m_seed->value());
  OptimizerSettings& o = t.optimizer;
  o.name = m_optimizer->currentText();
  o.learningRate = m_lr->value();
  o.momentum = m_momentum->value();
  o.nesterov = m_nesterov->isChecked();
  o.rho = m_rho->value();
  o.centered = m_centered->isChecked();
  o.beta1 = m_beta1->value();
  o.beta2 = m_beta2->value();
  o.amsgrad = m_amsgrad->isChecked();
  o.weightDecay = m_wd->value();
  o.initialAccumulatorValue = m_initAcc->value();
  o.epsilon = m_epsilon->value();
  o.lazy = m_update->currentData().toBool();
}

void TaskPanel::toWidgets() {
  m_updating = true;
  const TaskSettings& t = m_settings;
  m_task->setCurrentIndex(m_task->findData(t.task));
  m_data->setText(t.dataPath);
  m_classes->setValue(t.numClasses);
  m_batch->setValue(t.batchSize);
  m_valSplit->setValue(t.validationSplit);
  m_maxSteps->setValue(t.maxSteps);
  m_snapshotEvery->setValue(t.snapshotEvery);
  m_engine->setCurrentIndex(std::max(0, m_engine->findData(t.engine)));
  m_seed->setValue(int(std::min<quint64>(t.seed, quint64(std::numeric_limits<int>::max()))));
  const OptimizerSettings& o = t.optimizer;
  m_optimizer->setCurrentText(o.name);
  m_lr->setValue(o.learningRate);
  m_momentum->setValue(o.momentum);
  m_nesterov->setChecked(o.nesterov);
  m_rho->setValue(o.rho);
  m_centered->setChecked(o.centered);
  m_beta1->setValue(o.beta1);
  m_beta2->setValue(o.beta2);
  m_amsgrad->setChecked(o.amsgrad);
  m_wd->setValue(o.weightDecay);
  m_initAcc->setValue(o.initialAccumulatorValue);
  m_epsilon->setValue(o.epsilon);
  m_update->setCurrentIndex(o.lazy ? 1 : 0);
  m_updating = false;
}

void TaskPanel::refresh() {
  const QString n = m_settings.optimizer.name;
  m_optForm->setRowVisible(m_momentum, n == "sgd" || n == "rmsprop");
  m_optForm->setRowVisible(m_nesterov, n == "sgd");
  m_optForm->setRowVisible(m_rho, n == "rmsprop");
  m_optForm->setRowVisible(m_centered, n == "rmsprop");
  m_optForm->setRowVisible(m_beta1, n == "adam" || n == "adamw");
  m_optForm->setRowVisible(m_beta2, n == "adam" || n == "adamw");
  m_optForm->setRowVisible(m_amsgrad, n == "adam" || n == "adamw");
  m_optForm->setRowVisible(m_wd, n == "adamw");
  m_optForm->setRowVisible(m_initAcc, n == "adagrad");
  m_optForm->setRowVisible(m_epsilon, n != "sgd");
  m_classes->setEnabled(m_settings.task == "classify");
  // Skip-gram has word2vec's own schedule (SGD, linear decay) on the CPU and the topics preset:
  // batch, validation, optimizer and engine do not apply to it.
  const bool keras = m_settings.task != "skipgram";
  for (QWidget* f : std::initializer_list<QWidget*>{m_batch, m_valSplit, m_optimizer, m_update, m_engine, m_lr,
                                                    m_momentum, m_rho, m_epsilon, m_beta1, m_beta2, m_wd, m_initAcc,
                                                    m_nesterov, m_centered, m_amsgrad, m_data})
    f->setEnabled(keras);
  emit settingsChanged(m_settings);
}

void TaskPanel::applySettings(const TaskSettings& s) {
  m_settings = s;
  toWidgets();
  refresh();
}

void TaskPanel::editSettings(const TaskSettings& s, const QString& what) {
  const TaskSettings before = m_settings;
  applySettings(s);
  if (!(before == s)) m_undo->push(new TaskEditCommand(this, before, s, what));
}

void TaskPanel::setEngineDescription(const QString& text) { m_engineLabel->setText(text); }

}  // namespace embedscope::ui
