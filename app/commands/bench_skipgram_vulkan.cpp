// The `skipgram` part of `embedscope bench --suite vulkan`: skip-gram on the `topics` preset with
// the updates on the device `--engine vulkan` uses (engine/compute/vulkan/skipgram_*), with the
// CPU part's settings (dim 100, window 5, 5 negatives, lr 0.05, -t 1e-4; 5 epochs, 1 with
// --quick). Records training words/s (the corpus already built) per kernel mode, the median of
// --repeats runs, with the held-out quality of the last run (purity@10, analogies) beside it.
#include <chrono>

#include "app/commands/bench_common.h"
#include "app/commands/bench_registry.h"
#include "engine/compute/vulkan/skipgram_kernel.h"
#include "engine/compute/vulkan/skipgram_trainer_vulkan.h"
#include "engine/data/text_corpus.h"
#include "engine/data/topics_preset.h"
#include "engine/tasks/skipgram_eval.h"

namespace embedscope::cli {
namespace {

Status skipgramVulkanPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  auto ctx = vk::openSkipGramContext(false);
  if (!ctx) return ctx.status().withContext("the vulkan bench needs a Vulkan device");
  vk::KernelCache kernels(**ctx);
  const SkipGramBenchSetup setup = skipGramBenchSetup(o);
  const data::TopicsPreset& preset = setup.preset;
  auto corpus = data::buildTextCorpus(preset.text, setup.corpus);
  if (!corpus) return corpus.status();
  SkipGramConfig cfg = setup.config;
  const int defaultMode = vk::defaultSkipGramMode((*ctx)->info());
  std::vector<BenchRecord> records;
  std::vector<double> seconds;
  SkipGramResult last;
  for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
    cfg.seed = static_cast<std::uint64_t>(rep) + 1;
    auto r = vk::trainSkipGramOnVulkan(kernels, cfg, *corpus);
    if (!r) return r.status();
    seconds.push_back(r->seconds);
    last = std::move(r).value();
  }
  const double train = medianOf(seconds);
  auto record = [&](std::string name, double value, std::string unit) {
    BenchRecord r{std::move(name), value, std::move(unit), {}};
    r.fields = {{"device", (*ctx)->info().name},
                {"device_type", vk::deviceTypeName((*ctx)->info().type)},
                {"kernel_mode", double(defaultMode)},
                {"corpus", "topics"},
                {"tokens", double(corpus->keptTokens())},
                {"vocab", double(corpus->vocabulary.size())},
                {"dim", double(cfg.outputDim)},
                {"window", double(cfg.window)},
                {"negative", double(cfg.negative)},
                {"epochs", double(cfg.epochs)},
                {"sample", cfg.sample}};
    out.push_back(std::move(r));
  };
  record("skipgram", double(corpus->keptTokens()) * cfg.epochs / train, "words/s");
  record("skipgram_train_seconds", train, "s");
  record("skipgram_purity_at_10", neighbourPurity(last.embeddings, corpus->vocabulary, preset.clusterOf, 10).purity,
         "fraction");
  record("skipgram_analogy_accuracy", analogyAccuracy(last.embeddings, corpus->vocabulary, preset.analogies).accuracy,
         "fraction");
  return Status::ok();
}

const BenchRegistrar kSkipgramVulkan{{"vulkan", "skipgram", &skipgramVulkanPart}};

}  // namespace
}  // namespace embedscope::cli
