// The `cpu` bench suite: the gather beside a plain per-row memcpy of the same rows in the same
// order, and classify_step (Embedding → masked mean → Dense(2) → softmax cross-entropy, forward,
// backward and update) with sparse SGD, Keras 3 dense Adam and lazy Adam, on the shapes:
// vocabularies 100,000 × 128 and 1,000,000 × 64, batches of 4096 sequences × 32 ids, ids uniform
// and Zipf-distributed.
#include <cstring>

#include "app/commands/bench_common.h"
#include "engine/compute/backend.h"
#include "engine/core/rng.h"

namespace embedscope::cli {
namespace {

Result<std::unique_ptr<compute::Backend>> makeBackend(const Matrix& table, const std::string& optimizer, int threads) {
  compute::BackendSetup s;
  s.layer.inputDim = table.rows();
  s.layer.outputDim = table.cols();
  s.table = table;
  s.threads = threads;
  if (optimizer == "sgd") {
    s.optimizer = OptimizerConfig::defaults("sgd");
  } else {
    s.optimizer = OptimizerConfig::defaults("adam");
    s.optimizer.updates = optimizer == "adam-lazy" ? UpdateMode::Lazy : UpdateMode::Dense;
  }
  return compute::createCpuBackend(std::move(s));
}

Status gatherPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  for (const BenchShape s : benchShapes(o)) {
    const Matrix table = uniformTable(s.vocab, s.dim, 1);
    auto backend = makeBackend(table, "sgd", o.threads);
    if (!backend) return backend.status();
    for (const bool zipf : {false, true}) {
      const std::int64_t rows = benchBatchRows(o);
      const auto ids = benchIds(rows * kBenchLength, s.vocab, zipf, 2);
      Matrix dst(rows * kBenchLength, s.dim);
      const double bytes = double(dst.size()) * sizeof(float);
      const compute::IdBatch batch{ids.data(), rows, kBenchLength};
      Status st;
      const std::size_t rowBytes = static_cast<std::size_t>(s.dim) * sizeof(float);
      auto runGather = [&] { st = (*backend)->gather(batch, dst.data()); };
      auto runMemcpy = [&] {
        for (std::size_t p = 0; p < ids.size(); ++p)
          std::memcpy(dst.data() + p * static_cast<std::size_t>(s.dim), table.data() + ids[p] * s.dim, rowBytes);
      };
      // Interleaved repetitions, so a busy machine slows both sides alike.
      runGather();
      runMemcpy();
      std::vector<double> tgs, tms;
      for (int rep = 0; rep < o.repeats; ++rep) {
        double a = benchSeconds(o.clock);
        runGather();
        tgs.push_back(benchSeconds(o.clock) - a);
        a = benchSeconds(o.clock);
        runMemcpy();
        tms.push_back(benchSeconds(o.clock) - a);
      }
      EMBEDSCOPE_TRY(st);
      const double tg = medianOf(tgs), tm = medianOf(tms);
      auto fields = [&](BenchRecord r) {
        r.fields = {{"vocab", double(s.vocab)}, {"dim", double(s.dim)}, {"batch", double(rows)}, {"length", double(kBenchLength)},
                    {"ids", zipf ? "zipf" : "uniform"}, {"threads", double(o.threads)}, {"clock", benchClockName(o.clock)}};
        return r;
      };
      out.push_back(fields({"gather", bytes / tg / 1e9, "GB/s", {}}));
      out.push_back(fields({"memcpy_rows", bytes / tm / 1e9, "GB/s", {}}));
    }
  }
  return Status::ok();
}

Status classifyPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  for (const BenchShape s : benchShapes(o)) {
    const Matrix table = uniformTable(s.vocab, s.dim, 1);
    for (const bool zipf : {false, true}) {
      const std::int64_t rows = benchBatchRows(o);
      const auto ids = benchIds(rows * kBenchLength, s.vocab, zipf, 3);
      Rng rng(4);
      std::vector<std::int64_t> labels(static_cast<std::size_t>(rows));
      for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(2));
      for (const char* opt : {"sgd", "adam", "adam-lazy"}) {
        auto backend = makeBackend(table, opt, o.threads);
        if (!backend) return backend.status();
        compute::DenseHead head;
        head.kernel = uniformTable(s.dim, 2, 5);
        head.bias.setZero(1, 2);
        head.kernelVariable = (*backend)->addDenseVariable("dense/kernel", s.dim, 2);
        head.biasVariable = (*backend)->addDenseVariable("dense/bias", 1, 2);
        const compute::IdBatch batch{ids.data(), rows, kBenchLength};
        Status st;
        const double t = timeMedian(o, [&] {
          auto r = (*backend)->classifyStep(batch, labels.data(), head, nullptr);
          if (!r) st = r.status();
        });
        EMBEDSCOPE_TRY(st);
        BenchRecord r{"classify_step", 1.0 / t, "steps/s", {}};
        r.fields = {{"optimizer", opt}, {"vocab", double(s.vocab)}, {"dim", double(s.dim)}, {"batch", double(rows)},
                    {"length", double(kBenchLength)}, {"ids", zipf ? "zipf" : "uniform"}, {"threads", double(o.threads)}, {"clock", benchClockName(o.clock)}};
        out.push_back(std::move(r));
      }
    }
  }
  return Status::ok();
}

const BenchRegistrar kGather{{"cpu", "gather", &gatherPart}};
const BenchRegistrar kClassify{{"cpu", "classify_step", &classifyPart}};

}  // namespace
}  // namespace embedscope::cli
