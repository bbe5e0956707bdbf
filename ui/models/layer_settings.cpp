#include "ui/models/layer_settings.h"

#include "ui/models/engine_bridge.h"

#include <QRegularExpression>
#include <cmath>

namespace embedscope::ui {

namespace {

QString pyFloat(double v) {
  // Python's repr of a float: always has a '.' or an exponent.
  QString s = QString::number(v, 'g', 12);
  if (!s.contains('.') && !s.contains('e') && !s.contains("inf") && !s.contains("nan")) s += ".0";
  return s;
}

QString pyStr(const QString& s) { return "\"" + QString(s).replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }

bool isNone(const QString& s) {
  const QString t = s.trimmed();
  return t.isEmpty() || t == "None";
}

// Keras 3's initializer class names for the snake_case aliases.
QString initializerClass(const QString& alias) {
  static const QHash<QString, QString> names{
      {"uniform", "RandomUniform"},         {"random_uniform", "RandomUniform"},
      {"normal", "RandomNormal"},           {"random_normal", "RandomNormal"},
      {"truncated_normal", "TruncatedNormal"}, {"variance_scaling", "VarianceScaling"},
      {"glorot_uniform", "GlorotUniform"},  {"glorot_normal", "GlorotNormal"},
      {"he_uniform", "HeUniform"},          {"he_normal", "HeNormal"},
      {"lecun_uniform", "LecunUniform"},    {"lecun_normal", "LecunNormal"},
      {"orthogonal", "Orthogonal"},         {"identity", "Identity"},
      {"zeros", "Zeros"},                   {"ones", "Ones"},
      {"constant", "Constant"}};
  return names.value(alias, alias);
}

}  // namespace

QStringList kerasInitializers() {
  return {"uniform",       "normal",       "truncated_normal", "variance_scaling", "glorot_uniform",
          "glorot_normal", "he_uniform",   "he_normal",        "lecun_uniform",    "lecun_normal",
          "orthogonal",    "identity",     "zeros",            "ones",             "constant"};
}

KerasInt parseKerasInt(const QString& text) {
  KerasInt r;
  const QString t = text.trimmed();
  if (t.isEmpty() || t == "None") {
    r.pythonRepr = "None";
    r.typeName = "NoneType";
    return r;
  }
  if (t == "True" || t == "False") {
    r.pythonRepr = t;
    r.typeName = "bool";
    return r;
  }
  static const QRegularExpression intRe("^[+-]?[0-9]+$");
  if (intRe.match(t).hasMatch()) {
    bool ok = false;
    const long long v = t.toLongLong(&ok);
    r.pythonRepr = ok ? QString::number(v) : t;
    r.typeName = "int";
    if (ok) r.value = v;
    return r;
  }
  bool isFloat = false;
  const double d = t.toDouble(&isFloat);
  if (isFloat) {
    r.pythonRepr = pyFloat(d);
    r.typeName = "float";
    return r;
  }
  r.pythonRepr = t;  // Keras formats with an f-string, i.e. str(), not repr()
  r.typeName = "str";
  return r;
}

QList<LayerIssue> validateLayerSettings(const LayerSettings& s) {
  QList<LayerIssue> issues;
  auto checkDim = [&](const QString& field, const QString& text) {
    const KerasInt k = parseKerasInt(text);
    if (!k.value || *k.value <= 0) {
      issues.append({field, QString("`%1` must be a positive integer. Received: %1=%2 (of type %3).")
                                .arg(field, k.pythonRepr, k.typeName)});
    }
  };
  checkDim("input_dim", s.inputDim);
  checkDim("output_dim", s.outputDim);

  if (!isNone(s.inputLength)) {
    const KerasInt k = parseKerasInt(s.inputLength);
    if (!k.value) {
      issues.append({"input_length", QString("Cannot convert '(%1,)' to a shape. Found invalid dimension '%1' of type "
                                             "'%2'.")
                                         .arg(k.pythonRepr, k.typeName)});
    } else if (*k.value < 0) {
      issues.append({"input_length", QString("Cannot convert '(%1,)' to a shape. Negative dimensions are not allowed.")
                                         .arg(*k.value)});
    }
  }

  const QString init = s.embeddingsInitializer;
  if (!kerasInitializers().contains(init)) {
    issues.append({"embeddings_initializer",
                   QString("Could not interpret initializer identifier: %1").arg(init)});
  }
  if (init == "variance_scaling") {
    if (s.scale <= 0.0)
      issues.append({"embeddings_initializer",
                     QString("Argument `scale` must be positive float. Received: scale=%1").arg(pyFloat(s.scale))});
    if (s.mode != "fan_in" && s.mode != "fan_out" && s.mode != "fan_avg")
      issues.append({"embeddings_initializer",
                     QString("Invalid `mode` argument: %1. Please use one of {'fan_in', 'fan_out', 'fan_avg'}").arg(s.mode)});
    if (s.distribution != "truncated_normal" && s.distribution != "untruncated_normal" &&
        s.distribution != "uniform" && s.distribution != "normal")
      issues.append({"embeddings_initializer",
                     QString("Invalid `distribution` argument: %1.Allowed distributions: {'uniform', "
                             "'truncated_normal', 'untruncated_normal'}")
                         .arg(s.distribution)});
  }
  if ((init == "uniform" || init == "random_uniform") && !(s.minval < s.maxval)) {
    // Keras itself does not check this; an empty range would make every weight minval, which is
    // never what the user meant, so it is reported in the same style.
    issues.append({"embeddings_initializer",
                   QString("`minval` must be less than `maxval`. Received: minval=%1, maxval=%2")
                       .arg(pyFloat(s.minval), pyFloat(s.maxval))});
  }
  if (!isNone(s.initializerSeed) && !parseKerasInt(s.initializerSeed).value) {
    const KerasInt k = parseKerasInt(s.initializerSeed);
    issues.append({"seed", QString("`seed` argument should be an instance of `keras.random.SeedGenerator()` or an "
                                   "integer. Received: seed=%1")
                               .arg(k.pythonRepr)});
  }

  if (s.embeddingsConstraint == "MaxNorm" && s.constraintMaxValue <= 0.0) {
    issues.append({"embeddings_constraint",
                   QString("`max_value` must be positive. Received: max_value=%1").arg(pyFloat(s.constraintMaxValue))});
  }
  if (s.embeddingsConstraint == "MinMaxNorm" && s.constraintMinValue > s.constraintMaxValue) {
    issues.append({"embeddings_constraint", QString("`min_value` must be at most `max_value`. Received: min_value=%1, "
                                                    "max_value=%2")
                                                .arg(pyFloat(s.constraintMinValue), pyFloat(s.constraintMaxValue))});
  }

  if (!isNone(s.loraRank)) {
    const KerasInt k = parseKerasInt(s.loraRank);
    if (!k.value || *k.value <= 0) {
      issues.append({"lora_rank", QString("`lora_rank` must be a positive integer. Received: lora_rank=%1 (of type %2).")
                                      .arg(k.pythonRepr, k.typeName)});
    } else if (s.embeddingsConstraint != "None") {
      issues.append(LayerIssue{"lora_rank", "Lora is incompatible with embedding constraints. In order to enable lora on this "
                                  "layer, remove the `embeddings_constraint` argument."});
    }
    if (!isNone(s.loraAlpha)) {
      bool ok = false;
      s.loraAlpha.trimmed().toDouble(&ok);
      if (!ok)
        issues.append({"lora_alpha", QString("`lora_alpha` must be a number. Received: lora_alpha=%1")
                                         .arg(parseKerasInt(s.loraAlpha).pythonRepr)});
    }
  }
  if (s.quantization != "None" && s.quantization != "int8" && s.quantization != "int4") {
    issues.append({"quantization_config", QString("Invalid quantization mode. Expected one of ('int8', 'int4'). "
                                                  "Received: quantization_mode=%1")
                                              .arg(s.quantization)});
  }
  if (s.quantization != "None" && !isNone(s.loraRank)) {
    // Keras quantizes the merged kernel; LoRA and quantization together are a separate workflow.
    issues.append(LayerIssue{"quantization_config", "Lora is not supported together with quantization in this explorer: "
                                          "quantize after merging the LoRA weights."});
  }
  static const QRegularExpression nameRe("^[A-Za-z_][A-Za-z0-9_.\\-]*$");
  if (!nameRe.match(s.name).hasMatch()) {
    issues.append({"name", QString("Argument `name` must be a string and cannot contain character `/`. Received: "
                                   "name=%1 (of type %2)")
                               .arg(pyStr(s.name), "str")});
  }
  if (s.dtype != "float32" && s.dtype != "float16" && s.dtype != "bfloat16" && s.dtype != "float64") {
    issues.append({"dtype", QString("Invalid dtype: %1").arg(s.dtype)});
  }
  if (s.sparse && s.maskZero) {
    issues.append(LayerIssue{"sparse", "`mask_zero` cannot be enabled when `tf.keras.layers.Embedding` is used with "
                             "`tf.SparseTensor` input."});
  }
  if (issues.isEmpty()) {
    // The engine's own checks (the same code the CLI and the trainer run), for anything the form
    // checks above do not cover, e.g. an initializer argument Keras rejects.
    auto config = toLayerConfig(s);
    const Status st = config ? validateLayerConfig(*config) : config.status();
    if (!st) {
      const QString msg = QString::fromStdString(st.message());
      QString field = "embeddings_initializer";
      for (const char* f : {"input_dim", "output_dim", "input_length", "embeddings_regularizer", "activity_regularizer",
                            "embeddings_constraint", "lora_rank", "lora_alpha", "name"})
        if (msg.contains(f)) {
          field = f;
          break;
        }
      issues.append(LayerIssue{field, msg});
    }
  }
  return issues;
}

ParamCounts paramCounts(const LayerSettings& s) {
  ParamCounts c;
  const auto v = parseKerasInt(s.inputDim).value.value_or(0);
  const auto d = parseKerasInt(s.outputDim).value.value_or(0);
  const long long base = v * d;
  const auto rank = parseKerasInt(s.loraRank).value;
  long long trainable = base;
  long long frozen = 0;
  if (rank && *rank > 0) {
    // enable_lora freezes the table and adds A (V, r) and B (r, D).
    frozen = base;
    trainable = v * *rank + *rank * d;
  }
  if (!s.trainable) {
    frozen += trainable;
    trainable = 0;
  }
  c.trainable = trainable;
  c.nonTrainable = frozen;
  return c;
}

QString withThousands(long long v) {
  QString digits = QString::number(v < 0 ? -v : v);
  for (int i = digits.size() - 3; i > 0; i -= 3) digits.insert(i, ',');
  return v < 0 ? "-" + digits : digits;
}

QString kerasMemorySize(double bytes) {
  static const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 5) {
    bytes /= 1024.0;
    ++u;
  }
  return QString("%1 %2").arg(bytes, 0, 'f', 2).arg(units[u]);
}

