// Keras files: Keras 3 .weights.h5 and .keras archives built with h5py/zipfile in Keras's exact
// layout (reference/keras-files.md), Keras 3.5 files without name attributes, legacy .h5 from both
// writers; our .weights.h5 checked with h5py; hostile HDF5 becomes an error, never a crash.
#include <QtTest>
#include <csignal>
#include <fstream>

#include "engine/io/isolated_call.h"
#include "engine/io/keras_reader.h"
#include "engine/io/npy.h"
#include "engine/io/vectors.h"
#include "support/test_support.h"

using namespace embedscope;
using namespace embedscope::testing;

namespace {

// Shared Python: the Keras-layout builders. Tables are arange-based so C++ can predict them.
const char* kBuilders = R"PY(
import h5py, json, zipfile, io, sys, numpy as np
def table(r, c, k=0):
    return (np.arange(r * c, dtype=np.float32).reshape(r, c) * 0.5 + k).astype(np.float32)
def keras3_weights(f, tables, names=True, model="sequential", extra_dense=True):
    v = f.create_group("vars")
    if names: v.attrs["name"] = model
    layers = f.create_group("layers")
    for key, name, arr in tables:
        g = layers.create_group(key).create_group("vars")
        if names: g.attrs["name"] = name
        g["0"] = arr
    if extra_dense:
        g = layers.create_group("dense").create_group("vars")
        if names: g.attrs["name"] = "head"
        g["0"] = np.zeros((tables[0][2].shape[1], 4), np.float32)
        g["1"] = np.zeros((4,), np.float32)
def emb_cfg(name, i, o, mask=False):
    return {"module": "keras.layers", "class_name": "Embedding",
            "config": {"name": name, "trainable": True, "input_dim": i, "output_dim": o, "mask_zero": mask},
            "registered_name": None}
def write_keras(path, config, h5bytes, assets=None):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "2026-01-02@03:04:05"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", h5bytes)
        for name, text in (assets or {}).items():
            z.writestr(name, text)
def h5_bytes(build):
    b = io.BytesIO()
    with h5py.File(b, "w") as f:
        build(f)
    return b.getvalue()
)PY";

ProcessResult py(const QString& body, const QStringList& args) {
  return runPython(QString::fromUtf8(kBuilders) + body, args);
}

Matrix expectedTable(int r, int c, float k = 0) {
  Matrix m(r, c);
  for (int i = 0; i < r * c; ++i) m.data()[i] = float(i) * 0.5f + k;
  return m;
}

}  // namespace

