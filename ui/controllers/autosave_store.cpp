#include "ui/controllers/autosave_store.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#endif

namespace embedscope::ui {

namespace {

QString pidName(qint64 pid) { return QString("session-%1").arg(pid); }

// Whether process `pid` still runs (then its marker is no crash, just another window).
bool processAlive(qint64 pid) {
  if (pid <= 0) return false;
  if (pid == QCoreApplication::applicationPid()) return true;
#ifdef Q_OS_UNIX
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
#else
  return false;
#endif
}

}  // namespace

QString AutosaveStore::directory() {
  const QString env = qEnvironmentVariable("EMBEDSCOPE_AUTOSAVE_DIR");
  if (!env.isEmpty()) return env;
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave";
}

QString AutosaveStore::sessionPath() {
  return directory() + "/" + pidName(QCoreApplication::applicationPid()) + ".embscope";
}

QString AutosaveStore::markerPath() {
  return directory() + "/" + pidName(QCoreApplication::applicationPid()) + ".running";
}

int AutosaveStore::intervalMs() {
  bool ok = false;
  const int env = qEnvironmentVariableIntValue("EMBEDSCOPE_AUTOSAVE_INTERVAL_MS", &ok);
  if (ok && env > 0) return env;
  const int seconds = QSettings().value("autosave/intervalSeconds", 30).toInt();
  return seconds > 0 ? seconds * 1000 : 0;
}

void AutosaveStore::setIntervalSeconds(int seconds) { QSettings().setValue("autosave/intervalSeconds", seconds); }

void AutosaveStore::markRunning() {
  const QString path = markerPath();
  if (QFile::exists(path)) return;
  QDir().mkpath(directory());
  QFile f(path);
  if (f.open(QIODevice::WriteOnly)) f.write(QByteArray::number(QCoreApplication::applicationPid()) + "\n");
}

void AutosaveStore::clearAfterCleanExit() {
  QFile::remove(markerPath());
  QFile::remove(sessionPath());
}

std::optional<AutosaveStore::Crashed> AutosaveStore::crashedSession() {
  std::optional<Crashed> best;
  const QDir dir(directory());
  for (const QFileInfo& marker : dir.entryInfoList({"session-*.running"}, QDir::Files)) {
    bool ok = false;
    const qint64 pid = marker.completeBaseName().mid(int(qstrlen("session-"))).toLongLong(&ok);
    if (!ok || processAlive(pid)) continue;
    const QFileInfo session(dir.filePath(pidName(pid) + ".embscope"));
    if (!session.exists()) continue;
    if (!best || session.lastModified() > best->saved)
      best = Crashed{session.absoluteFilePath(), marker.absoluteFilePath(), session.lastModified()};
  }
  return best;
}

void AutosaveStore::discard(const Crashed& c) {
  QFile::remove(c.markerPath);
  QFile::remove(c.sessionPath);
}

}  // namespace embedscope::ui
