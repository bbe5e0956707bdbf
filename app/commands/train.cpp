// `embedscope train`: trains an Embedding on a task (regression, classify, skipgram) headless, with
// Keras-named flags, and saves the table, the metrics and checkpoints. Configuration errors exit 2,
// data errors 1, Ctrl-C saves what it has and exits 130; nothing is written on failure.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/commands/resume_arguments.h"
#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/output.h"
#include "engine/core/atomic_file.h"
#include "engine/core/version.h"
#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/io/npy.h"
#include "engine/io/session_file.h"
#include "engine/io/vectors.h"
#include "engine/layer/initializers.h"
#include "engine/layer/layer_config.h"
#include "engine/layer/object_spec.h"
#include "engine/optim/optimizer_config.h"
#include "engine/session/checkpoint.h"
#include "engine/session/json_writer.h"
#include "engine/session/run_builder.h"
#include "engine/session/run_manifest.h"
#include "engine/session/skipgram_checkpoint.h"
#include "engine/session/trainer.h"
#include "engine/tasks/skipgram_trainer.h"
#include "engine/compute/vulkan/skipgram_trainer_vulkan.h"

using namespace embedscope;
using embedscope::cli::Args;

namespace {

const char* const kUsage = R"(usage: embedscope train --task regression|classify|skipgram [options]

Task inputs:
  regression   --ids IDS.npy --targets Y.npy (N, L, output_dim)   or --preset keras-example, planted-clusters
  classify     --data FILE.tsv (label<TAB>text) [--max-length N]   or --preset sentiment, planted-clusters
               (planted-clusters: [--num-classes 6])
  skipgram     --corpus FILE.txt [--window 5 --negative 5 --min-count 5 --sample 1e-3]  or --preset topics

Layer (Keras names):   --input-dim N --output-dim D --embeddings-initializer NAME[:key=value,...]
  --embeddings-regularizer l1:F|l2:F|l1l2:F1,F2|NAME[:k=v]  --activity-regularizer ...
  --embeddings-constraint max_norm:VALUE:AXIS|NAME[:k=v]  --mask-zero  --input-length N (deprecated)
  --init W.npy (alias --weights: sets input_dim/output_dim)  --lora-rank R --lora-alpha A
Optimizer:  --optimizer sgd|rmsprop|adam|adamw|adagrad|ftrl  --learning-rate --momentum --nesterov
  --rho --centered --beta-1 --beta-2 --epsilon --amsgrad --weight-decay --initial-accumulator-value
  --clipnorm --clipvalue --global-clipnorm  --updates dense|lazy
Fit:  --batch-size 32 --epochs 1 --no-shuffle --validation-split F --seed S
Engine:  --engine cpu|vulkan|auto --threads N
Output:  --save PATH (.npy table; .vec/.txt word2vec text with the vocabulary)  --metrics PATH.json
  --checkpoint SESSION.embscope [--checkpoint-every STEPS]  --resume SESSION.embscope
    (--resume alone takes the configuration the session keeps, the CLI's or the explorer
    window's; flags given with it win; skipgram: a step is a chunk of ~10,000 corpus words)
  --snapshot-every STEPS  --quiet

Exit codes: 0 done, 1 data or runtime error, 2 configuration error, 130 interrupted (what was
trained so far is saved).)";

struct Outputs {
  std::string save, metrics, checkpoint;
};

bool isTty() { return ::isatty(2) == 1; }

void drawBar(const session::TrainingProgress& p, const std::string& metricName) {
  const int width = 28;
  const double frac = p.stepsPerEpoch ? double(p.step) / double(p.stepsPerEpoch) : 1.0;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(width, '.');
  std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s] %lld/%lld loss %.4f %s %.4f%s",
               static_cast<long long>(p.epoch + 1), static_cast<long long>(p.epochs), bar.c_str(),
               static_cast<long long>(p.step), static_cast<long long>(p.stepsPerEpoch), p.loss, metricName.c_str(),
               p.metric, p.paused ? " (paused)" : "");
  std::fflush(stderr);
}

