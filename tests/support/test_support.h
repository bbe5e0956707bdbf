#pragma once
// Shared helpers for the Qt Test executables: where the built binary and fixtures are, temporary
// folders, running the CLI, and the Vulkan skip rule.
#include <QDir>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdlib>
#include <string>

namespace embedscope::testing {

// Path of the built `embedscope` executable (set by CTest).
inline QString embedscopeBin() { return QString::fromLocal8Bit(qgetenv("EMBEDSCOPE_BIN")); }
inline QString pythonBin() { return QStringLiteral(EMBEDSCOPE_PYTHON); }
inline QString testDataDir() { return QStringLiteral(EMBEDSCOPE_TEST_DATA); }

struct ProcessResult {
  int exitCode = -1;
  QString out;
  QString err;
  bool crashed = false;
};

inline ProcessResult runProcess(const QString& program, const QStringList& args, int timeoutMs = 120000,
                                const QByteArray& stdinData = {}) {
  QProcess p;
  p.start(program, args);
  ProcessResult r;
  if (!p.waitForStarted(10000)) {
    r.err = "failed to start " + program;
    return r;
  }
  if (!stdinData.isEmpty()) p.write(stdinData);
  p.closeWriteChannel();
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    r.err = "timed out";
    r.crashed = true;
    return r;
  }
  r.crashed = p.exitStatus() != QProcess::NormalExit;
  r.exitCode = p.exitCode();
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

inline ProcessResult runCli(const QStringList& args, int timeoutMs = 120000) {
  return runProcess(embedscopeBin(), args, timeoutMs);
}

// Runs a Python snippet with Debian's python3 (numpy, h5py, gensim come from Debian packages).
inline ProcessResult runPython(const QString& code, const QStringList& args = {}, int timeoutMs = 120000) {
  QStringList a{"-c", code};
  a += args;
  return runProcess(pythonBin(), a, timeoutMs);
}

// Vulkan tests: a missing device is a failure when EMBEDSCOPE_REQUIRE_VULKAN=1 (CI), a reported
// skip elsewhere.
inline bool vulkanRequired() { return qgetenv("EMBEDSCOPE_REQUIRE_VULKAN") == "1"; }

}  // namespace embedscope::testing

// Vulkan test executables use EMBEDSCOPE_VULKAN_TEST_MAIN (tests/support/vulkan_test_main.h): with
// no device they exit 77 (a CTest skip) or, when EMBEDSCOPE_REQUIRE_VULKAN=1, fail.
