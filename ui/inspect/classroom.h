#pragma once
// Classroom mode: a preset whose controls a teacher has hidden or locked. The lock is enforced,
// not advisory: a locked control that anything re-enables (a state change after training, say) is
// disabled again at once, and a hidden one stays hidden.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <vector>

class QWidget;

namespace embedscope::ui::inspect {

struct ClassroomSettings {
  QString title;         // shown as the lesson's heading
  QString notes;         // the teacher's words for the class
  QStringList locked;    // objectNames of controls shown but not editable
  QStringList hidden;    // objectNames of controls not shown
  bool operator==(const ClassroomSettings&) const = default;
};

class ClassroomLock : public QObject {
  Q_OBJECT
 public:
  explicit ClassroomLock(QObject* parent = nullptr);
  // Locks and hides the named descendants of root (by objectName); releases any earlier lock.
  // Returns the names that matched no widget (a file written for another version, say).
  QStringList apply(QWidget* root, const ClassroomSettings& settings);
  void release();
  bool isLocked(const QWidget* w) const;
  const ClassroomSettings& settings() const { return m_settings; }
  bool active() const { return m_active; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  ClassroomSettings m_settings;
  std::vector<QPointer<QWidget>> m_locked;
  std::vector<QPointer<QWidget>> m_hidden;
  bool m_active = false;
  bool m_reapplying = false;
};

}  // namespace embedscope::ui::inspect
