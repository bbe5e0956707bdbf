// `embedscope project`, `neighbors` and `analogy` as a user runs them: file formats in, the exact
// output formats out, exit codes, reserved and non-finite rows, nothing written on failure.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <cmath>

#include "tests/support/test_support.h"

using embedscope::testing::runCli;
using embedscope::testing::runPython;

namespace {

// Planted clusters as .npy (via numpy) and as word2vec text with tokens; row 0 is '<pad>' in the
// text file so it is a declared padding row; row 5 holds a NaN in the .npy.
bool writeFixtures(const QString& dir) {
  const auto r = runPython(
      "import sys, numpy as np\n"
      "d=sys.argv[1]; rng=np.random.default_rng(0)\n"
      "c=rng.normal(size=(4,8))*6; lab=np.arange(120)%4\n"
      "x=(c[lab]+rng.normal(size=(120,8))).astype(np.float32)\n"
      "np.save(d+'/x.npy', x)\n"
      "y=x.copy(); y[5,3]=np.nan; y[6]=0; y[7]=y[8]; np.save(d+'/bad.npy', y)\n"
      "toks=['<pad>']+['w%d'%i for i in range(1,120)]\n"
      "with open(d+'/v.txt','w') as f:\n"
      "  f.write('120 8\\n')\n"
      "  for t,v in zip(toks,x): f.write(t+' '+' '.join('%.6f'%e for e in v)+'\\n')\n"
      "a=np.zeros((6,4),np.float32); a[0]=[1,0,0,.1]; a[1]=[1,0,1,.1]; a[2]=[0,1,0,.1]; a[3]=[0,1,1,.1]; "
      "a[4]=[.2,.1,.9,0]; a[5]=[0,0,0,1]\n"
      "with open(d+'/an.txt','w') as f:\n"
      "  f.write('6 4\\n')\n"
      "  for t,v in zip(['man','king','woman','queen','crown','other'],a): f.write(t+' '+' '.join('%.6f'%e for e in "
      "v)+'\\n')\n",
      {dir});
  return r.exitCode == 0;
}

QStringList lines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QString s = QString::fromUtf8(f.readAll());
  QStringList l = s.split('\n');
  if (!l.isEmpty() && l.back().isEmpty()) l.pop_back();
  return l;
}

}  // namespace

