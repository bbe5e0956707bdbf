// The session file: a bit-exact round trip of texts and arrays, atomic replacement, and every
// truncation or corruption refused with an offset instead of a crash.
#include <QtTest>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/io/session_file.h"
#include "engine/io/vectors.h"

using namespace embedscope;
using namespace embedscope::io;

namespace {
SessionFile sample() {
  SessionFile s;
  s.setText(session_keys::kLayerConfig, R"({"input_dim": 5, "output_dim": 3, "mask_zero": true})");
  s.setText(session_keys::kSeed, "1234");
  s.setText(session_keys::kClassroom, R"({"locked": ["optimizer"], "hidden": []})");
  Matrix w(5, 3);
  for (int i = 0; i < 15; ++i) w.data()[i] = 0.1f * float(i) - 0.7f;
  w(2, 1) = std::nextafter(1.0f, 2.0f);  // bit-exactness matters for --resume
  s.setMatrix(session_keys::kWeights, w);
  const std::int64_t ids[4] = {0, 1, 4, 2};
  s.setArray("task/cursor", NdArray::fromInt64({4}, ids));
  s.setText("empty", "");
  s.setUInt64s("task/rng", {~0ull, 1, 0x9E3779B97F4A7C15ull, 0});
  return s;
}
}  // namespace

class TestSessionFile : public QObject {
  Q_OBJECT
 private slots:
  void roundTripIsBitExact() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("run.embscope").toStdString();
    const SessionFile s = sample();
    QVERIFY(writeSessionFile(p, s).isOk());
    auto back = readSessionFile(p);
    QVERIFY2(back.isOk(), back.status().message().c_str());
    QCOMPARE(back->texts, s.texts);
    QCOMPARE(back->arrays.size(), s.arrays.size());
    for (const auto& [k, a] : s.arrays) {
      QVERIFY(back->array(k));
      QVERIFY(back->array(k)->bytes == a.bytes);
      QCOMPARE(back->array(k)->shape, a.shape);
      QCOMPARE(int(back->array(k)->dtype), int(a.dtype));
    }
    auto w = back->matrix(session_keys::kWeights);
    QVERIFY(w.isOk());
    QCOMPARE((*w)(2, 1), std::nextafter(1.0f, 2.0f));
    QCOMPARE(back->keysWithPrefix("config/"), std::vector<std::string>{"config/layer"});
    QVERIFY(!back->matrix("missing").isOk());
    QCOMPARE(*back->int64s("task/cursor"), (std::vector<std::int64_t>{0, 1, 4, 2}));
    QCOMPARE(*back->uint64s("task/rng"), (std::vector<std::uint64_t>{~0ull, 1, 0x9E3779B97F4A7C15ull, 0}));
    QVERIFY(!back->uint64s("task/cursor").isOk());  // int64, not uint64
  }

  void everyTruncationIsAnError() {
    const auto bytes = encodeSessionFile(sample());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto r = decodeSessionFile(bytes.data(), n, "t.embscope");
      QVERIFY2(!r.isOk(), qPrintable(QString("accepted a file truncated to %1 bytes").arg(n)));
      QCOMPARE(r.status().code(), StatusCode::DataError);
    }
    QVERIFY(decodeSessionFile(bytes.data(), bytes.size(), "t").isOk());
  }

  void everyBitFlipIsRefusedOrHarmless() {
    const auto good = encodeSessionFile(sample());
    int refused = 0;
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto bytes = good;
      bytes[i] ^= std::byte{0x10};
      auto r = decodeSessionFile(bytes.data(), bytes.size(), "t.embscope");
      if (!r.isOk()) {
        ++refused;
        QVERIFY(r.status().message().find("offset") != std::string::npos);
      }
    }
    // Only flips inside a key can survive the checksum... and even then the key changes; the CRC
    // covers keys, so every flip is refused.
    QCOMPARE(refused, int(good.size()));
  }

  void hostileCountsDoNotAllocate() {
    auto bytes = encodeSessionFile(sample());
    // entry count at offset 23: claim 4 billion entries
    bytes[23] = bytes[24] = bytes[25] = bytes[26] = std::byte{0xFF};
    auto r = decodeSessionFile(bytes.data(), bytes.size(), "t");
    QVERIFY(!r.isOk());
    QVERIFY2(r.status().message().find("more than the file can hold") != std::string::npos, r.status().message().c_str());
  }

  void readVectorsOpensTheSessionTable() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("run.embscope").toStdString();
    SessionFile s = sample();
    s.setText(session_keys::kVocabulary, "[PAD]\n[UNK]\nthe\ncat\nsat\n");
    QVERIFY(writeSessionFile(p, s).isOk());
    auto v = readVectors(p);
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QCOMPARE(v->rows(), std::int64_t(5));
    QCOMPARE(v->tokens[3], std::string("cat"));
    QCOMPARE(v->paddingRow.value_or(-1), std::int64_t(0));
    QCOMPARE(v->format, std::string("session"));
    QCOMPARE(readVectors(p + "::optimizer/m").status().code(), StatusCode::DataError);
  }

  void saveReplacesAtomically() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("s.embscope").toStdString();
    QVERIFY(writeSessionFile(p, sample()).isOk());
    SessionFile bad = sample();
    bad.setText("bad", std::string("\xff\xfe", 2));
    QVERIFY(!writeSessionFile(p, bad).isOk());
    QVERIFY(readSessionFile(p).isOk());  // the previous file is still there and intact
    int entries = 0;
    for (auto& e : std::filesystem::directory_iterator(dir.path().toStdString())) (void)e, ++entries;
    QCOMPARE(entries, 1);  // no temporary left behind
  }
};

QTEST_APPLESS_MAIN(TestSessionFile)
#include "test_session_file.moc"
