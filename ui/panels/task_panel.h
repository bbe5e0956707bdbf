#pragma once
// The Task panel: presets, the data file, the optimizer with Keras's defaults and the dense/lazy
// switch, the engine (Auto / CPU / Vulkan, with the device's name) and the seed.
#include <QWidget>

#include "ui/models/task_settings.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QCheckBox;
class QLabel;
class QLineEdit;
class QFormLayout;
class QUndoStack;

namespace embedscope::ui {

class TaskPanel : public QWidget {
  Q_OBJECT
 public:
  TaskPanel(QUndoStack* undoStack, QWidget* parent = nullptr);

  TaskSettings settings() const { return m_settings; }
  void applySettings(const TaskSettings& s);
  void editSettings(const TaskSettings& s, const QString& what);
  QList<Preset> presets() const { return m_presets; }
  // The engine actually used by the current run, shown next to the choice.
  void setEngineDescription(const QString& text);

 signals:
  void settingsChanged(const embedscope::ui::TaskSettings& s);
  void presetChosen(const embedscope::ui::Preset& p);
  void openFileRequested();

 private:
  void buildUi();
  void fromWidgets();
  void toWidgets();
  void refresh();
  void edited(const QString& what);

  QUndoStack* m_undo;
  TaskSettings m_settings;
  QList<Preset> m_presets;
  bool m_updating = false;
  QComboBox *m_preset, *m_task, *m_optimizer, *m_update, *m_engine;
  QLineEdit* m_data;
  QSpinBox *m_classes, *m_batch, *m_maxSteps, *m_snapshotEvery, *m_seed;
  QDoubleSpinBox *m_valSplit, *m_lr, *m_momentum, *m_rho, *m_epsilon, *m_beta1, *m_beta2, *m_wd, *m_initAcc;
  QCheckBox *m_nesterov, *m_centered, *m_amsgrad;
  QFormLayout* m_optForm;
  QLabel* m_engineLabel;
  QLabel* m_presetDescription;
};

}  // namespace embedscope::ui