QString kerasSummary(const LayerSettings& s) {
  const auto len = parseKerasInt(s.inputLength).value;
  const auto d = parseKerasInt(s.outputDim).value;
  const QString shape =
      QString("(None, %1, %2)").arg(len ? QString::number(*len) : "None", d ? QString::number(*d) : "?");
  const ParamCounts c = paramCounts(s);
  const long long total = c.trainable + c.nonTrainable;
  const int bytesPer = s.dtype == "float64" ? 8 : (s.dtype == "float32" ? 4 : 2);

  const int w1 = 31, w2 = 22, w3 = 13;
  auto bar = [](QChar ch, int n) { return QString(n, ch); };
  auto cell = [](const QString& t, int w, bool right) {
    return right ? t.rightJustified(w, ' ', true) : t.leftJustified(w, ' ', true);
  };
  QStringList out;
  out << "Model: \"sequential\"";
  out << "┏" + bar(QChar(0x2501), w1 + 2) + "┳" + bar(QChar(0x2501), w2 + 2) + "┳" + bar(QChar(0x2501), w3 + 2) + "┓";
  out << "┃ " + cell("Layer (type)", w1, false) + " ┃ " + cell("Output Shape", w2, false) + " ┃ " +
             cell("Param #", w3, true) + " ┃";
  out << "┡" + bar(QChar(0x2501), w1 + 2) + "╇" + bar(QChar(0x2501), w2 + 2) + "╇" + bar(QChar(0x2501), w3 + 2) + "┩";
  out << "│ " + cell(QString("%1 (Embedding)").arg(s.name), w1, false) + " │ " + cell(shape, w2, false) + " │ " +
             cell(withThousands(total), w3, true) + " │";
  out << "└" + bar(QChar(0x2500), w1 + 2) + "┴" + bar(QChar(0x2500), w2 + 2) + "┴" + bar(QChar(0x2500), w3 + 2) + "┘";
  out << QString(" Total params: %1 (%2)").arg(withThousands(total), kerasMemorySize(double(total) * bytesPer));
  out << QString(" Trainable params: %1 (%2)")
             .arg(withThousands(c.trainable), kerasMemorySize(double(c.trainable) * bytesPer));
  out << QString(" Non-trainable params: %1 (%2)")
             .arg(withThousands(c.nonTrainable), kerasMemorySize(double(c.nonTrainable) * bytesPer));
  return out.join('\n');
}

