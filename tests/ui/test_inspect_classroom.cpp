// Classroom mode: a lesson saved as a session file with a classroom section, reopened in a fresh
// view, with its setup restored and its locked controls staying locked whatever re-enables them.
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/io/session_file.h"
#include "ui/inspect/inspect_model.h"
#include "ui/inspect/lesson_file.h"
#include "ui/inspect/step_view.h"

using namespace embedscope;
using namespace embedscope::ui::inspect;

class TestInspectClassroom : public QObject {
  Q_OBJECT

  static void attach(StepView& v) {
    v.setEngine(std::make_shared<InspectModel>());
    v.setLessonIo(&saveLessonFile, &loadLessonFile);
  }

 private slots:
  void savedReopenedAndHonoured() {
    QTemporaryDir dir;
    const QString path = dir.filePath("lesson.embscope");
    ClassroomSettings classroom;
    classroom.title = "Padding and the mask";
    classroom.notes = "Watch row 0: it is looked up but mask_zero keeps it out of the mean.";
    classroom.locked = {"stepOptimizer", "stepSeed", "stepMaskZero"};
    classroom.hidden = {"stepUpdates", "stepLearningRate"};
    StepSetup setup;
    setup.optimizer = "sgd";
    setup.learningRate = 0.25;
    setup.maskZero = false;
    setup.batchSize = 7;
    setup.seed = 42;
    setup.outputDim = 5;
    {
      StepView teacher;
      attach(teacher);
      teacher.setSetup(setup);
      QVERIFY(teacher.saveLesson(path, classroom).isOk());
    }
    // It is a session file, with the classroom section.
    Result<io::SessionFile> file = io::readSessionFile(path.toStdString());
    QVERIFY2(file.isOk(), file.isOk() ? "" : file.status().message().c_str());
    QVERIFY(file->text(io::session_keys::kClassroom));
    QVERIFY(file->text(io::session_keys::kClassroom)->find("stepOptimizer") != std::string::npos);

    StepView student;
    attach(student);
    student.show();
    QVERIFY(QTest::qWaitForWindowExposed(&student));
    QSignalSpy opened(&student, &StepView::lessonOpened);
    QVERIFY(student.openLesson(path).isOk());
    QCOMPARE(opened.count(), 1);
    QCOMPARE(opened.at(0).at(0).toString(), classroom.title);
    QCOMPARE(student.setup(), setup);
    QCOMPARE(student.classroomLock().settings(), classroom);
    auto* title = student.findChild<QLabel*>("stepLessonTitle");
    QVERIFY(title->isVisible() && title->text() == classroom.title);

    for (const QString& name : classroom.locked) {
      auto* w = student.findChild<QWidget*>(name);
      QVERIFY2(w, qPrintable(name));
      QVERIFY2(!w->isEnabled(), qPrintable(name + " is locked"));
      w->setEnabled(true);  // anything that tries to unlock it...
      QTRY_VERIFY2(!w->isEnabled(), qPrintable(name + " stays locked"));
    }
    for (const QString& name : classroom.hidden) {
      auto* w = student.findChild<QWidget*>(name);
      QVERIFY2(w && !w->isVisible(), qPrintable(name + " is hidden"));
      w->show();
      QTRY_VERIFY2(!w->isVisible(), qPrintable(name + " stays hidden"));
    }
    // A locked control cannot be changed by the mouse either.
    auto* opt = student.findChild<QComboBox*>("stepOptimizer");
    QTest::mouseClick(opt, Qt::LeftButton);
    QTest::keyClick(opt, Qt::Key_Down);
    QCOMPARE(opt->currentText(), QString("sgd"));
    // Unlocked controls still work, and the lesson still steps.
    auto* batch = student.findChild<QSpinBox*>("stepBatchSize");
    QVERIFY(batch->isEnabled());
    QVERIFY(student.nextStep().isOk());
    QCOMPARE(student.record()->batch.batch, 7);
    QVERIFY(!student.record()->maskZero);

    // Re-opened a second time (a fresh lock over an old one) it is still honoured.
    QVERIFY(student.openLesson(path).isOk());
    QVERIFY(!student.findChild<QWidget*>("stepSeed")->isEnabled());
  }

  void sessionWithoutClassroomLocksNothing() {
    QTemporaryDir dir;
    const QString path = dir.filePath("plain.embscope");
    {
      StepView v;
      attach(v);
      QVERIFY(v.saveLesson(path, {}).isOk());
    }
    Result<io::SessionFile> file = io::readSessionFile(path.toStdString());
    QVERIFY(file.isOk());
    file->remove(io::session_keys::kClassroom);
    QVERIFY(io::writeSessionFile(path.toStdString(), *file).isOk());
    StepView v;
    attach(v);
    QVERIFY(v.openLesson(path).isOk());
    QVERIFY(v.findChild<QWidget*>("stepOptimizer")->isEnabled());
    QVERIFY(v.findChild<QWidget*>("stepSeed")->isEnabled());
  }

  void badFilesAreErrorsNotCrashes() {
    QTemporaryDir dir;
    const QString path = dir.filePath("junk.embscope");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a session file");
    f.close();
    StepView v;
    attach(v);
    Status s = v.openLesson(path);
    QVERIFY(!s.isOk());
    QVERIFY(v.findChild<QWidget*>("stepOptimizer")->isEnabled());
    QVERIFY(!v.openLesson(dir.filePath("missing.embscope")).isOk());
  }
};

QTEST_MAIN(TestInspectClassroom)
#include "test_inspect_classroom.moc"
