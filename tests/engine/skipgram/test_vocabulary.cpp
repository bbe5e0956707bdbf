// Vocabulary rules: 0 = [PAD], 1 = [UNK], then words by descending frequency, ties alphabetical;
// min_count and max size drop words into [UNK]; lookups and frequencies.
#include <QtTest>
#include <string>
#include <vector>

#include "engine/data/tokenizer.h"
#include "engine/data/vocabulary.h"

using namespace embedscope;
using namespace embedscope::data;

namespace {
Vocabulary::Builder countText(const char* text) {
  Vocabulary::Builder b;
  Status s = Tokenizer::forEachToken(text, [&](std::string_view t) { b.add(t); });
  Q_ASSERT(s.isOk());
  return b;
}
}  // namespace

class TestVocabulary : public QObject {
  Q_OBJECT
 private slots:
  void ordering_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("minCount");
    QTest::addColumn<int>("maxSize");
    QTest::addColumn<QStringList>("tokens");
    QTest::addColumn<QList<qint64>>("freqs");
    QTest::newRow("frequency descending") << "b a b c b a" << 1 << 0 << QStringList{"[PAD]", "[UNK]", "b", "a", "c"}
                                          << QList<qint64>{0, 0, 3, 2, 1};
    QTest::newRow("ties alphabetical") << "pear apple fig apple pear fig" << 1 << 0
                                       << QStringList{"[PAD]", "[UNK]", "apple", "fig", "pear"} << QList<qint64>{0, 0, 2, 2, 2};
    QTest::newRow("min_count drops into UNK") << "x x x y y z" << 2 << 0 << QStringList{"[PAD]", "[UNK]", "x", "y"}
                                              << QList<qint64>{0, 1, 3, 2};
    QTest::newRow("max size keeps the most frequent") << "x x x y y z" << 1 << 3 << QStringList{"[PAD]", "[UNK]", "x"}
                                                      << QList<qint64>{0, 3, 3};
    QTest::newRow("case folds before counting") << "Dog dog DOG cat" << 1 << 0 << QStringList{"[PAD]", "[UNK]", "dog", "cat"}
                                                << QList<qint64>{0, 0, 3, 1};
    QTest::newRow("empty corpus has only reserved ids") << "" << 1 << 0 << QStringList{"[PAD]", "[UNK]"} << QList<qint64>{0, 0};
  }
  void ordering() {
    QFETCH(QString, text);
    QFETCH(int, minCount);
    QFETCH(int, maxSize);
    QFETCH(QStringList, tokens);
    QFETCH(QList<qint64>, freqs);
    const QByteArray utf8 = text.toUtf8();
    auto b = countText(utf8.constData());
    auto v = b.build({minCount, maxSize});
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QStringList got;
    QList<qint64> gotFreq;
    for (std::int32_t id = 0; id < v->size(); ++id) {
      got << QString::fromStdString(v->token(id));
      gotFreq << v->frequency(id);
    }
    QCOMPARE(got, tokens);
    QCOMPARE(gotFreq, freqs);
    for (std::int32_t id = Vocabulary::kReserved; id < v->size(); ++id) QCOMPARE(v->idOf(v->token(id)), id);
  }

  void lookups() {
    auto v = countText("one two two").build();
    QVERIFY(v.isOk());
    QCOMPARE(v->idOf("two"), 2);
    QCOMPARE(v->idOf("one"), 3);
    QCOMPARE(v->idOf("three"), Vocabulary::kOovId);
    QCOMPARE(v->idOf("[PAD]"), Vocabulary::kOovId);  // a reserved spelling is not a word
    QVERIFY(!v->contains("[UNK]"));
    QCOMPARE(v->encode({"two", "zzz", "one"}), (std::vector<std::int32_t>{2, 1, 3}));
    QCOMPARE(v->totalCount(), std::int64_t(3));
  }

  void rejectsBadOptions_data() {
    QTest::addColumn<int>("minCount");
    QTest::addColumn<int>("maxSize");
    QTest::newRow("min_count 0") << 0 << 0;
    QTest::newRow("min_count negative") << -3 << 0;
    QTest::newRow("max size 2 leaves no word") << 1 << 2;
    QTest::newRow("max size negative") << 1 << -1;
  }
  void rejectsBadOptions() {
    QFETCH(int, minCount);
    QFETCH(int, maxSize);
    auto v = countText("a b").build({minCount, maxSize});
    QVERIFY(!v.isOk());
    QCOMPARE(int(v.status().code()), int(StatusCode::InvalidArgument));
  }

  void fromWords() {
    auto v = Vocabulary::fromWords({"x", "y"}, {5, 2});
    QVERIFY(v.isOk());
    QCOMPARE(v->size(), 4);
    QCOMPARE(v->idOf("y"), 3);
    QCOMPARE(v->frequency(2), std::int64_t(5));
    QVERIFY(!Vocabulary::fromWords({"x", "x"}).isOk());
    QVERIFY(!Vocabulary::fromWords({"[UNK]"}).isOk());
    QVERIFY(!Vocabulary::fromWords({"x"}, {1, 2}).isOk());
  }
};

QTEST_APPLESS_MAIN(TestVocabulary)
#include "test_vocabulary.moc"
