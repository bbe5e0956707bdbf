// word2vec text/binary, fastText .vec, GloVe, projector TSV, CSV and .npz: round trips through our
// writers and readers, the real tools reading our files (gensim, numpy), our readers on files the
// tools wrote, and malformed input refused with the file and line/offset.
#include <QtTest>
#include <fstream>

#include "engine/io/npz.h"
#include "engine/io/projector_tsv.h"
#include "engine/io/vectors.h"
#include "support/test_support.h"

using namespace embedscope;
using namespace embedscope::testing;

namespace {

io::Vectors sample() {
  io::Vectors v;
  v.matrix.resize(4, 3);
  v.matrix << 0.1f, -0.2f, 0.3f, 1e-7f, 2.5f, -3.75f, 100.0f, 0.0f, -0.0f, 1.0f / 3.0f, 7.0f, 8.0f;
  v.tokens = {"[PAD]", "[UNK]", "caf\xc3\xa9", "dog"};
  return v;
}

std::string put(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
  const std::string p = dir.filePath(QString::fromStdString(name)).toStdString();
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

}  // namespace

class TestTextFormats : public QObject {
  Q_OBJECT
 private slots:
  void roundTripEveryWritableFormat_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("format");
    QTest::addColumn<bool>("keepsTokens");
    QTest::newRow("word2vec text") << "v.txt" << "" << true;
    QTest::newRow("word2vec binary") << "v.bin" << "" << true;
    QTest::newRow("fastText vec") << "v.vec" << "" << true;
    QTest::newRow("GloVe") << "g.txt" << "glove" << true;
    QTest::newRow("projector tsv") << "vectors.tsv" << "" << true;
    QTest::newRow("csv") << "v.csv" << "" << true;
    QTest::newRow("npz") << "v.npz" << "" << true;
    QTest::newRow("npy") << "v.npy" << "" << false;
    QTest::newRow("weights.h5") << "v.weights.h5" << "" << false;
  }
  void roundTripEveryWritableFormat() {
    QFETCH(QString, file);
    QFETCH(QString, format);
    QFETCH(bool, keepsTokens);
    QTemporaryDir dir;
    const std::string p = dir.filePath(file).toStdString();
    io::WriteOptions wo;
    io::ReadOptions ro;
    if (!format.isEmpty()) {
      wo.format = *io::formatFromName(format.toStdString());
      ro.format = wo.format;
    }
    const io::Vectors v = sample();
    QVERIFY2(io::writeVectors(p, v, wo).isOk(), io::writeVectors(p, v, wo).message().c_str());
    auto back = io::readVectors(p, ro);
    QVERIFY2(back.isOk(), back.status().message().c_str());
    QVERIFY(back->matrix == v.matrix);  // shortest round-trip text: bit-exact
    if (keepsTokens) {
      QCOMPARE(back->tokens, v.tokens);
      QCOMPARE(back->paddingRow.value_or(-1), std::int64_t(0));
      QCOMPARE(back->oovRow.value_or(-1), std::int64_t(1));
    }
  }