class TestKeras : public QObject {
  Q_OBJECT
 private slots:
  void keras3WeightsH5OpensWithLayerNameAndMatrix() {
    QTemporaryDir dir;
    const QString p = dir.filePath("model.weights.h5");
    auto r = py("with h5py.File(sys.argv[1], 'w') as f: keras3_weights(f, [('embedding', 'tokens', table(7, 3))])\n", {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto info = io::inspectKerasFile(p.toStdString(), io::VectorFormat::KerasWeightsH5);
    QVERIFY2(info.isOk(), info.status().message().c_str());
    QCOMPARE(info->embeddings.size(), std::size_t(1));
    QCOMPARE(info->embeddings[0].name, std::string("tokens"));
    QCOMPARE(info->embeddings[0].shape, (std::vector<std::int64_t>{7, 3}));
    QCOMPARE(info->embeddings[0].weightsPath, std::string("/layers/embedding/vars/0"));
    QCOMPARE(info->modelName, std::string("sequential"));
    auto v = io::readVectors(p.toStdString());
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QVERIFY(v->matrix == expectedTable(7, 3));
    QCOMPARE(v->format, std::string("weights.h5"));
  }

  void functionalModelWithTwoEmbeddings() {
    QTemporaryDir dir;
    const QString p = dir.filePath("tc.weights.h5");
    auto r = py("with h5py.File(sys.argv[1], 'w') as f:\n"
                "    keras3_weights(f, [('embedding', 'tokens', table(50, 8)), ('embedding_1', 'positions', table(12, 8, 1.0))],"
                " model='token_classifier')\n",
                {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto all = io::readVectors(p.toStdString());
    QVERIFY(!all.isOk());
    QVERIFY2(all.status().message().find("'tokens', 'positions'") != std::string::npos, all.status().message().c_str());
    auto pos = io::readVectors(p.toStdString() + "::positions");
    QVERIFY2(pos.isOk(), pos.status().message().c_str());
    QVERIFY(pos->matrix == expectedTable(12, 8, 1.0f));
    auto missing = io::readVectors(p.toStdString() + "::nope");
    QCOMPARE(missing.status().code(), StatusCode::InvalidArgument);
  }

  void kerasArchiveWithConfigAndVocabulary() {
    QTemporaryDir dir;
    const QString p = dir.filePath("m.keras");
    auto r = py(R"PY(
vocab = ["the", "cat", "sat"]
cfg = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
  {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 10], "name": "input_layer"}},
  {"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "lookup", "vocabulary": vocab,
     "mask_token": "", "num_oov_indices": 1, "oov_token": "[UNK]"}},
  emb_cfg("words", 5, 4, mask=True)]}}
write_keras(sys.argv[1], cfg, h5_bytes(lambda f: keras3_weights(f, [("embedding", "words", table(5, 4))], extra_dense=False)))
)PY",
                {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto info = io::inspectKerasFile(p.toStdString(), io::VectorFormat::Keras);
    QVERIFY2(info.isOk(), info.status().message().c_str());
    QCOMPARE(info->kerasVersion, std::string("3.15.1"));
    QCOMPARE(info->embeddings.size(), std::size_t(1));
    QCOMPARE(info->embeddings[0].vocabularySize, std::int64_t(5));
    QVERIFY(info->embeddings[0].configJson.find("\"mask_zero\": true") != std::string::npos);
    auto v = io::readVectors(p.toStdString() + "::words");
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QCOMPARE(v->tokens, (std::vector<std::string>{"", "[UNK]", "the", "cat", "sat"}));
    QCOMPARE(v->paddingRow.value_or(-1), std::int64_t(0));
    QCOMPARE(v->oovRow.value_or(-1), std::int64_t(1));
    QVERIFY(v->matrix == expectedTable(5, 4));
  }

  void keras35ArchiveWithoutNamesUsesClassNameReplay() {
    QTemporaryDir dir;
    const QString p = dir.filePath("old.keras");
    // Functional: InputLayers count, so the two Embeddings are embedding and embedding_1.
    auto r = py(R"PY(
cfg = {"module": "keras.src.models.functional", "class_name": "Functional", "config": {"name": "f", "layers": [
  {"class_name": "InputLayer", "config": {"name": "ids"}}, {"class_name": "InputLayer", "config": {"name": "pos"}},
  emb_cfg("tokens", 6, 2), emb_cfg("positions", 3, 2), {"class_name": "Add", "config": {"name": "add"}}]}}
def build(f):
    keras3_weights(f, [("embedding", None, table(6, 2)), ("embedding_1", None, table(3, 2, 9.0))], names=False, extra_dense=False)
write_keras(sys.argv[1], cfg, h5_bytes(build))
)PY",
                {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto v = io::readVectors(p.toStdString() + "::positions");
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QVERIFY(v->matrix == expectedTable(3, 2, 9.0f));
  }

  void nestedModelInsideFunctional_data() {
    QTest::addColumn<bool>("names");
    QTest::newRow("keras >= 3.6 (name attributes)") << true;
    QTest::newRow("keras 3.5 (class-name replay)") << false;
  }
  void nestedModelInsideFunctional() {
    QFETCH(bool, names);
    QTemporaryDir dir;
    const QString p = dir.filePath("nested.keras");
    auto r = py(R"PY(
names = sys.argv[2] == "1"
inner = {"module": "keras", "class_name": "Sequential", "config": {"name": "encoder", "layers": [
  {"class_name": "InputLayer", "config": {"name": "inner_in"}}, emb_cfg("words", 9, 3), {"class_name": "Dense", "config": {"name": "d"}}]}}
cfg = {"class_name": "Functional", "config": {"name": "outer", "layers": [
  {"class_name": "InputLayer", "config": {"name": "ids"}}, emb_cfg("side", 4, 3), inner]}}
def build(f):
    v = f.create_group("vars")
    def grp(path, name):
        g = f.create_group(path + "/vars")
        if names: g.attrs["name"] = name
        return g
    grp("layers/input_layer", "ids")
    grp("layers/embedding", "side")["0"] = table(4, 3)
    grp("layers/sequential", "encoder")
    grp("layers/sequential/layers/embedding", "words")["0"] = table(9, 3, 5.0)
    grp("layers/sequential/layers/dense", "d")["0"] = np.zeros((3, 3), np.float32)
write_keras(sys.argv[1], cfg, h5_bytes(build))
)PY",
                {p, names ? "1" : "0"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto info = io::inspectKerasFile(p.toStdString(), io::VectorFormat::Keras);
    QVERIFY2(info.isOk(), info.status().message().c_str());
    QCOMPARE(info->embeddings.size(), std::size_t(2));
    auto v = io::readVectors(p.toStdString() + "::words");
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QVERIFY(v->matrix == expectedTable(9, 3, 5.0f));
    QCOMPARE(info->embeddings[1].weightsPath, std::string("/layers/sequential/layers/embedding/vars/0"));
  }

  void inconsistentConfigIsRejected() {
    QTemporaryDir dir;
    const QString p = dir.filePath("bad.keras");
    auto r = py(R"PY(
cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [emb_cfg("e", 1000, 64)]}}
write_keras(sys.argv[1], cfg, h5_bytes(lambda f: keras3_weights(f, [("embedding", "e", table(999, 64))])))
)PY",
                {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto v = io::readVectors(p.toStdString());
    QVERIFY(!v.isOk());
    QVERIFY2(v.status().message().find("input_dim=1000") != std::string::npos, v.status().message().c_str());
  }

  void legacyH5FromBothWriters_data() {
    QTest::addColumn<QString>("build");
    QTest::addColumn<QString>("layer");
    QTest::newRow("keras 3 legacy model.save(.h5)") << R"PY(
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["keras_version"] = "3.15.1"; f.attrs["backend"] = "tensorflow"
    f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "sequential",
        "layers": [emb_cfg("embedding", 4, 3)]}}).encode()
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = [b"embedding"]; mw.attrs["keras_version"] = b"3.15.1"
    g = mw.create_group("embedding"); g.attrs["weight_names"] = [b"sequential/embedding/embeddings"]
    g["sequential/embedding/embeddings"] = table(4, 3)
    t = mw.create_group("top_level_model_weights"); t.attrs["weight_names"] = np.zeros((0,), np.float64)
)PY" << "embedding";
    QTest::newRow("keras 2 save_weights(.h5), fixed-length strings") << R"PY(
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["layer_names"] = np.array([b"dense", b"emb"], dtype="S5"); f.attrs["keras_version"] = np.bytes_(b"2.4.0")
    d = f.create_group("dense"); d.attrs["weight_names"] = np.array([b"dense/kernel:0"], dtype="S14")
    d["dense/kernel:0"] = np.zeros((3, 2), np.float32)
    g = f.create_group("emb"); g.attrs["weight_names"] = np.array([b"emb/embeddings:0"], dtype="S16")
    g["emb/embeddings:0"] = table(4, 3)
)PY" << "emb";
  }
  void legacyH5FromBothWriters() {
    QFETCH(QString, build);
    QFETCH(QString, layer);
    QTemporaryDir dir;
    const QString p = dir.filePath("legacy.h5");
    auto r = py(build, {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto info = io::inspectKerasFile(p.toStdString(), io::VectorFormat::LegacyH5);
    QVERIFY2(info.isOk(), info.status().message().c_str());
    QCOMPARE(info->embeddings.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(info->embeddings[0].name), layer);
    auto v = io::readVectors(p.toStdString());
    QVERIFY2(v.isOk(), v.status().message().c_str());
    QVERIFY(v->matrix == expectedTable(4, 3));
  }

  void ourWeightsH5HasKerasLayout() {
    QTemporaryDir dir;
    const std::string p = dir.filePath("out.weights.h5").toStdString();
    io::Vectors v;
    v.matrix = expectedTable(6, 5);
    io::WriteOptions o;
    o.layerName = "tokens";
    QVERIFY(io::writeVectors(p, v, o).isOk());
    auto r = runPython(R"PY(
import h5py, sys, numpy as np
f = h5py.File(sys.argv[1], "r")
items = []
f.visititems(lambda n, o: items.append(n))
assert sorted(items) == ["layers", "layers/embedding", "layers/embedding/vars", "layers/embedding/vars/0", "vars"], items
assert dict(f.attrs) == {}
for path, want in (("vars", "sequential"), ("layers/embedding/vars", "tokens")):
    a = f[path].attrs["name"]
    assert isinstance(a, str) and a == want, (path, a)
    t = f[path].attrs.get_id("name").get_type()
    assert t.is_variable_str() and t.get_cset() == h5py.h5t.CSET_UTF8
d = f["layers/embedding/vars/0"]
assert d.dtype == np.float32 and d.shape == (6, 5) and d.chunks is None and d.compression is None and len(d.attrs) == 0
assert np.array_equal(d[()], (np.arange(30, dtype=np.float32).reshape(6, 5) * 0.5))
print("ok")
)PY",
                       {QString::fromStdString(p)});
    QVERIFY2(r.exitCode == 0 && r.out.trimmed() == "ok", qPrintable(r.err + r.out));
    auto back = io::readVectors(p);
    QVERIFY(back.isOk());
    QVERIFY(back->matrix == v.matrix);
  }

  void hostileHdf5IsAnErrorNotACrash_data() {
    QTest::addColumn<QString>("kind");
    QTest::newRow("truncated") << "truncated";
    QTest::newRow("signature then garbage") << "garbage";
    QTest::newRow("no signature") << "nosig";
    QTest::newRow("3-D table") << "rank3";
    QTest::newRow("string table") << "strings";
    QTest::newRow("external storage") << "external";
  }
  void hostileHdf5IsAnErrorNotACrash() {
    QFETCH(QString, kind);
    QTemporaryDir dir;
    const QString p = dir.filePath("x.weights.h5");
    auto r = py(R"PY(
kind = sys.argv[2]
if kind in ("truncated", "garbage", "nosig"):
    b = h5_bytes(lambda f: keras3_weights(f, [("embedding", "e", table(64, 16))]))
    if kind == "truncated": b = b[: len(b) // 2]
    if kind == "garbage": b = b[:8] + bytes((i * 37) % 256 for i in range(4000))
    if kind == "nosig": b = b"PK" + b[2:]
    open(sys.argv[1], "wb").write(b)
else:
    with h5py.File(sys.argv[1], "w") as f:
        g = f.create_group("layers/embedding/vars"); g.attrs["name"] = "e"
        if kind == "rank3": g["0"] = np.zeros((2, 3, 4), np.float32)
        if kind == "strings": g["0"] = np.array([[b"a", b"b"]])
        if kind == "external":
            open(sys.argv[1] + ".raw", "wb").write(b"\0" * 64)
            g.create_dataset("0", shape=(4, 4), dtype="f4", external=[(sys.argv[1] + ".raw", 0, 64)])
)PY",
                {p, kind});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto v = io::readVectors(p.toStdString());
    QVERIFY(!v.isOk());
    QCOMPARE(v.status().code(), StatusCode::DataError);
    QVERIFY2(v.status().message().find("x.weights.h5") != std::string::npos, v.status().message().c_str());
  }

  // Keras 3's Embedding.quantize("int8"/"int4") layouts, built with h5py from Keras's own formulas
  // (abs-max per row; int4 packed two a byte, low nibble first; grouped int4 with a zero point and
  // g_idx). Python computes what Keras's call returns, in float32; ours must equal it bit for bit.
  void quantizedTablesReadDequantized_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("decidedBy");
    QTest::addColumn<int>("dim");
    QTest::addColumn<QString>("scaleShape");
    QTest::newRow("int8 weights.h5") << "int8" << "q.weights.h5" << "int8" << "assumed" << 6 << "(9,)";
    QTest::newRow("int8 .keras") << "int8" << "q.keras" << "int8" << "config" << 6 << "(9,)";
    QTest::newRow("int4 per-row .keras, odd dim") << "int4" << "q.keras" << "int4" << "config" << 5 << "(9,)";
    QTest::newRow("int4 grouped weights.h5") << "int4g" << "q.weights.h5" << "int4" << "g_idx" << 7 << "(9, 3)";
    QTest::newRow("int4 grouped .keras") << "int4g" << "q.keras" << "int4" << "g_idx" << 7 << "(9, 3)";
  }
  void quantizedTablesReadDequantized() {
    QFETCH(QString, kind);
    QFETCH(QString, file);
    QFETCH(QString, mode);
    QFETCH(QString, decidedBy);
    QFETCH(int, dim);
    QFETCH(QString, scaleShape);
    QTemporaryDir dir;
    const QString p = dir.filePath(file), expected = dir.filePath("expected.npy");
    auto r = py(R"PY(
kind, path, out, D = sys.argv[2], sys.argv[1], sys.argv[3], int(sys.argv[4])
V = 9
rng = np.random.default_rng(7)
E = rng.uniform(-0.05, 0.05, (V, D)).astype(np.float32)
E[3] = 0  # an all-zero row: scale = 127 / 1e-7
eps = np.float32(1e-7)
def pack_int4(q):
    if q.shape[1] % 2: q = np.concatenate([q, np.zeros((q.shape[0], 1), np.int8)], axis=1)
    lo = q[:, 0::2].view(np.uint8) & 0x0F
    hi = q[:, 1::2].view(np.uint8) & 0x0F
    return (lo | (hi << 4)).astype(np.uint8).view(np.int8)
vars_ = []
if kind in ("int8", "int4"):
    top = 127 if kind == "int8" else 7
    scale = (np.float32(top) / (np.max(np.abs(E), axis=-1) + eps)).astype(np.float32)
    q = np.clip(np.round(E * scale[:, None]), -top - (kind == "int4"), top).astype(np.int8)
    want = (q.astype(np.float32) / scale[:, None]).astype(np.float32)
    vars_ = [q if kind == "int8" else pack_int4(q), scale]
    policy = "int8_from_float32" if kind == "int8" else "int4/-1_from_float32"
else:
    B = 3; G = -(-D // B)
    Et = E.T  # Keras groups along output_dim: quantize the transpose, groups of B rows
    pad = np.zeros((G * B - D, V), np.float32)
    R = np.concatenate([Et, pad]).reshape(G, B, V)
    mn = np.minimum(R.min(axis=1, keepdims=True), 0); mx = np.maximum(R.max(axis=1, keepdims=True), 0)
    sc = ((mx - mn + eps) / np.float32(15)).astype(np.float32)
    zp = np.clip(np.round(-mn / sc) - 8, -8, 7)
    qt = np.clip(np.round(R / sc) + zp, -8, 7).reshape(G * B, V)[:D]
    q = qt.T.astype(np.int8)
    scale = sc[:, 0, :].T.astype(np.float32)   # (V, G)
    zero = zp[:, 0, :].T.astype(np.int8)       # (V, G)
    g_idx = (np.arange(D) // B).astype(np.float32)
    g = g_idx.astype(np.int64)
    want = ((q.astype(np.float32) - zero[:, g].astype(np.float32)) * scale[:, g]).astype(np.float32)
    vars_ = [pack_int4(q), scale, zero, g_idx]
    policy = "int4/3_from_float32"
np.save(out, want)
def build(f):
    f.create_group("vars").attrs["name"] = "sequential"
    g = f.create_group("layers/embedding/vars"); g.attrs["name"] = "tokens"
    for i, a in enumerate(vars_): g[str(i)] = a
if path.endswith(".keras"):
    layer = emb_cfg("tokens", V, D)
    layer["config"]["dtype"] = {"module": "keras", "class_name": "QuantizedDTypePolicy",
                                "config": {"name": policy}, "registered_name": None}
    cfg = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [layer]}}
    write_keras(path, cfg, h5_bytes(build))
else:
    with h5py.File(path, "w") as f: build(f)
)PY",
                {p, kind, expected, QString::number(dim)});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto fmt = file.endsWith(".keras") ? io::VectorFormat::Keras : io::VectorFormat::KerasWeightsH5;
    auto info = io::inspectKerasFile(p.toStdString(), fmt);
    QVERIFY2(info.isOk(), info.status().message().c_str());
    QCOMPARE(info->embeddings.size(), std::size_t(1));
    const auto& e = info->embeddings[0];
    QCOMPARE(e.name, std::string("tokens"));
    QCOMPARE(e.dtype, std::string("int8"));
    QCOMPARE(e.shape, (std::vector<std::int64_t>{9, dim}));
    QVERIFY(e.quantization.has_value());
    QCOMPARE(QString::fromStdString(e.quantization->mode), mode);
    QCOMPARE(QString::fromStdString(e.quantization->decidedBy), decidedBy);
    QCOMPARE(QString::fromStdString(shapeString(e.quantization->scaleShape)), scaleShape);
    auto v = io::readVectors(p.toStdString());
    QVERIFY2(v.isOk(), v.status().message().c_str());
    auto want = io::readNpy(expected.toStdString());
    QVERIFY(want.isOk());
    QCOMPARE(v->rows(), 9);
    QCOMPARE(v->dim(), std::int64_t(dim));
    const std::vector<float> w = want->toFloat32();
    for (std::int64_t i = 0; i < v->rows() * v->dim(); ++i)
      QVERIFY2(v->matrix.data()[i] == w[static_cast<std::size_t>(i)],
               qPrintable(QString("element %1: %2 vs Keras %3").arg(i).arg(v->matrix.data()[i]).arg(w[i])));
    QVERIFY2(QString::fromStdString(v->storedDtype).startsWith("int8 (" + mode + "-quantized, scale " + scaleShape),
             v->storedDtype.c_str());
  }

  void badQuantizedLayoutsAreRefused_data() {
    QTest::addColumn<QString>("build");
    QTest::addColumn<QString>("message");
    QTest::newRow("int table, no scale") << "g['0'] = np.ones((4, 2), np.int8)" << "without Keras 3's quantized layout";
    QTest::newRow("scale of wrong length") << "g['0'] = np.ones((4, 2), np.int8); g['1'] = np.ones((3,), np.float32)"
                                           << "is not Keras's quantized layout";
    QTest::newRow("integer scale") << "g['0'] = np.ones((4, 2), np.int8); g['1'] = np.ones((4,), np.int32)"
                                   << "is not Keras's quantized layout";
    QTest::newRow("grouped scale, no g_idx") << "g['0'] = np.ones((4, 2), np.int8); g['1'] = np.ones((4, 2), np.float32)"
                                             << "needs embeddings_zero";
    QTest::newRow("g_idx out of range")
        << "g['0'] = np.ones((4, 2), np.int8); g['1'] = np.ones((4, 2), np.float32); g['2'] = np.zeros((4, 2), np.int8); "
           "g['3'] = np.array([0, 1, 2, 5], np.float32)"
        << "is not a group in [0, 2)";
    QTest::newRow("zero scale makes Inf") << "g['0'] = np.ones((4, 2), np.int8); g['1'] = np.zeros((4,), np.float32)"
                                          << "is NaN/Inf";
  }
  void badQuantizedLayoutsAreRefused() {
    QFETCH(QString, build);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString p = dir.filePath("q.weights.h5");
    auto r = py("with h5py.File(sys.argv[1], 'w') as f:\n"
                "    g = f.create_group('layers/embedding/vars'); g.attrs['name'] = 'e'\n    " + build + "\n",
                {p});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto v = io::readVectors(p.toStdString());
    QVERIFY(!v.isOk());
    QCOMPARE(v.status().code(), StatusCode::DataError);
    QVERIFY2(v.status().message().find(message.toStdString()) != std::string::npos, v.status().message().c_str());
  }

  void aCrashInTheChildBecomesAnError() {
    auto r = io::runIsolated("parsing crash.h5", [](std::vector<std::byte>&) -> Status {
      std::raise(SIGSEGV);
      return Status::ok();
    });
    QVERIFY(!r.isOk());
    QVERIFY2(r.status().message().find("crashed") != std::string::npos, r.status().message().c_str());
    auto slow = io::runIsolated("hang", [](std::vector<std::byte>&) -> Status {
      for (;;) pause();
    }, 1);
    QVERIFY(!slow.isOk());
    QVERIFY(slow.status().message().find("did not finish") != std::string::npos);
    auto fine = io::runIsolated("ok", [](std::vector<std::byte>& out) -> Status {
      out.assign(3, std::byte{7});
      return Status::ok();
    });
    QVERIFY(fine.isOk());
    QCOMPARE(fine->size(), std::size_t(3));
  }
};

QTEST_APPLESS_MAIN(TestKeras)
#include "test_keras.moc"
