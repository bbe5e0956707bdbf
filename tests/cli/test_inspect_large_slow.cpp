// `inspect` on a 2 GiB .npy stays under 200 MB of resident memory: the file is mapped and walked a
// slice at a time with pages handed back behind the cursor. The file is sparse (a hole of zeros
// with a few real rows), so the test costs no disk; the reader cannot tell the difference.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <fcntl.h>
#include <unistd.h>

#include "support/test_support.h"

using namespace embedscope::testing;

class TestInspectLarge : public QObject {
  Q_OBJECT
 private slots:
  void twoGigabytesUnder200MB() {
    if (!QFile::exists("/usr/bin/time")) QSKIP("needs /usr/bin/time to measure the peak resident set");
    QTemporaryDir dir;
    const QString p = dir.filePath("big.npy");
    const long long rows = 8388608, cols = 64;  // 2 GiB of float32
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) + "), }";
    while ((10 + dict.size() + 1) % 64) dict += ' ';
    dict += '\n';
    std::string header = std::string("\x93NUMPY\x01\x00", 8);
    header += static_cast<char>(dict.size() & 0xFF);
    header += static_cast<char>(dict.size() >> 8);
    header += dict;
    const int fd = ::open(p.toLocal8Bit().constData(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    QVERIFY(fd >= 0);
    QCOMPARE(::write(fd, header.data(), header.size()), static_cast<ssize_t>(header.size()));
    const off_t data = static_cast<off_t>(header.size());
    const float row0[2] = {3.0f, 4.0f};
    QCOMPARE(::pwrite(fd, row0, sizeof row0, data), static_cast<ssize_t>(sizeof row0));
    const float nan = std::nanf("");
    QCOMPARE(::pwrite(fd, &nan, 4, data + (rows - 1) * cols * 4 + 8), ssize_t(4));
    QCOMPARE(::ftruncate(fd, data + rows * cols * 4), 0);
    ::close(fd);

    auto r = runProcess("/usr/bin/time", {"-f", "maxrss_kb=%M", embedscopeBin(), "inspect", p, "--json"}, 600000);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o["shape"].toVariant().toList().value(0).toLongLong(), rows);
    QCOMPARE(o["nan_count"].toInt(), 1);
    QCOMPARE(o["norms"].toObject()["max"].toDouble(), 5.0);
    QCOMPARE(o["zero_rows"].toInt(), int(rows - 2));
    const QString line = r.err.split('\n', Qt::SkipEmptyParts).filter("maxrss_kb=").value(0);
    const long long kb = line.section('=', 1).toLongLong();
    qInfo("peak resident set inspecting a 2 GiB .npy: %lld KiB", kb);
    QVERIFY2(kb > 0 && kb < 200 * 1024, qPrintable(line));
  }
};

QTEST_GUILESS_MAIN(TestInspectLarge)
#include "test_inspect_large_slow.moc"
