#include "engine/io/keras_reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "engine/io/hdf5_reader.h"
#include "engine/io/json.h"
#include "engine/io/mapped_file.h"
#include "engine/io/zip_archive.h"

namespace embedscope::io {

namespace {

constexpr std::uint64_t kMaxConfigBytes = 64u << 20;

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }

// keras.src.utils.naming.to_snake_case: how Keras 3 names a layer's weights group. Written out by
// hand (the same two left-to-right substitutions as Keras's regexes) because std::regex recurses
// per character and a hostile class name could exhaust the stack.
std::string toSnakeCase(const std::string& name) {
  std::string s;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  // re.sub("(.)([A-Z][a-z]+)", r"\1_\2")
  std::string a;
  for (std::size_t i = 0; i < s.size();) {
    if (i + 2 < s.size() && isUpper(s[i + 1]) && isLower(s[i + 2])) {
      std::size_t end = i + 2;
      while (end < s.size() && isLower(s[end])) ++end;
      a += s[i];
      a += '_';
      a.append(s, i + 1, end - i - 1);
      i = end;
    } else {
      a += s[i++];
    }
  }
  // re.sub("([a-z])([A-Z])", r"\1_\2")
  std::string b;
  for (std::size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && isLower(a[i]) && isUpper(a[i + 1])) {
      b += a[i];
      b += '_';
      b += a[i + 1];
      i += 2;
    } else {
      b += a[i++];
    }
  }
  std::transform(b.begin(), b.end(), b.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return b;
}

// "embedding" or "embedding_N": the group key Keras gives an Embedding.
bool isEmbeddingKey(const std::string& key) {
  if (key.rfind("embedding", 0) != 0) return false;
  if (key.size() == 9) return true;
  if (key.size() < 11 || key[9] != '_') return false;
  return std::all_of(key.begin() + 10, key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isModelClass(const std::string& cls) { return cls == "Sequential" || cls == "Functional" || cls == "Model"; }

struct ConfigLayer {
  std::string name;
  std::string className;
  const Json* config = nullptr;
  const Json* whole = nullptr;  // {"class_name", "config", ...}
  std::string replayKey;        // "/layers/embedding_1" by Keras's container naming
};

// Walks a model config: every layer, with the weights-group key Keras 3 would give it.
void collectLayers(const Json& model, const std::string& prefix, std::vector<ConfigLayer>& out, int depth) {
  if (depth > 32) return;
  const Json* cfg = model.find("config");
  const std::string cls = model.stringAt("class_name");
  if (!cfg) return;
  const Json* layers = cfg->find("layers");
  if (!layers || !layers->isArray()) return;
  std::map<std::string, int> counts;
  for (const Json& layer : layers->items()) {
    if (!layer.isObject()) continue;
    ConfigLayer cl;
    cl.className = layer.stringAt("class_name");
    cl.config = layer.find("config");
    cl.whole = &layer;
    cl.name = cl.config ? cl.config->stringAt("name") : "";
    if (cl.name.empty()) cl.name = layer.stringAt("name");
    // A Sequential's `layers` property leaves its InputLayer out; a Functional keeps it.
    const bool skipped = cls == "Sequential" && cl.className == "InputLayer";
    if (!skipped) {
      const std::string base = toSnakeCase(cl.className);
      const int n = counts[base]++;
      cl.replayKey = prefix + "/layers/" + (n == 0 ? base : base + "_" + std::to_string(n));
    }
    out.push_back(cl);
    if (isModelClass(cl.className) && !skipped) collectLayers(layer, cl.replayKey, out, depth + 1);
  }
}

std::vector<std::string> stringList(const Json* j) {
  std::vector<std::string> out;
  if (!j) return out;
  if (j->isString()) {
    out.push_back(j->asString());
    return out;
  }
  if (j->isArray())
    for (const auto& x : j->items())
      if (x.isString()) out.push_back(x.asString());
  return out;
}

// Keras splits long attributes into NAME0, NAME1, ... (legacy h5).
std::vector<std::string> chunkedStringAttr(const Json& attrs, const std::string& name) {
  if (const Json* j = attrs.find(name)) return stringList(j);
  std::vector<std::string> out;
  for (int k = 0;; ++k) {
    const Json* j = attrs.find(name + std::to_string(k));
    if (!j) break;
    auto part = stringList(j);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<std::int64_t> shapeOf(const Json& dataset) {
  std::vector<std::int64_t> s;
  if (const Json* sh = dataset.find("shape"))
    for (const auto& d : sh->items()) {
      std::int64_t v = 0;
      if (d.asInt(v)) s.push_back(v);
    }
  return s;
}

struct Loaded {
  std::string path;
  VectorFormat format;
  std::vector<std::byte> h5image;  // .keras: the weights member
  bool inMemory = false;
  Json config;
  bool haveConfig = false;
  std::string kerasVersion;
  std::vector<std::pair<std::string, std::string>> assetVocabularies;  // member, text
  Json listing;

  Hdf5Source source() const {
    Hdf5Source s;
    s.path = inMemory ? path + "::model.weights.h5" : path;
    if (inMemory) s.image = &h5image;
    return s;
  }
};

Result<Loaded> load(const std::string& path, VectorFormat format) {
  Loaded L;
  L.path = path;
  L.format = format;
  if (format == VectorFormat::Keras) {
    auto zip = ZipReader::open(path);
    if (!zip) return zip.status();
    const ZipMember* cfg = zip->find("config.json");
    if (!cfg) return Status::dataError(path + ": not a Keras archive (no config.json)");
    auto cfgBytes = zip->read(*cfg, kMaxConfigBytes);
    if (!cfgBytes) return cfgBytes.status();
    auto cfgJson = Json::parse(std::string_view(reinterpret_cast<const char*>(cfgBytes->data()), cfgBytes->size()),
                               path + "::config.json");
    if (!cfgJson) return cfgJson.status();
    if (!cfgJson->isObject()) return Status::dataError(path + "::config.json: offset 0: not a JSON object");
    L.config = std::move(*cfgJson);
    L.haveConfig = true;
    if (const ZipMember* meta = zip->find("metadata.json")) {
      auto mb = zip->read(*meta, kMaxConfigBytes);
      if (!mb) return mb.status();
      auto mj = Json::parse(std::string_view(reinterpret_cast<const char*>(mb->data()), mb->size()), path + "::metadata.json");
      if (!mj) return mj.status();
      L.kerasVersion = mj->stringAt("keras_version");
    }
    const ZipMember* w = zip->find("model.weights.h5");
    if (!w) {
      if (zip->find("model.weights.npz") || zip->find("model.weights.json"))
        return Status::dataError(path + ": weights stored as npz or shards are not supported; re-save with model.save()");
      return Status::dataError(path + ": the archive has no model.weights.h5");
    }
    auto wb = zip->read(*w);
    if (!wb) return wb.status();
    L.h5image = std::move(*wb);
    L.inMemory = true;
    EMBEDSCOPE_TRY(checkHdf5Signature(L.h5image.data(), L.h5image.size(), path + "::model.weights.h5"));
    for (const auto& m : zip->members()) {
      if (m.name.rfind("assets/", 0) == 0 && m.name.size() >= 14 &&
          m.name.compare(m.name.size() - 14, 14, "vocabulary.txt") == 0) {
        auto vb = zip->read(m, 1u << 30);
        if (!vb) return vb.status();
        L.assetVocabularies.emplace_back(m.name, std::string(reinterpret_cast<const char*>(vb->data()), vb->size()));
      }
    }
  } else {
    auto f = MappedFile::open(path);
    if (!f) return f.status();
    EMBEDSCOPE_TRY(checkHdf5Signature(f->data(), f->size(), path));
  }
  auto listing = listHdf5(L.source());
  if (!listing) return listing.status();
  L.listing = std::move(*listing);
  return L;
}

// The vocabulary a StringLookup/TextVectorization layer stores (config or assets), with its
// special tokens in front as get_vocabulary() returns them.
std::vector<std::string> findVocabulary(const Loaded& L, const std::vector<ConfigLayer>& layers) {
  for (const auto& [member, text] : L.assetVocabularies) {
    std::vector<std::string> v;
    std::size_t start = 0;
    for (;;) {
      const std::size_t nl = text.find('\n', start);
      v.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    if (!v.empty() && v.back().empty() && v.size() > 1 && text.back() == '\n') v.pop_back();
    return v;
  }
  for (const auto& l : layers) {
    if ((l.className != "StringLookup" && l.className != "TextVectorization") || !l.config) continue;
    const Json* vocab = l.config->find("vocabulary");
    if (!vocab || !vocab->isArray()) continue;
    std::vector<std::string> out;
    if (l.className == "TextVectorization") {
      out = {"", "[UNK]"};
    } else {
      const Json* mask = l.config->find("mask_token");
      if (mask && mask->isString()) out.push_back(mask->asString());
      std::int64_t oov = 1;
      if (const Json* n = l.config->find("num_oov_indices")) n->asInt(oov);
      std::string oovToken = l.config->stringAt("oov_token");
      if (oovToken.empty()) oovToken = "[UNK]";
      for (std::int64_t k = 0; k < std::clamp<std::int64_t>(oov, 0, 1000); ++k) out.push_back(oovToken);
    }
    for (const auto& t : vocab->items())
      if (t.isString()) out.push_back(t.asString());
    return out;
  }
  return {};
}

// "int4" / "int8" when a layer config's dtype policy or quantization_config names one (Keras
// serializes them as "int8_from_float32", a QuantizedDTypePolicy object, Int4QuantizationConfig),
// else "".
std::string policyMode(const Json* layerConfig) {
  if (!layerConfig) return {};
  std::string text;
  for (const char* key : {"dtype", "quantization_config"})
    if (const Json* j = layerConfig->find(key)) text += j->dump();
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (text.find("int4") != std::string::npos) return "int4";
  if (text.find("int8") != std::string::npos) return "int8";
  return {};
}

bool isFloatDtype(const std::string& d) { return d == "float16" || d == "float32" || d == "float64" || d == "bfloat16"; }

// The quantized layout around an int8 "<key>/vars/0" (see KerasQuantization), and the
// dequantized (input_dim, output_dim) in `logical`. nullopt for a table without a scale beside it.
// `outputDim` < 0 and `policy` "" when there is no config.
Result<std::optional<KerasQuantization>> detectQuantization(const Loaded& L, const Json& datasets, const std::string& key,
                                                            const std::string& dtype, const std::vector<std::int64_t>& shape,
                                                            std::int64_t outputDim, const std::string& policy,
                                                            std::vector<std::int64_t>& logical) {
  logical = shape;
  const Json* scale = datasets.find(key + "/vars/1");
  if (dtype != "int8" || shape.size() != 2 || !scale) return std::optional<KerasQuantization>{};
  const std::string where = L.path + ": " + key + "/vars";
  KerasQuantization q;
  q.storedShape = shape;
  q.scalePath = key + "/vars/1";
  q.scaleShape = shapeOf(*scale);
  const std::int64_t rows = shape[0], width = shape[1];
  if (!isFloatDtype(scale->stringAt("dtype")) || q.scaleShape.empty() || q.scaleShape.size() > 2 || q.scaleShape[0] != rows)
    return Status::dataError(where + ": an int8 table " + shapeString(shape) + " with a scale " + shapeString(q.scaleShape) + " of " +
                             scale->stringAt("dtype") + " is not Keras's quantized layout (the scale must be float (" +
                             std::to_string(rows) + ",) or (" + std::to_string(rows) + ", groups))");
  if (q.scaleShape.size() == 2) {
    // Grouped int4: a zero point per group and the column -> group map.
    const Json* zero = datasets.find(key + "/vars/2");
    const Json* gidx = datasets.find(key + "/vars/3");
    if (!zero || !gidx)
      return Status::dataError(where + ": a grouped scale " + shapeString(q.scaleShape) +
                               " needs embeddings_zero (vars/2) and g_idx (vars/3), which are missing");
    const auto zshape = shapeOf(*zero), gshape = shapeOf(*gidx);
    if (zero->stringAt("dtype") != "int8" || zshape != q.scaleShape)
      return Status::dataError(where + ": embeddings_zero is " + zero->stringAt("dtype") + " " + shapeString(zshape) +
                               ", expected int8 " + shapeString(q.scaleShape));
    if (gshape.size() != 1 || (gshape[0] + 1) / 2 != width || !isFloatDtype(gidx->stringAt("dtype")))
      return Status::dataError(where + ": g_idx is " + gidx->stringAt("dtype") + " " + shapeString(gshape) +
                               ", expected a float vector of output_dim entries for " + std::to_string(width) + " packed columns");
    if (outputDim >= 0 && gshape[0] != outputDim)
      return Status::dataError(where + ": g_idx has " + std::to_string(gshape[0]) + " entries, the config's output_dim is " +
                               std::to_string(outputDim));
    q.mode = "int4";
    q.zeroPath = key + "/vars/2";
    q.groupIndexPath = key + "/vars/3";
    q.decidedBy = "g_idx";
    logical = {rows, gshape[0]};
    return std::optional<KerasQuantization>(std::move(q));
  }
  if (outputDim >= 0) {
    // The config's output_dim against the stored width: int8 keeps it, int4 packs it in half.
    const bool int8Fits = width == outputDim, int4Fits = (outputDim + 1) / 2 == width;
    if (!int8Fits && !int4Fits)
      return Status::dataError(where + ": the quantized table is " + shapeString(shape) + " but the config's output_dim is " +
                               std::to_string(outputDim) + " (int8 keeps " + std::to_string(outputDim) + " columns, int4 packs " +
                               std::to_string((outputDim + 1) / 2) + ")");
    q.mode = int8Fits && !(int4Fits && policy == "int4") ? "int8" : "int4";
    q.decidedBy = "config";
    logical = {rows, outputDim};
  } else {
    q.mode = "int8";
    q.decidedBy = "assumed";
  }
  return std::optional<KerasQuantization>(std::move(q));
}

// Dequantizes as Keras's Embedding._int8_call / _int4_call do, in float32.
Result<Matrix> dequantize(const Loaded& L, const KerasEmbeddingInfo& e) {
  const KerasQuantization& q = *e.quantization;
  const Hdf5Source src = L.source();
  const std::string where = L.path + "::" + e.name;
  auto table = readHdf5Matrix(src, e.weightsPath);
  if (!table) return table.status();
  auto scale = readHdf5Array(src, q.scalePath);
  if (!scale) return scale.status();
  if (table->shape != q.storedShape || scale->shape != q.scaleShape)
    return Status::dataError(where + ": the quantized arrays read back as " + table->shapeString() + " and " + scale->shapeString() +
                             ", the listing said " + shapeString(q.storedShape) + " and " + shapeString(q.scaleShape));
  const std::vector<float> codesF = table->toFloat32(), scales = scale->toFloat32();
  const std::int64_t rows = e.shape[0], dim = e.shape[1], width = q.storedShape[1];
  // The codes came through libhdf5's int8 -> float conversion; check them before casting back.
  std::vector<std::int8_t> codes(codesF.size());
  for (std::size_t i = 0; i < codesF.size(); ++i) {
    const float c = codesF[i];
    if (!(c >= -128.0f && c <= 127.0f) || c != std::floor(c))
      return Status::dataError(where + ": quantized code " + std::to_string(c) + " at element " + std::to_string(i) + " is not an int8");
    codes[i] = static_cast<std::int8_t>(c);
  }
  const bool int8 = q.mode == "int8";
  // One row of codes as floats: int8 as stored; int4 two's-complement nibbles, the even column in
  // the low one (keras.quantizers.pack_int4).
  std::vector<float> rowCodes(static_cast<std::size_t>(dim));
  auto unpackRow = [&](std::int64_t r) {
    const std::int8_t* in = codes.data() + r * width;
    if (int8) {
      for (std::int64_t c = 0; c < dim; ++c) rowCodes[static_cast<std::size_t>(c)] = in[c];
      return;
    }
    for (std::int64_t c = 0; c < dim; ++c) {
      const auto byte = static_cast<std::uint8_t>(in[c / 2]);
      const int nibble = (c % 2 == 0) ? (byte & 0x0F) : (byte >> 4);
      rowCodes[static_cast<std::size_t>(c)] = static_cast<float>((nibble ^ 8) - 8);
    }
  };
  Matrix m(rows, dim);
  if (q.scaleShape.size() == 1) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const float s = scales[static_cast<std::size_t>(r)];
      unpackRow(r);
      float* out = m.row(r).data();
      for (std::int64_t c = 0; c < dim; ++c) out[c] = rowCodes[static_cast<std::size_t>(c)] / s;
    }
    return m;
  }
  auto zero = readHdf5Matrix(src, q.zeroPath);
  if (!zero) return zero.status();
  auto gidx = readHdf5Array(src, q.groupIndexPath);
  if (!gidx) return gidx.status();
  if (zero->shape != q.scaleShape || gidx->shape != std::vector<std::int64_t>{dim})
    return Status::dataError(where + ": embeddings_zero/g_idx read back as " + zero->shapeString() + " / " + gidx->shapeString());
  const std::int64_t groups = q.scaleShape[1];
  const std::vector<float> zeros = zero->toFloat32(), g = gidx->toFloat32();
  std::vector<std::int64_t> groupOf(static_cast<std::size_t>(dim));
  for (std::int64_t c = 0; c < dim; ++c) {
    const float x = g[static_cast<std::size_t>(c)];
    if (!(x >= 0.0f && x < static_cast<float>(groups)) || x != std::floor(x))
      return Status::dataError(where + ": g_idx[" + std::to_string(c) + "] = " + std::to_string(x) + " is not a group in [0, " +
                               std::to_string(groups) + ")");
    groupOf[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(x);
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    unpackRow(r);
    float* out = m.row(r).data();
    for (std::int64_t c = 0; c < dim; ++c) {
      const auto k = static_cast<std::size_t>(r * groups + groupOf[static_cast<std::size_t>(c)]);
      out[c] = (rowCodes[static_cast<std::size_t>(c)] - zeros[k]) * scales[k];
    }
  }
  return m;
}

Status discoverKeras3(const Loaded& L, KerasFileInfo& info) {
  const Json* groups = L.listing.find("groups");
  const Json* datasets = L.listing.find("datasets");
  if (!groups || !datasets) return Status::dataError(L.path + ": malformed HDF5 listing");
  // Every "<key>/vars/0" rank-2 table, with the layer name Keras >= 3.6 stores on "<key>/vars".
  struct Table {
    std::string key, datasetPath, attrName, dtype;
    std::vector<std::int64_t> shape;
  };
  std::vector<Table> tables;
  for (const auto& [dpath, d] : datasets->members()) {
    const std::string suffix = "/vars/0";
    if (dpath.size() <= suffix.size() || dpath.compare(dpath.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    Table t;
    t.datasetPath = dpath;
    t.key = dpath.substr(0, dpath.size() - suffix.size());
    t.shape = shapeOf(d);
    t.dtype = d.stringAt("dtype");
    if (const Json* a = d.find("attrs"); a && a->stringAt("dtype") == "bfloat16") t.dtype = "bfloat16";
    if (const Json* g = groups->find(t.key + "/vars"))
      if (const Json* a = g; a->find("name") && a->find("name")->isString()) t.attrName = a->stringAt("name");
    tables.push_back(std::move(t));
  }
  auto lastComponent = [](const std::string& key) { return key.substr(key.rfind('/') + 1); };
  if (L.haveConfig) {
    std::vector<ConfigLayer> layers;
    ConfigLayer root;
    collectLayers(L.config, "", layers, 0);
    info.modelName = L.config.find("config") ? L.config.find("config")->stringAt("name") : "";
    info.vocabulary = findVocabulary(L, layers);
    for (const auto& l : layers) {
      if (l.className != "Embedding") continue;
      KerasEmbeddingInfo e;
      e.name = l.name;
      if (l.whole) e.configJson = l.whole->dump();
      const Table* match = nullptr;
      for (const auto& t : tables)
        if (!t.attrName.empty() && t.attrName == l.name) match = &t;
      if (!match)
        for (const auto& t : tables)
          if (t.key == l.replayKey || t.key == "/_layer_checkpoint_dependencies" + l.replayKey.substr(std::min<std::size_t>(7, l.replayKey.size())))
            match = &t;
      std::int64_t inputDim = -1, outputDim = -1;
      if (l.config) {
        if (const Json* j = l.config->find("input_dim")) j->asInt(inputDim);
        if (const Json* j = l.config->find("output_dim")) j->asInt(outputDim);
      }
      if (!match)
        return Status::dataError(L.path + ": Embedding layer '" + l.name + "' has no weights in model.weights.h5 (looked for " +
                                 l.replayKey + "/vars/0)");
      if (match->shape.size() != 2)
        return Status::dataError(L.path + ": " + match->datasetPath + " of layer '" + l.name + "' has shape " +
                                 shapeString(match->shape) + ", not 2-D");
      std::vector<std::int64_t> logical;
      auto quant = detectQuantization(L, *datasets, match->key, match->dtype, match->shape, outputDim, policyMode(l.config), logical);
      if (!quant) return quant.status();
      if ((inputDim >= 0 && logical[0] != inputDim) || (outputDim >= 0 && logical[1] != outputDim))
        return Status::dataError(L.path + ": layer '" + l.name + "': config says (input_dim=" + std::to_string(inputDim) +
                                 ", output_dim=" + std::to_string(outputDim) + ") but the weights are " +
                                 shapeString(match->shape));
      e.weightsPath = match->datasetPath;
      e.shape = logical;
      e.dtype = match->dtype;
      e.quantization = std::move(*quant);
      if (!info.vocabulary.empty() && static_cast<std::int64_t>(info.vocabulary.size()) == e.shape[0])
        e.vocabularySize = e.shape[0];
      info.embeddings.push_back(std::move(e));
    }
    return Status::ok();
  }
  // A .weights.h5 alone: groups are class names, so Embeddings live at ".../embedding[_N]".
  if (const Json* rootVars = groups->find("/vars")) info.modelName = rootVars->stringAt("name");
  for (const auto& t : tables) {
    if (!isEmbeddingKey(lastComponent(t.key))) continue;
    if (t.shape.size() != 2)
      return Status::dataError(L.path + ": " + t.datasetPath + " has shape " + shapeString(t.shape) + ", not 2-D");
    KerasEmbeddingInfo e;
    e.name = t.attrName.empty() ? lastComponent(t.key) : t.attrName;
    e.weightsPath = t.datasetPath;
    auto quant = detectQuantization(L, *datasets, t.key, t.dtype, t.shape, -1, "", e.shape);
    if (!quant) return quant.status();
    e.quantization = std::move(*quant);
    e.dtype = t.dtype;
    info.embeddings.push_back(std::move(e));
  }
  return Status::ok();
}

Status discoverLegacy(const Loaded& L, KerasFileInfo& info) {
  const Json* groups = L.listing.find("groups");
  const Json* datasets = L.listing.find("datasets");
  if (!groups || !datasets) return Status::dataError(L.path + ": malformed HDF5 listing");
  const Json* rootAttrs = groups->find("/");
  std::string root = "/";
  if (!rootAttrs || chunkedStringAttr(*rootAttrs, "layer_names").empty()) {
    root = "/model_weights";
    rootAttrs = groups->find(root);
    if (!rootAttrs)
      return Status::dataError(L.path + ": neither the root nor /model_weights has 'layer_names' (not a Keras HDF5 file)");
  }
  info.kerasVersion = rootAttrs->stringAt("keras_version");
  std::vector<std::string> embeddingNames;
  bool haveConfig = false;
  if (const Json* top = groups->find("/"); top && top->find("model_config")) {
    auto cfg = Json::parse(top->stringAt("model_config"), L.path + " (model_config attribute)");
    if (!cfg) return cfg.status();
    haveConfig = true;
    std::vector<ConfigLayer> layers;
    collectLayers(*cfg, "", layers, 0);
    info.modelName = cfg->find("config") ? cfg->find("config")->stringAt("name") : "";
    for (const auto& l : layers)
      if (l.className == "Embedding") embeddingNames.push_back(l.name);
    info.vocabulary = findVocabulary(L, layers);
  }
  const std::string prefix = root == "/" ? "" : root;
  for (const auto& layerName : chunkedStringAttr(*rootAttrs, "layer_names")) {
    const Json* g = groups->find(prefix + "/" + layerName);
    if (!g) return Status::dataError(L.path + ": layer '" + layerName + "' is listed in layer_names but has no group");
    const auto weights = chunkedStringAttr(*g, "weight_names");
    bool isEmbedding = haveConfig && std::find(embeddingNames.begin(), embeddingNames.end(), layerName) != embeddingNames.end();
    std::string table;
    for (const auto& w : weights) {
      const bool named = w.size() >= 10 && (w.compare(w.size() - 10, 10, "embeddings") == 0 ||
                                            (w.size() >= 12 && w.compare(w.size() - 12, 12, "embeddings:0") == 0));
      if (named) table = w;
      if (!haveConfig && named) isEmbedding = true;
    }
    if (!isEmbedding) continue;
    if (table.empty() && weights.size() == 1) table = weights[0];
    if (table.empty()) return Status::dataError(L.path + ": Embedding layer '" + layerName + "' has no embeddings weight");
    const std::string dpath = prefix + "/" + layerName + "/" + table;
    const Json* d = datasets->find(dpath);
    if (!d) return Status::dataError(L.path + ": weight '" + table + "' of layer '" + layerName + "' is missing (" + dpath + ")");
    KerasEmbeddingInfo e;
    e.name = layerName;
    e.weightsPath = dpath;
    e.shape = shapeOf(*d);
    e.dtype = d->stringAt("dtype");
    if (e.shape.size() != 2)
      return Status::dataError(L.path + ": " + dpath + " has shape " + shapeString(e.shape) + ", not 2-D");
    info.embeddings.push_back(std::move(e));
  }
  return Status::ok();
}

Result<KerasFileInfo> inspectLoaded(const Loaded& L) {
  KerasFileInfo info;
  info.format = formatName(L.format);
  info.kerasVersion = L.kerasVersion;
  const Json* groups = L.listing.find("groups");
  // A ".h5" may be a Keras 3 weights file under another name, and vice versa: go by the layout.
  const bool legacyLayout = groups && groups->find("/") &&
                            (!chunkedStringAttr(*groups->find("/"), "layer_names").empty() || groups->find("/model_weights"));
  if (L.format == VectorFormat::Keras || !legacyLayout) {
    EMBEDSCOPE_TRY(discoverKeras3(L, info));
  } else {
    EMBEDSCOPE_TRY(discoverLegacy(L, info));
  }
  for (auto& e : info.embeddings)
    if (!info.vocabulary.empty() && static_cast<std::int64_t>(info.vocabulary.size()) == e.shape[0])
      e.vocabularySize = e.shape[0];
  return info;
}

}  // namespace

Result<KerasFileInfo> inspectKerasFile(const std::string& path, VectorFormat format) {
  auto L = load(path, format);
  if (!L) return L.status();
  return inspectLoaded(*L);
}

Result<Vectors> readKerasEmbedding(const std::string& path, VectorFormat format, const ReadOptions& options) {
  auto L = load(path, format);
  if (!L) return L.status();
  auto info = inspectLoaded(*L);
  if (!info) return info.status();
  if (info->embeddings.empty()) return Status::dataError(path + ": no Embedding layer found");
  std::string names;
  for (const auto& e : info->embeddings) names += (names.empty() ? "'" : ", '") + e.name + "'";
  const KerasEmbeddingInfo* chosen = nullptr;
  if (options.layer.empty()) {
    if (info->embeddings.size() > 1)
      return Status::invalidArgument(path + ": several Embedding layers (" + names + "); pick one with " + path + "::LAYER");
    chosen = &info->embeddings[0];
  } else {
    for (const auto& e : info->embeddings)
      if (e.name == options.layer) chosen = &e;
    if (!chosen) return Status::invalidArgument(path + ": no Embedding layer named '" + options.layer + "' (found " + names + ")");
  }
  Result<Vectors> v = Status::internal("unread");
  if (chosen->quantization) {
    auto m = dequantize(*L, *chosen);
    if (!m) return m.status();
    if (!options.allowNonFinite)
      if (auto at = firstNonFinite(*m))
        return Status::dataError(path + "::" + chosen->name + ": dequantized element (" + std::to_string(at->first) + ", " +
                                 std::to_string(at->second) + ") is NaN/Inf (a zero or non-finite scale)");
    Vectors q;
    q.matrix = std::move(*m);
    v = std::move(q);
  } else {
    // An integer table without a scale beside it is no layout Keras writes (a legacy .h5 keeps
    // a quantized layer's scale under a name we do not map): refused rather than read as codes.
    if (chosen->dtype.rfind("int", 0) == 0 || chosen->dtype.rfind("uint", 0) == 0)
      return Status::dataError(path + ": layer '" + chosen->name + "' has an " + chosen->dtype +
                               " table without Keras 3's quantized layout (no float embeddings_scale at vars/1); not read");
    auto array = readHdf5Matrix(L->source(), chosen->weightsPath);
    if (!array) return array.status();
    v = vectorsFromArray(*array, path + "::" + chosen->name, options.allowNonFinite);
    if (!v) return v.status();
  }
  v->storedDtype = chosen->dtype;
  if (chosen->quantization)
    v->storedDtype += " (" + chosen->quantization->mode + "-quantized, scale " + shapeString(chosen->quantization->scaleShape) +
                      "; read dequantized)";
  v->format = formatName(format);
  v->sourceDescription = "layer '" + chosen->name + "' of " + path;
  if (chosen->vocabularySize > 0) {
    v->tokens = info->vocabulary;
    detectReservedRows(*v);
  }
  if (!chosen->configJson.empty()) {
    auto cfg = Json::parse(chosen->configJson, "config");
    if (cfg)
      if (const Json* c = cfg->find("config"))
        if (const Json* mz = c->find("mask_zero"); mz && mz->isBool() && mz->asBool()) v->paddingRow = 0;
  }
  return v;
}

}  // namespace embedscope::io
