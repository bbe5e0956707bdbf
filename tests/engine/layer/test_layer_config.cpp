// LayerConfig, the object specs (NAME[:key=value,...] and the shorthands) and Keras's messages.
#include <QtTest>

#include "engine/layer/layer_config.h"
#include "engine/layer/object_spec.h"

using namespace embedscope;

class TestLayerConfig : public QObject {
  Q_OBJECT
 private slots:
  void dimensionsAreValidated_data() {
    QTest::addColumn<qlonglong>("inputDim");
    QTest::addColumn<qlonglong>("outputDim");
    QTest::addColumn<QString>("message");
    QTest::newRow("input_dim 0") << 0LL << 8LL
                                 << "`input_dim` must be a positive integer. Received: input_dim=0 (of type int).";
    QTest::newRow("input_dim -1") << -1LL << 8LL
                                  << "`input_dim` must be a positive integer. Received: input_dim=-1 (of type int).";
    QTest::newRow("output_dim 0") << 10LL << 0LL
                                  << "`output_dim` must be a positive integer. Received: output_dim=0 (of type int).";
    QTest::newRow("valid") << 10LL << 8LL << "";
  }
  void dimensionsAreValidated() {
    QFETCH(qlonglong, inputDim);
    QFETCH(qlonglong, outputDim);
    QFETCH(QString, message);
    LayerConfig c;
    c.inputDim = inputDim;
    c.outputDim = outputDim;
    const Status s = validateLayerConfig(c);
    QCOMPARE(QString::fromStdString(s.message()), message);
    if (!message.isEmpty()) QCOMPARE(s.code(), StatusCode::InvalidArgument);
  }

