// Text corpora (lines are sentences, rare words leave the id stream, long lines are cut) and the
// `topics` preset (seeded, clusters and analogies consistent with its text).
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <set>

#include "engine/data/text_corpus.h"
#include "engine/data/tokenizer.h"
#include "engine/data/topics_preset.h"

using namespace embedscope;
using namespace embedscope::data;

class TestTextCorpus : public QObject {
  Q_OBJECT
 private slots:
  void sentencesAndIds() {
    TextCorpusOptions o;
    o.vocabulary.minCount = 2;
    auto c = buildTextCorpus("The cat, the dog.\n\nA cat! rare\nthe", o);
    QVERIFY2(c.isOk(), c.status().message().c_str());
    QCOMPARE(c->tokenCount, std::int64_t(8));
    QCOMPARE(c->lineCount, std::int64_t(4));
    QCOMPARE(c->vocabulary.size(), 4);  // [PAD] [UNK] the cat
    const std::int32_t the = c->vocabulary.idOf("the"), cat = c->vocabulary.idOf("cat");
    QCOMPARE(the, 2);
    QCOMPARE(cat, 3);
    QCOMPARE(c->ids, (std::vector<std::int32_t>{the, cat, the, cat, the}));  // dog, a, rare dropped
    QCOMPARE(c->sentenceEnds, (std::vector<std::uint64_t>{3, 4, 5}));        // the empty line adds none
    QCOMPARE(c->vocabulary.frequency(Vocabulary::kOovId), std::int64_t(3));
  }

  void longLinesAreCut() {
    TextCorpusOptions o;
    o.maxSentenceLength = 3;
    auto c = buildTextCorpus("a b c d e f g\nh", o);
    QVERIFY(c.isOk());
    QCOMPARE(c->sentenceEnds, (std::vector<std::uint64_t>{3, 6, 7, 8}));
  }

  void badUtf8NamesTheFileOffset() {
    auto c = buildTextCorpus("good line\nsecond \xC3\x28 line\n");
    QVERIFY(!c.isOk());
    QCOMPARE(int(c.status().code()), int(StatusCode::DataError));
    QVERIFY2(c.status().message().find("at byte 17 ") != std::string::npos, c.status().message().c_str());
  }

  void fromFile() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/corpus.txt").toStdString();
    std::ofstream(path) << "Zwölf Boxkämpfer jagen Viktor\nquer über den großen Sylter Deich\n";
    auto c = loadTextCorpus(path);
    QVERIFY(c.isOk());
    QCOMPARE(c->tokenCount, std::int64_t(10));
    QVERIFY(c->vocabulary.contains("zwölf"));
    QVERIFY(c->vocabulary.contains("großen"));
    auto missing = loadTextCorpus(path + ".missing");
    QVERIFY(!missing.isOk());
    QCOMPARE(int(missing.status().code()), int(StatusCode::IoError));
    QVERIFY(missing.status().message().find("corpus.txt.missing") != std::string::npos);
    std::ofstream(path, std::ios::binary) << "ok\n\xFF";
    auto bad = loadTextCorpus(path);
    QVERIFY(!bad.isOk());
    QVERIFY2(bad.status().message().find(path + ": invalid UTF-8 at byte 3 ") == 0, bad.status().message().c_str());
  }

  void cancelled() {
    CancelToken cancel;
    cancel.cancel();
    std::string text;
    for (int i = 0; i < 10000; ++i) text += "w x y\n";
    auto c = buildTextCorpus(text, {}, &cancel);
    QVERIFY(!c.isOk());
    QCOMPARE(int(c.status().code()), int(StatusCode::Cancelled));
  }

  void topicsPresetIsSeededAndConsistent() {
    TopicsPresetOptions o;
    o.sentences = 3000;
    const TopicsPreset a = generateTopicsPreset(o);
    const TopicsPreset b = generateTopicsPreset(o);
    QCOMPARE(a.text, b.text);
    o.seed = 2;
    QVERIFY(generateTopicsPreset(o).text != a.text);
    QCOMPARE(a.topicNames.size(), std::size_t(16));
    QCOMPARE(a.clusterWords.size(), std::size_t(16 * 6 * 3));
    QCOMPARE(a.analogies.size(), std::size_t(1000));
    auto corpus = buildTextCorpus(a.text);
    QVERIFY(corpus.isOk());
    // Every cluster word survives the tokenizer as itself and occurs in the text.
    for (const auto& w : a.clusterWords) QVERIFY2(corpus->vocabulary.contains(w), w.c_str());
    std::set<std::string> seen;
    for (const auto& q : a.analogies) {
      QCOMPARE(a.clusterOf.at(q[0]), a.clusterOf.at(q[1]));
      QCOMPARE(a.clusterOf.at(q[2]), a.clusterOf.at(q[3]));
      QVERIFY(a.clusterOf.at(q[0]) != a.clusterOf.at(q[2]));
      QVERIFY(seen.insert(q[0] + q[2]).second);  // sampled without replacement
    }
    // Sentences are lines of 8..16 tokens.
    std::size_t lines = 0;
    for (char ch : a.text) lines += ch == '\n';
    QCOMPARE(lines, std::size_t(3000));
  }
};

QTEST_APPLESS_MAIN(TestTextCorpus)
#include "test_text_corpus.moc"
