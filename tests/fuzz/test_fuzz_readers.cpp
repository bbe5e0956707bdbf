// Mutation fuzzing of every reader of ours, bounded in time: valid seed files of each family are
// mutated (bit flips, interesting bytes, inserted/deleted/duplicated runs, truncation, huge numbers
// spliced into headers) with a seeded generator and fed to the reader. A reader must return a
// Status or a consistent value — never crash, hang or trip ASan/UBSan (scripts/test.sh runs this
// label under both). Each family runs for EMBEDSCOPE_FUZZ_SECONDS (default 5; scripts/test.sh
// gives each a minute in CI, under the sanitizers). Each family is a CTest test of its own
// (`fuzz_test_fuzz_readers:npy`, run as `fuzz_test_fuzz_readers fuzz:npy`), so `ctest -j2` fuzzes two
// at once. Inputs that once broke a reader live in tests/data/io/corpus/<family>/ and are replayed
// first, before any mutation.
#include <QtTest>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/core/rng.h"
#include "engine/io/json.h"
#include "engine/io/keras_reader.h"
#include "engine/io/npy.h"
#include "engine/io/session_file.h"
#include "engine/io/session_marks.h"
#include "engine/io/vector_stats.h"
#include "engine/io/vectors.h"
#include "engine/io/zip_archive.h"
#include "support/test_support.h"

// tests/CMakeLists.txt reads this line and registers one CTest test per family.
#define EMBEDSCOPE_FUZZ_FAMILIES "npy npz word2vec-text word2vec-binary fasttext glove projector-tsv projector-metadata csv session json keras-weights-h5 keras-archive legacy-h5"

using namespace embedscope;

namespace {

using Bytes = std::string;

Bytes readAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeAll(const std::string& p, const Bytes& b) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(b.data(), static_cast<std::streamsize>(b.size()));
}

double budgetSeconds() {
  bool ok = false;
  const double s = qEnvironmentVariable("EMBEDSCOPE_FUZZ_SECONDS").toDouble(&ok);
  return ok && s > 0 ? s : 5.0;
}

// Set by CTest: the test's timeout. A budget that would not leave room for setup, the corpus and
// sanitizer slowdown is refused up front, rather than ending as an unexplained CTest timeout.
constexpr double kSetupAllowanceSeconds = 60;

Bytes mutate(const Bytes& in, Rng& rng, const std::vector<Bytes>& dictionary) {
  Bytes b = in;
  const int rounds = 1 + static_cast<int>(rng.below(4));
  for (int k = 0; k < rounds; ++k) {
    const std::size_t n = b.size();
    switch (rng.below(9)) {
      case 0:  // bit flip
        if (n) b[rng.below(n)] ^= static_cast<char>(1u << rng.below(8));
        break;
      case 1: {  // interesting byte
        static const unsigned char vals[] = {0, 0xFF, 0x7F, 0x80, 0x01, '\n', ' ', '\t', '"', ',', '-', '9'};
        if (n) b[rng.below(n)] = static_cast<char>(vals[rng.below(sizeof vals)]);
        break;
      }
      case 2:  // truncate
        if (n) b.resize(rng.below(n));
        break;
      case 3: {  // delete a run
        if (!n) break;
        const std::size_t at = rng.below(n), len = 1 + rng.below(std::min<std::size_t>(64, n - at));
        b.erase(at, len);
        break;
      }
      case 4: {  // duplicate a run
        if (!n) break;
        const std::size_t at = rng.below(n), len = 1 + rng.below(std::min<std::size_t>(256, n - at));
        b.insert(at, b.substr(at, len));
        break;
      }
      case 5: {  // insert random bytes
        const std::size_t at = n ? rng.below(n + 1) : 0;
        Bytes junk(1 + rng.below(16), '\0');
        for (auto& c : junk) c = static_cast<char>(rng.below(256));
        b.insert(at, junk);
        break;
      }
      case 6: {  // splice a dictionary token (huge counts, NaN, magic pieces)
        const Bytes& t = dictionary[rng.below(dictionary.size())];
        const std::size_t at = n ? rng.below(n + 1) : 0;
        if (rng.below(2) && at + t.size() <= n) b.replace(at, t.size(), t);
        else b.insert(at, t);
        break;
      }
      case 7: {  // overwrite 4 or 8 bytes with an extreme integer (length fields in binary formats)
        if (n < 8) break;
        const std::size_t at = rng.below(n - 7);
        const std::uint64_t vals[] = {0, 1, 0xFFFFFFFFull, 0x7FFFFFFFull, 0xFFFFFFFFFFFFFFFFull, 1ull << 40, 0x80000000ull};
        const std::uint64_t v = vals[rng.below(sizeof vals / sizeof vals[0])];
        std::memcpy(b.data() + at, &v, rng.below(2) ? 4 : 8);
        break;
      }
      default: {  // replace a digit run by a huge number
        for (std::size_t tries = 0; tries < 8 && n; ++tries) {
          const std::size_t at = rng.below(n);
          if (b[at] >= '0' && b[at] <= '9') {
            std::size_t end = at;
            while (end < b.size() && b[end] >= '0' && b[end] <= '9') ++end;
            b.replace(at, end - at, rng.below(2) ? "999999999999999" : "18446744073709551617");
            break;
          }
        }
      }
    }
  }
  return b;
}

