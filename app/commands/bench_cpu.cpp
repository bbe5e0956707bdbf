// The `cpu` bench suite: the gather beside a plain per-row memcpy of the same rows in the same
// order, and classify_step (Embedding → masked mean → Dense(2) → softmax cross-entropy, forward,
// backward and update) with sparse SGD, Keras 3 dense Adam and lazy Adam, on the shapes:
// vocabularies 100,000 × 128 and 1,000,000 × 64, batches of 4096 sequences × 32 ids, ids uniform
// and Zipf-distributed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

#include "app/commands/bench_registry.h"
#include "engine/compute/backend.h"
#include "engine/core/rng.h"

namespace embedscope::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Shape {
  std::int64_t vocab, dim;
};

std::vector<Shape> shapes(const BenchOptions& o) {
  if (o.quick) return {{10000, 32}};
  return {{100000, 128}, {1000000, 64}};
}

std::int64_t batchRows(const BenchOptions& o) { return o.quick ? 256 : 4096; }
constexpr std::int64_t kLength = 32;

// Zipf(1.1) over a seeded permutation of the vocabulary: realistic reuse without sorted locality.
std::vector<std::int64_t> makeIds(std::int64_t n, std::int64_t vocab, bool zipf, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  if (!zipf) {
    for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(vocab)));
    return ids;
  }
  std::vector<double> cdf(static_cast<std::size_t>(vocab));
  double total = 0;
  for (std::int64_t r = 0; r < vocab; ++r) cdf[static_cast<std::size_t>(r)] = total += std::pow(double(r + 1), -1.1);
  std::vector<std::int64_t> perm(static_cast<std::size_t>(vocab));
  std::iota(perm.begin(), perm.end(), 0);
  for (std::int64_t i = vocab - 1; i > 0; --i)
    std::swap(perm[static_cast<std::size_t>(i)], perm[rng.below(static_cast<std::uint64_t>(i + 1))]);
  for (auto& id : ids) {
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), rng.uniform01() * total);
    id = perm[static_cast<std::size_t>(std::min<std::ptrdiff_t>(it - cdf.begin(), vocab - 1))];
  }
  return ids;
}

Matrix uniformTable(std::int64_t v, std::int64_t d, std::uint64_t seed) {
  Rng rng(seed);
  Matrix t(v, d);
  for (Eigen::Index i = 0; i < t.size(); ++i) t.data()[i] = rng.uniform(-0.05f, 0.05f);
  return t;
}

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

template <class F>
double timeMedian(int repeats, F&& f) {
  f();  // warm-up: page faults, first-touch allocation
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto a = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - a).count());
  }
  return medianOf(t);
}

Status gatherPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  for (const Shape s : shapes(o)) {
    const Matrix table = uniformTable(s.vocab, s.dim, 1);
    auto backend = makeBackend(table, "sgd", o.threads);
    if (!backend) return backend.status();
    for (const bool zipf : {false, true}) {
      const std::int64_t rows = batchRows(o);
      const auto ids = makeIds(rows * kLength, s.vocab, zipf, 2);
      Matrix dst(rows * kLength, s.dim);
      const double bytes = double(dst.size()) * sizeof(float);
      const compute::IdBatch batch{ids.data(), rows, kLength};
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
        auto a = Clock::now();
        runGather();
        tgs.push_back(std::chrono::duration<double>(Clock::now() - a).count());
        a = Clock::now();
        runMemcpy();
        tms.push_back(std::chrono::duration<double>(Clock::now() - a).count());
      }
      EMBEDSCOPE_TRY(st);
      const double tg = medianOf(tgs), tm = medianOf(tms);
      auto fields = [&](BenchRecord r) {
        r.fields = {{"vocab", double(s.vocab)}, {"dim", double(s.dim)}, {"batch", double(rows)}, {"length", double(kLength)},
                    {"ids", zipf ? "zipf" : "uniform"}, {"threads", double(o.threads)}};
        return r;
      };
      out.push_back(fields({"gather", bytes / tg / 1e9, "GB/s", {}}));
      out.push_back(fields({"memcpy_rows", bytes / tm / 1e9, "GB/s", {}}));
    }
  }
  return Status::ok();
}

Status classifyPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  for (const Shape s : shapes(o)) {
    const Matrix table = uniformTable(s.vocab, s.dim, 1);
    for (const bool zipf : {false, true}) {
      const std::int64_t rows = batchRows(o);
      const auto ids = makeIds(rows * kLength, s.vocab, zipf, 3);
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
        const compute::IdBatch batch{ids.data(), rows, kLength};
        Status st;
        const double t = timeMedian(o.repeats, [&] {
          auto r = (*backend)->classifyStep(batch, labels.data(), head, nullptr);
          if (!r) st = r.status();
        });
        EMBEDSCOPE_TRY(st);
        BenchRecord r{"classify_step", 1.0 / t, "steps/s", {}};
        r.fields = {{"optimizer", opt}, {"vocab", double(s.vocab)}, {"dim", double(s.dim)}, {"batch", double(rows)},
                    {"length", double(kLength)}, {"ids", zipf ? "zipf" : "uniform"}, {"threads", double(o.threads)}};
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