  void parseDimensionNamesPythonTypes_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<qlonglong>("value");
    QTest::addColumn<QString>("message");
    const QString pre = "`input_dim` must be a positive integer. Received: input_dim=";
    QTest::newRow("64") << "64" << 64LL << "";
    QTest::newRow("3.7") << "3.7" << 0LL << pre + "3.7 (of type float).";
    QTest::newRow("4.0") << "4.0" << 0LL << pre + "4.0 (of type float).";
    QTest::newRow("True") << "True" << 0LL << pre + "True (of type bool).";
    QTest::newRow("False") << "False" << 0LL << pre + "False (of type bool).";
    QTest::newRow("None") << "None" << 0LL << pre + "None (of type NoneType).";
    QTest::newRow("-1") << "-1" << 0LL << pre + "-1 (of type int).";
    QTest::newRow("0") << "0" << 0LL << pre + "0 (of type int).";
    QTest::newRow("a string") << "abc" << 0LL << pre + "abc (of type str).";
  }
  void parseDimensionNamesPythonTypes() {
    QFETCH(QString, text);
    QFETCH(qlonglong, value);
    QFETCH(QString, message);
    auto r = parseDimension("input_dim", text.toStdString());
    if (message.isEmpty()) {
      QVERIFY(r.isOk());
      QCOMPARE(qlonglong(*r), value);
    } else {
      QVERIFY(!r.isOk());
      QCOMPARE(QString::fromStdString(r.status().message()), message);
    }
  }

  void loraWithConstraintIsRejected() {
    LayerConfig c;
    c.inputDim = 10;
    c.outputDim = 4;
    c.loraRank = 2;
    c.embeddingsConstraint = constraintSpec("unit_norm");
    QCOMPARE(validateLayerConfig(c).message(),
             std::string("Lora is incompatible with embedding constraints. In order to enable lora on this layer, "
                         "remove the `embeddings_constraint` argument."));
    c.embeddingsConstraint.reset();
    QVERIFY(validateLayerConfig(c).isOk());
    QCOMPARE(c.loraScale(), 1.0);  // lora_alpha defaults to lora_rank
    c.loraAlpha = 8.0;
    QCOMPARE(c.loraScale(), 4.0);
  }

  void weightsShapeIsChecked() {
    LayerConfig c;
    c.inputDim = 50;
    c.outputDim = 8;
    c.weights = Matrix::Zero(40, 8);
    QCOMPARE(validateLayerConfig(c).message(),
             std::string("Layer embedding weight shape (50, 8) is not compatible with provided weight shape (40, 8)."));
    c.weights = Matrix::Zero(50, 8);
    QVERIFY(validateLayerConfig(c).isOk());
  }

  void inputLengthWarns() {
    LayerConfig c;
    c.inputDim = 1000;
    c.outputDim = 64;
    c.inputLength = 10;
    std::vector<std::string> warnings;
    QVERIFY(validateLayerConfig(c, &warnings).isOk());
    QCOMPARE(warnings, std::vector<std::string>{"Argument `input_length` is deprecated. Just remove it."});
    QCOMPARE(c.toKerasRepr(), std::string("keras.layers.Embedding(input_dim=1000, output_dim=64)"));
  }

  void specsParse_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("key");
    QTest::addColumn<double>("value");
    QTest::newRow("default uniform") << "i" << "uniform" << "random_uniform" << "minval" << -0.05;
    QTest::newRow("class name") << "i" << "GlorotUniform" << "glorot_uniform" << "" << 0.0;
    QTest::newRow("normal alias") << "i" << "normal" << "random_normal" << "stddev" << 0.05;
    QTest::newRow("keyword") << "i" << "truncated_normal:stddev=0.02" << "truncated_normal" << "stddev" << 0.02;
    QTest::newRow("keyword keeps other defaults") << "i" << "truncated_normal:stddev=0.02" << "truncated_normal"
                                                  << "mean" << 0.0;
    QTest::newRow("positional constant") << "i" << "constant:0.3" << "constant" << "value" << 0.3;
    QTest::newRow("variance scaling") << "i" << "variance_scaling:scale=2,mode=fan_avg,distribution=uniform"
                                      << "variance_scaling" << "scale" << 2.0;
    QTest::newRow("l1 shorthand") << "r" << "l1:0.02" << "l1" << "l1" << 0.02;
    QTest::newRow("l2 shorthand") << "r" << "l2:0.5" << "l2" << "l2" << 0.5;
    QTest::newRow("l2 default") << "r" << "l2" << "l2" << "l2" << 0.01;
    QTest::newRow("l1l2 shorthand l1") << "r" << "l1l2:0.01,0.02" << "l1l2" << "l1" << 0.01;
    QTest::newRow("l1l2 shorthand l2") << "r" << "l1l2:0.01,0.02" << "l1l2" << "l2" << 0.02;
    QTest::newRow("l1l2 defaults are zero") << "r" << "l1l2" << "l1l2" << "l2" << 0.0;
    QTest::newRow("orthogonal factor") << "r" << "orthogonal_regularizer:factor=0.1" << "orthogonal_regularizer"
                                       << "factor" << 0.1;
    QTest::newRow("max_norm shorthand value") << "c" << "max_norm:3:1" << "max_norm" << "max_value" << 3.0;
    QTest::newRow("max_norm shorthand axis") << "c" << "max_norm:3:1" << "max_norm" << "axis" << 1.0;
    QTest::newRow("max_norm default") << "c" << "max_norm" << "max_norm" << "max_value" << 2.0;
    QTest::newRow("min_max_norm keywords") << "c" << "min_max_norm:min_value=0.5,max_value=1,axis=1"
                                           << "min_max_norm" << "min_value" << 0.5;
    QTest::newRow("min_max_norm rate default") << "c" << "min_max_norm:min_value=0.5,max_value=1,axis=1"
                                               << "min_max_norm" << "rate" << 1.0;
    QTest::newRow("unit_norm axis default 0") << "c" << "UnitNorm" << "unit_norm" << "axis" << 0.0;
  }
  void specsParse() {
    QFETCH(QString, family);
    QFETCH(QString, text);
    QFETCH(QString, name);
    QFETCH(QString, key);
    QFETCH(double, value);
    ObjectSpec spec;
    const std::string t = text.toStdString();
    if (family == "i") {
      auto r = parseInitializerSpec(t);
      QVERIFY2(r.isOk(), r.status().message().c_str());
      spec = *r;
    } else if (family == "r") {
      auto r = parseRegularizerSpec(t);
      QVERIFY2(r.isOk(), r.status().message().c_str());
      spec = *r;
    } else {
      auto r = parseConstraintSpec(t);
      QVERIFY2(r.isOk(), r.status().message().c_str());
      spec = *r;
    }
    QCOMPARE(QString::fromStdString(spec.name), name);
    if (!key.isEmpty()) {
      QVERIFY(spec.has(key.toStdString()));
      QCOMPARE(spec.number(key.toStdString(), -999), value);
    }
    // The text form round-trips.
    if (family == "i") QVERIFY(*parseInitializerSpec(spec.toText()) == spec);
    if (family == "r") QVERIFY(*parseRegularizerSpec(spec.toText()) == spec);
    if (family == "c") QVERIFY(*parseConstraintSpec(spec.toText()) == spec);
  }

  void badSpecs_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown initializer") << "i" << "foo" << "Could not interpret initializer identifier: foo";
    QTest::newRow("unknown key") << "i" << "random_uniform:foo=1"
                                 << "RandomUniform.__init__() got an unexpected keyword argument 'foo'";
    QTest::newRow("scale 0") << "i" << "variance_scaling:scale=0" << "Argument `scale` must be positive float. Received: scale=0";
    QTest::newRow("bad mode") << "i" << "variance_scaling:mode=fan_x"
                              << "Invalid `mode` argument: fan_x. Please use one of {'fan_in', 'fan_out', 'fan_avg'}";
    QTest::newRow("bad distribution")
        << "i" << "variance_scaling:distribution=cauchy"
        << "Invalid `distribution` argument: cauchy.Allowed distributions: {'uniform', 'truncated_normal', 'untruncated_normal'}";
    QTest::newRow("l1_l2 is Keras 2 only") << "r" << "l1_l2" << "Could not interpret regularizer identifier: l1_l2";
    QTest::newRow("negative l1") << "r" << "l1:-1"
                                 << "Invalid value for argument l1: expected a non-negative float.Received: l1=-1";
    QTest::newRow("orthogonal mode") << "r" << "orthogonal_regularizer:mode=diag"
                                     << "Invalid value for argument `mode`. Expected one of {\"rows\", \"columns\"}. Received: mode=diag";
    QTest::newRow("too many positional") << "r" << "l1:0.1,0.2" << "L1.__init__() takes from 1 to 2 positional arguments but 3 were given";
    QTest::newRow("unknown constraint") << "c" << "clip" << "Could not interpret constraint identifier: clip";
    QTest::newRow("twice") << "c" << "max_norm:2,max_value=3" << "MaxNorm.__init__() got multiple values for argument 'max_value'";
  }
  void badSpecs() {
    QFETCH(QString, family);
    QFETCH(QString, text);
    QFETCH(QString, message);
    Status s;
    const std::string t = text.toStdString();
    if (family == "i") s = parseInitializerSpec(t).status();
    if (family == "r") s = parseRegularizerSpec(t).status();
    if (family == "c") s = parseConstraintSpec(t).status();
    QCOMPARE(s.code(), StatusCode::InvalidArgument);
    QCOMPARE(QString::fromStdString(s.message()), message);
  }

  void kerasRepr() {
    LayerConfig c;
    c.inputDim = 1000;
    c.outputDim = 64;
    c.maskZero = true;
    c.embeddingsInitializer = *parseInitializerSpec("truncated_normal:stddev=0.02");
    c.embeddingsRegularizer = *parseRegularizerSpec("l2:0.0001");
    c.embeddingsConstraint = *parseConstraintSpec("max_norm:3:1");
    QCOMPARE(c.toKerasRepr(),
             std::string("keras.layers.Embedding(input_dim=1000, output_dim=64, "
                         "embeddings_initializer=keras.initializers.TruncatedNormal(mean=0.0, stddev=0.02, seed=None), "
                         "embeddings_regularizer=keras.regularizers.L2(l2=0.0001), "
                         "embeddings_constraint=keras.constraints.MaxNorm(max_value=3.0, axis=1), mask_zero=True)"));
  }

  void pythonFloats_data() {
    QTest::addColumn<double>("v");
    QTest::addColumn<QString>("text");
    QTest::newRow("0.05") << 0.05 << "0.05";
    QTest::newRow("1e-7") << 1e-7 << "1e-07";
    QTest::newRow("2") << 2.0 << "2.0";
    QTest::newRow("1e-4") << 1e-4 << "0.0001";
    QTest::newRow("1e16") << 1e16 << "1e+16";
    QTest::newRow("-0.5") << -0.5 << "-0.5";
    QTest::newRow("123.456") << 123.456 << "123.456";
    QTest::newRow("0") << 0.0 << "0.0";
  }
  void pythonFloats() {
    QFETCH(double, v);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(pythonFloat(v)), text);
  }
};

QTEST_APPLESS_MAIN(TestLayerConfig)
#include "test_layer_config.moc"
