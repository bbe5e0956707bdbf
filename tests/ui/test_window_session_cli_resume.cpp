// A session the explorer window saved (an autosave or Save session) continues from the shell with
// one flag, `embedscope train --resume SESSION`: the window keeps the run's `train` arguments in
// the manifest, and the CLI's result equals the window's uninterrupted run bit for bit (one
// thread). Flags given with --resume win over the saved ones; a session that keeps no command
// line is refused with the reason. A resumed window run's curves start with the epochs the
// session already holds.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <optional>

#include "engine/io/json.h"
#include "engine/io/npy.h"
#include "engine/io/session_file.h"
#include "engine/io/vectors.h"
#include "engine/session/run_manifest.h"
#include "ui/training/training_job.h"

using namespace embedscope;
using namespace embedscope::ui;

namespace {

// Non-default settings everywhere the command line has to carry them.
LayerSettings layerSettings() {
  LayerSettings l;
  l.inputDim = "300";
  l.outputDim = "6";
  l.inputLength = "12";
  l.embeddingsInitializer = "glorot_uniform";
  l.maskZero = true;
  l.embeddingsRegularizer = "L2";
  l.regularizerL2 = 1e-3;
  l.embeddingsConstraint = "MaxNorm";
  l.constraintMaxValue = 1.5;
  return l;
}

TaskSettings taskSettings(int maxSteps) {
  TaskSettings t;
  t.task = "classify";
  t.preset = "planted-clusters";
  t.numClasses = 4;
  t.batchSize = 16;
  t.validationSplit = 0.25;
  t.maxSteps = maxSteps;
  t.snapshotEvery = 100000;
  t.engine = "cpu";
  t.seed = 11;
  t.optimizer = OptimizerSettings::kerasDefaults("rmsprop");
  t.optimizer.learningRate = 0.003;
  t.optimizer.momentum = 0.5;
  t.optimizer.centered = true;
  t.optimizer.lazy = true;
  return t;
}

struct Run {
  Matrix finalTable;
  long long maxSteps = 0;
  std::optional<io::SessionFile> checkpoint;
  long long checkpointStep = -1;
  std::size_t reportsBeforeCheckpoint = 0;
  std::vector<TrainingProgress> reports;
};

// Runs a job to the end. With checkpointAt >= 0 it runs exactly that many steps, holds, asks for a
// checkpoint there (served at once while held) and then runs on.
Run runJob(int maxSteps, std::shared_ptr<const io::SessionFile> resume, long long checkpointAt) {
  Run out;
  auto job = makeTrainingJob(layerSettings(), taskSettings(maxSteps));
  if (resume) job->setResumeFrom(resume);
  const QString err = job->prepare();
  if (!err.isEmpty()) {
    qWarning("%s", qPrintable(err));
    return out;
  }
  if (checkpointAt < 0) job->resume();
  for (long long i = 0; i < checkpointAt; ++i) job->step();
  bool asked = false;
  auto progress = [&](const TrainingProgress& p) {
    out.reports.push_back(p);
    out.maxSteps = p.maxSteps;
    if (p.paused && !asked) {
      job->requestCheckpoint();
      asked = true;
    }
  };
  auto snapshot = [&](SnapshotPtr s) { out.finalTable = s->table; };
  auto checkpoint = [&](const io::SessionFile& f, long long step) {
    if (!out.checkpoint) {
      out.checkpoint = f;
      out.checkpointStep = step;
      out.reportsBeforeCheckpoint = out.reports.size();
      job->resume();
    }
  };
  const QString fitErr = job->fit(progress, snapshot, checkpoint, CancelToken{});
  if (!fitErr.isEmpty()) qWarning("%s", qPrintable(fitErr));
  return out;
}

struct Cli {
  int exitCode = -1;
  QString err;
};

Cli runCli(const QStringList& args) {
  QProcess p;
  p.start(qEnvironmentVariable("EMBEDSCOPE_BIN"), QStringList{"train"} + args);
  Cli c;
  if (!p.waitForFinished(240000)) return c;
  c.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  c.err = QString::fromUtf8(p.readAllStandardError());
  return c;
}

}  // namespace

class WindowSessionCliResumeTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY2(!qEnvironmentVariable("EMBEDSCOPE_BIN").isEmpty(), "EMBEDSCOPE_BIN is not set"); }

  void cliResumesTheWindowsRunBitForBit() {
    // One epoch's steps, then a run of three epochs with a checkpoint in its second.
    const long long spe = runJob(1, nullptr, -1).maxSteps;
    QVERIFY(spe > 2);
    const int maxSteps = int(3 * spe);
    const Run whole = runJob(maxSteps, nullptr, -1);
    QVERIFY(whole.finalTable.size() > 0);
    const Run first = runJob(maxSteps, nullptr, spe + 2);
    QVERIFY2(first.checkpoint.has_value(), "no checkpoint was written when asked");
    QCOMPARE(first.checkpointStep, spe + 2);

    const std::string* manifest = first.checkpoint->text(io::session_keys::kManifest);
    QVERIFY(manifest != nullptr);
    auto line = session::manifestCommandLine(*manifest);
    QVERIFY2(line.isOk(), line.isOk() ? "" : line.status().message().c_str());
    QVERIFY2(!line->empty(), manifest->c_str());
    auto json = io::Json::parse(*manifest, "manifest");
    QVERIFY(json.isOk());
    QCOMPARE(json->stringAt("written_by"), std::string("explorer window"));

    QTemporaryDir dir;
    const QString session = dir.filePath("window.embscope"), out = dir.filePath("out.npy");
    QVERIFY(io::writeSessionFile(session.toStdString(), *first.checkpoint).isOk());
    const Cli c = runCli({"--resume", session, "--save", out, "--quiet"});
    QVERIFY2(c.exitCode == 0, qPrintable(c.err));
    auto arr = io::readNpy(out.toStdString());
    QVERIFY(arr.isOk());
    auto v = io::vectorsFromArray(*arr, "out.npy", false);
    QVERIFY(v.isOk());
    QCOMPARE(v->matrix.rows(), whole.finalTable.rows());
    QCOMPARE(v->matrix.cols(), whole.finalTable.cols());
    QVERIFY2(v->matrix == whole.finalTable, "the CLI's resumed table differs from the window's uninterrupted run");
    QVERIFY(!(first.checkpoint->matrix(io::session_keys::kWeights).value() == whole.finalTable));

    // A flag given with --resume wins: one more epoch than the session's three.
    const Cli more = runCli({"--resume", session, "--epochs", "4"});
    QVERIFY2(more.exitCode == 0, qPrintable(more.err));
    QVERIFY2(more.err.contains("epoch 4:"), qPrintable(more.err));
    QVERIFY2(!more.err.contains("epoch 5:"), qPrintable(more.err));
  }

  void sessionWithoutCommandLineIsRefused() {
    const Run first = runJob(40, nullptr, 5);
    QVERIFY(first.checkpoint.has_value());
    io::SessionFile f = *first.checkpoint;
    // As the window wrote it before it kept a command line.
    f.setText(io::session_keys::kManifest, R"json({"task":"classify","command_line":["embedscope (explorer window)"]})json");
    QTemporaryDir dir;
    const QString session = dir.filePath("old.embscope");
    QVERIFY(io::writeSessionFile(session.toStdString(), f).isOk());
    const Cli c = runCli({"--resume", session, "--save", dir.filePath("out.npy")});
    QCOMPARE(c.exitCode, 2);
    QVERIFY2(c.err.contains("keeps no training command line"), qPrintable(c.err));
    QVERIFY(!QFile::exists(dir.filePath("out.npy")));
  }

  void resumedCurvesStartWithTheSessionsEpochs() {
    const long long spe = runJob(1, nullptr, -1).maxSteps;
    const Run first = runJob(int(3 * spe), nullptr, 2 * spe + 1);
    QVERIFY(first.checkpoint.has_value());
    QCOMPARE(first.checkpointStep, 2 * spe + 1);
    // The uninterrupted part's epoch ends (the reports with validation figures).
    std::vector<TrainingProgress> epochEnds;
    for (std::size_t i = 0; i < first.reportsBeforeCheckpoint; ++i)
      if (first.reports[i].hasValidation) epochEnds.push_back(first.reports[i]);
    QCOMPARE(int(epochEnds.size()), 2);

    const Run resumed = runJob(int(3 * spe), std::make_shared<const io::SessionFile>(*first.checkpoint), -1);
    QVERIFY(resumed.reports.size() >= 2);
    for (int e = 0; e < 2; ++e) {
      const TrainingProgress& p = resumed.reports[std::size_t(e)];
      QCOMPARE(p.step, (e + 1) * spe);
      QVERIFY(p.hasValidation);
      QCOMPARE(p.loss, epochEnds[std::size_t(e)].loss);
      QCOMPARE(p.valLoss, epochEnds[std::size_t(e)].valLoss);
      QCOMPARE(p.valMetric, epochEnds[std::size_t(e)].valMetric);
    }
    QVERIFY(resumed.reports.size() > 2);
    QVERIFY(resumed.reports[2].step >= first.checkpointStep);  // then the live run
  }
};

QTEST_MAIN(WindowSessionCliResumeTest)
#include "test_window_session_cli_resume.moc"