Status writeMetrics(const std::string& path, const std::string& task, const compute::BackendInfo& engine,
                    std::uint64_t seed, std::int64_t steps, double seconds,
                    const std::vector<session::EpochRecord>& epochs, const std::string& rateKey, double rate,
                    const std::string& manifest) {
  session::JsonWriter j;
  j.beginObject();
  j.key("task").value(task);
  j.key("engine").value(engine.engine);
  j.key("device").value(engine.device);
  j.key("seed").value(static_cast<std::int64_t>(seed));
  j.key("steps").value(steps);
  j.key("seconds").value(seconds);
  j.key("epochs").beginArray();
  for (const auto& e : epochs) {
    j.beginObject();
    j.key("epoch").value(e.epoch + 1);
    j.key("loss").value(e.loss);
    j.key("metric").value(e.metric);
    j.key("val_loss");
    e.valLoss ? j.value(*e.valLoss) : j.null();
    j.key("val_metric");
    e.valMetric ? j.value(*e.valMetric) : j.null();
    j.key("seconds").value(e.seconds);
    j.endObject();
  }
  j.endArray();
  j.key(rateKey).value(rate);
  j.key("manifest").raw(manifest);
  j.endObject();
  const std::string text = j.str() + "\n";
  return writeFileAtomically(path, [&](std::ostream& os) {
    os << text;
    return Status::ok();
  });
}

// --save by extension: .npy the table; .vec/.txt word2vec text with the vocabulary.
Status checkSavePath(const std::string& path, bool haveVocabulary) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return Status::ok();
  if (ext == ".vec" || ext == ".txt") {
    if (!haveVocabulary)
      return Status::invalidArgument("--save " + path + ": word2vec text needs a vocabulary; this task has none (use .npy)");
    return Status::ok();
  }
  return Status::invalidArgument("--save " + path + ": unknown extension '" + ext + "' (use .npy, .vec or .txt)");
}

Status saveTable(const std::string& path, const Matrix& table, const data::Vocabulary* vocab) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return io::writeNpy(path, NdArray::fromFloat32({table.rows(), table.cols()}, table.data()));
  io::Vectors v;
  v.matrix = table;
  v.tokens = vocab->tokens();
  v.frequencies = vocab->frequencies();
  io::WriteOptions o;
  o.format = io::VectorFormat::Word2VecText;
  return io::writeVectors(path, v, o);
}

// Object-valued flags go through the layer's parsers (Keras names and shorthands).
Status parseLayerFlags(const Args& a, LayerConfig& layer, std::vector<std::string>& warnings) {
  if (auto v = a.value("--input-dim")) {
    auto d = parseDimension("input_dim", *v);
    if (!d) return d.status();
    layer.inputDim = *d;
  }
  if (auto v = a.value("--output-dim")) {
    auto d = parseDimension("output_dim", *v);
    if (!d) return d.status();
    layer.outputDim = *d;
  }
  if (auto v = a.value("--embeddings-initializer")) {
    auto s = parseInitializerSpec(*v);
    if (!s) return s.status().withContext("argument --embeddings-initializer");
    layer.embeddingsInitializer = *s;
  }
  if (auto v = a.value("--embeddings-regularizer")) {
    auto s = parseRegularizerSpec(*v);
    if (!s) return s.status().withContext("argument --embeddings-regularizer");
    layer.embeddingsRegularizer = *s;
  }
  if (auto v = a.value("--activity-regularizer")) {
    auto s = parseRegularizerSpec(*v);
    if (!s) return s.status().withContext("argument --activity-regularizer");
    layer.activityRegularizer = *s;
  }
  if (auto v = a.value("--embeddings-constraint")) {
    auto s = parseConstraintSpec(*v);
    if (!s) return s.status().withContext("argument --embeddings-constraint");
    layer.embeddingsConstraint = *s;
  }
  layer.maskZero = a.has("--mask-zero");
  if (a.has("--input-length")) {
    auto n = a.integer("--input-length", 0);
    if (!n) return n.status();
    layer.inputLength = *n;
  }
  if (a.has("--lora-rank")) {
    auto r = a.integer("--lora-rank", 0);
    if (!r) return r.status();
    if (*r <= 0)
      return Status::invalidArgument("`lora_rank` must be a positive integer. Received: lora_rank=" + std::to_string(*r));
    layer.loraRank = *r;
  }
  if (a.has("--lora-alpha")) {
    if (!layer.loraRank) return Status::invalidArgument("--lora-alpha needs --lora-rank");
    auto x = a.number("--lora-alpha", 0);
    if (!x) return x.status();
    layer.loraAlpha = *x;
  }
  (void)warnings;
  return Status::ok();
}

