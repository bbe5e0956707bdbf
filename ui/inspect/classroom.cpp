#include "ui/inspect/classroom.h"

#include <QEvent>
#include <QLabel>
#include <QWidget>
#include <algorithm>

namespace embedscope::ui::inspect {

ClassroomLock::ClassroomLock(QObject* parent) : QObject(parent) {}

QStringList ClassroomLock::apply(QWidget* root, const ClassroomSettings& settings) {
  release();
  m_settings = settings;
  m_active = true;
  QStringList missing;
  auto find = [&](const QString& name) -> QWidget* {
    if (root->objectName() == name) return root;
    return root->findChild<QWidget*>(name);
  };
  for (const QString& name : settings.locked) {
    QWidget* w = find(name);
    if (!w) {
      missing << name;
      continue;
    }
    w->setEnabled(false);
    w->setToolTip(tr("Locked by the lesson") + (w->toolTip().isEmpty() ? QString() : "\n" + w->toolTip()));
    w->installEventFilter(this);
    m_locked.emplace_back(w);
  }
  for (const QString& name : settings.hidden) {
    QWidget* w = find(name);
    if (!w) {
      missing << name;
      continue;
    }
    w->hide();
    w->installEventFilter(this);
    m_hidden.emplace_back(w);
    // The form's label for it goes too, or the lesson shows a caption with nothing beside it.
    for (QLabel* label : root->findChildren<QLabel*>())
      if (label->buddy() == w) {
        label->hide();
        label->installEventFilter(this);
        m_hidden.emplace_back(label);
      }
  }
  return missing;
}

void ClassroomLock::release() {
  for (auto& w : m_locked)
    if (w) {
      w->removeEventFilter(this);
      w->setEnabled(true);
    }
  for (auto& w : m_hidden)
    if (w) {
      w->removeEventFilter(this);
      w->show();
    }
  m_locked.clear();
  m_hidden.clear();
  m_settings = {};
  m_active = false;
}

bool ClassroomLock::isLocked(const QWidget* w) const {
  return std::any_of(m_locked.begin(), m_locked.end(), [&](const QPointer<QWidget>& p) { return p == w; });
}

bool ClassroomLock::eventFilter(QObject* watched, QEvent* event) {
  if (m_reapplying) return false;
  auto* w = qobject_cast<QWidget*>(watched);
  if (!w) return false;
  if (event->type() == QEvent::EnabledChange && w->isEnabled() && isLocked(w)) {
    m_reapplying = true;
    w->setEnabled(false);
    m_reapplying = false;
  } else if (event->type() == QEvent::Show &&
             std::any_of(m_hidden.begin(), m_hidden.end(), [&](const QPointer<QWidget>& p) { return p == w; })) {
    m_reapplying = true;
    w->hide();
    m_reapplying = false;
  }
  return false;
}

}  // namespace embedscope::ui::inspect