QString kerasLayerExpression(const LayerSettings& s, const QString& indent) {
  QStringList args;
  args << "input_dim=" + s.inputDim.trimmed() << "output_dim=" + s.outputDim.trimmed();
  const QString cls = initializerClass(s.embeddingsInitializer);
  const QString seed = isNone(s.initializerSeed) ? "None" : s.initializerSeed.trimmed();
  QString init;
  const QString e = s.embeddingsInitializer;
  if (e == "uniform" || e == "random_uniform")
    init = QString("keras.initializers.RandomUniform(minval=%1, maxval=%2, seed=%3)")
               .arg(pyFloat(s.minval), pyFloat(s.maxval), seed);
  else if (e == "normal" || e == "random_normal" || e == "truncated_normal")
    init = QString("keras.initializers.%1(mean=%2, stddev=%3, seed=%4)").arg(cls, pyFloat(s.mean), pyFloat(s.stddev), seed);
  else if (e == "variance_scaling")
    init = QString("keras.initializers.VarianceScaling(scale=%1, mode=%2, distribution=%3, seed=%4)")
               .arg(pyFloat(s.scale), pyStr(s.mode), pyStr(s.distribution), seed);
  else if (e == "orthogonal")
    init = QString("keras.initializers.Orthogonal(gain=%1, seed=%2)").arg(pyFloat(s.gain), seed);
  else if (e == "identity")
    init = QString("keras.initializers.Identity(gain=%1)").arg(pyFloat(s.gain));
  else if (e == "constant")
    init = QString("keras.initializers.Constant(value=%1)").arg(pyFloat(s.value));
  else if (e == "zeros" || e == "ones")
    init = QString("keras.initializers.%1()").arg(cls);
  else
    init = QString("keras.initializers.%1(seed=%2)").arg(cls, seed);
  args << "embeddings_initializer=" + init;
  auto reg = [&](const QString& kind, double l1, double l2, double factor) -> QString {
    if (kind == "L1") return QString("keras.regularizers.L1(l1=%1)").arg(pyFloat(l1));
    if (kind == "L2") return QString("keras.regularizers.L2(l2=%1)").arg(pyFloat(l2));
    if (kind == "L1L2") return QString("keras.regularizers.L1L2(l1=%1, l2=%2)").arg(pyFloat(l1), pyFloat(l2));
    if (kind == "OrthogonalRegularizer")
      return QString("keras.regularizers.OrthogonalRegularizer(factor=%1, mode=\"rows\")").arg(pyFloat(factor));
    return "None";
  };
  if (s.embeddingsRegularizer != "None")
    args << "embeddings_regularizer=" + reg(s.embeddingsRegularizer, s.regularizerL1, s.regularizerL2, s.regularizerFactor);
  if (s.activityRegularizer != "None")
    args << "activity_regularizer=" + reg(s.activityRegularizer, s.activityL, s.activityL, 0.0);
  if (s.embeddingsConstraint == "MaxNorm")
    args << QString("embeddings_constraint=keras.constraints.MaxNorm(max_value=%1, axis=%2)")
                .arg(pyFloat(s.constraintMaxValue))
                .arg(s.constraintAxis);
  else if (s.embeddingsConstraint == "NonNeg")
    args << "embeddings_constraint=keras.constraints.NonNeg()";
  else if (s.embeddingsConstraint == "UnitNorm")
    args << QString("embeddings_constraint=keras.constraints.UnitNorm(axis=%1)").arg(s.constraintAxis);
  else if (s.embeddingsConstraint == "MinMaxNorm")
    args << QString("embeddings_constraint=keras.constraints.MinMaxNorm(min_value=%1, max_value=%2, rate=%3, axis=%4)")
                .arg(pyFloat(s.constraintMinValue), pyFloat(s.constraintMaxValue), pyFloat(s.constraintRate))
                .arg(s.constraintAxis);
  args << QString("mask_zero=%1").arg(s.maskZero ? "True" : "False");
  if (!s.weightsPath.isEmpty()) args << "weights=np.load(" + pyStr(s.weightsPath) + ")";
  if (!isNone(s.loraRank)) args << "lora_rank=" + s.loraRank.trimmed();
  if (!isNone(s.loraRank) && !isNone(s.loraAlpha)) args << "lora_alpha=" + s.loraAlpha.trimmed();
  if (!s.trainable) args << "trainable=False";
  if (s.dtype != "float32") args << "dtype=" + pyStr(s.dtype);
  args << "name=" + pyStr(s.name);
  return "layers.Embedding(\n" + indent + "    " + args.join(",\n" + indent + "    ") + ",\n" + indent + ")";
}

