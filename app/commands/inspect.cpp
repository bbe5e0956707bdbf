// `embedscope inspect PATH [--json]`: what a vectors file holds — format, shape, dtype, vocabulary,
// row norms and non-finite values; for Keras files every Embedding layer found. A .npy is
// inspected straight from the mapped file, a slice at a time (a 2 GB file in a few tens of MB).
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/output.h"
#include "engine/io/json.h"
#include "engine/io/keras_reader.h"
#include "engine/io/vector_stats.h"
#include "engine/io/vectors.h"

namespace {

using namespace embedscope;
using embedscope::io::Json;

Json shapeJson(const std::vector<std::int64_t>& shape) {
  Json a = Json::array();
  for (auto d : shape) a.push(Json::number(static_cast<double>(d)));
  return a;
}

// {"mode", "scale_shape", "stored_shape", "decided_by", "dequantized": true}, or null.
Json quantizationJson(const std::optional<io::KerasQuantization>& q) {
  if (!q) return Json::null();
  Json o = Json::object();
  o.set("mode", Json::string(q->mode));
  o.set("scale_shape", shapeJson(q->scaleShape));
  o.set("stored_shape", shapeJson(q->storedShape));
  o.set("decided_by", Json::string(q->decidedBy));
  o.set("dequantized", Json::boolean(true));
  return o;
}

std::string quantizationText(const io::KerasQuantization& q) {
  std::string t = q.mode + "-quantized, scale " + shapeString(q.scaleShape) + ", read dequantized";
  if (q.decidedBy == "assumed") t += "; int8 assumed: without the model config per-row int4 looks alike";
  return t;
}

void addStats(Json& o, const io::VectorStats& s) {
  Json norms = Json::object();
  norms.set("min", Json::number(s.normMin));
  norms.set("mean", Json::number(s.normMean));
  norms.set("max", Json::number(s.normMax));
  o.set("norms", std::move(norms));
  o.set("nan_count", Json::number(static_cast<double>(s.nanCount)));
  o.set("inf_count", Json::number(static_cast<double>(s.infCount)));
  o.set("zero_rows", Json::number(static_cast<double>(s.zeroRows)));
  o.set("non_finite_rows", Json::number(static_cast<double>(s.nonFiniteRows)));
  Json range = Json::array();
  range.push(Json::number(s.valueMin));
  range.push(Json::number(s.valueMax));
  o.set("value_range", std::move(range));
}

void printStats(const io::VectorStats& s) {
  std::printf("norms:       min %.6g  mean %.6g  max %.6g  (%lld zero rows)\n", s.normMin, s.normMean, s.normMax,
              static_cast<long long>(s.zeroRows));
  std::printf("values:      %.6g .. %.6g\n", s.valueMin, s.valueMax);
  std::printf("non-finite:  %lld NaN, %lld Inf (%lld rows)\n", static_cast<long long>(s.nanCount),
              static_cast<long long>(s.infCount), static_cast<long long>(s.nonFiniteRows));
}

int run(const std::vector<std::string>& argv) {
  auto args = cli::Args::parse(argv, {"--from", "--metadata"}, {"--json"});
  if (!args) return cli::fail(args.status());
  if (args->helpRequested()) {
    std::printf("usage: embedscope inspect PATH[::LAYER] [--from FORMAT] [--metadata PATH] [--json]\n");
    return 0;
  }
  if (args->positionals().size() != 1)
    return cli::fail(Status::invalidArgument("inspect takes one PATH (see embedscope inspect --help)"));
  const bool json = args->has("--json");
  const auto [path, layer] = io::splitLayerSuffix(args->positionals()[0]);
  io::VectorFormat fmt;
  if (auto from = args->value("--from")) {
    auto f = io::formatFromName(*from);
    if (!f) return cli::fail(f.status());
    fmt = *f;
  } else {
    auto f = io::formatFromPath(path);
    if (!f) return cli::fail(f.status());
    fmt = *f;
  }
  cli::InterruptGuard guard;
  Json out = Json::object();
  out.set("path", Json::string(path));
  out.set("format", Json::string(io::formatName(fmt)));

  if (fmt == io::VectorFormat::Npy) {
    auto st = io::streamNpyStats(path, {}, &cli::interruptToken());
    if (!st) return cli::fail(st.status());
    out.set("shape", shapeJson(st->shape));
    out.set("dtype", Json::string(dtypeName(st->dtype)));
    out.set("fortran_order", Json::boolean(st->fortranOrder));
    out.set("byte_order", Json::string(st->bigEndian ? "big" : "little"));
    out.set("vocabulary_size", Json::number(0));
    if (st->hasStats) addStats(out, st->stats);
    if (json) {
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      std::printf("file:        %s\nformat:      npy (%s order, %s endian)\nshape:       %s\ndtype:       %s\n", path.c_str(),
                  st->fortranOrder ? "Fortran" : "C", st->bigEndian ? "big" : "little", shapeString(st->shape).c_str(),
                  dtypeName(st->dtype).c_str());
      if (st->hasStats) printStats(st->stats);
    }
    return 0;
  }

  const bool keras = fmt == io::VectorFormat::Keras || fmt == io::VectorFormat::KerasWeightsH5 || fmt == io::VectorFormat::LegacyH5;
  io::KerasFileInfo kinfo;
  if (keras) {
    auto info = io::inspectKerasFile(path, fmt);
    if (!info) return cli::fail(info.status());
    kinfo = std::move(*info);
    Json list = Json::array();
    for (const auto& e : kinfo.embeddings) {
      Json o = Json::object();
      o.set("name", Json::string(e.name));
      o.set("shape", shapeJson(e.shape));
      o.set("dtype", Json::string(e.dtype));
      o.set("quantization", quantizationJson(e.quantization));
      o.set("weights_path", Json::string(e.weightsPath));
      o.set("vocabulary_size", Json::number(static_cast<double>(e.vocabularySize)));
      list.push(std::move(o));
    }
    out.set("keras_version", Json::string(kinfo.kerasVersion));
    out.set("model_name", Json::string(kinfo.modelName));
    out.set("embeddings", std::move(list));
  }
  // Figures for the table itself: any non-Keras file, or one Keras layer (named, or the only one).
  const bool oneLayer = !keras || !layer.empty() || kinfo.embeddings.size() == 1;
  if (oneLayer && (!keras || !kinfo.embeddings.empty())) {
    io::ReadOptions ro;
    ro.format = fmt;
    ro.layer = layer;
    ro.allowNonFinite = true;
    ro.cancel = &cli::interruptToken();
    if (auto m = args->value("--metadata")) ro.metadataPath = *m;
    auto v = io::readVectors(path, ro);
    if (!v) return cli::fail(v.status());
    const io::VectorStats st = io::computeStats(v->matrix);
    out.set("shape", shapeJson({v->rows(), v->dim()}));
    // What the file stores (the matrix itself is always float32): an .npz member's dtype, text
    // parsed to float32, a Keras table's dtype and quantization.
    std::string dtype = v->storedDtype.empty() ? "float32" : v->storedDtype;
    const io::KerasEmbeddingInfo* chosen = nullptr;
    if (keras)
      for (const auto& e : kinfo.embeddings)
        if (layer.empty() || e.name == layer) chosen = &e;
    if (chosen) dtype = chosen->dtype;
    out.set("dtype", Json::string(dtype));
    out.set("matrix_dtype", Json::string("float32"));
    if (chosen) out.set("quantization", quantizationJson(chosen->quantization));
    if (fmt == io::VectorFormat::Npz || fmt == io::VectorFormat::Session) out.set("array", Json::string(v->sourceDescription));
    if (keras) out.set("layer", Json::string(v->sourceDescription));
    out.set("vocabulary_size", Json::number(static_cast<double>(v->tokens.size())));
    out.set("padding_row", v->paddingRow ? Json::number(static_cast<double>(*v->paddingRow)) : Json::null());
    out.set("oov_row", v->oovRow ? Json::number(static_cast<double>(*v->oovRow)) : Json::null());
    out.set("has_frequencies", Json::boolean(!v->frequencies.empty()));
    Json cols = Json::array();
    for (const auto& c : v->metadataColumns) cols.push(Json::string(c));
    out.set("metadata_columns", std::move(cols));
    addStats(out, st);
    if (!json) {
      std::printf("file:        %s\nformat:      %s\nshape:       (%lld, %lld)\ndtype:       %s\n", path.c_str(),
                  io::formatName(fmt).c_str(), static_cast<long long>(v->rows()), static_cast<long long>(v->dim()),
                  (chosen && chosen->quantization ? dtype + " (" + quantizationText(*chosen->quantization) + ")" : dtype).c_str());
      if (fmt == io::VectorFormat::Npz) std::printf("array:       %s\n", v->sourceDescription.c_str());
      if (v->tokens.empty()) {
        std::printf("vocabulary:  none (rows are ids)\n");
      } else {
        std::printf("vocabulary:  %zu tokens", v->tokens.size());
        if (v->paddingRow) std::printf(", padding row %lld", static_cast<long long>(*v->paddingRow));
        if (v->oovRow) std::printf(", OOV row %lld", static_cast<long long>(*v->oovRow));
        std::printf("\n");
      }
      printStats(st);
    }
  } else {
    out.set("shape", Json::null());
    out.set("dtype", Json::null());
    if (!json) std::printf("file:        %s\nformat:      %s\n", path.c_str(), io::formatName(fmt).c_str());
  }
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else if (keras) {
    if (!kinfo.kerasVersion.empty()) std::printf("keras:       %s\n", kinfo.kerasVersion.c_str());
    std::printf("embeddings:  %zu\n", kinfo.embeddings.size());
    for (const auto& e : kinfo.embeddings)
      std::printf("  %-20s %-14s %-8s %s%s%s\n", e.name.c_str(), shapeString(e.shape).c_str(), e.dtype.c_str(),
                  e.weightsPath.c_str(), e.vocabularySize ? "  (with vocabulary)" : "",
                  e.quantization ? ("  (" + quantizationText(*e.quantization) + ")").c_str() : "");
    if (kinfo.embeddings.size() > 1) std::printf("open one with %s::LAYER\n", path.c_str());
  }
  return 0;
}

cli::CommandRegistrar reg{{"inspect", "show what a vectors or Keras file holds (format, shape, norms, layers)",
                           "embedscope inspect PATH[::LAYER] [--from FORMAT] [--metadata PATH] [--json]\n"
                           "  Formats: npy, npz, word2vec (.txt), word2vec-binary (.bin), fasttext (.vec), glove (--from),\n"
                           "  tsv (projector vectors.tsv + metadata.tsv), csv, keras, weights.h5, h5.\n"
                           "  --json prints format, shape, dtype (as the file stores it: \"float64\", \"float32 (parsed from text)\",\n"
                           "  \"int8\" with quantization {mode, scale_shape, ...} for a quantized Keras table), vocabulary_size,\n"
                           "  norms, nan_count, inf_count and, for Keras files, embeddings: [{name, shape, dtype, quantization,\n"
                           "  weights_path, vocabulary_size}].",
                           &run}};

}  // namespace
