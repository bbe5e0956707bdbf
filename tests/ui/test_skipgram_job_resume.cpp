// The explorer's skip-gram run checkpoints and resumes as its classify/regression runs do (issue 8:
// an autosave loses at most its interval, and restoring resumes the run): a checkpoint asked for
// mid-run is a complete session file (the window's layer/task settings under config/layer and
// config/task), a new job resumed from it trains on from that step, and its final table equals an
// uninterrupted run's bit for bit (one thread).
#include <QtTest>
#include <optional>

#include "engine/io/session_file.h"
#include "ui/training/training_job.h"

using namespace embedscope;
using namespace embedscope::ui;

namespace {

TaskSettings skipgramTask() {
  TaskSettings t;
  t.task = "skipgram";
  t.maxSteps = 48;  // two epochs of the explorer's topics corpus
  t.snapshotEvery = 1000;
  t.seed = 3;
  return t;
}

struct Run {
  Matrix finalTable;
  std::optional<io::SessionFile> checkpoint;
  long long checkpointStep = -1;
  long long firstStep = -1;
};

// Runs a job to the end; asks for one checkpoint once `checkpointAfter` steps are reported.
Run runJob(std::shared_ptr<const io::SessionFile> resume, long long checkpointAfter) {
  Run out;
  auto job = makeTrainingJob(LayerSettings{}, skipgramTask());
  if (resume) job->setResumeFrom(resume);
  const QString err = job->prepare();
  if (!err.isEmpty()) {
    qWarning("%s", qPrintable(err));
    return out;
  }
  job->resume();
  bool asked = false;
  auto progress = [&](const TrainingProgress& p) {
    if (out.firstStep < 0 && p.step > 0) out.firstStep = p.step;
    if (!asked && checkpointAfter >= 0 && p.step >= checkpointAfter) {
      job->requestCheckpoint();
      asked = true;
    }
  };
  auto snapshot = [&](SnapshotPtr s) { out.finalTable = s->table; };
  auto checkpoint = [&](const io::SessionFile& f, long long step) {
    if (!out.checkpoint) {  // the asked-for one; the run's end writes another
      out.checkpoint = f;
      out.checkpointStep = step;
    }
  };
  const QString fitErr = job->fit(progress, snapshot, checkpoint, CancelToken{});
  if (!fitErr.isEmpty()) qWarning("%s", qPrintable(fitErr));
  return out;
}

}  // namespace

class SkipGramJobResumeTest : public QObject {
  Q_OBJECT
 private slots:
  void resumedRunEqualsUninterrupted() {
    const Run whole = runJob(nullptr, -1);
    QVERIFY(whole.finalTable.size() > 0);

    const Run first = runJob(nullptr, 10);
    QVERIFY2(first.checkpoint.has_value(), "no checkpoint was written when asked");
    QVERIFY(first.checkpointStep >= 10);
    QVERIFY(first.checkpointStep < 48);
    QVERIFY(first.checkpoint->text(io::session_keys::kLayerConfig) != nullptr);
    const std::string* task = first.checkpoint->text(io::session_keys::kTaskConfig);
    QVERIFY(task != nullptr);
    QVERIFY2(task->find("skipgram") != std::string::npos, task->c_str());

    auto file = std::make_shared<const io::SessionFile>(*first.checkpoint);
    const Run resumed = runJob(file, -1);
    QVERIFY2(resumed.firstStep > first.checkpointStep,
             qPrintable(QString("resumed run reported step %1 first; checkpoint at %2")
                            .arg(resumed.firstStep)
                            .arg(first.checkpointStep)));
    QCOMPARE(resumed.finalTable.rows(), whole.finalTable.rows());
    QCOMPARE(resumed.finalTable.cols(), whole.finalTable.cols());
    QVERIFY2(resumed.finalTable == whole.finalTable, "resumed final table differs from the uninterrupted run's");
    // And the checkpoint is not the end state (the test could not pass by resuming a finished run).
    QVERIFY(!(first.checkpoint->matrix(io::session_keys::kWeights).value() == whole.finalTable));
  }
};

QTEST_MAIN(SkipGramJobResumeTest)
#include "test_skipgram_job_resume.moc"
