#pragma once
// What the layer is trained on and how: task, data source, optimizer (Keras defaults), engine and
// seed. Pure data, shared by the Task panel, the presets, the code generator and the trainer.
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "ui/models/layer_settings.h"

namespace embedscope::ui {

struct OptimizerSettings {
  QString name = "adam";  // sgd, rmsprop, adam, adamw, adagrad
  double learningRate = 0.001;
  double momentum = 0.0;
  bool nesterov = false;
  double rho = 0.9;
  double epsilon = 1e-7;
  bool centered = false;
  double beta1 = 0.9;
  double beta2 = 0.999;
  bool amsgrad = false;
  double weightDecay = 0.004;
  double initialAccumulatorValue = 0.1;
  bool lazy = false;  // touched-rows-only updates instead of Keras 3's dense semantics

  bool operator==(const OptimizerSettings&) const = default;
  // Resets every argument to the Keras default for `optimizerName`.
  static OptimizerSettings kerasDefaults(const QString& optimizerName);
  QJsonObject toJson() const;
  static OptimizerSettings fromJson(const QJsonObject& o);
};

QStringList kerasOptimizers();

struct TaskSettings {
  QString task = "classify";  // classify, regression
  // Where the data comes from: the engine's presets "planted-clusters" (the demo, classify or
  // regression), "sentiment" (classify) and "keras-example" (regression), or "" with dataPath.
  QString preset = "planted-clusters";
  QString dataPath;           // "" = the preset's seeded synthetic corpus
  int numClasses = 6;
  int batchSize = 32;
  double validationSplit = 0.2;
  int snapshotEvery = 25;  // steps between snapshots sent to the views
  int maxSteps = 2000;
  QString engine = "auto";  // auto, cpu, vulkan
  quint64 seed = 0;
  OptimizerSettings optimizer;

  bool operator==(const TaskSettings&) const = default;
  QJsonObject toJson() const;
  static TaskSettings fromJson(const QJsonObject& o);
};

// A built-in preset: a name, a one-line description, and a full configuration.
struct Preset {
  QString id;
  QString title;
  QString description;
  LayerSettings layer;
  TaskSettings task;
};

// The presets compiled into the program (resources/presets/presets.json).
QList<Preset> builtinPresets();

// A runnable Keras 3 script for the configuration (data loading, model, compile, fit, save).
QString kerasScript(const LayerSettings& layer, const TaskSettings& task);
// The same model on keras.distribution.ModelParallel, with a LayoutMap that shards the table's rows.
QString kerasDistributedScript(const LayerSettings& layer, const TaskSettings& task);

}  // namespace embedscope::ui