QJsonObject LayerSettings::toJson() const {
  QJsonObject o;
  o["input_dim"] = inputDim;
  o["output_dim"] = outputDim;
  o["input_length"] = inputLength;
  o["embeddings_initializer"] = embeddingsInitializer;
  o["minval"] = minval;
  o["maxval"] = maxval;
  o["mean"] = mean;
  o["stddev"] = stddev;
  o["scale"] = scale;
  o["gain"] = gain;
  o["value"] = value;
  o["mode"] = mode;
  o["distribution"] = distribution;
  o["seed"] = initializerSeed;
  o["embeddings_regularizer"] = embeddingsRegularizer;
  o["l1"] = regularizerL1;
  o["l2"] = regularizerL2;
  o["factor"] = regularizerFactor;
  o["activity_regularizer"] = activityRegularizer;
  o["activity_l"] = activityL;
  o["embeddings_constraint"] = embeddingsConstraint;
  o["max_value"] = constraintMaxValue;
  o["min_value"] = constraintMinValue;
  o["rate"] = constraintRate;
  o["axis"] = constraintAxis;
  o["mask_zero"] = maskZero;
  o["weights"] = weightsPath;
  o["lora_rank"] = loraRank;
  o["lora_alpha"] = loraAlpha;
  o["quantization_config"] = quantization;
  o["trainable"] = trainable;
  o["dtype"] = dtype;
  o["name"] = name;
  o["sparse"] = sparse;
  return o;
}

