#include "ui/panels/layer_panel.h"

#include <type_traits>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QUndoStack>
#include <QVBoxLayout>

namespace embedscope::ui {

namespace {

// One configuration edit. Consecutive edits of the same field merge (typing "1000" is one step).
class LayerEditCommand : public QUndoCommand {
 public:
  LayerEditCommand(LayerPanel* panel, LayerSettings before, LayerSettings after, const QString& what)
      : QUndoCommand(QString("Edit %1").arg(what)), m_panel(panel), m_before(std::move(before)),
        m_after(std::move(after)), m_what(what) {}
  void undo() override { m_panel->applySettings(m_before); }
  void redo() override {
    if (m_first) {
      m_first = false;  // the panel already shows the new value
      return;
    }
    m_panel->applySettings(m_after);
  }
  int id() const override { return 0x4c59; }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const LayerEditCommand*>(other);
    if (o->m_what != m_what) return false;
    m_after = o->m_after;
    return true;
  }

 private:
  LayerPanel* m_panel;
  LayerSettings m_before, m_after;
  QString m_what;
  bool m_first = true;
};

QString objName(const QString& kerasName) { return "field_" + QString(kerasName).replace('.', '_'); }

}  // namespace

LayerPanel::LayerPanel(QUndoStack* undoStack, QWidget* parent) : QWidget(parent), m_undo(undoStack) {
  setObjectName("layerPanel");
  buildUi();
  toWidgets();
  refresh();
}

// Every field is one form row under its Keras name, the tooltip on the field and its label, and
// every edit one undoable change named after the argument.
template <typename Field, typename Signal>
Field* LayerPanel::addRow(QFormLayout* form, const QString& kerasName, const QString& tip, Field* e, Signal changed) {
  e->setObjectName(objName(kerasName));
  e->setToolTip(tip);
  if constexpr (std::is_same_v<Field, QCheckBox>) {
    form->addRow(QString(), e);  // a check box carries its own name
  } else {
    auto* label = new QLabel(kerasName, this);
    label->setToolTip(tip);
    form->addRow(label, e);
  }
  m_rowForm[e] = form;
  connect(e, changed, this, [this, kerasName] { recordEdit(kerasName); });
  return e;
}

void LayerPanel::recordEdit(const QString& kerasName) {
  if (m_updating) return;
  const LayerSettings before = m_settings;
  fromWidgets();
  if (!(before == m_settings)) m_undo->push(new LayerEditCommand(this, before, m_settings, kerasName));
  refresh();
}

QLineEdit* LayerPanel::addLine(QFormLayout* form, const QString& kerasName, const QString& tip) {
  return addRow(form, kerasName, tip, new QLineEdit(this), &QLineEdit::textEdited);
}

QDoubleSpinBox* LayerPanel::addDouble(QFormLayout* form, const QString& kerasName, const QString& tip, double lo,
                                      double hi, int decimals) {
  auto* e = new QDoubleSpinBox(this);
  e->setRange(lo, hi);
  e->setDecimals(decimals);
  e->setSingleStep(decimals >= 3 ? 0.01 : 0.1);
  return addRow(form, kerasName, tip, e, &QDoubleSpinBox::valueChanged);
}

QComboBox* LayerPanel::addCombo(QFormLayout* form, const QString& kerasName, const QString& tip,
                                const QStringList& items) {
  auto* e = new QComboBox(this);
  e->addItems(items);
  return addRow(form, kerasName, tip, e, &QComboBox::currentTextChanged);
}

QCheckBox* LayerPanel::addCheck(QFormLayout* form, const QString& kerasName, const QString& tip) {
  return addRow(form, kerasName, tip, new QCheckBox(kerasName, this), &QCheckBox::toggled);
}

void LayerPanel::setRowShown(QWidget* field, bool shown) {
  if (QFormLayout* f = m_rowForm.value(field)) f->setRowVisible(field, shown);
}

