// trainCommandLine writes the `embedscope train` arguments that rebuild a run (the explorer
// window keeps them in its sessions' manifests), and manifestCommandLine reads them back.
#include <QtTest>
#include <algorithm>

#include "engine/io/json.h"
#include "engine/session/run_manifest.h"
#include "engine/session/train_command_line.h"

using namespace embedscope;

namespace {

std::string valueOf(const std::vector<std::string>& a, const std::string& flag) {
  auto it = std::find(a.begin(), a.end(), flag);
  return it == a.end() || it + 1 == a.end() ? std::string("<absent>") : *(it + 1);
}
bool has(const std::vector<std::string>& a, const std::string& flag) { return std::find(a.begin(), a.end(), flag) != a.end(); }

session::RunSpec spec() {
  session::RunSpec s;
  s.task = "classify";
  s.preset = "planted-clusters";
  s.numClasses = 4;
  s.maxLength = 12;
  s.batchSize = 16;
  s.validationSplit = 0.1;  // not exact in binary: needs 17 digits
  s.seed = 9;
  s.engine = compute::EngineChoice::Vulkan;
  return s;
}

LayerConfig layer() {
  LayerConfig l;
  l.inputDim = 300;
  l.outputDim = 6;
  l.maskZero = true;
  l.embeddingsRegularizer = parseRegularizerSpec("l2:0.001").value();
  l.embeddingsConstraint = parseConstraintSpec("max_norm:1.5").value();
  return l;
}

}  // namespace

class TrainCommandLineTest : public QObject {
  Q_OBJECT
 private slots:
  void carriesEverySetting() {
    auto s = spec();
    s.optimizer = makeOptimizerConfig("rmsprop", {{"learning_rate", "0.003"}, {"momentum", "0.5"}, {"centered", "true"}}).value();
    s.optimizer.updates = UpdateMode::Lazy;
    auto a = session::trainCommandLine(s, layer(), 3);
    QVERIFY(a.isOk());
    QCOMPARE(valueOf(*a, "--task"), std::string("classify"));
    QCOMPARE(valueOf(*a, "--preset"), std::string("planted-clusters"));
    QCOMPARE(valueOf(*a, "--num-classes"), std::string("4"));
    QCOMPARE(valueOf(*a, "--max-length"), std::string("12"));
    QCOMPARE(valueOf(*a, "--input-dim"), std::string("300"));
    QCOMPARE(valueOf(*a, "--output-dim"), std::string("6"));
    QVERIFY(has(*a, "--mask-zero"));
    QCOMPARE(parseRegularizerSpec(valueOf(*a, "--embeddings-regularizer")).value(), *layer().embeddingsRegularizer);
    QCOMPARE(parseConstraintSpec(valueOf(*a, "--embeddings-constraint")).value(), *layer().embeddingsConstraint);
    QCOMPARE(valueOf(*a, "--optimizer"), std::string("rmsprop"));
    QCOMPARE(std::stod(valueOf(*a, "--learning-rate")), 0.003);
    QCOMPARE(std::stod(valueOf(*a, "--momentum")), 0.5);
    QVERIFY(has(*a, "--centered"));
    QVERIFY(!has(*a, "--rho"));  // Keras's default is left to the CLI's defaults
    QCOMPARE(valueOf(*a, "--updates"), std::string("lazy"));
    QCOMPARE(valueOf(*a, "--batch-size"), std::string("16"));
    QCOMPARE(valueOf(*a, "--epochs"), std::string("3"));
    QCOMPARE(std::stod(valueOf(*a, "--validation-split")), 0.1);  // the same double back
    QCOMPARE(valueOf(*a, "--seed"), std::string("9"));
    QCOMPARE(valueOf(*a, "--engine"), std::string("vulkan"));
    QVERIFY(!has(*a, "--no-shuffle"));
  }

  void numClassesOnlyForPlantedClusters() {
    auto s = spec();
    s.preset = "sentiment";
    auto a = session::trainCommandLine(s, layer(), 1);
    QVERIFY(a.isOk());
    QVERIFY(!has(*a, "--num-classes"));
    QCOMPARE(valueOf(*a, "--preset"), std::string("sentiment"));
  }

  void whatHasNoFlagIsUnavailable() {
    auto s = spec();
    s.optimizer = makeOptimizerConfig("ftrl", {{"l1_regularization_strength", "0.1"}}).value();
    auto a = session::trainCommandLine(s, layer(), 1);
    QVERIFY(!a.isOk());
    QCOMPARE(a.status().code(), StatusCode::Unavailable);
    s = spec();
    s.task = "skipgram";
    QVERIFY(!session::trainCommandLine(s, layer(), 1).isOk());
  }

  void manifestRoundTrip() {
    session::RunManifest m;
    m.commandLine = {"--task", "regression", "--preset", "keras-example", "--seed", "3"};
    m.writtenBy = "explorer window";
    const std::string json = session::manifestToJson(m);
    QCOMPARE(io::Json::parse(json, "manifest")->stringAt("written_by"), std::string("explorer window"));
    auto back = session::manifestCommandLine(json);
    QVERIFY(back.isOk());
    QCOMPARE(*back, m.commandLine);
    // What the window wrote before: a description, not arguments.
    auto old = session::manifestCommandLine(R"json({"command_line":["embedscope (explorer window)"]})json");
    QVERIFY(old.isOk());
    QVERIFY(old->empty());
    QVERIFY(session::manifestCommandLine(R"json({"command_line":[1,2]})json").status().code() == StatusCode::DataError);
    QVERIFY(!session::manifestCommandLine("{not json").isOk());
  }
};

QTEST_MAIN(TrainCommandLineTest)
#include "test_train_command_line.moc"