LayerSettings LayerSettings::fromJson(const QJsonObject& o) {
  LayerSettings s;
  auto str = [&](const char* k, QString& dst) {
    if (!o.contains(k)) return;
    const QJsonValue v = o[k];
    dst = v.isDouble() ? QString::number(static_cast<long long>(v.toDouble())) : v.isNull() ? QString() : v.toString();
  };
  auto num = [&](const char* k, double& dst) {
    if (o.contains(k)) dst = o[k].toDouble(dst);
  };
  auto flag = [&](const char* k, bool& dst) {
    if (o.contains(k)) dst = o[k].toBool(dst);
  };
  str("input_dim", s.inputDim);
  str("output_dim", s.outputDim);
  str("input_length", s.inputLength);
  str("embeddings_initializer", s.embeddingsInitializer);
  num("minval", s.minval);
  num("maxval", s.maxval);
  num("mean", s.mean);
  num("stddev", s.stddev);
  num("scale", s.scale);
  num("gain", s.gain);
  num("value", s.value);
  str("mode", s.mode);
  str("distribution", s.distribution);
  str("seed", s.initializerSeed);
  str("embeddings_regularizer", s.embeddingsRegularizer);
  num("l1", s.regularizerL1);
  num("l2", s.regularizerL2);
  num("factor", s.regularizerFactor);
  str("activity_regularizer", s.activityRegularizer);
  num("activity_l", s.activityL);
  str("embeddings_constraint", s.embeddingsConstraint);
  num("max_value", s.constraintMaxValue);
  num("min_value", s.constraintMinValue);
  num("rate", s.constraintRate);
  if (o.contains("axis")) s.constraintAxis = o["axis"].toInt();
  flag("mask_zero", s.maskZero);
  str("weights", s.weightsPath);
  str("lora_rank", s.loraRank);
  str("lora_alpha", s.loraAlpha);
  str("quantization_config", s.quantization);
  flag("trainable", s.trainable);
  str("dtype", s.dtype);
  str("name", s.name);
  flag("sparse", s.sparse);
  return s;
}

}  // namespace embedscope::ui
