#pragma once
// Step-through: one batch at a time, narrated stage by stage with the real numbers of that step:
// ids -> the rows they select -> the (batch, length, dim) output with masked positions greyed ->
// the loss -> the gradient rows (duplicates summed) -> the optimizer update. Classroom mode loads a
// lesson (a session file with a classroom section) whose controls stay hidden or locked.
#include <QWidget>
#include <functional>
#include <memory>
#include <optional>

#include "engine/core/status.h"
#include "ui/inspect/classroom.h"
#include "ui/inspect/inspect_records.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace embedscope::ui::inspect {

// What the step-through's controls choose.
struct StepSetup {
  QString preset = "sentiment";
  bool maskZero = true;
  int outputDim = 8;
  QString optimizer = "adam";
  bool lazy = false;
  double learningRate = 0.01;
  int batchSize = 4;
  quint64 seed = 0;
  bool operator==(const StepSetup&) const = default;
};

// The engine side of the step-through (ui/inspect/step_session.h implements it on the engine).
class StepEngine {
 public:
  virtual ~StepEngine() = default;
  virtual QStringList presets() const = 0;
  // Rebuilds the model from the setup (fresh table, optimizer and batches).
  virtual Status reset(const StepSetup& setup) = 0;
  // Runs the next batch through one full training step and reports every intermediate.
  virtual Result<StepRecord> next() = 0;
  // The table now (after the last step).
  virtual std::shared_ptr<const Matrix> table() const = 0;
};

// A lesson on disk: the setup and the classroom settings, in the session file format.
struct Lesson {
  StepSetup setup;
  ClassroomSettings classroom;
};
using LessonSaver = std::function<Status(const QString& path, const Lesson& lesson)>;
using LessonLoader = std::function<Result<Lesson>(const QString& path)>;

class StepView : public QWidget {
  Q_OBJECT
 public:
  enum Stage { Ids, Rows, Output, Loss, Gradient, Update, StageCount };

  explicit StepView(QWidget* parent = nullptr);

  void setEngine(std::shared_ptr<StepEngine> engine);
  void setLessonIo(LessonSaver saver, LessonLoader loader);

  StepSetup setup() const;
  void setSetup(const StepSetup& setup);  // sets the controls and resets the engine
  Status resetEngine();
  Status nextStep();
  void showStage(int stage);
  int stage() const { return m_stage; }
  const std::optional<StepRecord>& record() const { return m_record; }

  // Classroom mode.
  Status saveLesson(const QString& path, const ClassroomSettings& classroom) const;
  Status openLesson(const QString& path);
  void applyClassroom(const ClassroomSettings& classroom);
  const ClassroomLock& classroomLock() const { return *m_lock; }

 signals:
  void stepped(qint64 step);
  // After the engine was rebuilt from the setup (a changed control, Reset, a lesson opened).
  void engineReset();
  void stageShown(int stage);
  void lessonOpened(const QString& title);

 private:
  void refreshStage();
  void fillIds(const StepRecord& r);
  void fillRows(const StepRecord& r);
  void fillOutput(const StepRecord& r);
  void fillLoss(const StepRecord& r);
  void fillGradient(const StepRecord& r);
  void fillUpdate(const StepRecord& r);
  void showError(const Status& s);

  std::shared_ptr<StepEngine> m_engine;
  LessonSaver m_saver;
  LessonLoader m_loader;
  std::optional<StepRecord> m_record;
  int m_stage = Ids;
  bool m_blockReset = false;
  ClassroomLock* m_lock = nullptr;

  QComboBox* m_preset = nullptr;
  QCheckBox* m_maskZero = nullptr;
  QSpinBox* m_outputDim = nullptr;
  QComboBox* m_optimizer = nullptr;
  QComboBox* m_updates = nullptr;
  QDoubleSpinBox* m_learningRate = nullptr;
  QSpinBox* m_batchSize = nullptr;
  QSpinBox* m_seed = nullptr;
  QPushButton* m_reset = nullptr;
  QPushButton* m_next = nullptr;
  QPushButton* m_prevStage = nullptr;
  QPushButton* m_nextStage = nullptr;
  QPushButton* m_saveLesson = nullptr;
  QPushButton* m_openLesson = nullptr;
  QListWidget* m_stages = nullptr;
  QLabel* m_lessonTitle = nullptr;
  QLabel* m_lessonNotes = nullptr;
  QLabel* m_narration = nullptr;
  QLabel* m_error = nullptr;
  QTableWidget* m_table = nullptr;
};

}  // namespace embedscope::ui::inspect
