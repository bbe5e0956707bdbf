// The tokenizer's rules, row by row: lowercase, split on anything that is not a letter or digit
// (Unicode-aware), and a DataError with the byte offset for invalid UTF-8.
#include <QtTest>
#include <string>
#include <vector>

#include "engine/data/tokenizer.h"

using namespace embedscope;
using namespace embedscope::data;

namespace {
QStringList toQt(const std::vector<std::string>& tokens) {
  QStringList out;
  for (const auto& t : tokens) out << QString::fromUtf8(t.data(), static_cast<qsizetype>(t.size()));
  return out;
}
}  // namespace

class TestTokenizer : public QObject {
  Q_OBJECT
 private slots:
  void splitsAndLowercases_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QStringList>("tokens");
    QTest::newRow("empty") << QByteArray("") << QStringList{};
    QTest::newRow("only separators") << QByteArray(" \t\n.,;!?") << QStringList{};
    QTest::newRow("ascii words lowercased") << QByteArray("The Cat SAT") << QStringList{"the", "cat", "sat"};
    QTest::newRow("digits are word characters") << QByteArray("route 66, year 2024") << QStringList{"route", "66", "year", "2024"};
    QTest::newRow("letters and digits mix") << QByteArray("mp3 b2b") << QStringList{"mp3", "b2b"};
    QTest::newRow("punctuation splits") << QByteArray("end.start,mid;x") << QStringList{"end", "start", "mid", "x"};
    QTest::newRow("apostrophe splits") << QByteArray("don't") << QStringList{"don", "t"};
    QTest::newRow("underscore and hyphen split") << QByteArray("snake_case well-known") << QStringList{"snake", "case", "well", "known"};
    QTest::newRow("latin-1 accents") << QByteArray("Café ÉCOLE naïve") << QStringList{"café", "école", "naïve"};
    QTest::newRow("german sharp s") << QByteArray("STRAẞE Straße") << QStringList{"straße", "straße"};
    QTest::newRow("latin extended-a pairs") << QByteArray("ŁÓDŹ Čech") << QStringList{"łódź", "čech"};
    QTest::newRow("turkish dotted capital I") << QByteArray("İstanbul") << QStringList{"istanbul"};
    QTest::newRow("greek") << QByteArray("ΑΘΗΝΑ Ελλάδα") << QStringList{"αθηνα", "ελλάδα"};
    QTest::newRow("greek tonos capitals") << QByteArray("ΆΈΉΊΌΎΏ") << QStringList{"άέήίόύώ"};
    QTest::newRow("cyrillic") << QByteArray("Москва ЁЛКА") << QStringList{"москва", "ёлка"};
    QTest::newRow("ukrainian") << QByteArray("ЇЖАК Єва") << QStringList{"їжак", "єва"};
    QTest::newRow("armenian") << QByteArray("Հայաստան") << QStringList{"հայաստան"};
    QTest::newRow("cjk ideographs stay one run") << QByteArray("東京 大阪") << QStringList{"東京", "大阪"};
    QTest::newRow("cjk punctuation splits") << QByteArray("你好，世界。") << QStringList{"你好", "世界"};
    QTest::newRow("kana") << QByteArray("カタカナ・ひらがな") << QStringList{"カタカナ", "ひらがな"};
    QTest::newRow("hangul") << QByteArray("한국어 문장") << QStringList{"한국어", "문장"};
    QTest::newRow("arabic with arabic-indic digits") << QByteArray("سلام ١٢٣") << QStringList{"سلام", "١٢٣"};
    QTest::newRow("devanagari vowel signs stay inside") << QByteArray("हिन्दी। भाषा") << QStringList{"हिन्दी", "भाषा"};
    QTest::newRow("combining mark stays inside") << QByteArray("Cafe\xCC\x81 x") << QStringList{"cafe\xCC\x81", "x"};
    QTest::newRow("fullwidth latin lowercased") << QByteArray("ＡＢＣ") << QStringList{"ａｂｃ"};
    QTest::newRow("emoji splits") << QByteArray("good😀bad") << QStringList{"good", "bad"};
    QTest::newRow("nbsp and em dash split") << QByteArray("a\xC2\xA0" "b\xE2\x80\x94" "c") << QStringList{"a", "b", "c"};
    QTest::newRow("byte order mark splits") << QByteArray("\xEF\xBB\xBFword") << QStringList{"word"};
    QTest::newRow("math symbols split") << QByteArray("x×y÷z") << QStringList{"x", "y", "z"};
    QTest::newRow("cjk extension b (4-byte)") << QByteArray("\xF0\xA0\x80\x80\xF0\xA0\x80\x81") << QStringList{"\xF0\xA0\x80\x80\xF0\xA0\x80\x81"};
  }
  void splitsAndLowercases() {
    QFETCH(QByteArray, text);
    QFETCH(QStringList, tokens);
    auto r = Tokenizer::tokenize(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
    QVERIFY2(r.isOk(), r.status().message().c_str());
    QCOMPARE(toQt(*r), tokens);
  }

  void rejectsInvalidUtf8_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qulonglong>("offset");
    QTest::addColumn<QString>("why");
    QTest::newRow("lone continuation byte") << QByteArray("ab\x80") << qulonglong(2) << "unexpected continuation byte";
    QTest::newRow("overlong two-byte slash") << QByteArray("x \xC0\xAF") << qulonglong(2) << "overlong";
    QTest::newRow("overlong three-byte") << QByteArray("\xE0\x80\xAF") << qulonglong(0) << "overlong";
    QTest::newRow("utf-16 surrogate") << QByteArray("ok \xED\xA0\x80 ok") << qulonglong(3) << "surrogate";
    QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << qulonglong(0) << "above U+10FFFF";
    QTest::newRow("F5 lead byte") << QByteArray("abc\xF5\x80\x80\x80") << qulonglong(3) << "never valid";
    QTest::newRow("truncated at the end") << QByteArray("word \xE6\x97") << qulonglong(5) << "truncated";
    QTest::newRow("missing continuation") << QByteArray("\xC3" "a") << qulonglong(0) << "truncated";
    QTest::newRow("latin-1 file") << QByteArray("caf\xE9 au lait") << qulonglong(3) << "truncated";
  }
  void rejectsInvalidUtf8() {
    QFETCH(QByteArray, text);
    QFETCH(qulonglong, offset);
    QFETCH(QString, why);
    auto r = Tokenizer::tokenize(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
    QVERIFY(!r.isOk());
    QCOMPARE(int(r.status().code()), int(StatusCode::DataError));
    const QString message = QString::fromStdString(r.status().message());
    QVERIFY2(message.contains(QString("at byte %1 ").arg(offset)), qPrintable(message));
    QVERIFY2(message.contains(why), qPrintable(message));
  }

  void offsetBaseIsAdded() {
    auto r = Tokenizer::tokenize("a\xFF", 1000);
    QVERIFY(!r.isOk());
    QVERIFY2(r.status().message().find("at byte 1001 ") != std::string::npos, r.status().message().c_str());
  }

  void utf8RoundTripOfEveryScalarValue() {
    // Every valid scalar value encodes and decodes to itself with the expected length.
    for (char32_t cp = 1; cp <= 0x10FFFF; cp += (cp < 0x30000 ? 1 : 97)) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      std::string s;
      appendUtf8(s, cp);
      char32_t back = 0;
      int length = 0;
      QVERIFY(decodeUtf8(s, 0, back, length));
      QCOMPARE(static_cast<quint32>(back), static_cast<quint32>(cp));
      QCOMPARE(length, int(s.size()));
    }
  }

  void lowercaseIsIdempotentOnLowercase() {
    for (char32_t cp : {U'a', U'é', U'ß', U'σ', U'ж', U'ա', U'東', U'1'}) QCOMPARE(quint32(toLowerCodePoint(cp)), quint32(cp));
  }
};

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