class TestProject : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(writeFixtures(m_dir.path()), "numpy fixtures");
  }

  void projectWritesOneLinePerRow_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("dims");
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("pca npy 2-D") << "pca"
                                 << "x.npy" << 2 << QStringList{};
    QTest::newRow("pca word2vec 3-D") << "pca"
                                      << "v.txt" << 3 << QStringList{};
    QTest::newRow("tsne npy") << "tsne"
                              << "x.npy" << 2 << QStringList{"--perplexity", "10", "--iterations", "300"};
    QTest::newRow("tsne 3-D word2vec") << "tsne"
                                       << "v.txt" << 3 << QStringList{"--perplexity", "10", "--iterations", "250"};
    QTest::newRow("umap npy") << "umap"
                              << "x.npy" << 2
                              << QStringList{"--n-neighbors", "10", "--min-dist", "0.2", "--iterations", "100"};
    QTest::newRow("tsne npy, Barnes-Hut forced") << "tsne"
                                                 << "x.npy" << 2
                                                 << QStringList{"--perplexity", "10", "--iterations", "200",
                                                                "--tsne-method", "barnes_hut"};
    QTest::newRow("umap npy, random start") << "umap"
                                            << "x.npy" << 2
                                            << QStringList{"--iterations", "50", "--umap-init", "random"};
    QTest::newRow("tsne with NaN, zero and duplicate rows")
        << "tsne"
        << "bad.npy" << 2 << QStringList{"--perplexity", "10", "--iterations", "250"};
    QTest::newRow("umap with NaN, zero and duplicate rows") << "umap"
                                                            << "bad.npy" << 2 << QStringList{"--iterations", "50"};
    QTest::newRow("pca with NaN, zero and duplicate rows") << "pca"
                                                           << "bad.npy" << 2 << QStringList{};
  }
  void projectWritesOneLinePerRow() {
    QFETCH(QString, method);
    QFETCH(QString, file);
    QFETCH(int, dims);
    QFETCH(QStringList, extra);
    const QString out = m_dir.filePath(method + QTest::currentDataTag() + ".tsv").replace(' ', '_');
    const QString metrics = out + ".json";
    QStringList args{"project",
                     "--vectors",
                     m_dir.filePath(file),
                     "--method",
                     method,
                     "--dims",
                     QString::number(dims),
                     "--seed",
                     "3",
                     "--save",
                     out,
                     "--metrics",
                     metrics};
    args += extra;
    const auto r = runCli(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList l = lines(out);
    QCOMPARE(l.size(), 120);  // every input row, reserved and non-finite ones included
    for (const QString& line : l) {
      const QStringList cols = line.split('\t');
      QCOMPARE(cols.size(), dims);
      for (const QString& c : cols) {
        bool ok = false;
        const double v = c.toDouble(&ok);
        QVERIFY2(ok && std::isfinite(v), qPrintable(line));
      }
    }
    QFile mf(metrics);
    QVERIFY(mf.open(QIODevice::ReadOnly));
    const QJsonObject m = QJsonDocument::fromJson(mf.readAll()).object();
    QCOMPARE(m["method"].toString(), method);
    QVERIFY(m["seconds"].toDouble() >= 0);
    QVERIFY(m["trustworthiness"].toDouble() > 0.5 && m["trustworthiness"].toDouble() <= 1.0);
    if (method == "tsne") QVERIFY(m["kl_divergence"].toDouble() > 0);
    if (method == "pca") {
      QCOMPARE(m["variance_explained"].toArray().size(), dims);
      QVERIFY(m["variance_explained"].toArray()[0].toDouble() > 0);
    }
    if (file == "v.txt") QCOMPARE(m["reserved_rows_excluded"].toInt(), 1);
    if (file == "bad.npy") {
      QCOMPARE(m["non_finite_rows"].toInt(), 1);
      QVERIFY(r.err.contains("warning"));
    }
    // Same seed, same file: byte-identical output (one thread by default).
    const QString again = out + ".again";
    args[args.indexOf(out)] = again;
    QCOMPARE(runCli(args).exitCode, 0);
    QCOMPARE(lines(again), l);
  }

  void projectErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exit");
    QTest::newRow("no --vectors") << QStringList{"project", "--method", "pca", "--save", "o.tsv"} << 2;
    QTest::newRow("unknown method") << QStringList{"project", "--vectors", "x.npy", "--method",
                                                   "mds",     "--save",    "o.tsv"}
                                    << 2;
    QTest::newRow("dims 4") << QStringList{"project", "--vectors", "x.npy",  "--method", "pca",
                                           "--dims",  "4",         "--save", "o.tsv"}
                            << 2;
    QTest::newRow("perplexity not a number")
        << QStringList{"project", "--vectors", "x.npy", "--method", "tsne", "--perplexity", "abc", "--save", "o.tsv"}
        << 2;
    QTest::newRow("perplexity too large for 120 rows")
        << QStringList{"project", "--vectors", "x.npy", "--method", "tsne", "--perplexity", "500", "--save", "o.tsv"}
        << 2;
    QTest::newRow("unknown t-SNE method")
        << QStringList{"project", "--vectors", "x.npy", "--method", "tsne", "--tsne-method", "pca", "--save", "o.tsv"}
        << 2;
    QTest::newRow("unknown UMAP init")
        << QStringList{"project", "--vectors", "x.npy", "--method", "umap", "--umap-init", "tsne", "--save", "o.tsv"}
        << 2;
    QTest::newRow("missing file") << QStringList{"project", "--vectors", "nope.npy", "--method",
                                                 "pca",     "--save",    "o.tsv"}
                                  << 1;
    QTest::newRow("unknown flag") << QStringList{"project", "--vectors", "x.npy", "--method",
                                                 "pca",     "--save",    "o.tsv", "--bogus"}
                                  << 2;
  }
  void projectErrors() {
    QFETCH(QStringList, args);
    QFETCH(int, exit);
    for (QString& a : args)
      if (a.endsWith(".npy") || a == "o.tsv") a = m_dir.filePath(a);
    const auto r = runCli(args);
    QCOMPARE(r.exitCode, exit);
    QVERIFY(r.err.startsWith("embedscope: error: "));
    QVERIFY(!QFile::exists(m_dir.filePath("o.tsv")));  // nothing written on failure
  }

  void neighborsPrintsRankIdTokenScore_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("exact cosine") << QStringList{};
    QTest::newRow("exact euclidean") << QStringList{"--metric", "euclidean"};
    QTest::newRow("approximate") << QStringList{"--approximate"};
    QTest::newRow("dot") << QStringList{"--metric", "dot", "--exact"};
  }
  void neighborsPrintsRankIdTokenScore() {
    QFETCH(QStringList, extra);
    QStringList args{"neighbors", "--vectors", m_dir.filePath("v.txt"), "--query", "w4", "-k", "7"};
    args += extra;
    const auto r = runCli(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList l = r.out.trimmed().split('\n');
    QCOMPARE(l.size(), 7);
    double previous = 0;
    for (int i = 0; i < l.size(); ++i) {
      const QStringList f = l[i].split('\t');
      QCOMPARE(f.size(), 4);
      QCOMPARE(f[0].toInt(), i + 1);
      const int id = f[1].toInt();
      QVERIFY(id != 4 && id != 0);  // never the query, never the padding row
      QCOMPARE(f[2], QString("w%1").arg(id));
      QCOMPARE(id % 4, 0);  // planted cluster of w4: rows 0 mod 4
      const double s = f[3].toDouble();
      if (i > 0) QVERIFY(extra.contains("euclidean") ? s >= previous : s <= previous);
      previous = s;
    }
    // --row N names the same row in a token-less .npy.
    const auto byRow = runCli({"neighbors", "--vectors", m_dir.filePath("x.npy"), "--row", "4", "-k", "3"});
    QCOMPARE(byRow.exitCode, 0);
    QCOMPARE(byRow.out.trimmed().split('\n').size(), 3);
    QVERIFY(byRow.out.split('\n')[0].split('\t')[2].isEmpty());  // no tokens: empty token field
  }

  void neighborsErrors() {
    QCOMPARE(runCli({"neighbors", "--vectors", m_dir.filePath("v.txt"), "--query", "zzz"}).exitCode, 1);
    QCOMPARE(runCli({"neighbors", "--vectors", m_dir.filePath("x.npy"), "--query", "w1"}).exitCode, 2);
    QCOMPARE(runCli({"neighbors", "--vectors", m_dir.filePath("x.npy")}).exitCode, 2);
    QCOMPARE(
        runCli({"neighbors", "--vectors", m_dir.filePath("x.npy"), "--row", "1", "--exact", "--approximate"}).exitCode,
        2);
    QCOMPARE(runCli({"neighbors", "--vectors", m_dir.filePath("x.npy"), "--row", "999"}).exitCode, 1);
    QCOMPARE(runCli({"neighbors", "--vectors", m_dir.filePath("bad.npy"), "--row", "6"}).exitCode,
             1);  // all-zero row, cosine
    QCOMPARE(
        runCli({"neighbors", "--vectors", m_dir.filePath("x.npy"), "--row", "1", "--metric", "manhattan"}).exitCode, 2);
  }

  void analogyRanksAndExcludesQueryWords() {
    const auto r = runCli({"analogy", "--vectors", m_dir.filePath("an.txt"), "man", "king", "woman", "-k", "3"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList l = r.out.trimmed().split('\n');
    QCOMPARE(l.size(), 3);
    QCOMPARE(l[0].split('\t')[2], QString("queen"));
    QCOMPARE(l[0].split('\t')[0], QString("1"));
    for (const QString& line : l) {
      const QString tok = line.split('\t')[2];
      QVERIFY(tok != "man" && tok != "king" && tok != "woman");
    }
    QCOMPARE(runCli({"analogy", "--vectors", m_dir.filePath("an.txt"), "man", "king"}).exitCode, 2);
    QCOMPARE(runCli({"analogy", "--vectors", m_dir.filePath("an.txt"), "man", "king", "nobody"}).exitCode, 1);
  }
};

QTEST_GUILESS_MAIN(TestProject)
#include "test_project.moc"
