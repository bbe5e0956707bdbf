// .npy: numpy-written files of every numeric dtype, both orders and both byte orders read back as
// numpy sees them; our files read back by numpy; hostile headers refused with offsets.
#include <QtTest>
#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/io/npy.h"
#include "engine/io/vectors.h"
#include "support/test_support.h"

using namespace embedscope;
using namespace embedscope::testing;

namespace {

std::string writeBytes(const QTemporaryDir& dir, const std::string& name, const std::string& bytes) {
  const std::string p = dir.filePath(QString::fromStdString(name)).toStdString();
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::string npyHeader(const std::string& dict, int version = 1) {
  std::string d = dict;
  const std::size_t prefix = version == 1 ? 10 : 12;
  while ((prefix + d.size() + 1) % 64) d += ' ';
  d += '\n';
  std::string h = "\x93NUMPY";
  h += static_cast<char>(version);
  h += '\0';
  h += static_cast<char>(d.size() & 0xFF);
  h += static_cast<char>((d.size() >> 8) & 0xFF);
  if (version != 1) h += std::string(2, '\0');
  return h + d;
}

}  // namespace

class TestNpy : public QObject {
  Q_OBJECT
 private slots:
  void readsWhatNumpyWrites_data() {
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<bool>("fortran");
    for (const char* t : {"<f4", ">f4", "<f8", ">f8", "<f2", ">f2", "|i1", "|u1", "<i2", ">i2", "<u2", "<i4", ">i4",
                          "<u4", "<i8", ">i8", "<u8", ">u8", "|b1"}) {
      QTest::newRow((std::string(t) + " C").c_str()) << QString(t) << false;
      QTest::newRow((std::string(t) + " Fortran").c_str()) << QString(t) << true;
    }
  }
  void readsWhatNumpyWrites() {
    QFETCH(QString, dtype);
    QFETCH(bool, fortran);
    QTemporaryDir dir;
    const QString path = dir.filePath("a.npy");
    const QString code = QString(
        "import numpy as np, sys\n"
        "a = (np.arange(3*5*2).reshape(3,5,2) % 7).astype('%1')\n"
        "a = np.asfortranarray(a) if %2 else a\n"
        "np.save(sys.argv[1], a)\n").arg(dtype, fortran ? "True" : "False");
    auto r = runPython(code, {path});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto a = io::readNpy(path.toStdString());
    QVERIFY2(a.isOk(), a.status().message().c_str());
    QCOMPARE(a->shape, (std::vector<std::int64_t>{3, 5, 2}));
    const auto f = a->toFloat32();
    for (int i = 0; i < 30; ++i) {
      const float expect = dtype == "|b1" ? float((i % 7) != 0) : float(i % 7);
      QCOMPARE(f[i], expect);
    }
  }

  void numpyReadsWhatWeWrite_data() {
    QTest::addColumn<int>("dtype");
    QTest::newRow("float32") << int(DType::Float32);
    QTest::newRow("float64") << int(DType::Float64);
    QTest::newRow("int64") << int(DType::Int64);
    QTest::newRow("int8") << int(DType::Int8);
    QTest::newRow("uint16") << int(DType::UInt16);
  }
  void numpyReadsWhatWeWrite() {
    QFETCH(int, dtype);
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.npy").toStdString();
    std::vector<float> vals(4 * 3);
    for (int i = 0; i < 12; ++i) vals[i] = float(i) - 3.0f;
    NdArray a = NdArray::fromFloat32({4, 3}, vals.data());
    if (DType(dtype) != DType::Float32) {
      // Re-encode through numpy's semantics: build the target dtype's bytes by hand.
      NdArray b;
      b.dtype = DType(dtype);
      b.shape = {4, 3};
      b.bytes.resize(12 * dtypeSize(b.dtype));
      for (int i = 0; i < 12; ++i) {
        const double v = DType(dtype) == DType::UInt16 ? i : vals[i];
        auto put = [&](auto x) { std::memcpy(b.bytes.data() + i * sizeof x, &x, sizeof x); };
        switch (b.dtype) {
          case DType::Float64: put(double(v)); break;
          case DType::Int64: put(std::int64_t(v)); break;
          case DType::Int8: put(std::int8_t(v)); break;
          case DType::UInt16: put(std::uint16_t(v)); break;
          default: break;
        }
      }
      a = b;
    }
    QVERIFY(io::writeNpy(path, a).isOk());
    auto r = runPython(
        "import numpy as np, sys\n"
        "a = np.load(sys.argv[1])\n"
        "print(a.dtype.name, a.shape, int(a.sum()))\n",
        {QString::fromStdString(path)});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const int sum = DType(dtype) == DType::UInt16 ? 66 : 66 - 36;
    QCOMPARE(r.out.trimmed(), QString("%1 (4, 3) %2").arg(QString::fromStdString(dtypeName(DType(dtype)))).arg(sum));
    auto back = io::readNpy(path);
    QVERIFY(back.isOk());
    QVERIFY(back->bytes == a.bytes);
  }