// Set when a read made the isolated libhdf5 child die of a signal (isolation held: the reader
// returned an error). runFamily keeps such inputs, candidates for the regression corpus.
bool g_childCrashed = false;

void noteChildCrash(const Status& s) {
  if (!s.isOk() && s.message().find("parser crashed") != std::string::npos) g_childCrashed = true;
}

// Whatever a reader returns must be self-consistent.
void checkVectors(const Result<io::Vectors>& v) {
  if (!v.isOk()) {
    QVERIFY(!v.status().message().empty());
    noteChildCrash(v.status());
    return;
  }
  QVERIFY(v->tokens.empty() || static_cast<std::int64_t>(v->tokens.size()) == v->rows());
  QVERIFY(v->frequencies.empty() || static_cast<std::int64_t>(v->frequencies.size()) == v->rows());
  for (const auto& col : v->metadata) QCOMPARE(static_cast<std::int64_t>(col.size()), v->rows());
}

struct Family {
  std::string name;
  std::string fileName;                                   // the reader picks the format from it
  std::vector<Bytes> seeds;
  std::function<void(const std::string& path)> read;      // runs the reader(s) on the file
};

io::Vectors sampleVectors(int rows, int dim) {
  io::Vectors v;
  v.matrix.resize(rows, dim);
  for (int i = 0; i < rows * dim; ++i) v.matrix.data()[i] = 0.25f * float(i % 17) - 1.5f;
  v.tokens.push_back("[PAD]");
  v.tokens.push_back("[UNK]");
  for (int r = 2; r < rows; ++r) v.tokens.push_back("w" + std::to_string(r) + (r % 3 ? "" : "\xc3\xa9"));
  v.frequencies.assign(static_cast<std::size_t>(rows), 3);
  return v;
}

Bytes seedFile(const std::string& dir, const std::string& name, const io::Vectors& v, io::WriteOptions o = {}) {
  const std::string p = dir + "/" + name;
  const Status s = io::writeVectors(p, v, o);
  if (!s.isOk()) qFatal("seed %s: %s", name.c_str(), s.message().c_str());
  return readAll(p);
}

}  // namespace

class TestFuzzReaders : public QObject {
  Q_OBJECT

  QTemporaryDir m_seedDir;
  std::string m_workDir;
  std::vector<Family> m_families;
  bool m_keepWorkDir = false;  // inputs that crashed the isolated child are kept for the corpus
  std::vector<Bytes> m_dict{"1000000000000", "-1", "nan", "inf", "-inf", "1e39", "\xff\xfe", "\x93NUMPY", "PK\x03\x04",
                            "\x89HDF\r\n\x1a\n", "'shape': (", "'descr': '>f8'", "True", "EMBEDSCOPE-SESSION\n",
                            "{\"a\":[", "\"\\ud800\"", "\t", "\"", "\r\n", std::string(300, '['), "0x", "\xc0\x80"};

