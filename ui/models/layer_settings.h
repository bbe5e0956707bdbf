#pragma once
// The Keras `Embedding` arguments as the Layer panel edits them. Numbers are kept as the text the
// user typed, so that "3.7" or "" can be rejected with Keras's own words instead of being silently
// rounded by a spin box. Everything here is pure (no widgets), so tests and the code generator
// share it.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace embedscope::ui {

struct LayerSettings {
  QString inputDim = "1000";
  QString outputDim = "64";
  QString inputLength = "10";  // Keras 2's input_length = Keras 3's keras.Input(shape=(10,)); "" = None
  QString embeddingsInitializer = "uniform";
  // Initializer arguments (only those the chosen initializer takes are used).
  double minval = -0.05, maxval = 0.05, mean = 0.0, stddev = 0.05, scale = 1.0, gain = 1.0, value = 0.0;
  QString mode = "fan_in";
  QString distribution = "truncated_normal";
  QString initializerSeed = "0";  // "" = None
  QString embeddingsRegularizer = "None";  // None, L1, L2, L1L2, OrthogonalRegularizer
  double regularizerL1 = 0.01, regularizerL2 = 0.01, regularizerFactor = 0.01;
  QString activityRegularizer = "None";  // None, L1, L2
  double activityL = 0.01;
  QString embeddingsConstraint = "None";  // None, MaxNorm, NonNeg, UnitNorm, MinMaxNorm
  double constraintMaxValue = 2.0, constraintMinValue = 0.0, constraintRate = 1.0;
  int constraintAxis = 0;
  bool maskZero = false;
  QString weightsPath;      // "" = None; a .npy whose shape must match (input_dim, output_dim)
  QString loraRank;         // "" = None
  QString loraAlpha;        // "" = None (then lora_rank)
  QString quantization = "None";  // None, int8, int4
  bool trainable = true;
  QString dtype = "float32";
  QString name = "embedding";
  bool sparse = false;  // Keras 2 only

  bool operator==(const LayerSettings&) const = default;

  QJsonObject toJson() const;
  static LayerSettings fromJson(const QJsonObject& o);
};

// Every initializer Keras accepts for an Embedding (snake_case aliases as in Keras's get()).
QStringList kerasInitializers();

// A Keras integer argument: the parsed value, or the Python type name Keras would report.
struct KerasInt {
  std::optional<long long> value;
  QString pythonRepr;  // what Keras prints after "Received: x=" (e.g. 3.7, '3', None)
  QString typeName;    // int, float, str, NoneType
};
KerasInt parseKerasInt(const QString& text);

// One validation problem: which field (Keras spelling) and Keras's message for it.
struct LayerIssue {
  QString field;
  QString message;
};

// The checks Keras makes (Keras 3.15 texts; Keras 2 for `sparse`), in the order Keras makes them.
// Empty when the layer would construct and build.
QList<LayerIssue> validateLayerSettings(const LayerSettings& s);

// The model summary Keras 3 prints for Sequential([Input(shape=(L,)), Embedding(...)]).
QString kerasSummary(const LayerSettings& s);

// Parameter counts as the summary reports them.
struct ParamCounts {
  long long trainable = 0;
  long long nonTrainable = 0;
};
ParamCounts paramCounts(const LayerSettings& s);

// Keras's readable_memory_size: 256000 → "250.00 KB".
QString kerasMemorySize(double bytes);
// 64000 → "64,000".
QString withThousands(long long v);

// The Python expression for the layer (e.g. `layers.Embedding(input_dim=1000, ...)`).
QString kerasLayerExpression(const LayerSettings& s, const QString& indent = "    ");

}  // namespace embedscope::ui
