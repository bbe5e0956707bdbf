#include "ui/models/task_settings.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include "engine/core/version.h"

namespace embedscope::ui {

namespace {

QString pyFloat(double v) {
  QString s = QString::number(v, 'g', 12);
  if (!s.contains('.') && !s.contains('e')) s += ".0";
  return s;
}
QString pyBool(bool b) { return b ? "True" : "False"; }
QString pyStr(const QString& s) { return "\"" + QString(s).replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }

QString optimizerExpression(const OptimizerSettings& o) {
  const QString lr = pyFloat(o.learningRate);
  if (o.name == "sgd")
    return QString("keras.optimizers.SGD(learning_rate=%1, momentum=%2, nesterov=%3)")
        .arg(lr, pyFloat(o.momentum), pyBool(o.nesterov));
  if (o.name == "rmsprop")
    return QString("keras.optimizers.RMSprop(learning_rate=%1, rho=%2, momentum=%3, epsilon=%4, centered=%5)")
        .arg(lr, pyFloat(o.rho), pyFloat(o.momentum), pyFloat(o.epsilon), pyBool(o.centered));
  if (o.name == "adamw")
    return QString("keras.optimizers.AdamW(learning_rate=%1, weight_decay=%2, beta_1=%3, beta_2=%4, epsilon=%5, "
                   "amsgrad=%6)")
        .arg(lr, pyFloat(o.weightDecay), pyFloat(o.beta1), pyFloat(o.beta2), pyFloat(o.epsilon), pyBool(o.amsgrad));
  if (o.name == "adagrad")
    return QString("keras.optimizers.Adagrad(learning_rate=%1, initial_accumulator_value=%2, epsilon=%3)")
        .arg(lr, pyFloat(o.initialAccumulatorValue), pyFloat(o.epsilon));
  return QString("keras.optimizers.Adam(learning_rate=%1, beta_1=%2, beta_2=%3, epsilon=%4, amsgrad=%5)")
      .arg(lr, pyFloat(o.beta1), pyFloat(o.beta2), pyFloat(o.epsilon), pyBool(o.amsgrad));
}

QString dataBlock(const LayerSettings& layer, const TaskSettings& task) {
  const QString len = parseKerasInt(layer.inputLength).value ? layer.inputLength.trimmed() : "10";
  QString s;
  s += QString("INPUT_DIM, OUTPUT_DIM, SEQ_LEN = %1, %2, %3\n").arg(layer.inputDim.trimmed(), layer.outputDim.trimmed(), len);
  s += QString("SEED = %1\n").arg(task.seed);
  s += "keras.utils.set_random_seed(SEED)\n";
  s += "rng = np.random.default_rng(SEED)\n\n";
  if (!task.dataPath.isEmpty()) {
    const QString p = pyStr(task.dataPath);
    if (task.dataPath.endsWith(".npy")) {
      s += QString("# Token ids from a NumPy file: int array of shape (samples, SEQ_LEN).\nx = np.load(%1).astype(\"int32\")\n").arg(p);
      s += "y = rng.integers(0, NUM_CLASSES, size=len(x))  # replace with your labels\n";
    } else {
      s += QString("# One sample per line; a TSV line is `label<TAB>text`.\nlines = open(%1, encoding=\"utf-8\").read().splitlines()\n").arg(p);
      s += R"(pairs = [l.split("\t", 1) if "\t" in l else ("0", l) for l in lines if l.strip()]
labels, texts = zip(*pairs)
vectorize = layers.TextVectorization(max_tokens=INPUT_DIM, output_sequence_length=SEQ_LEN)
vectorize.adapt(list(texts))  # id 0 = padding, id 1 = out-of-vocabulary, as in Embedscope
x = np.asarray(vectorize(list(texts)), dtype="int32")
classes = sorted(set(labels))
y = np.array([classes.index(l) for l in labels])
)";
    }
    return s;
  }
  if (task.task == "regression") {
    s += R"(# The Keras docs' example: random ids, and a fixed target table the layer learns to reproduce.
x = rng.integers(0, INPUT_DIM, size=(4096, SEQ_LEN)).astype("int32")
target_table = rng.uniform(-0.05, 0.05, size=(INPUT_DIM, OUTPUT_DIM)).astype("float32")
y = target_table[x]
)";
    return s;
  }
  // As the engine's planted-clusters preset (engine/data/planted_clusters_preset.h) generates it.
  s += R"(# Seeded synthetic corpus with planted classes: token t >= 2 belongs to class (t - 2) % NUM_CLASSES;
# a sample draws 80% of its tokens from its class, the rest at random, then is padded with 0.
def corpus(n):
    y = rng.integers(0, NUM_CLASSES, size=n)
    x = np.zeros((n, SEQ_LEN), dtype="int32")
    for i, c in enumerate(y):
        length = max(1, rng.integers(SEQ_LEN // 2, SEQ_LEN + 1))
        own = 2 + c + NUM_CLASSES * rng.integers(0, (INPUT_DIM - 2 - c + NUM_CLASSES - 1) // NUM_CLASSES, size=length)
        noise = rng.integers(2, INPUT_DIM, size=length)
        x[i, :length] = np.where(rng.random(length) < 0.8, own, noise)
    return x, y

)";
  s += "x, y = corpus(4096)\n";
  return s;
}

QString modelBlock(const LayerSettings& layer, const TaskSettings& task, const QString& indent) {
  QString s;
  s += indent + "model = keras.Sequential([\n";
  s += indent + "    keras.Input(shape=(SEQ_LEN,), dtype=\"int32\"),\n";
  s += indent + "    " + kerasLayerExpression(layer, indent + "    ") + ",\n";
  if (task.task != "regression") {
    s += indent + "    layers.GlobalAveragePooling1D(),  # honours the mask when mask_zero=True\n";
    s += indent + "    layers.Dense(NUM_CLASSES, activation=\"softmax\"),\n";
  }
  s += indent + "])\n";
  const QString loss = task.task == "regression" ? "\"mse\"" : "\"sparse_categorical_crossentropy\"";
  const QString metrics = task.task == "regression" ? "[\"mae\"]" : "[\"accuracy\"]";
  s += indent + QString("model.compile(optimizer=%1, loss=%2, metrics=%3)\n").arg(optimizerExpression(task.optimizer), loss, metrics);
  return s;
}

QString header(const LayerSettings& layer, const TaskSettings& task, const QString& backendLine) {
  QString s = "#!/usr/bin/env python3\n";
  s += QString("# Generated by Embedscope %1: the layer, optimizer, task and data of the current session.\n")
           .arg(QString::fromStdString(versionString()));
  if (task.optimizer.lazy)
    s += "# Note: Embedscope trained with lazy (touched-rows-only) updates; Keras 3 optimizers are dense.\n";
  if (layer.sparse) s += "# Note: `sparse=True` is a Keras 2 (tf.keras) argument and is left out here.\n";
  s += "import os\n" + backendLine + "import numpy as np\nimport keras\nfrom keras import layers\n\n";
  if (task.task != "regression") s += QString("NUM_CLASSES = %1\n").arg(task.numClasses);
  return s;
}

QString fitBlock(const TaskSettings& task, const QString& saveName) {
  QString s;
  s += QString("model.fit(x, y, batch_size=%1, epochs=5, validation_split=%2)\n")
           .arg(task.batchSize)
           .arg(pyFloat(task.validationSplit));
  s += QString("model.save(%1)  # open it in Embedscope\n").arg(pyStr(saveName));
  return s;
}

}  // namespace

QStringList kerasOptimizers() { return {"sgd", "rmsprop", "adam", "adamw", "adagrad"}; }

OptimizerSettings OptimizerSettings::kerasDefaults(const QString& optimizerName) {
  OptimizerSettings o;
  o.name = optimizerName;
  o.learningRate = optimizerName == "sgd" ? 0.01 : 0.001;
  o.momentum = 0.0;
  o.nesterov = false;
  o.rho = 0.9;
  o.epsilon = 1e-7;
  o.centered = false;
  o.beta1 = 0.9;
  o.beta2 = 0.999;
  o.amsgrad = false;
  o.weightDecay = 0.004;
  o.initialAccumulatorValue = 0.1;
  return o;
}

namespace {
// The optimizer's arguments under their Keras names: toJson and fromJson walk the same table.
struct DoubleField {
  const char* key;
  double OptimizerSettings::*member;
};
struct BoolField {
  const char* key;
  bool OptimizerSettings::*member;
};
constexpr DoubleField kDoubleFields[] = {
    {"learning_rate", &OptimizerSettings::learningRate}, {"momentum", &OptimizerSettings::momentum},
    {"rho", &OptimizerSettings::rho},                     {"epsilon", &OptimizerSettings::epsilon},
    {"beta_1", &OptimizerSettings::beta1},                {"beta_2", &OptimizerSettings::beta2},
    {"weight_decay", &OptimizerSettings::weightDecay},
    {"initial_accumulator_value", &OptimizerSettings::initialAccumulatorValue}};
constexpr BoolField kBoolFields[] = {{"nesterov", &OptimizerSettings::nesterov},
                                     {"centered", &OptimizerSettings::centered},
                                     {"amsgrad", &OptimizerSettings::amsgrad},
                                     {"lazy", &OptimizerSettings::lazy}};
}  // namespace

QJsonObject OptimizerSettings::toJson() const {
  QJsonObject o{{"name", name}};
  for (const auto& f : kDoubleFields) o[f.key] = this->*f.member;
  for (const auto& f : kBoolFields) o[f.key] = this->*f.member;
  return o;
}

OptimizerSettings OptimizerSettings::fromJson(const QJsonObject& o) {
  OptimizerSettings s = kerasDefaults(o.value("name").toString("adam"));
  for (const auto& f : kDoubleFields) s.*f.member = o.value(f.key).toDouble(s.*f.member);
  for (const auto& f : kBoolFields) s.*f.member = o.value(f.key).toBool(s.*f.member);
  return s;
}

QJsonObject TaskSettings::toJson() const {
  return QJsonObject{{"task", task},
                     {"preset", preset},
                     {"data", dataPath},
                     {"num_classes", numClasses},
                     {"batch_size", batchSize},
                     {"validation_split", validationSplit},
                     {"snapshot_every", snapshotEvery},
                     {"max_steps", maxSteps},
                     {"engine", engine},
                     {"seed", QString::number(seed)},
                     {"optimizer", optimizer.toJson()}};
}

TaskSettings TaskSettings::fromJson(const QJsonObject& o) {
  TaskSettings t;
  t.task = o.value("task").toString(t.task);
  t.preset = o.value("preset").toString(t.preset);
  t.dataPath = o.value("data").toString();
  t.numClasses = o.value("num_classes").toInt(t.numClasses);
  t.batchSize = o.value("batch_size").toInt(t.batchSize);
  t.validationSplit = o.value("validation_split").toDouble(t.validationSplit);
  t.snapshotEvery = o.value("snapshot_every").toInt(t.snapshotEvery);
  t.maxSteps = o.value("max_steps").toInt(t.maxSteps);
  t.engine = o.value("engine").toString(t.engine);
  const QJsonValue seed = o.value("seed");
  t.seed = seed.isString() ? seed.toString().toULongLong() : static_cast<quint64>(seed.toDouble(0));
  if (o.contains("optimizer")) t.optimizer = OptimizerSettings::fromJson(o.value("optimizer").toObject());
  return t;
}

QList<Preset> builtinPresets() {
  QList<Preset> out;
  QFile f(":/embedscope/presets/presets.json");
  if (!f.open(QIODevice::ReadOnly)) return out;
  const QJsonArray arr = QJsonDocument::fromJson(f.readAll()).object().value("presets").toArray();
  for (const QJsonValue& v : arr) {
    const QJsonObject o = v.toObject();
    Preset p;
    p.id = o.value("id").toString();
    p.title = o.value("title").toString();
    p.description = o.value("description").toString();
    p.layer = LayerSettings::fromJson(o.value("layer").toObject());
    p.task = TaskSettings::fromJson(o.value("task").toObject());
    out.append(p);
  }
  return out;
}

QString kerasScript(const LayerSettings& layer, const TaskSettings& task) {
  QString s = header(layer, task, "os.environ.setdefault(\"KERAS_BACKEND\", \"jax\")  # tensorflow and torch work too\n");
  s += dataBlock(layer, task);
  s += "\n" + modelBlock(layer, task, "");
  s += "model.summary()\n";
  s += fitBlock(task, "embedding_model.keras");
  return s;
}

QString kerasDistributedScript(const LayerSettings& layer, const TaskSettings& task) {
  QString s = header(layer, task,
                     "os.environ[\"KERAS_BACKEND\"] = \"jax\"  # keras.distribution runs on the JAX backend\n");
  s += "# Run the same model on every accelerator Keras can see: the batch is split along the\n";
  s += "# \"batch\" axis and the embedding table's rows are sharded along the \"model\" axis.\n";
  s += "devices = keras.distribution.list_devices()\n";
  s += "mesh = keras.distribution.DeviceMesh(shape=(1, len(devices)), axis_names=(\"batch\", \"model\"), devices=devices)\n";
  s += "layout_map = keras.distribution.LayoutMap(mesh)\n";
  s += QString("layout_map[%1] = (\"model\", None)  # rows of the (input_dim, output_dim) table\n")
           .arg(pyStr(layer.name + "/embeddings"));
  s += "keras.distribution.set_distribution(\n";
  s += "    keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name=\"batch\"))\n\n";
  s += dataBlock(layer, task);
  s += "\n" + modelBlock(layer, task, "");
  s += "model.summary()\n";
  s += fitBlock(task, "embedding_model_distributed.keras");
  return s;
}

}  // namespace embedscope::ui