  void vectorsRoundTrip() {
    QTemporaryDir dir;
    io::Vectors v;
    v.matrix.resize(3, 2);
    v.matrix << 1, 2, 3, 4, 5.5f, -1e-7f;
    const std::string path = dir.filePath("v.npy").toStdString();
    QVERIFY(io::writeVectors(path, v).isOk());
    auto back = io::readVectors(path);
    QVERIFY2(back.isOk(), back.status().message().c_str());
    QVERIFY(back->matrix == v.matrix);
    QCOMPARE(back->format, std::string("npy"));
  }

  void rejectsHostileFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expect");
    auto h = [](const std::string& dict) { return npyHeader(dict); };
    QTest::newRow("wrong magic") << QByteArray("\x93NUMPZ\x01\x00\x10\x00{}", 12) << "offset 0: wrong magic";
    QTest::newRow("too short") << QByteArray("\x93NUM") << "too short";
    QTest::newRow("10^12 rows") << QByteArray::fromStdString(h("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 300), }"))
                                << "truncated";
    QTest::newRow("overflowing shape")
        << QByteArray::fromStdString(h("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"))
        << "overflows";
    QTest::newRow("missing data") << QByteArray::fromStdString(h("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }") + "abcd")
                                  << "needs 16 bytes";
    QTest::newRow("trailing data")
        << QByteArray::fromStdString(h("{'descr': '<i1', 'fortran_order': False, 'shape': (2,), }") + "abc") << "unexpected bytes";
    QTest::newRow("object dtype") << QByteArray::fromStdString(h("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"))
                                  << "unsupported dtype";
    QTest::newRow("structured dtype")
        << QByteArray::fromStdString(h("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")) << "structured";
    QTest::newRow("unknown key") << QByteArray::fromStdString(h("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"))
                                 << "unexpected key";
    QTest::newRow("missing shape") << QByteArray::fromStdString(h("{'descr': '<f4', 'fortran_order': False}")) << "must have";
    QTest::newRow("negative dim") << QByteArray::fromStdString(h("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))
                                  << "non-negative";
    QTest::newRow("huge header length") << QByteArray("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12) << "exceeds the limit";
    QTest::newRow("version 9") << QByteArray("\x93NUMPY\x09\x00\x10\x00{}", 12) << "version 9";
    QTest::newRow("bool not 0/1")
        << QByteArray::fromStdString(h("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }") + "\x05") << "neither 0 nor 1";
  }
  void rejectsHostileFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expect);
    QTemporaryDir dir;
    const std::string p = writeBytes(dir, "bad.npy", bytes.toStdString());
    auto a = io::readNpy(p);
    QVERIFY(!a.isOk());
    QCOMPARE(a.status().code(), StatusCode::DataError);
    const QString msg = QString::fromStdString(a.status().message());
    QVERIFY2(msg.contains(expect), qPrintable(msg));
    QVERIFY2(msg.contains("bad.npy"), qPrintable(msg));
  }

  void nonFiniteRejectedUnlessAllowed() {
    QTemporaryDir dir;
    const float vals[4] = {1, NAN, 3, 4};
    const std::string p = dir.filePath("nan.npy").toStdString();
    QVERIFY(io::writeNpy(p, NdArray::fromFloat32({2, 2}, vals)).isOk());
    auto bad = io::readVectors(p);
    QVERIFY(!bad.isOk());
    QVERIFY2(bad.status().message().find("(0, 1)") != std::string::npos, bad.status().message().c_str());
    io::ReadOptions o;
    o.allowNonFinite = true;
    QVERIFY(io::readVectors(p, o).isOk());
  }

  void unicodeStringsRoundTripWithNumpy() {
    QTemporaryDir dir;
    const std::vector<std::string> words{"", "[UNK]", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac"};
    auto bytes = io::encodeNpyStrings(words);
    QVERIFY(bytes.isOk());
    const std::string p = dir.filePath("s.npy").toStdString();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    auto r = runPython("import numpy as np, sys\na = np.load(sys.argv[1])\nprint(a.dtype.str, '|'.join(a.tolist()))\n",
                       {QString::fromStdString(p)});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), QString::fromUtf8("<U5 |[UNK]|caf\xc3\xa9|\xe6\x97\xa5\xe6\x9c\xac"));
    auto back = io::decodeNpyStrings(bytes->data(), bytes->size(), p);
    QVERIFY(back.isOk());
    QVERIFY(*back == words);
  }
};

QTEST_APPLESS_MAIN(TestNpy)
#include "test_npy.moc"