  void addFamilies() {
    const std::string d = m_seedDir.path().toStdString();
    const io::Vectors small = sampleVectors(6, 3), wide = sampleVectors(3, 9);
    auto readAs = [](std::optional<io::VectorFormat> f) {
      return [f](const std::string& p) {
        io::ReadOptions o;
        o.format = f;
        checkVectors(io::readVectors(p, o));
        o.allowNonFinite = true;
        checkVectors(io::readVectors(p, o));
      };
    };
    m_families.push_back({"npy", "f.npy", {seedFile(d, "a.npy", small), seedFile(d, "b.npy", wide)}, [](const std::string& p) {
                            auto a = io::readNpy(p);
                            if (a.isOk()) QCOMPARE(a->bytes.size(), static_cast<std::size_t>(a->elementCount()) * dtypeSize(a->dtype));
                            auto st = io::streamNpyStats(p);
                            if (a.isOk() != st.isOk()) QFAIL("readNpy and streamNpyStats disagree on validity");
                            checkVectors(io::readVectors(p));
                          }});
    {
      // Fortran and big-endian seeds by hand: header + data.
      auto a = io::readNpy(d + "/a.npy");
      Bytes fortran = readAll(d + "/a.npy");
      const auto pos = fortran.find("False");
      fortran.replace(pos, 5, "True ");
      Bytes big = readAll(d + "/a.npy");
      big.replace(big.find("'<f4'"), 5, "'>f4'");
      m_families.back().seeds.push_back(fortran);
      m_families.back().seeds.push_back(big);
    }
    m_families.push_back({"npz", "f.npz", {seedFile(d, "a.npz", small)}, readAs(std::nullopt)});
    m_families.push_back({"word2vec-text", "f.txt", {seedFile(d, "a.txt", small), seedFile(d, "b.txt", wide)}, readAs(std::nullopt)});
    m_families.push_back({"word2vec-binary", "f.bin", {seedFile(d, "a.bin", small)}, readAs(std::nullopt)});
    m_families.push_back({"fasttext", "f.vec", {seedFile(d, "a.vec", small)}, readAs(std::nullopt)});
    {
      io::WriteOptions g;
      g.format = io::VectorFormat::GloveText;
      m_families.push_back({"glove", "f.txt", {seedFile(d, "g.txt", small, g)}, readAs(io::VectorFormat::GloveText)});
    }
    {
      // vectors.tsv + a metadata.tsv beside it in the work dir, mutated in turn.
      io::Vectors meta = small;
      meta.metadataColumns = {"pos"};
      meta.metadata = {{"N", "V", "N", "A", "N", "V"}};
      const Bytes vec = seedFile(d, "vectors.tsv", meta);
      const Bytes md = readAll(d + "/metadata.tsv");
      m_families.push_back({"projector-tsv", "vectors.tsv", {vec, "1\t2\n3\t4\n"}, readAs(std::nullopt)});
      m_families.push_back({"projector-metadata", "metadata.tsv", {md, "a\nb\nc\nd\ne\nf\n"}, [this, vec](const std::string& p) {
                              const std::string v = std::filesystem::path(p).parent_path() / "vectors.tsv";
                              writeAll(v, vec);
                              checkVectors(io::readVectors(v));
                            }});
    }
    m_families.push_back({"csv", "f.csv", {seedFile(d, "a.csv", small), "1,2\n3,4\n", "tok,a\n\"x,\"\"y\",1\n"}, readAs(std::nullopt)});
    {
      io::SessionFile s;
      s.setText(io::session_keys::kLayerConfig, R"({"input_dim": 6})");
      s.setMatrix(io::session_keys::kWeights, small.matrix);
      const std::int64_t ids[3] = {1, 2, 3};
      s.setArray("task/ids", NdArray::fromInt64({3}, ids));
      const auto bytes = io::encodeSessionFile(s);
      // A second seed with selections and bookmarks, so their JSON is mutated too.
      io::SessionFile marked = s;
      QVERIFY(io::writeSelections(marked, {{io::kCurrentSelection, {0, 2, 5}}, {"nouns", {1}}}).isOk());
      io::SessionBookmark b;
      b.name = "start";
      b.projection = "pca";
      b.view = {1.5, 0.25, -0.5, 0.1, 0.2, true};
      b.selection = {3, 4};
      b.timelineIndex = 0;
      QVERIFY(io::writeBookmarks(marked, {b}).isOk());
      const auto markedBytes = io::encodeSessionFile(marked);
      m_families.push_back({"session", "f.embscope",
                            {Bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                             Bytes(reinterpret_cast<const char*>(markedBytes.data()), markedBytes.size())},
                            [](const std::string& p) {
                              auto r = io::readSessionFile(p);
                              if (!r.isOk()) return;
                              for (const auto& [k, a] : r->arrays)
                                QCOMPARE(a.bytes.size(), static_cast<std::size_t>(a.elementCount()) * dtypeSize(a.dtype));
                              // Marks read back must be what a write of them gives again.
                              auto sel = io::readSelections(*r, 6);
                              if (sel.isOk()) {
                                io::SessionFile again;
                                QVERIFY(io::writeSelections(again, *sel).isOk());
                                QVERIFY(io::readSelections(again, 6).isOk());
                              } else {
                                QVERIFY(!sel.status().message().empty());
                              }
                              auto bm = io::readBookmarks(*r, 6);
                              if (bm.isOk()) {
                                io::SessionFile again;
                                QVERIFY(io::writeBookmarks(again, *bm).isOk());
                                QVERIFY(io::readBookmarks(again, 6).isOk());
                              }
                            }});
    }
    m_families.push_back({"json", "f.json",
                          {R"({"module": "keras", "class_name": "Sequential", "config": {"layers": [{"a": [1, 2.5e-3, true, null, "\u00e9\ud83d\ude00"]}]}})"},
                          [](const std::string& p) {
                            const Bytes b = readAll(p);
                            auto j = io::Json::parse(b, p);
                            if (j.isOk()) {
                              auto again = io::Json::parse(j->dump(), "dump");  // what we write, we read
                              QVERIFY2(again.isOk(), again.status().message().c_str());
                            }
                          }});
    {
      io::WriteOptions w;
      w.layerName = "tokens";
      const Bytes h5 = seedFile(d, "a.weights.h5", small, w);
      // A .keras archive around the same weights.
      io::ZipWriter z;
      const std::string cfg =
          R"({"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": "InputLayer", "config": {"name": "in"}}, )"
          R"({"class_name": "StringLookup", "config": {"name": "lk", "vocabulary": ["a", "b", "c", "d", "e"]}}, )"
          R"({"class_name": "Embedding", "config": {"name": "tokens", "input_dim": 6, "output_dim": 3}}]}})";
      z.add("metadata.json", std::vector<std::byte>(reinterpret_cast<const std::byte*>("{\"keras_version\": \"3.15.1\"}"),
                                                    reinterpret_cast<const std::byte*>("{\"keras_version\": \"3.15.1\"}") + 27));
      z.add("config.json", std::vector<std::byte>(reinterpret_cast<const std::byte*>(cfg.data()),
                                                  reinterpret_cast<const std::byte*>(cfg.data()) + cfg.size()));
      z.add("model.weights.h5", std::vector<std::byte>(reinterpret_cast<const std::byte*>(h5.data()),
                                                       reinterpret_cast<const std::byte*>(h5.data()) + h5.size()));
      QVERIFY(z.write(d + "/a.keras").isOk());
      auto keras = [](io::VectorFormat f) {
        return [f](const std::string& p) {
          auto info = io::inspectKerasFile(p, f);
          if (!info.isOk()) noteChildCrash(info.status());
          io::ReadOptions o;
          o.format = f;
          checkVectors(io::readVectors(p, o));
          if (info.isOk())
            for (const auto& e : info->embeddings) QCOMPARE(e.shape.size(), std::size_t(2));
        };
      };
      // Quantized tables in Keras 3's layout (int8 with a per-row scale; grouped int4 with zero
      // points and g_idx), from h5py when Debian's python is there.
      std::vector<Bytes> h5Seeds{h5}, kerasSeeds{readAll(d + "/a.keras")};
      const QString q8 = m_seedDir.filePath("q8.weights.h5"), q4 = m_seedDir.filePath("q4.weights.h5"),
                    qk = m_seedDir.filePath("q4.keras");
      auto q = testing::runPython(
          "import h5py, sys, json, zipfile, numpy as np\n"
          "with h5py.File(sys.argv[1], 'w') as f:\n"
          "    g = f.create_group('layers/embedding/vars'); g.attrs['name'] = 'tokens'\n"
          "    g['0'] = np.arange(-12, 12, dtype=np.int8).reshape(6, 4); g['1'] = np.full((6,), 100.0, np.float32)\n"
          "with h5py.File(sys.argv[2], 'w') as f:\n"
          "    g = f.create_group('layers/embedding/vars'); g.attrs['name'] = 'tokens'\n"
          "    g['0'] = np.arange(18, dtype=np.int8).reshape(6, 3); g['1'] = np.full((6, 2), 0.01, np.float32)\n"
          "    g['2'] = np.zeros((6, 2), np.int8); g['3'] = (np.arange(5) // 3).astype(np.float32)\n"
          "cfg = {'class_name': 'Sequential', 'config': {'name': 's', 'layers': [{'class_name': 'Embedding', 'config':"
          " {'name': 'tokens', 'input_dim': 6, 'output_dim': 5, 'dtype': 'int4/3_from_float32'}}]}}\n"
          "with zipfile.ZipFile(sys.argv[3], 'w') as z:\n"
          "    z.writestr('metadata.json', '{\"keras_version\": \"3.15.1\"}'); z.writestr('config.json', json.dumps(cfg))\n"
          "    z.writestr('model.weights.h5', open(sys.argv[2], 'rb').read())\n",
          {q8, q4, qk});
      if (q.exitCode == 0) {
        h5Seeds.push_back(readAll(q8.toStdString()));
        h5Seeds.push_back(readAll(q4.toStdString()));
        kerasSeeds.push_back(readAll(qk.toStdString()));
      }
      m_families.push_back({"keras-weights-h5", "f.weights.h5", h5Seeds, keras(io::VectorFormat::KerasWeightsH5)});
      m_families.push_back({"keras-archive", "f.keras", kerasSeeds, keras(io::VectorFormat::Keras)});
      // Legacy layout from h5py when Debian's python is there; the reader code path is ours.
      const QString legacy = m_seedDir.filePath("legacy.h5");
      auto r = testing::runPython(
          "import h5py, sys, numpy as np\n"
          "with h5py.File(sys.argv[1], 'w') as f:\n"
          "    f.attrs['layer_names'] = [b'emb']\n"
          "    g = f.create_group('emb'); g.attrs['weight_names'] = [b'emb/embeddings:0']\n"
          "    g['emb/embeddings:0'] = np.ones((4, 2), np.float32)\n",
          {legacy});
      std::vector<Bytes> legacySeeds;
      if (r.exitCode == 0) legacySeeds.push_back(readAll(legacy.toStdString()));
      legacySeeds.push_back(h5);
      m_families.push_back({"legacy-h5", "f.h5", legacySeeds, keras(io::VectorFormat::LegacyH5)});
    }
  }