Result<OptimizerConfig> parseOptimizerFlags(const Args& a, const std::string& fallbackName, double fallbackLr) {
  const std::string name = a.valueOr("--optimizer", fallbackName);
  std::vector<std::pair<std::string, std::string>> kw;
  static const std::vector<std::pair<const char*, const char*>> kValued = {
      {"--learning-rate", "learning_rate"}, {"--momentum", "momentum"},     {"--rho", "rho"},
      {"--beta-1", "beta_1"},               {"--beta-2", "beta_2"},         {"--epsilon", "epsilon"},
      {"--weight-decay", "weight_decay"},   {"--initial-accumulator-value", "initial_accumulator_value"},
      {"--clipnorm", "clipnorm"},           {"--clipvalue", "clipvalue"},   {"--global-clipnorm", "global_clipnorm"}};
  for (const auto& [flag, key] : kValued)
    if (auto v = a.value(flag)) kw.emplace_back(key, *v);
  if (!a.has("--learning-rate") && fallbackLr > 0 && !a.has("--optimizer")) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", fallbackLr);
    kw.emplace_back("learning_rate", buf);
  }
  for (const auto& [flag, key] : std::vector<std::pair<const char*, const char*>>{
           {"--nesterov", "nesterov"}, {"--centered", "centered"}, {"--amsgrad", "amsgrad"}})
    if (a.has(flag)) kw.emplace_back(key, "true");
  auto cfg = makeOptimizerConfig(name, kw);
  if (!cfg) return cfg.status();
  if (auto u = a.value("--updates")) {
    auto m = parseUpdateMode(*u);
    if (!m) return m.status();
    cfg->updates = *m;
  }
  return cfg;
}

