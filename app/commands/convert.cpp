// `embedscope convert IN OUT`: any readable vectors format to any writable one. IN may name one
// Keras layer as PATH::LAYER; formats come from the extensions or --from/--to (".txt" is word2vec
// text unless --from/--to glove). The output is written atomically: nothing appears on failure.
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/output.h"
#include "engine/io/vectors.h"

namespace {

using namespace embedscope;

int run(const std::vector<std::string>& argv) {
  auto args = cli::Args::parse(argv, {"--from", "--to", "--metadata", "--out-metadata", "--layer-name", "--model-name"},
                               {"--allow-nonfinite", "--quiet"});
  if (!args) return cli::fail(args.status());
  if (args->helpRequested()) {
    std::printf("usage: embedscope convert IN[::LAYER] OUT [--from FORMAT] [--to FORMAT] [--metadata PATH]\n"
                "       [--out-metadata PATH] [--layer-name NAME] [--model-name NAME] [--allow-nonfinite]\n");
    return 0;
  }
  if (args->positionals().size() != 2)
    return cli::fail(Status::invalidArgument("convert takes IN and OUT (see embedscope convert --help)"));
  const std::string in = args->positionals()[0];
  const std::string outPath = args->positionals()[1];
  io::ReadOptions ro;
  if (auto f = args->value("--from")) {
    auto fmt = io::formatFromName(*f);
    if (!fmt) return cli::fail(fmt.status());
    ro.format = *fmt;
  }
  if (auto m = args->value("--metadata")) ro.metadataPath = *m;
  ro.allowNonFinite = args->has("--allow-nonfinite");
  io::WriteOptions wo;
  if (auto t = args->value("--to")) {
    auto fmt = io::formatFromName(*t);
    if (!fmt) return cli::fail(fmt.status());
    wo.format = *fmt;
  } else {
    auto fmt = io::formatFromPath(outPath);
    if (!fmt) return cli::fail(fmt.status());
    // `--from glove x.txt y.txt` keeps the GloVe flavour on the way out as well.
    wo.format = (*fmt == io::VectorFormat::Word2VecText && ro.format == io::VectorFormat::GloveText) ? io::VectorFormat::GloveText : *fmt;
  }
  if (!io::formatCanWrite(*wo.format))
    return cli::fail(Status::invalidArgument("cannot write " + io::formatName(*wo.format) +
                                             " files; write .weights.h5 for Keras (loadable with model.load_weights)"));
  if (auto m = args->value("--out-metadata")) wo.metadataPath = *m;
  if (auto n = args->value("--layer-name")) wo.layerName = *n;
  if (auto n = args->value("--model-name")) wo.modelName = *n;
  cli::InterruptGuard guard;
  ro.cancel = &cli::interruptToken();
  auto v = io::readVectors(in, ro);
  if (!v) return cli::fail(v.status());
  if (wo.format == io::VectorFormat::KerasWeightsH5 && !args->value("--layer-name")) {
    // Keep the Keras layer's own name when converting one layer to .weights.h5.
    const auto layer = io::splitLayerSuffix(in).second;
    if (!layer.empty()) wo.layerName = layer;
  }
  if (Status s = io::writeVectors(outPath, *v, wo); !s.isOk()) return cli::fail(s);
  if (!args->has("--quiet"))
    std::fprintf(stderr, "wrote %s: %lld x %lld (%s -> %s)%s\n", outPath.c_str(), static_cast<long long>(v->rows()),
                 static_cast<long long>(v->dim()), v->format.c_str(), io::formatName(*wo.format).c_str(),
                 v->tokens.empty() ? "" : ", with tokens");
  return 0;
}

cli::CommandRegistrar reg{{"convert", "convert vectors between formats (npy, npz, word2vec, fastText, GloVe, TSV, CSV, Keras)",
                           "embedscope convert IN[::LAYER] OUT [--from FORMAT] [--to FORMAT] [--metadata PATH]\n"
                           "    [--out-metadata PATH] [--layer-name NAME] [--model-name NAME] [--allow-nonfinite]\n"
                           "  Reads npy, npz, word2vec (.txt/.w2v), word2vec-binary (.bin), fasttext (.vec), glove,\n"
                           "  tsv (+ metadata.tsv), csv, keras, weights.h5, h5; writes all but keras and h5.\n"
                           "  .txt is word2vec text unless --from/--to glove. A table without tokens is written with\n"
                           "  its row ids as tokens; an empty padding token is written as [PAD].",
                           &run}};

}  // namespace
