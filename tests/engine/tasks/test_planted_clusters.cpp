// The planted-clusters preset (the explorer's demo): its planted layout, its determinism, real
// frequencies, no all-padding sequence, and that the classify task trained on it separates the
// classes (the structure the explorer shows).
#include <QtTest>
#include <set>

#include "engine/data/planted_clusters_preset.h"
#include "engine/session/run_builder.h"
#include "engine/session/trainer.h"

using namespace embedscope;
using namespace embedscope::data;

class TestPlantedClusters : public QObject {
  Q_OBJECT
 private slots:
  void layout_data() {
    QTest::addColumn<qint64>("inputDim");
    QTest::addColumn<qint64>("classes");
    QTest::addColumn<qint64>("length");
    QTest::newRow("demo 2000x6, length 12") << qint64(2000) << qint64(6) << qint64(12);
    QTest::newRow("small 200x4, length 8") << qint64(200) << qint64(4) << qint64(8);
    QTest::newRow("length 1 still has a token") << qint64(50) << qint64(3) << qint64(1);
  }
  void layout() {
    QFETCH(qint64, inputDim);
    QFETCH(qint64, classes);
    QFETCH(qint64, length);
    PlantedClustersOptions o{inputDim, classes, length, 3000, 7};
    const auto d = plantedClustersPreset(o);
    QCOMPARE(d.vocabulary.size(), std::int32_t(inputDim));
    QCOMPARE(d.ids.rows, qint64(3000));
    QCOMPARE(d.ids.length, length);
    QCOMPARE(qint64(d.classNames.size()), classes);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(inputDim), 0);
    std::int64_t own = 0, tokens = 0;
    for (std::int64_t e = 0; e < d.ids.rows; ++e) {
      const auto* row = d.ids.row(e);
      QVERIFY(row[0] != 0);  // never an all-padding sequence (mask_zero would pool 0/0)
      bool padding = false;
      for (std::int64_t t = 0; t < length; ++t) {
        QVERIFY(row[t] >= 0 && row[t] < inputDim);
        QVERIFY(row[t] != 1);  // the generator never draws OOV
        if (row[t] == 0)
          padding = true;
        else
          QVERIFY(!padding);  // padding only at the end ("post")
        ++counts[static_cast<std::size_t>(row[t])];
        if (row[t] == 0) continue;
        ++tokens;
        own += plantedClassOf(row[t], classes) == d.labels[static_cast<std::size_t>(e)];
      }
    }
    // 80% drawn from the class plus the 1/classes of the uniform draws that land there.
    const double expected = 0.8 + 0.2 / double(classes);
    QVERIFY2(std::abs(double(own) / double(tokens) - expected) < 0.03,
             qPrintable(QString::number(double(own) / tokens)));
    for (std::int32_t t = 2; t < d.vocabulary.size(); ++t)
      QCOMPARE(d.vocabulary.frequency(t), counts[static_cast<std::size_t>(t)]);
    QCOMPARE(plantedClassOf(0, classes), qint64(-1));
    QCOMPARE(plantedClassOf(1, classes), qint64(-1));
    QCOMPARE(d.tokenClass[2], qint64(0));
  }

  void seededAndDistinct() {
    PlantedClustersOptions o;
    const auto a = plantedClustersPreset(o), b = plantedClustersPreset(o);
    QCOMPARE(a.ids.ids, b.ids.ids);
    QCOMPARE(a.vocabulary.tokens(), b.vocabulary.tokens());
    o.seed = 1;
    QVERIFY(plantedClustersPreset(o).ids.ids != a.ids.ids);
    std::set<std::string> words(a.vocabulary.tokens().begin(), a.vocabulary.tokens().end());
    QCOMPARE(words.size(), a.vocabulary.tokens().size());
  }

  void regressionTargetsAreTheTeacher() {
    PlantedClustersOptions o{300, 6, 10, 500, 3};
    const auto d = plantedRegressionPreset(o, 8);
    QCOMPARE(d.targets.rows(), Eigen::Index(500 * 10));
    QCOMPARE(d.targets.cols(), Eigen::Index(8));
    for (std::size_t i = 0; i < d.ids.ids.size(); i += 97)
      QVERIFY(d.targets.row(Eigen::Index(i)) == d.teacher.row(d.ids.ids[i]));
    QVERIFY(d.teacher.cwiseAbs().maxCoeff() < 0.05f);
  }

  void trainingSeparatesTheClasses() {
    session::RunSpec spec;
    spec.task = "classify";
    spec.preset = "planted-clusters";
    spec.layer.inputDim = 400;
    spec.layer.outputDim = 8;
    spec.layer.maskZero = true;
    spec.optimizer = OptimizerConfig::defaults("adam");
    spec.optimizer.learningRate = 0.01;
    spec.validationSplit = 0.2;
    spec.numClasses = 4;
    auto run = session::buildRun(spec);
    QVERIFY2(run, run ? "" : run.status().message().c_str());
    session::TrainerOptions to;
    to.epochs = 3;
    session::Trainer trainer(*run->backend, *run->task, to);
    const auto fit = trainer.fit({}, CancelToken());
    QVERIFY(fit.status);
    QVERIFY(fit.epochs.back().valMetric.has_value());
    QVERIFY2(*fit.epochs.back().valMetric > 0.9, qPrintable(QString::number(*fit.epochs.back().valMetric)));
  }
};

QTEST_APPLESS_MAIN(TestPlantedClusters)
#include "test_planted_clusters.moc"