int runSkipgram(const Args& a, const Outputs& out, LayerConfig layer, const std::vector<std::string>& argv) {
  SkipGramConfig cfg;
  const std::string preset = a.valueOr("--preset", "");
  auto intFlag = [&](const char* f, std::int64_t def) { return a.integer(f, def); };
  auto window = intFlag("--window", 5), negative = intFlag("--negative", 5), minCount = intFlag("--min-count", 5),
       epochs = intFlag("--epochs", 5), threads = intFlag("--threads", 1), seedV = intFlag("--seed", 1);
  for (auto* r : {&window, &negative, &minCount, &epochs, &threads, &seedV})
    if (!*r) return cli::fail(r->status());
  auto sample = a.number("--sample", 1e-3);
  if (!sample) return cli::fail(sample.status());
  auto lr = a.number("--learning-rate", 0.025);
  if (!lr) return cli::fail(lr.status());
  cfg.window = static_cast<int>(*window);
  cfg.negative = static_cast<int>(*negative);
  cfg.sample = *sample;
  cfg.learningRate = *lr;
  cfg.epochs = static_cast<int>(*epochs);
  cfg.threads = static_cast<int>(*threads);
  cfg.seed = static_cast<std::uint64_t>(*seedV);
  cfg.outputDim = layer.outputDim ? layer.outputDim : 100;
  if (a.has("--optimizer") && a.valueOr("--optimizer", "") != "sgd")
    return cli::fail(Status::invalidArgument("--task skipgram trains with word2vec's SGD (linear decay); --optimizer must be sgd"));
  auto checkpointEvery = a.integer("--checkpoint-every", 0);
  if (!checkpointEvery) return cli::fail(checkpointEvery.status());
  if (*checkpointEvery < 0) return cli::fail(Status::invalidArgument("--checkpoint-every must be 0 or positive"));
  if (*checkpointEvery > 0 && out.checkpoint.empty())
    return cli::fail(Status::invalidArgument("--checkpoint-every needs --checkpoint SESSION"));
  // A skip-gram step is a chunk of ~10,000 corpus words: the barrier where the Hogwild workers join.
  cfg.checkpointEveryChunks = *checkpointEvery;
  auto engine = compute::parseEngineChoice(a.valueOr("--engine", "cpu"));
  if (!engine) return cli::fail(engine.status());
  // The device is opened before the corpus is read, so a missing one fails fast (exit 1).
  std::unique_ptr<vk::VulkanContext> vulkan;
  std::string engineReason = "asked for";
  if (*engine != compute::EngineChoice::Cpu) {
    auto ctx = vk::openSkipGramContext(*engine == compute::EngineChoice::Auto);
    if (ctx) {
      vulkan = std::move(ctx).value();
    } else if (*engine == compute::EngineChoice::Vulkan) {
      return cli::fail(ctx.status().withContext("--engine vulkan"));
    } else {
      engineReason = "vulkan: " + ctx.status().message() + "; using the CPU";
    }
  }
  if (!out.save.empty()) {
    if (Status s = checkSavePath(out.save, true); !s) return cli::fail(s);
  }
  const auto started = std::chrono::steady_clock::now();
  data::TextCorpusOptions co;
  co.vocabulary.minCount = *minCount;
  Result<data::TextCorpus> corpus = Status::internal("no corpus");
  if (!preset.empty()) {
    if (preset != "topics")
      return cli::fail(Status::invalidArgument("unknown preset '" + preset + "' for --task skipgram (choose from 'topics')"));
    data::TopicsPresetOptions po;
    po.seed = cfg.seed;
    auto p = data::generateTopicsPreset(po);
    corpus = data::buildTextCorpus(p.text, co, &cli::interruptToken());
  } else if (auto path = a.value("--corpus")) {
    corpus = data::loadTextCorpus(*path, co, &cli::interruptToken());
  } else {
    return cli::fail(Status::invalidArgument("--task skipgram needs --corpus FILE or --preset topics"));
  }
  if (!corpus) return cli::fail(corpus.status());
  layer.inputDim = layer.inputDim ? layer.inputDim : corpus->vocabulary.size();
  layer.outputDim = cfg.outputDim;
  if (layer.inputDim != corpus->vocabulary.size())
    return cli::fail(Status::invalidArgument("--input-dim " + std::to_string(layer.inputDim) + " differs from the corpus vocabulary (" +
                                             std::to_string(corpus->vocabulary.size()) + " ids)"));
  layer.seed = cfg.seed;
  // word2vec's semantics: the Embedding is the input table, and its start is word2vec's own,
  // uniform(-0.5/D, 0.5/D), unless the user chose one (defaultSkipGramTable says why).
  const bool word2vecStart = !a.has("--embeddings-initializer") && !layer.weights;
  if (word2vecStart) {
    InitializerSpec init = initializerSpec("random_uniform");
    init.set("minval", -kWord2VecInitScale / double(cfg.outputDim));
    init.set("maxval", kWord2VecInitScale / double(cfg.outputDim));
    layer.embeddingsInitializer = init;
  }
  if (Status s = validateLayerConfig(layer); !s) return cli::fail(s);
  std::optional<SkipGramState> resumeState;
  if (auto resume = a.value("--resume")) {
    auto file = io::readSessionFile(*resume);
    if (!file) return cli::fail(file.status());
    auto st = session::skipGramStateFromCheckpoint(*file, cfg, corpus->vocabulary);
    if (!st) return cli::fail(st.status().withContext("--resume " + *resume));
    resumeState = std::move(st).value();
  } else {
    auto table = initializeTable(layer);
    if (!table) return cli::fail(table.status());
    cfg.initialTable = std::move(table).value();
  }
  session::RunManifest manifest;
  manifest.task = "skipgram";
  manifest.data = preset.empty() ? a.valueOr("--corpus", "") : "preset " + preset;
  manifest.layer = layer;
  manifest.layer.weights.reset();
  manifest.optimizer.name = "sgd";
  manifest.optimizer.learningRate = cfg.learningRate;
  manifest.epochs = cfg.epochs;
  manifest.seed = cfg.seed;
  manifest.engine = vulkan ? compute::BackendInfo{"vulkan", vulkan->info().name, 1}
                          : compute::BackendInfo{"cpu", "CPU (" + std::to_string(cfg.threads) + " Hogwild threads)",
                                                 cfg.threads};
  manifest.engineReason = engineReason;
  manifest.version = versionString();
  manifest.commandLine = argv;
  // The run manifest with the skip-gram settings beside it.
  std::string manifestJson = session::manifestToJson(manifest);
  manifestJson.pop_back();
  manifestJson += ", \"skipgram\": " + session::skipGramConfigJson(cfg) + ", \"initializer_source\": " +
                  session::JsonWriter::quote(layer.weights ? "--init weights"
                                             : word2vecStart ? "word2vec default: uniform(-0.5/output_dim, 0.5/output_dim)"
                                                             : "--embeddings-initializer") +
                  "}";
  auto writeCheckpoint = [&](const SkipGramState& st) {
    return io::writeSessionFile(out.checkpoint, session::skipGramCheckpoint(st, cfg, corpus->vocabulary, manifestJson));
  };
  SkipGramCallbacks cb;
  if (!out.checkpoint.empty()) cb.onCheckpoint = writeCheckpoint;
  const bool bar = isTty() && !a.has("--quiet");
  if (bar)
    cb.onProgress = [](const SkipGramProgress& p) {
      std::fprintf(stderr, "\r\033[K%5.1f%% epoch %d loss %.4f lr %.5f %.0f words/s", 100.0 * p.fraction(), p.epoch + 1,
                   p.loss, p.learningRate, p.wordsPerSecond);
    };
  Result<SkipGramResult> r = Status::internal("not run");
  if (vulkan) {
    vk::KernelCache kernels(*vulkan);
    r = vk::trainSkipGramOnVulkan(kernels, cfg, *corpus, cb, cli::interruptToken(), {},
                                  resumeState ? &*resumeState : nullptr);
  } else {
    r = SkipGramTrainer().run(cfg, *corpus, cb, cli::interruptToken(), resumeState ? &*resumeState : nullptr);
  }
  if (bar) std::fprintf(stderr, "\n");
  if (!r) return cli::fail(r.status());
  if (!out.checkpoint.empty())
    if (Status s = writeCheckpoint(skipGramStateOf(*r)); !s) return cli::fail(s);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!out.save.empty())
    if (Status s = saveTable(out.save, r->embeddings, &corpus->vocabulary); !s) return cli::fail(s);
  if (!out.metrics.empty()) {
    std::vector<session::EpochRecord> records;
    for (const auto& e : r->epochs) records.push_back({e.epoch, e.loss, 0.0, std::nullopt, std::nullopt, e.seconds});
    // Corpus tokens (dropped rare words included) x epochs / wall: scaled by the share of the
    // epochs this call trained, so a resumed or interrupted run counts only its own words.
    const double wordsThisCall = double(r->wordsProcessed - (resumeState ? resumeState->position.wordsProcessed : 0));
    const double wps = double(corpus->tokenCount) * wordsThisCall / double(corpus->keptTokens()) / seconds;
    if (Status s = writeMetrics(out.metrics, "skipgram", manifest.engine, cfg.seed, r->pairs, seconds, records,
                                "words_per_second", wps, manifestJson);
        !s)
      return cli::fail(s);
  }
  if (r->cancelled) {
    cli::printWarning("interrupted: saved what was trained so far");
    return 130;
  }
  return 0;
}

