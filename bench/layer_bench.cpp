#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 + Eigen AVX-512 false positives
#pragma GCC diagnostic ignored "-Wuninitialized"
// Layer and optimizer micro-benchmarks, JSON on stdout: the gather beside a plain per-row memcpy
// of the same rows in the same order (same run), the row-sparse backward, and one optimizer step
// (dense Keras 3 and lazy) over a large table. Usage: embedscope_layer_bench [--quick] [--threads N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "engine/core/rng.h"
#include "engine/layer/embedding_ops.h"
#include "engine/optim/optimizer.h"

using namespace embedscope;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// With one thread the figures are this thread's CPU time (memory stalls included), so a busy shared
// machine that deschedules us does not count; with more threads, wall time.
bool g_cpuClock = true;
double now() {
  if (g_cpuClock) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

template <class Fn>
double timeMedian(int reps, Fn&& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double a = now();
    fn();
    t.push_back(now() - a);
  }
  return median(t);
}

std::vector<std::int64_t> makeIds(std::int64_t n, std::int64_t v, bool zipf, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  if (!zipf) {
    for (auto& id : ids) id = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(v)));
    return ids;
  }
  // Zipf(1) by inverse CDF on the harmonic numbers.
  std::vector<double> cdf(static_cast<std::size_t>(v));
  double s = 0;
  for (std::int64_t k = 0; k < v; ++k) cdf[static_cast<std::size_t>(k)] = (s += 1.0 / double(k + 1));
  for (auto& c : cdf) c /= s;
  for (auto& id : ids) id = std::lower_bound(cdf.begin(), cdf.end(), rng.uniform01()) - cdf.begin();
  return ids;
}

bool first = true;
void record(const std::string& name, double value, const std::string& unit, const std::string& extra) {
  std::printf("%s  {\"name\": \"%s\", \"value\": %.4g, \"unit\": \"%s\"%s}", first ? "" : ",\n", name.c_str(), value,
              unit.c_str(), extra.c_str());
  first = false;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
  }
  const int reps = quick ? 5 : 15;
  g_cpuClock = threads == 1;
  std::printf("[\n");
  struct Shape {
    std::int64_t v, d;
  };
  const std::vector<Shape> shapes = quick ? std::vector<Shape>{{100000, 128}} : std::vector<Shape>{{100000, 128}, {1000000, 64}};
  const std::int64_t n = 4096 * 32;
  for (const Shape& s : shapes) {
    Matrix table(s.v, s.d);
    Rng rng(1);
    for (Eigen::Index i = 0; i < table.size(); ++i) table.data()[i] = rng.uniform(-0.05f, 0.05f);
    Matrix out(n, s.d);
    for (bool zipf : {false, true}) {
      const auto ids = makeIds(n, s.v, zipf, 2);
      const std::string shapeFields = ", \"input_dim\": " + std::to_string(s.v) + ", \"output_dim\": " +
                                      std::to_string(s.d) + ", \"batch\": 4096, \"length\": 32, \"ids\": \"" +
                                      (zipf ? "zipf" : "uniform") + "\", \"threads\": " + std::to_string(threads) +
                                      ", \"clock\": \"" + (g_cpuClock ? "thread_cpu" : "wall") + "\"";
      const double bytes = double(n) * double(s.d) * 4.0;
      // Interleave the two so drift affects both alike.
      std::vector<double> tg, tm;
      for (int r = 0; r < reps; ++r) {
        tm.push_back(timeMedian(1, [&] {
          const std::size_t rb = static_cast<std::size_t>(s.d) * 4;
          for (std::int64_t i = 0; i < n; ++i)
            std::memcpy(out.data() + i * s.d, table.data() + ids[static_cast<std::size_t>(i)] * s.d, rb);
        }));
        tg.push_back(timeMedian(1, [&] { gatherRows(table, ids, out.data(), {threads, 8}); }));
      }
      const double g = bytes / median(tg) / 1e9, m = bytes / median(tm) / 1e9;
      record("memcpy_rows", m, "GB/s", shapeFields);
      record("gather", g, "GB/s", shapeFields + ", \"ratio_to_memcpy_rows\": " + std::to_string(g / m));
      Matrix dOut = Matrix::Constant(n, s.d, 0.001f);
      SparseRowGrad reuse;
      const double tb = timeMedian(reps, [&] {
        accumulateRowGrad(ids, dOut.data(), s.d, s.v, reuse);
      });
      record("row_grad", double(n) / tb / 1e6, "Mids/s", shapeFields);
      if (zipf) continue;
      {
        // The ceiling a dense optimizer pass can reach: one sequential copy of the table (bytes read + written).
        Matrix copy(s.v, s.d);
        copy.setZero();
        const double t = timeMedian(reps, [&] {
          std::memcpy(copy.data(), table.data(), static_cast<std::size_t>(table.size()) * sizeof(float));
        });
        record("stream_copy", 2.0 * double(table.size()) * 4.0 / t / 1e9, "GB/s", shapeFields);
      }
      const SparseRowGrad grad = accumulateRowGrad(ids, dOut.data(), s.d, s.v);
      for (const char* opt : {"adam", "adam-lazy", "sgd", "rmsprop"}) {
        OptimizerConfig c = OptimizerConfig::defaults(std::string(opt).substr(0, std::string(opt).find('-')));
        c.threads = threads;
        if (std::string(opt).find("lazy") != std::string::npos) c.updates = UpdateMode::Lazy;
        auto o = Optimizer::create(c);
        (*o)->addVariable("embeddings", s.v, s.d);
        const double t = timeMedian(quick ? 3 : 7, [&] { (void)(*o)->applyTable(table, &grad); });
        // Bytes a dense pass must move: the table and each slot read and written once.
        const double slots = double((*o)->slotNames().size());
        const double denseBytes = double(s.v) * double(s.d) * 4.0 * 2.0 * (1.0 + slots);
        const bool densePass = std::string(opt) == "adam" || std::string(opt) == "rmsprop";
        record(std::string("optimizer_step_") + opt, 1.0 / t, "steps/s",
               shapeFields + ", \"seconds\": " + std::to_string(t) +
                   (densePass ? ", \"dense_pass_GBps\": " + std::to_string(denseBytes / t / 1e9) : std::string()) +
                   ", \"rows_with_grad\": " + std::to_string(grad.nnzRows()));
      }
    }
  }
  std::printf("\n]\n");
  return 0;
}