  void runFamily(const Family& fam) {
    const std::string dir = m_workDir + "/" + fam.name;
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/" + fam.fileName;
    // Regression corpus first: inputs that once broke this family.
    const std::filesystem::path corpus = std::filesystem::path(EMBEDSCOPE_TEST_DATA) / "io" / "corpus" / fam.name;
    int replayed = 0;
    std::error_code ec;
    if (std::filesystem::is_directory(corpus, ec))
      for (const auto& e : std::filesystem::directory_iterator(corpus)) {
        writeAll(path, readAll(e.path().string()));
        fam.read(path);
        if (QTest::currentTestFailed()) qFatal("corpus input %s failed", e.path().c_str());
        ++replayed;
      }
    for (const auto& s : fam.seeds) {  // the seeds themselves must read cleanly
      writeAll(path, s);
      fam.read(path);
    }
    const auto budget = std::chrono::duration<double>(budgetSeconds());
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t seed = 0xE5C0DE + std::hash<std::string>{}(fam.name);
    Rng rng(seed);
    std::uint64_t iterations = 0;
    int childCrashes = 0;
    while (std::chrono::steady_clock::now() - start < budget) {
      const Bytes input = mutate(fam.seeds[rng.below(fam.seeds.size())], rng, m_dict);
      writeAll(path, input);  // left in place: after a crash it is the input that did it
      g_childCrashed = false;
      fam.read(path);
      if (g_childCrashed && ++childCrashes <= 5) {
        // Contained, so not a failure; but worth keeping as a regression input.
        const std::string kept = dir + "/child-crash-" + std::to_string(iterations);
        writeAll(kept, input);
        m_keepWorkDir = true;
        qInfo("family %s: the isolated parser crashed on iteration %llu and the reader returned an error; input kept at %s",
              fam.name.c_str(), static_cast<unsigned long long>(iterations), kept.c_str());
      }
      if (QTest::currentTestFailed()) {
        writeAll(dir + "/failing-input", input);
        qWarning("family %s: iteration %llu (seed %llu) failed; input kept at %s/failing-input", fam.name.c_str(),
                 static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed), dir.c_str());
        return;
      }
      ++iterations;
    }
    qInfo("family %-20s %8llu inputs in %.0f s (%d corpus files, %d contained child crashes)", fam.name.c_str(),
          static_cast<unsigned long long>(iterations), budget.count(), replayed, childCrashes);
    QVERIFY(iterations > 0);
  }

 private slots:
  void initTestCase() {
    // Some mutated HDF5 files make libhdf5 loop forever; the isolated child is then killed. Three
    // seconds instead of the default two minutes keeps that a finding, not a time-out of the test.
    qputenv("EMBEDSCOPE_ISOLATION_TIMEOUT", "3");
    QVERIFY(m_seedDir.isValid());
    // Not a QTemporaryDir: after a crash the last input must survive for the regression corpus.
    m_workDir = (std::filesystem::temp_directory_path() / ("embedscope-fuzz-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(m_workDir);
    qInfo("fuzz work dir: %s (the last input of each family stays there)", m_workDir.c_str());
    addFamilies();
    // The CTest registration (EMBEDSCOPE_FUZZ_FAMILIES) and the harness must name the same families.
    const QStringList listed = QString(EMBEDSCOPE_FUZZ_FAMILIES).split(' ', Qt::SkipEmptyParts);
    QStringList built;
    for (const auto& f : m_families) built << QString::fromStdString(f.name);
    QCOMPARE(listed, built);
  }
  void cleanupTestCase() {
    if (!QTest::currentTestFailed() && !m_keepWorkDir) {
      std::error_code ec;
      std::filesystem::remove_all(m_workDir, ec);
    }
  }

  void fuzz_data() {
    QTest::addColumn<QString>("family");
    for (const QString& f : QString(EMBEDSCOPE_FUZZ_FAMILIES).split(' ', Qt::SkipEmptyParts))
      QTest::newRow(qPrintable(f)) << f;
  }
  void fuzz() {
    QFETCH(QString, family);
    bool ok = false;
    const double ctestTimeout = qEnvironmentVariable("EMBEDSCOPE_FUZZ_CTEST_TIMEOUT").toDouble(&ok);
    if (ok && budgetSeconds() + kSetupAllowanceSeconds > ctestTimeout)
      QFAIL(qPrintable(QString("EMBEDSCOPE_FUZZ_SECONDS=%1 does not fit the CTest timeout of %2 s (reconfigure with "
                               "-DEMBEDSCOPE_FUZZ_TIMEOUT=..., or run the executable directly)")
                           .arg(budgetSeconds())
                           .arg(ctestTimeout)));
    for (const auto& f : m_families)
      if (QString::fromStdString(f.name) == family) return runFamily(f);
    QFAIL(qPrintable("no family " + family));
  }
};

QTEST_APPLESS_MAIN(TestFuzzReaders)
#include "test_fuzz_readers.moc"
