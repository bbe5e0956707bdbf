#include "engine/io/vectors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "engine/io/csv.h"
#include "engine/io/keras_reader.h"
#include "engine/io/keras_writer.h"
#include "engine/io/mapped_file.h"
#include "engine/io/npy.h"
#include "engine/io/npz.h"
#include "engine/io/projector_tsv.h"
#include "engine/io/session_file.h"
#include "engine/io/word2vec.h"

namespace embedscope::io {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string formatName(VectorFormat f) {
  switch (f) {
    case VectorFormat::Npy: return "npy";
    case VectorFormat::Npz: return "npz";
    case VectorFormat::Word2VecText: return "word2vec";
    case VectorFormat::Word2VecBinary: return "word2vec-binary";
    case VectorFormat::FastTextVec: return "fasttext";
    case VectorFormat::GloveText: return "glove";
    case VectorFormat::ProjectorTsv: return "tsv";
    case VectorFormat::Csv: return "csv";
    case VectorFormat::Keras: return "keras";
    case VectorFormat::KerasWeightsH5: return "weights.h5";
    case VectorFormat::LegacyH5: return "h5";
    case VectorFormat::Session: return "session";
  }
  return "?";
}

Result<VectorFormat> formatFromName(const std::string& nameIn) {
  const std::string name = lower(nameIn);
  if (name == "npy") return VectorFormat::Npy;
  if (name == "npz") return VectorFormat::Npz;
  if (name == "word2vec" || name == "w2v" || name == "text" || name == "txt" || name == "word2vec-text")
    return VectorFormat::Word2VecText;
  if (name == "word2vec-binary" || name == "bin" || name == "binary") return VectorFormat::Word2VecBinary;
  if (name == "fasttext" || name == "vec") return VectorFormat::FastTextVec;
  if (name == "glove") return VectorFormat::GloveText;
  if (name == "tsv" || name == "projector") return VectorFormat::ProjectorTsv;
  if (name == "csv") return VectorFormat::Csv;
  if (name == "keras") return VectorFormat::Keras;
  if (name == "weights.h5" || name == "keras-weights") return VectorFormat::KerasWeightsH5;
  if (name == "h5" || name == "hdf5" || name == "legacy-h5") return VectorFormat::LegacyH5;
  if (name == "session" || name == "embscope") return VectorFormat::Session;
  return Status::invalidArgument("unknown format '" + nameIn +
                                 "' (known: npy, npz, word2vec, word2vec-binary, fasttext, glove, tsv, csv, keras, "
                                 "weights.h5, h5)");
}

Result<VectorFormat> formatFromPath(const std::string& path) {
  const std::string p = lower(std::filesystem::path(path).filename().string());
  if (endsWith(p, ".weights.h5")) return VectorFormat::KerasWeightsH5;
  if (endsWith(p, ".h5") || endsWith(p, ".hdf5")) return VectorFormat::LegacyH5;
  if (endsWith(p, ".keras")) return VectorFormat::Keras;
  if (endsWith(p, ".npy")) return VectorFormat::Npy;
  if (endsWith(p, ".npz")) return VectorFormat::Npz;
  if (endsWith(p, ".txt") || endsWith(p, ".w2v")) return VectorFormat::Word2VecText;
  if (endsWith(p, ".bin")) return VectorFormat::Word2VecBinary;
  if (endsWith(p, ".vec")) return VectorFormat::FastTextVec;
  if (endsWith(p, ".tsv")) return VectorFormat::ProjectorTsv;
  if (endsWith(p, ".csv")) return VectorFormat::Csv;
  if (endsWith(p, kSessionExtension)) return VectorFormat::Session;
  return Status::invalidArgument("cannot tell the format of '" + path +
                                 "' from its extension; name it with --from/--to (npy, npz, word2vec, word2vec-binary, "
                                 "fasttext, glove, tsv, csv, keras, weights.h5, h5, session)");
}

bool formatCanWrite(VectorFormat f) {
  return f != VectorFormat::Keras && f != VectorFormat::LegacyH5 && f != VectorFormat::Session;
}

std::pair<std::string, std::string> splitLayerSuffix(const std::string& spec) {
  const auto at = spec.rfind("::");
  if (at == std::string::npos) return {spec, ""};
  return {spec.substr(0, at), spec.substr(at + 2)};
}

void detectReservedRows(Vectors& v) {
  if (v.tokens.empty()) return;
  const std::string& t0 = v.tokens[0];
  if (!v.paddingRow && (t0.empty() || t0 == "[PAD]" || t0 == "<pad>")) v.paddingRow = 0;
  if (!v.oovRow) {
    // Keras puts '[UNK]' right after the mask token; look only at the first rows.
    for (std::size_t r = 0; r < std::min<std::size_t>(2, v.tokens.size()); ++r)
      if (v.tokens[r] == "[UNK]" || v.tokens[r] == "<unk>") {
        v.oovRow = static_cast<std::int64_t>(r);
        break;
      }
  }
}

std::optional<std::pair<std::int64_t, std::int64_t>> firstNonFinite(const Matrix& m) {
  for (std::int64_t r = 0; r < m.rows(); ++r)
    for (std::int64_t c = 0; c < m.cols(); ++c)
      if (!std::isfinite(m(r, c))) return std::make_pair(r, c);
  return std::nullopt;
}

Result<Vectors> vectorsFromArray(const NdArray& a, const std::string& where, bool allowNonFinite) {
  if (a.shape.size() != 2)
    return Status::dataError(where + ": expected a 2-D array (rows, dim), found shape " + a.shapeString());
  Vectors v;
  v.storedDtype = dtypeName(a.dtype);
  const std::vector<float> data = a.toFloat32();
  v.matrix = Eigen::Map<const Matrix>(data.data(), a.shape[0], a.shape[1]);
  if (!allowNonFinite)
    if (auto at = firstNonFinite(v.matrix))
      return Status::dataError(where + ": element (" + std::to_string(at->first) + ", " + std::to_string(at->second) +
                               ") is NaN/Inf");
  return v;
}

Result<Vectors> readSessionVectors(const std::string& path, const ReadOptions& options) {
  auto s = readSessionFile(path);
  if (!s) return s.status();
  const std::string key = options.layer.empty() ? session_keys::kWeights : options.layer;
  auto m = s->matrix(key);
  if (!m) return m.status().withContext(path);
  Vectors v;
  v.matrix = std::move(*m);
  v.format = formatName(VectorFormat::Session);
  v.storedDtype = dtypeName(s->array(key)->dtype);
  v.sourceDescription = "array '" + key + "' of " + path;
  if (!options.allowNonFinite)
    if (auto at = firstNonFinite(v.matrix))
      return Status::dataError(path + ": '" + key + "' element (" + std::to_string(at->first) + ", " +
                               std::to_string(at->second) + ") is NaN/Inf");
  if (const std::string* vocab = s->text(session_keys::kVocabulary)) {
    std::vector<std::string> tokens;
    std::size_t start = 0;
    while (start <= vocab->size()) {
      const std::size_t nl = vocab->find('\n', start);
      if (nl == std::string::npos) {
        if (start < vocab->size()) tokens.push_back(vocab->substr(start));
        break;
      }
      tokens.push_back(vocab->substr(start, nl - start));
      start = nl + 1;
    }
    if (static_cast<std::int64_t>(tokens.size()) == v.rows()) v.tokens = std::move(tokens);
  }
  detectReservedRows(v);
  return v;
}

Result<Vectors> readVectors(const std::string& pathSpec, const ReadOptions& optionsIn) {
  ReadOptions options = optionsIn;
  auto [path, layer] = splitLayerSuffix(pathSpec);
  if (!layer.empty()) options.layer = layer;
  if (path.empty()) return Status::invalidArgument("no input path given");
  VectorFormat fmt;
  if (options.format) {
    fmt = *options.format;
  } else {
    auto f = formatFromPath(path);
    if (!f) return f.status();
    fmt = *f;
  }
  if (!options.layer.empty() && fmt != VectorFormat::Keras && fmt != VectorFormat::KerasWeightsH5 &&
      fmt != VectorFormat::LegacyH5 && fmt != VectorFormat::Npz && fmt != VectorFormat::Session)
    return Status::invalidArgument(path + ": '::" + options.layer + "' names a layer, but a " + formatName(fmt) +
                                   " file has none");
  Result<Vectors> r = Status::internal("unreachable");
  switch (fmt) {
    case VectorFormat::Npy: {
      // The common float32 C-order table is copied once, straight from the mapping into the
      // matrix; anything else goes through NdArray's conversions.
      auto mapped = MappedFile::open(path);
      if (!mapped) return mapped.status();
      auto h = parseNpyHeader(mapped->data(), mapped->size(), path);
      if (!h) return h.status();
      if (!h->isUnicode && h->dtype == DType::Float32 && !h->bigEndian && !h->fortranOrder && h->shape.size() == 2) {
        Vectors v;
        v.matrix.resize(h->shape[0], h->shape[1]);
        if (h->dataBytes) std::memcpy(v.matrix.data(), mapped->data() + h->dataOffset, h->dataBytes);
        if (!options.allowNonFinite)
          if (auto at = firstNonFinite(v.matrix))
            return Status::dataError(path + ": element (" + std::to_string(at->first) + ", " + std::to_string(at->second) +
                                     ") is NaN/Inf");
        v.format = formatName(fmt);
        v.storedDtype = dtypeName(DType::Float32);
        r = std::move(v);
        break;
      }
      auto a = decodeNpy(mapped->data(), mapped->size(), path);
      if (!a) return a.status();
      r = vectorsFromArray(*a, path, options.allowNonFinite);
      if (r) r->format = formatName(fmt);
      break;
    }
    case VectorFormat::Npz: r = readNpzVectors(path, options); break;
    case VectorFormat::Word2VecText: r = readWord2VecText(path, TextFlavor::Word2Vec, options); break;
    case VectorFormat::FastTextVec: r = readWord2VecText(path, TextFlavor::FastText, options); break;
    case VectorFormat::GloveText: r = readWord2VecText(path, TextFlavor::Glove, options); break;
    case VectorFormat::Word2VecBinary: r = readWord2VecBinary(path, options); break;
    case VectorFormat::ProjectorTsv: r = readProjectorTsv(path, options); break;
    case VectorFormat::Csv: r = readCsvVectors(path, options); break;
    case VectorFormat::Keras:
    case VectorFormat::KerasWeightsH5:
    case VectorFormat::LegacyH5: r = readKerasEmbedding(path, fmt, options); break;
    case VectorFormat::Session: r = readSessionVectors(path, options); break;
  }
  if (r && r->sourceDescription.empty()) r->sourceDescription = path;
  return r;
}

Status writeVectors(const std::string& path, const Vectors& v, const WriteOptions& options) {
  VectorFormat fmt;
  if (options.format) {
    fmt = *options.format;
  } else {
    auto f = formatFromPath(path);
    if (!f) return f.status();
    fmt = *f;
  }
  if (!v.tokens.empty() && static_cast<std::int64_t>(v.tokens.size()) != v.rows())
    return Status::invalidArgument("writing " + path + ": " + std::to_string(v.tokens.size()) + " tokens for " +
                                   std::to_string(v.rows()) + " rows");
  switch (fmt) {
    case VectorFormat::Npy: return writeNpy(path, NdArray::fromFloat32({v.rows(), v.dim()}, v.matrix.data()));
    case VectorFormat::Npz: return writeNpzVectors(path, v);
    case VectorFormat::Word2VecText: return writeWord2VecText(path, v, TextFlavor::Word2Vec);
    case VectorFormat::FastTextVec: return writeWord2VecText(path, v, TextFlavor::FastText);
    case VectorFormat::GloveText: return writeWord2VecText(path, v, TextFlavor::Glove);
    case VectorFormat::Word2VecBinary: return writeWord2VecBinary(path, v);
    case VectorFormat::ProjectorTsv: return writeProjectorTsv(path, v, options.metadataPath);
    case VectorFormat::Csv: return writeCsvVectors(path, v);
    case VectorFormat::KerasWeightsH5: return writeKerasEmbeddingWeights(path, v, options.layerName, options.modelName);
    case VectorFormat::Keras:
    case VectorFormat::LegacyH5:
    case VectorFormat::Session:
      return Status::invalidArgument("writing " + path + ": " + formatName(fmt) +
                                     " is read-only here; write a .weights.h5 (Keras 3 layout) instead");
  }
  return Status::internal("unreachable");
}

}  // namespace embedscope::io