  void gensimReadsOurWord2Vec_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("binary");
    QTest::newRow("text") << "g.txt" << false;
    QTest::newRow("binary") << "g.bin" << true;
    QTest::newRow("fastText .vec") << "g.vec" << false;
  }
  void gensimReadsOurWord2Vec() {
    QFETCH(QString, file);
    QFETCH(bool, binary);
    QTemporaryDir dir;
    const std::string p = dir.filePath(file).toStdString();
    QVERIFY(io::writeVectors(p, sample()).isOk());
    auto r = runPython(
        "import sys\nfrom gensim.models import KeyedVectors\n"
        "kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=sys.argv[2] == '1')\n"
        "print(len(kv.index_to_key), kv.vector_size, kv.index_to_key[2], repr(float(kv['dog'][2])), repr(float(kv['[UNK]'][0])))\n",
        {QString::fromStdString(p), binary ? "1" : "0"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), QString::fromUtf8("4 3 caf\xc3\xa9 8.0 1.0000000116860974e-07"));
  }

  void weReadWhatGensimWrites() {
    QTemporaryDir dir;
    const QString txt = dir.filePath("k.txt"), bin = dir.filePath("k.bin");
    auto r = runPython(
        "import sys, numpy as np\nfrom gensim.models import KeyedVectors\n"
        "kv = KeyedVectors(vector_size=5)\n"
        "kv.add_vectors(['a', 'b\xc3\xa9', 'c'], (np.arange(15, dtype=np.float32).reshape(3, 5) / 7))\n"
        "kv.save_word2vec_format(sys.argv[1], binary=False)\nkv.save_word2vec_format(sys.argv[2], binary=True)\n",
        {txt, bin});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (const QString& p : {txt, bin}) {
      auto v = io::readVectors(p.toStdString());
      QVERIFY2(v.isOk(), v.status().message().c_str());
      QCOMPARE(v->rows(), std::int64_t(3));
      QCOMPARE(v->dim(), std::int64_t(5));
      QCOMPARE(v->tokens[1], std::string("b\xc3\xa9"));
      QCOMPARE(v->matrix(2, 4), 14.0f / 7.0f);
    }
  }

  void numpyReadsOurNpzAndCsv() {
    QTemporaryDir dir;
    const std::string npz = dir.filePath("v.npz").toStdString();
    const std::string csv = dir.filePath("v.csv").toStdString();
    io::Vectors v = sample();
    v.frequencies = {0, 5, 3, 1};
    QVERIFY(io::writeVectors(npz, v).isOk());
    io::Vectors bare = sample();
    bare.tokens.clear();
    QVERIFY(io::writeVectors(csv, bare).isOk());
    auto r = runPython(
        "import sys, numpy as np\n"
        "z = np.load(sys.argv[1])\n"
        "print(sorted(z.files), z['embeddings'].dtype, z['embeddings'].shape, z['tokens'][2], int(z['frequencies'].sum()))\n"
        "c = np.loadtxt(sys.argv[2], delimiter=',', dtype=np.float32)\n"
        "print(c.shape, np.array_equal(c, z['embeddings']))\n",
        {QString::fromStdString(npz), QString::fromStdString(csv)});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), QString::fromUtf8("['embeddings', 'frequencies', 'tokens'] float32 (4, 3) caf\xc3\xa9 9\n(4, 3) True"));
  }

  void weReadNumpySavezCompressed() {
    QTemporaryDir dir;
    const QString p = dir.filePath("c.npz");
    auto r = runPython("import sys, numpy as np\n"
                       "np.savez_compressed(sys.argv[1], embeddings=np.ones((6, 2), np.float64), tokens=np.array(list('abcdef')))\n",
                       {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto v = io::readVectors(p.toStdString());
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QCOMPARE(v->rows(), std::int64_t(6));
    QCOMPARE(v->tokens[5], std::string("f"));
  }

  void projectorMetadataRules_data() {
    QTest::addColumn<QString>("metadata");
    QTest::addColumn<QString>("expectError");
    QTest::addColumn<QString>("firstToken");
    QTest::newRow("one column, no header") << "a\nb\nc\n" << "" << "a";
    QTest::newRow("several columns, header") << "word\tfrequency\tpos\na\t3\tN\nb\t2\tV\nc\t1\tN\n" << "" << "a";
    QTest::newRow("single column with a header row") << "word\na\nb\nc\n" << "should not have a header row" << "";
    QTest::newRow("too few rows") << "a\nb\n" << "does not match" << "";
    QTest::newRow("ragged row") << "word\tpos\na\tN\nb\nc\tN\n" << "line 3: 1 columns" << "";
  }
  void projectorMetadataRules() {
    QFETCH(QString, metadata);
    QFETCH(QString, expectError);
    QFETCH(QString, firstToken);
    QTemporaryDir dir;
    const std::string vec = put(dir, "vectors.tsv", "1\t2\n3\t4\n5\t6\n");
    put(dir, "metadata.tsv", metadata.toStdString());
    auto v = io::readVectors(vec);
    if (!expectError.isEmpty()) {
      QVERIFY(!v.isOk());
      QVERIFY2(QString::fromStdString(v.status().message()).contains(expectError), v.status().message().c_str());
      QVERIFY(QString::fromStdString(v.status().message()).contains("metadata.tsv"));
      return;
    }
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QCOMPARE(QString::fromStdString(v->tokens[0]), firstToken);
    if (metadata.startsWith("word\tfrequency")) {
      QCOMPARE(v->frequencies, (std::vector<std::int64_t>{3, 2, 1}));
      QCOMPARE(v->metadataColumns, std::vector<std::string>{"pos"});
      QCOMPARE(v->metadata[0][1], std::string("V"));
    }
  }

  void malformedTextIsRefusedWithLine_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expect");
    QTest::newRow("w2v header claims 10^12 rows") << "a.txt" << QByteArray("1000000000000 300\nx 1\n") << "line 1: the header claims";
    QTest::newRow("w2v short row") << "a.txt" << QByteArray("2 3\na 1 2 3\nb 1 2\n") << "line 3: expected a token and 3 values, found 2";
    QTest::newRow("w2v truncated") << "a.txt" << QByteArray("3 2\na 1 2\nb 1 2\n") << "truncated";
    QTest::newRow("w2v extra rows") << "a.txt" << QByteArray("1 2\na 1 2\nb 1 2\n") << "line 3: more vectors";
    QTest::newRow("w2v Inf") << "a.txt" << QByteArray("1 2\na 1 inf\n") << "line 2: value 2 is inf";
    QTest::newRow("w2v not a number") << "a.txt" << QByteArray("1 2\na 1 x\n") << "line 2: value 2 'x' is not a number";
    QTest::newRow("w2v bad UTF-8 token") << "a.txt" << QByteArray("1 2\n\xff\xfe 1 2\n") << "line 2: the token is not valid UTF-8";
    QTest::newRow("glove without --from") << "a.txt" << QByteArray("a 1 2\nb 3 4\n") << "--from glove";
    QTest::newRow("bin truncated") << "a.bin" << QByteArray("2 2\nab \0\0\x80\x3f\0\0\x80\x3f\ncd \0\0\x80", 22) << "truncated";
    QTest::newRow("bin header lies") << "a.bin" << QByteArray("100000 300\nab ") << "the header claims";
    QTest::newRow("tsv ragged") << "vectors.tsv" << QByteArray("1\t2\n3\n") << "line 2: vector has dimension 1";
    QTest::newRow("csv ragged") << "a.csv" << QByteArray("1,2\n3\n") << "line 2: 1 fields";
    QTest::newRow("csv unterminated quote") << "a.csv" << QByteArray("tok,1\n\"x,2\n") << "line 2: unterminated";
    QTest::newRow("npz not a zip") << "a.npz" << QByteArray("hello") << "not a readable zip";
  }
  void malformedTextIsRefusedWithLine() {
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, expect);
    QTemporaryDir dir;
    const std::string p = put(dir, name.toStdString(), content.toStdString());
    auto v = io::readVectors(p);
    QVERIFY(!v.isOk());
    const QString msg = QString::fromStdString(v.status().message());
    QVERIFY2(msg.contains(expect), qPrintable(msg));
    QVERIFY2(msg.contains(name), qPrintable(msg));
  }

  void byteOrderMarksAndCrlfAreTolerated_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("word2vec") << "b.txt" << QByteArray("\xEF\xBB\xBF" "2 2\r\nab 1 2\r\ncd 3 4\r\n");
    QTest::newRow("tsv") << "b.tsv" << QByteArray("\xEF\xBB\xBF" "1\t2\r\n3\t4\r\n");
    QTest::newRow("csv") << "b.csv" << QByteArray("\xEF\xBB\xBF" "token,x,y\r\nab,1,2\r\ncd,3,4\r\n");
  }
  void byteOrderMarksAndCrlfAreTolerated() {
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QTemporaryDir dir;
    auto v = io::readVectors(put(dir, name.toStdString(), content.toStdString()));
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QCOMPARE(v->rows(), std::int64_t(2));
    QCOMPARE(v->matrix(1, 1), 4.0f);
    if (!v->tokens.empty()) QCOMPARE(v->tokens[0], std::string("ab"));
  }

  void gloveTokensWithSpaces() {
    QTemporaryDir dir;
    const std::string p = put(dir, "g.txt", "x 3 4\n. . . 1 2\n\n");
    io::ReadOptions ro;
    ro.format = io::VectorFormat::GloveText;
    auto v = io::readVectors(p, ro);
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QCOMPARE(v->tokens[1], std::string(". . ."));
    QCOMPARE(v->rows(), std::int64_t(2));
  }

  void writersRefuseUnrepresentableTokens() {
    QTemporaryDir dir;
    io::Vectors v = sample();
    v.tokens[3] = "two words";
    const std::string p = dir.filePath("x.txt").toStdString();
    const Status s = io::writeVectors(p, v);
    QCOMPARE(s.code(), StatusCode::InvalidArgument);
    QVERIFY(!QFile::exists(QString::fromStdString(p)));  // nothing written on failure
  }
};

QTEST_APPLESS_MAIN(TestTextFormats)
#include "test_text_formats.moc"
