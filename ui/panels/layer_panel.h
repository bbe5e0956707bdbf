#pragma once
// The Layer panel: every Keras `Embedding` argument under its Keras name, each with a one-sentence
// tooltip; Keras's validation messages inline under the field they concern; the model summary
// Keras would print; "Copy as Keras code". Every edit goes through the undo stack.
#include <QHash>
#include <QWidget>

#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"

class QLabel;
class QPlainTextEdit;
class QFormLayout;
class QUndoStack;
class QComboBox;
class QLineEdit;
class QDoubleSpinBox;
class QCheckBox;
class QSpinBox;

namespace embedscope::ui {

class LayerPanel : public QWidget {
  Q_OBJECT
 public:
  LayerPanel(QUndoStack* undoStack, QWidget* parent = nullptr);

  LayerSettings settings() const { return m_settings; }
  // Shows `s` without recording an undo step (used by undo/redo, presets and file loading).
  void applySettings(const LayerSettings& s);
  // Records `s` as one undoable edit named `what`.
  void editSettings(const LayerSettings& s, const QString& what);
  bool isValid() const { return m_issues.isEmpty(); }
  QList<LayerIssue> issues() const { return m_issues; }
  QString summaryText() const;
  // The task is needed for the generated script (optimizer, data, head).
  void setTaskSettings(const TaskSettings& t) { m_task = t; }

 signals:
  void settingsChanged(const embedscope::ui::LayerSettings& s);
  void validityChanged(bool valid);

 public slots:
  void copyKerasCode();
  void copyDistributedCode();

 private:
  void buildUi();
  void fromWidgets();
  void toWidgets();
  void refresh();
  template <typename Field, typename Signal>
  Field* addRow(QFormLayout* form, const QString& kerasName, const QString& tip, Field* e, Signal changed);
  void recordEdit(const QString& kerasName);  // an edit of `kerasName`: re-read, push an undo step, refresh
  QLineEdit* addLine(QFormLayout* form, const QString& kerasName, const QString& tip);
  QDoubleSpinBox* addDouble(QFormLayout* form, const QString& kerasName, const QString& tip, double lo, double hi,
                            int decimals);
  QComboBox* addCombo(QFormLayout* form, const QString& kerasName, const QString& tip, const QStringList& items);
  QCheckBox* addCheck(QFormLayout* form, const QString& kerasName, const QString& tip);
  void setRowShown(QWidget* field, bool shown);

  QUndoStack* m_undo;
  LayerSettings m_settings;
  TaskSettings m_task;
  QList<LayerIssue> m_issues;
  bool m_updating = false;

  QLineEdit *m_inputDim, *m_outputDim, *m_inputLength, *m_seed, *m_weights, *m_loraRank, *m_loraAlpha, *m_name;
  QComboBox *m_initializer, *m_mode, *m_distribution, *m_regularizer, *m_activity, *m_constraint, *m_quant, *m_dtype;
  QDoubleSpinBox *m_minval, *m_maxval, *m_mean, *m_stddev, *m_scale, *m_gain, *m_value, *m_l1, *m_l2, *m_factor,
      *m_activityL, *m_maxValue, *m_minValue, *m_rate;
  QSpinBox* m_axis;
  QCheckBox *m_maskZero, *m_trainable, *m_sparse;
  QHash<QString, QLabel*> m_errorLabels;  // Keras field name → its inline message
  QHash<QWidget*, QFormLayout*> m_rowForm;
  QLabel* m_banner;
  QPlainTextEdit* m_summary;
};

}  // namespace embedscope::ui
