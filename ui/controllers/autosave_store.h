#pragma once
// Where the explorer keeps its autosave and how it tells a crashed run from a clean exit.
//
// Each process autosaves to its own `session-<pid>.embscope` beside a marker `session-<pid>.running`
// in one folder (EMBEDSCOPE_AUTOSAVE_DIR, else the per-user AppDataLocation/autosave). A clean
// exit removes both; a marker whose process is gone means that run crashed (or was killed), and
// its session file is what the next start offers to restore. Several windows at once never
// overwrite each other's autosave.
#include <QDateTime>
#include <QString>
#include <optional>

namespace embedscope::ui {

class AutosaveStore {
 public:
  static QString directory();
  // This process's autosave file and marker.
  static QString sessionPath();
  static QString markerPath();
  // EMBEDSCOPE_AUTOSAVE_INTERVAL_MS (tests), else the setting autosave/intervalSeconds (default 30).
  static int intervalMs();
  static void setIntervalSeconds(int seconds);

  // After the first autosave of this process: the marker that says "running, not yet closed".
  static void markRunning();
  // A clean exit: this process's marker and autosave go.
  static void clearAfterCleanExit();

  struct Crashed {
    QString sessionPath;
    QString markerPath;
    QDateTime saved;  // when the autosave was written
  };
  // The newest autosave whose process is gone, if any.
  static std::optional<Crashed> crashedSession();
  // Forgets a crashed run's files (after restoring it, or when the user declines).
  static void discard(const Crashed& c);
};

}  // namespace embedscope::ui