int runTrain(const std::vector<std::string>& givenArgv) {
  static const std::set<std::string> kValued = {
      "--task", "--input-dim", "--output-dim", "--embeddings-initializer", "--embeddings-regularizer",
      "--activity-regularizer", "--embeddings-constraint", "--input-length", "--init", "--lora-rank", "--lora-alpha",
      "--optimizer", "--learning-rate", "--momentum", "--rho", "--beta-1", "--beta-2", "--epsilon", "--weight-decay",
      "--initial-accumulator-value", "--clipnorm", "--clipvalue", "--global-clipnorm", "--updates", "--batch-size",
      "--epochs", "--validation-split", "--seed", "--engine", "--threads", "--save", "--metrics", "--ids", "--targets",
      "--preset", "--data", "--max-length", "--num-classes", "--corpus", "--window", "--negative", "--min-count", "--sample",
      "--checkpoint", "--checkpoint-every", "--resume", "--snapshot-every"};
  static const std::set<std::string> kSwitches = {"--mask-zero", "--nesterov", "--centered", "--amsgrad", "--no-shuffle",
                                                  "--quiet"};
  auto full = cli::withSessionConfiguration(givenArgv, kValued);
  if (!full) return cli::fail(full.status());
  const std::vector<std::string>& argv = *full;
  auto parsed = Args::parse(argv, kValued, kSwitches, {{"--weights", "--init"}});
  if (!parsed) return cli::fail(parsed.status());
  const Args& a = *parsed;
  if (!a.positionals().empty())
    return cli::fail(Status::invalidArgument("unrecognized arguments: " + a.positionals().front()));
  const auto task = a.value("--task");
  if (!task) return cli::fail(Status::invalidArgument("the following arguments are required: --task"));
  Outputs out{a.valueOr("--save", ""), a.valueOr("--metrics", ""), a.valueOr("--checkpoint", "")};
  cli::InterruptGuard guard;

  session::RunSpec spec;
  spec.task = *task;
  spec.preset = a.valueOr("--preset", "");
  std::vector<std::string> warnings;
  if (Status s = parseLayerFlags(a, spec.layer, warnings); !s) return cli::fail(s);
  if (auto init = a.value("--init")) {
    auto arr = io::readNpy(*init);
    if (!arr) return cli::fail(arr.status().withContext(*init));
    auto v = io::vectorsFromArray(*arr, *init, false);
    if (!v) return cli::fail(v.status());
    spec.layer.weights = v->matrix;
    if (spec.layer.inputDim == 0) spec.layer.inputDim = v->matrix.rows();
    if (spec.layer.outputDim == 0) spec.layer.outputDim = v->matrix.cols();
  }
  if (*task == "skipgram") return runSkipgram(a, out, spec.layer, argv);
  if (*task != "regression" && *task != "classify")
    return cli::fail(Status::invalidArgument("argument --task: invalid choice: '" + *task +
                                             "' (choose from 'regression', 'classify', 'skipgram')"));

  const auto defaults = spec.preset.empty() ? std::nullopt : session::presetDefaults(*task, spec.preset);
  if (!spec.preset.empty() && !defaults) {
    auto r = session::buildRun(spec);  // reports the unknown preset in the builder's words
    return cli::fail(r.status());
  }
  auto seed = a.integer("--seed", 0);
  auto batch = a.integer("--batch-size", defaults && defaults->batchSize ? defaults->batchSize : 32);
  auto epochs = a.integer("--epochs", defaults && defaults->epochs ? defaults->epochs : 1);
  auto threads = a.integer("--threads", 1);
  auto maxLength = a.integer("--max-length", 0);
  auto numClasses = a.integer("--num-classes", 0);
  auto split = a.number("--validation-split", defaults ? defaults->validationSplit : 0.0);
  auto snapshotEvery = a.integer("--snapshot-every", 0);
  auto checkpointEvery = a.integer("--checkpoint-every", 0);
  for (auto* r : {&seed, &batch, &epochs, &threads, &maxLength, &numClasses, &snapshotEvery, &checkpointEvery})
    if (!*r) return cli::fail(r->status());
  if (!split) return cli::fail(split.status());
  if (*seed < 0) return cli::fail(Status::invalidArgument("--seed must be a non-negative integer"));
  spec.seed = static_cast<std::uint64_t>(*seed);
  spec.layer.seed = spec.seed;
  spec.batchSize = *batch;
  spec.epochs = *epochs;
  spec.threads = static_cast<int>(*threads);
  spec.maxLength = *maxLength;
  spec.numClasses = *numClasses;
  if (*numClasses != 0 && (spec.preset != "planted-clusters" || *numClasses < 2))
    return cli::fail(Status::invalidArgument("--num-classes is the number of classes (at least 2) of --preset planted-clusters"));
  spec.validationSplit = *split;
  spec.shuffle = !a.has("--no-shuffle");
  if (defaults) {
    if (spec.layer.outputDim == 0) spec.layer.outputDim = defaults->outputDim;
    if (spec.layer.inputDim == 0) spec.layer.inputDim = defaults->inputDim;
  }
  auto engine = compute::parseEngineChoice(a.valueOr("--engine", "cpu"));
  if (!engine) return cli::fail(engine.status());
  spec.engine = *engine;
  auto opt = parseOptimizerFlags(a, defaults ? defaults->optimizer : "adam", defaults ? defaults->learningRate : 0.0);
  if (!opt) return cli::fail(opt.status());
  spec.optimizer = *opt;
  spec.idsPath = a.valueOr("--ids", "");
  spec.targetsPath = a.valueOr("--targets", "");
  spec.dataPath = a.valueOr("--data", "");
  if (!out.save.empty())
    if (Status s = checkSavePath(out.save, *task == "classify"); !s) return cli::fail(s);

  const std::string dataDescription =
      !spec.preset.empty() ? "preset " + spec.preset : (*task == "classify" ? spec.dataPath : spec.idsPath + " " + spec.targetsPath);
  auto run = session::buildRun(spec);
  if (!run) return cli::fail(run.status());
  for (const auto& w : run->warnings) cli::printWarning(w);

  session::RunManifest manifest;
  manifest.task = *task;
  manifest.data = dataDescription;
  manifest.layer = run->layer;
  manifest.layer.weights.reset();
  manifest.layer.embeddingsInitializer = run->layer.embeddingsInitializer;
  manifest.optimizer = spec.optimizer;
  manifest.batchSize = spec.batchSize;
  manifest.epochs = spec.epochs;
  manifest.shuffle = spec.shuffle;
  manifest.validationSplit = spec.validationSplit;
  manifest.seed = spec.seed;
  manifest.engine = run->backend->info();
  manifest.engineReason = run->engineReason;
  manifest.version = versionString();
  manifest.commandLine = argv;
  const std::string manifestJson = session::manifestToJson(manifest);

  session::TrainerOptions topts;
  topts.epochs = spec.epochs;
  topts.snapshotEvery = *snapshotEvery;
  topts.checkpointEvery = *checkpointEvery;
  session::Trainer trainer(*run->backend, *run->task, topts);
  if (Status s = trainer.prepare(); !s) return cli::fail(s);
  std::vector<std::pair<std::string, Matrix>> taskTensors;
  run->task->exportState(taskTensors);
  std::vector<std::string> taskNames;
  for (const auto& t : taskTensors) taskNames.push_back(t.first);
  if (auto resume = a.value("--resume")) {
    auto file = io::readSessionFile(*resume);
    if (!file) return cli::fail(file.status());
    auto state = session::checkpointFromSession(*file);
    if (!state) return cli::fail(state.status().withContext(*resume));
    if (Status s = trainer.restore(*state); !s) return cli::fail(s.withContext(*resume));
  }

  session::TrainerCallbacks cb;
  const bool bar = isTty() && !a.has("--quiet");
  const std::string metricName = run->task->metricName();
  if (bar) cb.onProgress = [&](const session::TrainingProgress& p) { drawBar(p, metricName); };
  cb.onEpochEnd = [&](const session::EpochRecord& e) {
    if (bar) std::fprintf(stderr, "\n");
    if (!a.has("--quiet")) {
      std::fprintf(stderr, "epoch %lld: loss %.6g %s %.6g", static_cast<long long>(e.epoch + 1), e.loss,
                   metricName.c_str(), e.metric);
      if (e.valLoss) std::fprintf(stderr, " val_loss %.6g val_%s %.6g", *e.valLoss, metricName.c_str(), *e.valMetric);
      std::fprintf(stderr, " (%.2fs)\n", e.seconds);
    }
  };
  if (!out.checkpoint.empty())
    cb.onCheckpoint = [&](const session::TrainingState& st) {
      return io::writeSessionFile(out.checkpoint, session::checkpointToSession(st, manifestJson, taskNames));
    };
  const auto fit = trainer.fit(cb, cli::interruptToken());
  if (bar && fit.status.code() != StatusCode::Ok) std::fprintf(stderr, "\n");
  if (!fit.status && !fit.cancelled()) return cli::fail(fit.status);

  // Done or interrupted: write what we have.
  Matrix table;
  if (Status s = run->backend->readTable(table); !s) return cli::fail(s);
  if (!out.save.empty())
    if (Status s = saveTable(out.save, table, run->vocabulary ? &*run->vocabulary : nullptr); !s) return cli::fail(s);
  if (!out.checkpoint.empty()) {
    auto st = trainer.state();
    if (!st) return cli::fail(st.status());
    if (Status s = io::writeSessionFile(out.checkpoint, session::checkpointToSession(*st, manifestJson, taskNames)); !s)
      return cli::fail(s);
  }
  if (!out.metrics.empty()) {
    const double rate = fit.seconds > 0 ? double(fit.work) / fit.seconds : 0.0;
    if (Status s = writeMetrics(out.metrics, *task, run->backend->info(), spec.seed, fit.steps, fit.seconds, fit.epochs,
                                "examples_per_second", rate, manifestJson);
        !s)
      return cli::fail(s);
  }
  if (fit.cancelled()) {
    cli::printWarning("interrupted after " + std::to_string(fit.globalStep) + " steps: saved what was trained so far");
    return 130;
  }
  return 0;
}

const cli::CommandRegistrar kRegistrar{{"train", "train an Embedding (regression, classify, skipgram)", kUsage, &runTrain}};

}  // namespace
