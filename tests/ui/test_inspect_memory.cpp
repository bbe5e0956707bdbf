// Memory view: the figures it shows are `embedscope plan --json`'s, for every what-if setting
// driven through its controls; the fit limit is where the planner flips; measured use is shown
// beside the plan, or said to be unreported.
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest>

#include "support/test_support.h"
#include "ui/inspect/memory_planner.h"
#include "ui/inspect/memory_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectMemory : public QObject {
  Q_OBJECT

 private slots:
  void figuresEqualEmbedscopePlan_data() {
    QTest::addColumn<int>("inputDim");
    QTest::addColumn<int>("outputDim");
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<QString>("updates");
    QTest::addColumn<QString>("engine");
    QTest::newRow("keras example, adam, cpu") << 1000 << 64 << "adam" << "dense" << "cpu";
    QTest::newRow("100k x 128, sgd lazy, cpu") << 100000 << 128 << "sgd" << "lazy" << "cpu";
    QTest::newRow("keras example, adam, vulkan") << 1000 << 64 << "adam" << "dense" << "vulkan";
    QTest::newRow("2M x 64, adam, vulkan (sharded)") << 2000000 << 64 << "adam" << "dense" << "vulkan";
    QTest::newRow("2M x 64, sgd, vulkan") << 2000000 << 64 << "sgd" << "dense" << "vulkan";
    QTest::newRow("20M x 256, adam, vulkan (does not fit)") << 20000000 << 256 << "adam" << "dense" << "vulkan";
    QTest::newRow("5M x 64, rmsprop, auto") << 5000000 << 64 << "rmsprop" << "dense" << "auto";
  }
  void figuresEqualEmbedscopePlan() {
    QFETCH(int, inputDim);
    QFETCH(int, outputDim);
    QFETCH(QString, optimizer);
    QFETCH(QString, updates);
    QFETCH(QString, engine);
    MemoryView view;
    view.setPlanner(EnginePlanner::asPlanner(std::make_shared<EnginePlanner>()));
    QSignalSpy spy(&view, &MemoryView::replanned);
    view.findChild<QComboBox*>("whatIfEngine")->setCurrentText(engine);
    view.findChild<QSpinBox*>("whatIfInputDim")->setValue(inputDim);
    view.findChild<QSpinBox*>("whatIfOutputDim")->setValue(outputDim);
    view.findChild<QComboBox*>("whatIfOptimizer")->setCurrentText(optimizer);
    view.findChild<QComboBox*>("whatIfUpdates")->setCurrentText(updates);
    QVERIFY(spy.count() >= 1);  // re-planned at once, synchronously

    testing::ProcessResult cli = testing::runCli({"plan", "--input-dim", QString::number(inputDim), "--output-dim",
                                                  QString::number(outputDim), "--optimizer", optimizer, "--updates",
                                                  updates, "--engine", engine, "--json"});
    if (engine == "vulkan" && cli.exitCode == 1 && !testing::vulkanRequired()) {
      QVERIFY2(!view.plan(), "the view fails where the command fails");
      QSKIP("no Vulkan device here");
    }
    QVERIFY2(cli.exitCode == 0, qPrintable(cli.err));
    QJsonParseError err;
    QJsonObject json = QJsonDocument::fromJson(cli.out.toUtf8(), &err).object();
    QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
    QVERIFY(view.plan());
    const PlanRecord& plan = *view.plan();

    QCOMPARE(plan.engine, json["engine"].toString());
    QCOMPARE(plan.deviceName, json["device"].toObject()["name"].toString());
    QCOMPARE(plan.totalBytes, static_cast<std::uint64_t>(json["total_bytes"].toDouble()));
    QCOMPARE(plan.fits, json["fits"].toBool());
    QCOMPARE(plan.decision, json["decision"].toString());
    const QJsonArray heaps = json["device"].toObject()["heaps"].toArray();
    QCOMPARE(static_cast<int>(plan.heaps.size()), static_cast<int>(heaps.size()));
    for (int h = 0; h < heaps.size(); ++h) {
      QCOMPARE(plan.heaps[static_cast<size_t>(h)].size, static_cast<std::uint64_t>(heaps[h].toObject()["size"].toDouble()));
      // The host's budget follows MemAvailable, which moves between two processes; a device's does not.
      if (plan.engine == "vulkan")
        QCOMPARE(plan.heaps[static_cast<size_t>(h)].budget, static_cast<std::uint64_t>(heaps[h].toObject()["budget"].toDouble()));
    }
    if (plan.engine == "vulkan") QCOMPARE(plan.reason, json["reason"].toString());

    // The table the user reads: one row per allocation, the command's figures.
    const QJsonArray allocs = json["allocations"].toArray();
    auto* table = view.findChild<QTableWidget*>("planTable");
    QVERIFY(table);
    QCOMPARE(table->rowCount(), static_cast<int>(allocs.size()));
    for (int i = 0; i < allocs.size(); ++i) {
      const QJsonObject a = allocs[i].toObject();
      QCOMPARE(table->item(i, 0)->text(), a["name"].toString());
      QCOMPARE(table->item(i, 1)->data(Qt::UserRole).toULongLong(), static_cast<qulonglong>(a["bytes"].toDouble()));
      QCOMPARE(table->item(i, 2)->data(Qt::UserRole).toInt(), a["shards"].toInt());
      QCOMPARE(table->item(i, 3)->text(), a["addressing"].toString());
      QCOMPARE(table->item(i, 4)->data(Qt::UserRole).toInt(), a["heap"].toInt());
      QStringList flags;
      for (const QJsonValue& f : a["flags"].toArray()) flags << f.toString();
      QCOMPARE(table->item(i, 5)->text(), flags.join("|"));
    }
    // The decision in words.
    auto* decision = view.findChild<QLabel*>("memoryDecision");
    if (fitsWherePlanned(plan)) QVERIFY(decision->text().contains("Fits"));
    if (plan.decision == "cpu") QVERIFY(decision->text().contains("CPU engine"));
    if (plan.decision == "host-visible") QVERIFY(decision->text().contains("host-visible"));
  }

  void fitLimitIsWherePlansStopFitting() {
    auto planner = std::make_shared<EnginePlanner>();
    MemoryView view;
    view.setPlanner(EnginePlanner::asPlanner(planner));
    WhatIf w;
    w.engine = "cpu";
    w.optimizer = "adam";
    w.outputDim = 256;
    view.setWhatIf(w);
    const std::int64_t limit = view.fitLimit();
    QVERIFY2(limit > 1, "some table fits in RAM");
    QVERIFY2(limit < 2'000'000'000, "2e9 x 256 with Adam does not fit in this machine's RAM");
    w.inputDim = limit;
    Result<PlanRecord> at = planner->plan(w);
    QVERIFY(at.isOk() && fitsWherePlanned(*at));
    w.inputDim = limit + 1;
    Result<PlanRecord> past = planner->plan(w);
    QVERIFY(past.isOk() && !fitsWherePlanned(*past));
    QVERIFY(view.findChild<QLabel*>("memoryFitLimit")->text().contains(QLocale(QLocale::English).toString(limit)));
    // SGD needs no slots: it fits about three times the rows of Adam.
    view.findChild<QComboBox*>("whatIfOptimizer")->setCurrentText("sgd");
    QVERIFY(view.fitLimit() > 2 * limit);
  }

  void measuredUseOrNotReported() {
    MemoryView view;
    view.setPlanner(EnginePlanner::asPlanner(std::make_shared<EnginePlanner>()));
    WhatIf w;
    w.engine = "cpu";
    view.setWhatIf(w);
    auto* label = view.findChild<QLabel*>("memoryMeasured");
    view.setMeasuredUse({std::nullopt});
    QVERIFY2(label->text().contains("not reported by this device"), qPrintable(label->text()));
    view.setMeasuredUse({std::uint64_t{123456789}});
    QVERIFY2(label->text().contains("123,456,789"), qPrintable(label->text()));
    QVERIFY(view.plan()->heaps[0].measuredUse == std::uint64_t{123456789});
  }

  void badWhatIfIsAMessage() {
    MemoryView view;
    view.setPlanner([](const WhatIf&) -> Result<PlanRecord> { return Status::invalidArgument("`output_dim` must be a positive integer."); });
    QVERIFY(!view.plan());
    QVERIFY(view.findChild<QLabel*>("memoryDecision")->text().contains("output_dim"));
  }
};

QTEST_MAIN(TestInspectMemory)
#include "test_inspect_memory.moc"
