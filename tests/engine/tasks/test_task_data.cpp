// Classify and regression inputs: TSV parsing, tokens to padded ids, Keras's validation split and
// the seeded epoch order, and the presets' planted structure.
#include <QtTest>
#include <set>

#include "engine/data/batching.h"
#include "engine/data/classify_dataset.h"
#include "engine/data/labeled_tsv.h"
#include "engine/data/presets.h"
#include "engine/data/sequences.h"

using namespace embedscope;
using namespace embedscope::data;

class TestTaskData : public QObject {
  Q_OBJECT
 private slots:
  void tsvLabels_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QStringList>("classes");
    QTest::addColumn<QList<qint64>>("labels");
    QTest::newRow("integer labels keep their value") << "1\tgood film\n0\tbad film\n2\tmeh\n" << QStringList{"0", "1", "2"}
                                                     << QList<qint64>{1, 0, 2};
    QTest::newRow("names are numbered in sorted order") << "pos\tgood\nneg\tbad\npos\tfine\n" << QStringList{"neg", "pos"}
                                                        << QList<qint64>{1, 0, 1};
    QTest::newRow("CRLF, BOM and blank lines") << "\xEF\xBB\xBFpos\tgood\r\n\r\nneg\tbad\r\n" << QStringList{"neg", "pos"}
                                               << QList<qint64>{1, 0};
  }
  void tsvLabels() {
    QFETCH(QString, content);
    QFETCH(QStringList, classes);
    QFETCH(QList<qint64>, labels);
    auto c = parseLabeledTsv(content.toStdString(), "t.tsv");
    QVERIFY2(c.isOk(), c.status().message().c_str());
    QStringList names;
    for (const auto& n : c->classNames) names << QString::fromStdString(n);
    QCOMPARE(names, classes);
    QCOMPARE(qsizetype(c->examples.size()), labels.size());
    for (qsizetype i = 0; i < labels.size(); ++i) QCOMPARE(qint64(c->examples[size_t(i)].label), labels[i]);
  }

  void tsvErrors_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("message");
    QTest::newRow("no tab") << "pos\tgood\nneg bad\n" << "t.tsv:2: expected `label<TAB>text`, found no tab";
    QTest::newRow("empty label") << "\tgood\n" << "t.tsv:1: empty label";
    QTest::newRow("one class") << "a\tx\na\ty\n" << "t.tsv: all examples have the same label; classify needs at least two classes";
    QTest::newRow("empty file") << "\n\n" << "t.tsv: no examples";
  }
  void tsvErrors() {
    QFETCH(QString, content);
    QFETCH(QString, message);
    auto c = parseLabeledTsv(content.toStdString(), "t.tsv");
    QVERIFY(!c.isOk());
    QCOMPARE(c.status().code(), StatusCode::DataError);
    QCOMPARE(QString::fromStdString(c.status().message()), message);
  }

  void classifyDataPadsAtTheEndAndDropsEmpty() {
    auto c = parseLabeledTsv("1\tThe film, the FILM!\n0\t...\n0\tbad film was bad bad\n", "t.tsv");
    QVERIFY(c.isOk());
    auto d = buildClassifyData(*c, 4, "t.tsv");
    QVERIFY2(d.isOk(), d.status().message().c_str());
    QCOMPARE(d->ids.rows, 2);
    QCOMPARE(d->ids.length, 4);
    QCOMPARE(d->warnings.size(), size_t(1));
    QVERIFY(QString::fromStdString(d->warnings[0]).contains("line 2"));
    // Vocabulary: 0 padding, 1 OOV, then by frequency: bad(3), film(3), the(2), was(1) (ties alphabetical).
    QCOMPARE(d->vocabulary.idOf("bad"), 2);
    QCOMPARE(d->vocabulary.idOf("film"), 3);
    QCOMPARE(d->vocabulary.idOf("the"), 4);
    const std::vector<std::int64_t> first(d->ids.row(0), d->ids.row(0) + 4);
    QCOMPARE(first, (std::vector<std::int64_t>{4, 3, 4, 3}));
    const std::vector<std::int64_t> second(d->ids.row(1), d->ids.row(1) + 4);
    QCOMPARE(second, (std::vector<std::int64_t>{2, 3, 5, 2}));  // truncated: keeps the first four
    QCOMPARE(d->labels, (std::vector<std::int64_t>{1, 0}));
    auto padded = buildClassifyData(*c, 0, "t.tsv");
    QCOMPARE(padded->ids.length, 5);  // the longest example
    QCOMPARE(padded->ids.row(0)[4], 0);  // end padding
  }

  void validationSplitIsTheLastFraction_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<double>("split");
    QTest::addColumn<int>("train");
    QTest::newRow("10 x 0.2") << 10 << 0.2 << 8;
    QTest::newRow("7 x 0.25 floors") << 7 << 0.25 << 5;
    QTest::newRow("none") << 7 << 0.0 << 7;
  }
  void validationSplitIsTheLastFraction() {
    QFETCH(int, n);
    QFETCH(double, split);
    QFETCH(int, train);
    auto s = validationSplit(n, split);
    QVERIFY(s.isOk());
    QCOMPARE(s->trainCount, train);
    QCOMPARE(s->validationCount, n - train);
  }
  void validationSplitErrors() {
    QCOMPARE(validationSplit(10, 1.0).status().code(), StatusCode::InvalidArgument);
    QCOMPARE(validationSplit(10, -0.1).status().code(), StatusCode::InvalidArgument);
    auto tiny = validationSplit(1, 0.5);
    QCOMPARE(tiny.status().code(), StatusCode::DataError);
    QVERIFY(QString::fromStdString(tiny.status().message()).startsWith("Training data contains 1 samples"));
  }

  void epochOrderIsSeededAndComplete() {
    EpochOrder a(103, 10, true, 7), b(103, 10, true, 7);
    a.startEpoch(2);
    b.startEpoch(2);
    QCOMPARE(a.batchCount(), 11);
    std::set<std::int64_t> seen;
    for (std::int64_t i = 0; i < a.batchCount(); ++i) {
      QCOMPARE(a.batch(i), b.batch(i));
      for (auto e : a.batch(i)) seen.insert(e);
    }
    QCOMPARE(seen.size(), size_t(103));
    QCOMPARE(a.batch(10).size(), size_t(3));  // the short last batch
    b.startEpoch(3);
    QVERIFY(a.batch(0) != b.batch(0));
    EpochOrder plain(5, 2, false, 7);
    plain.startEpoch(4);
    QCOMPARE(plain.batch(1), (std::vector<std::int64_t>{2, 3}));
  }

  void sentimentPresetHasPlantedPolarity() {
    auto c = sentimentPreset();
    auto again = sentimentPreset();
    QCOMPARE(c.examples.size(), size_t(2000));
    QCOMPARE(c.examples[17].text, again.examples[17].text);
    std::int64_t shortOnes = 0;
    for (const auto& ex : c.examples) {
      bool own = false, other = false;
      QString t = QString::fromStdString(ex.text).toLower();
      for (const auto& w : QString(t).remove('.').split(' ')) {
        for (const auto& p : sentimentWords(int(ex.label))) own |= w.toStdString() == p;
        for (const auto& p : sentimentWords(1 - int(ex.label))) other |= w.toStdString() == p;
      }
      QVERIFY(own);
      QVERIFY(!other);
      shortOnes += t.count(' ') < 8;
    }
    QVERIFY(shortOnes > 400);  // many sequences carry lots of padding
  }

  void kerasExamplePresetIsZipfTowardATeacher() {
    auto d = kerasExamplePreset();
    QCOMPARE(d.ids.rows, 4000);
    QCOMPARE(d.ids.length, 10);
    QCOMPARE(d.targets.rows(), 40000);
    std::vector<std::int64_t> counts(1000, 0);
    for (auto id : d.ids.ids) ++counts[size_t(id)];
    std::sort(counts.rbegin(), counts.rend());
    QVERIFY(counts[0] > 20 * counts[99]);
    QVERIFY(counts[999] == 0);  // some rows are never looked up
    QCOMPARE(d.targets.row(5), d.teacher.row(d.ids.ids[5]));
  }
};

QTEST_APPLESS_MAIN(TestTaskData)
#include "test_task_data.moc"