void LayerPanel::buildUi() {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(4, 4, 4, 4);
  m_banner = new QLabel(this);
  m_banner->setObjectName("layerValidationBanner");
  m_banner->setWordWrap(true);
  m_banner->setStyleSheet("QLabel { color: #b00020; font-weight: bold; }");
  outer->addWidget(m_banner);

  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* inner = new QWidget(scroll);
  auto* col = new QVBoxLayout(inner);
  col->setContentsMargins(0, 0, 0, 0);
  scroll->setWidget(inner);
  outer->addWidget(scroll, 3);

  auto group = [&](const QString& title) {
    auto* g = new QGroupBox(title, inner);
    auto* f = new QFormLayout(g);
    f->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    col->addWidget(g);
    return f;
  };
  auto errorRow = [&](QFormLayout* f, const QString& field) {
    auto* l = new QLabel(inner);
    l->setObjectName("error_" + field);
    l->setWordWrap(true);
    l->setStyleSheet("QLabel { color: #b00020; }");
    l->setVisible(false);
    f->addRow(QString(), l);
    m_errorLabels[field] = l;
  };

  QFormLayout* shape = group("Shape");
  m_inputDim = addLine(shape, "input_dim", "Size of the vocabulary: the largest token id plus one (rows of the table).");
  errorRow(shape, "input_dim");
  m_outputDim = addLine(shape, "output_dim", "Width of each token's vector (columns of the table).");
  errorRow(shape, "output_dim");
  m_inputLength = addLine(shape, "input_length",
                          "Length of the input sequences: Keras 2's input_length, Keras 3's keras.Input(shape=(L,)); "
                          "empty means None (any length).");
  m_inputLength->setPlaceholderText("None");
  errorRow(shape, "input_length");

  QFormLayout* init = group("Initializer");
  m_initializer = addCombo(init, "embeddings_initializer",
                           "How the table is filled before training; Keras's default \"uniform\" is "
                           "RandomUniform(-0.05, 0.05).",
                           kerasInitializers());
  errorRow(init, "embeddings_initializer");
  m_minval = addDouble(init, "minval", "Lower bound of RandomUniform (inclusive).", -100, 100, 4);
  m_maxval = addDouble(init, "maxval", "Upper bound of RandomUniform (exclusive).", -100, 100, 4);
  m_mean = addDouble(init, "mean", "Mean of the normal distribution.", -100, 100, 4);
  m_stddev = addDouble(init, "stddev", "Standard deviation of the normal distribution (truncated at 2 stddev for "
                                       "TruncatedNormal).", 0, 100, 4);
  m_scale = addDouble(init, "scale", "VarianceScaling's scale: the variance is scale / fan.", -100, 100, 4);
  m_mode = addCombo(init, "mode", "Which fan VarianceScaling divides by: fan_in = input_dim, fan_out = output_dim.",
                    {"fan_in", "fan_out", "fan_avg"});
  m_distribution = addCombo(init, "distribution", "VarianceScaling's distribution.",
                            {"truncated_normal", "untruncated_normal", "uniform"});
  m_gain = addDouble(init, "gain", "Multiplier of the orthogonal or identity matrix.", -100, 100, 4);
  m_value = addDouble(init, "value", "The constant every weight starts at.", -1e6, 1e6, 4);
  m_seed = addLine(init, "seed", "Seed of the initializer; the same seed gives the same table on every engine.");
  m_seed->setPlaceholderText("None");
  errorRow(init, "seed");

  QFormLayout* reg = group("Regularizers and constraint");
  m_regularizer = addCombo(reg, "embeddings_regularizer", "A penalty on the whole table added to the loss.",
                           {"None", "L1", "L2", "L1L2", "OrthogonalRegularizer"});
  m_l1 = addDouble(reg, "l1", "L1 coefficient: l1 * sum(|W|).", 0, 100, 5);
  m_l2 = addDouble(reg, "l2", "L2 coefficient: l2 * sum(W^2) (no 1/2).", 0, 100, 5);
  m_factor = addDouble(reg, "factor", "OrthogonalRegularizer's factor (rows mode).", 0, 100, 5);
  m_activity = addCombo(reg, "activity_regularizer", "A penalty on the layer's output, divided by the batch size.",
                        {"None", "L1", "L2"});
  m_activityL = addDouble(reg, "activity_regularizer.l", "Coefficient of the activity regularizer.", 0, 100, 5);
  m_constraint = addCombo(reg, "embeddings_constraint",
                          "A projection applied to the whole table after every optimizer step.",
                          {"None", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"});
  errorRow(reg, "embeddings_constraint");
  m_maxValue = addDouble(reg, "max_value", "Largest norm MaxNorm/MinMaxNorm allows.", -100, 1000, 3);
  m_minValue = addDouble(reg, "min_value", "Smallest norm MinMaxNorm allows.", -100, 1000, 3);
  m_rate = addDouble(reg, "rate", "How far MinMaxNorm moves towards the allowed range (1 = all the way).", 0, 1, 3);
  m_axis = new QSpinBox(this);
  m_axis->setObjectName("field_axis");
  m_axis->setRange(0, 1);
  m_axis->setToolTip("Axis of the norm: 0 = per column (Keras's default), 1 = per token row.");
  reg->addRow("axis", m_axis);
  m_rowForm[m_axis] = reg;
  connect(m_axis, &QSpinBox::valueChanged, this, [this] {
    if (m_updating) return;
    const LayerSettings before = m_settings;
    fromWidgets();
    if (!(before == m_settings)) m_undo->push(new LayerEditCommand(this, before, m_settings, "axis"));
    refresh();
  });

  QFormLayout* mask = group("Masking, weights and dtype");
  m_maskZero = addCheck(mask, "mask_zero",
                        "Treat id 0 as padding: the layer emits the mask ids != 0, which later layers honour.");
  m_weights = addLine(mask, "weights", "A .npy file with the initial table; its shape must be (input_dim, output_dim).");
  m_weights->setPlaceholderText("None");
  m_trainable = addCheck(mask, "trainable", "Whether the optimizer updates the table.");
  m_dtype = addCombo(mask, "dtype", "The dtype policy of the layer's variable.", {"float32", "float16", "bfloat16", "float64"});
  errorRow(mask, "dtype");
  m_name = addLine(mask, "name", "The layer's name, as it appears in the summary and in saved files.");
  errorRow(mask, "name");

  QFormLayout* lora = group("LoRA and quantization");
  m_loraRank = addLine(lora, "lora_rank",
                       "Rank of a low-rank update A@B trained instead of the frozen table; empty means None.");
  m_loraRank->setPlaceholderText("None");
  errorRow(lora, "lora_rank");
  m_loraAlpha = addLine(lora, "lora_alpha", "Scale of the LoRA update is lora_alpha / lora_rank; empty means lora_rank.");
  m_loraAlpha->setPlaceholderText("None");
  errorRow(lora, "lora_alpha");
  m_quant = addCombo(lora, "quantization_config", "Quantize the table to int8 or int4 (per-row abs-max scale).",
                     {"None", "int8", "int4"});
  errorRow(lora, "quantization_config");

  QFormLayout* k2 = group("Keras 2 only");
  m_sparse = addCheck(k2, "sparse", "tf.keras only: return a tf.SparseTensor for sparse input (not in Keras 3).");
  errorRow(k2, "sparse");
  col->addStretch(1);

  auto* sumTitle = new QLabel("<b>Model summary</b>", this);
  outer->addWidget(sumTitle);
  m_summary = new QPlainTextEdit(this);
  m_summary->setObjectName("modelSummary");
  m_summary->setReadOnly(true);
  m_summary->setLineWrapMode(QPlainTextEdit::NoWrap);
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  mono.setPointSizeF(mono.pointSizeF() * 0.85);
  m_summary->setFont(mono);
  m_summary->setMinimumHeight(QFontMetrics(mono).lineSpacing() * 11);
  m_summary->setToolTip("What model.summary() prints for Sequential([keras.Input(shape=(input_length,)), Embedding(...)]).");
  outer->addWidget(m_summary, 1);

  auto* buttons = new QHBoxLayout;
  auto* copy = new QPushButton("Copy as Keras code", this);
  copy->setObjectName("copyKerasCode");
  copy->setToolTip("Copy a runnable Keras 3 script: data loading, this layer, the task's head, the optimizer.");
  auto* copyDist = new QPushButton("Copy ModelParallel variant", this);
  copyDist->setObjectName("copyDistributedCode");
  copyDist->setToolTip("The same script on keras.distribution.ModelParallel, with a LayoutMap that shards the table's "
                       "rows across devices.");
  connect(copy, &QPushButton::clicked, this, &LayerPanel::copyKerasCode);
  connect(copyDist, &QPushButton::clicked, this, &LayerPanel::copyDistributedCode);
  buttons->addWidget(copy);
  buttons->addWidget(copyDist);
  outer->addLayout(buttons);
}

void LayerPanel::fromWidgets() {
  LayerSettings& s = m_settings;
  s.inputDim = m_inputDim->text();
  s.outputDim = m_outputDim->text();
  s.inputLength = m_inputLength->text();
  s.embeddingsInitializer = m_initializer->currentText();
  s.minval = m_minval->value();
  s.maxval = m_maxval->value();
  s.mean = m_mean->value();
  s.stddev = m_stddev->value();
  s.scale = m_scale->value();
  s.mode = m_mode->currentText();
  s.distribution = m_distribution->currentText();
  s.gain = m_gain->value();
  s.value = m_value->value();
  s.initializerSeed = m_seed->text();
  s.embeddingsRegularizer = m_regularizer->currentText();
  s.regularizerL1 = m_l1->value();
  s.regularizerL2 = m_l2->value();
  s.regularizerFactor = m_factor->value();
  s.activityRegularizer = m_activity->currentText();
  s.activityL = m_activityL->value();
  s.embeddingsConstraint = m_constraint->currentText();
  s.constraintMaxValue = m_maxValue->value();
  s.constraintMinValue = m_minValue->value();
  s.constraintRate = m_rate->value();
  s.constraintAxis = m_axis->value();
  s.maskZero = m_maskZero->isChecked();
  s.weightsPath = m_weights->text();
  s.trainable = m_trainable->isChecked();
  s.dtype = m_dtype->currentText();
  s.name = m_name->text();
  s.loraRank = m_loraRank->text();
  s.loraAlpha = m_loraAlpha->text();
  s.quantization = m_quant->currentText();
  s.sparse = m_sparse->isChecked();
}

void LayerPanel::toWidgets() {
  m_updating = true;
  const LayerSettings& s = m_settings;
  auto setText = [](QLineEdit* e, const QString& t) {
    if (e->text() != t) e->setText(t);
  };
  setText(m_inputDim, s.inputDim);
  setText(m_outputDim, s.outputDim);
  setText(m_inputLength, s.inputLength);
  m_initializer->setCurrentText(s.embeddingsInitializer);
  m_minval->setValue(s.minval);
  m_maxval->setValue(s.maxval);
  m_mean->setValue(s.mean);
  m_stddev->setValue(s.stddev);
  m_scale->setValue(s.scale);
  m_mode->setCurrentText(s.mode);
  m_distribution->setCurrentText(s.distribution);
  m_gain->setValue(s.gain);
  m_value->setValue(s.value);
  setText(m_seed, s.initializerSeed);
  m_regularizer->setCurrentText(s.embeddingsRegularizer);
  m_l1->setValue(s.regularizerL1);
  m_l2->setValue(s.regularizerL2);
  m_factor->setValue(s.regularizerFactor);
  m_activity->setCurrentText(s.activityRegularizer);
  m_activityL->setValue(s.activityL);
  m_constraint->setCurrentText(s.embeddingsConstraint);
  m_maxValue->setValue(s.constraintMaxValue);
  m_minValue->setValue(s.constraintMinValue);
  m_rate->setValue(s.constraintRate);
  m_axis->setValue(s.constraintAxis);
  m_maskZero->setChecked(s.maskZero);
  setText(m_weights, s.weightsPath);
  m_trainable->setChecked(s.trainable);
  m_dtype->setCurrentText(s.dtype);
  setText(m_name, s.name);
  setText(m_loraRank, s.loraRank);
  setText(m_loraAlpha, s.loraAlpha);
  m_quant->setCurrentText(s.quantization);
  m_sparse->setChecked(s.sparse);
  m_updating = false;
}

void LayerPanel::applySettings(const LayerSettings& s) {
  m_settings = s;
  toWidgets();
  refresh();
}

void LayerPanel::editSettings(const LayerSettings& s, const QString& what) {
  const LayerSettings before = m_settings;
  applySettings(s);
  if (!(before == s)) m_undo->push(new LayerEditCommand(this, before, s, what));
}

void LayerPanel::refresh() {
  const QString init = m_settings.embeddingsInitializer;
  const bool uniform = init == "uniform" || init == "random_uniform";
  const bool normal = init == "normal" || init == "random_normal" || init == "truncated_normal";
  setRowShown(m_minval, uniform);
  setRowShown(m_maxval, uniform);
  setRowShown(m_mean, normal);
  setRowShown(m_stddev, normal);
  setRowShown(m_scale, init == "variance_scaling");
  setRowShown(m_mode, init == "variance_scaling");
  setRowShown(m_distribution, init == "variance_scaling");
  setRowShown(m_gain, init == "orthogonal" || init == "identity");
  setRowShown(m_value, init == "constant");
  const QString reg = m_settings.embeddingsRegularizer;
  setRowShown(m_l1, reg == "L1" || reg == "L1L2");
  setRowShown(m_l2, reg == "L2" || reg == "L1L2");
  setRowShown(m_factor, reg == "OrthogonalRegularizer");
  setRowShown(m_activityL, m_settings.activityRegularizer != "None");
  const QString con = m_settings.embeddingsConstraint;
  setRowShown(m_maxValue, con == "MaxNorm" || con == "MinMaxNorm");
  setRowShown(m_minValue, con == "MinMaxNorm");
  setRowShown(m_rate, con == "MinMaxNorm");
  setRowShown(m_axis, con == "MaxNorm" || con == "UnitNorm" || con == "MinMaxNorm");

  const bool wasValid = m_issues.isEmpty();
  m_issues = validateLayerSettings(m_settings);
  for (auto it = m_errorLabels.begin(); it != m_errorLabels.end(); ++it) {
    QStringList msgs;
    for (const auto& i : m_issues)
      if (i.field == it.key()) msgs << i.message;
    it.value()->setText(msgs.join('\n'));
    it.value()->setVisible(!msgs.isEmpty());
  }
  QStringList all;
  for (const auto& i : m_issues) all << "ValueError: " + i.message;
  m_banner->setText(all.join('\n'));
  m_banner->setVisible(!all.isEmpty());
  // Keep the last good summary visible but mark it stale, as Keras would not get that far.
  if (m_issues.isEmpty()) {
    m_summary->setPlainText(kerasSummary(m_settings));
    m_summary->setEnabled(true);
  } else {
    m_summary->setEnabled(false);
  }
  emit settingsChanged(m_settings);
  if (wasValid != m_issues.isEmpty()) emit validityChanged(m_issues.isEmpty());
}

QString LayerPanel::summaryText() const { return m_summary->toPlainText(); }

void LayerPanel::copyKerasCode() { QApplication::clipboard()->setText(kerasScript(m_settings, m_task)); }

void LayerPanel::copyDistributedCode() {
  QApplication::clipboard()->setText(kerasDistributedScript(m_settings, m_task));
}

}  // namespace embedscope::ui
