#pragma once
// The benchmark suites of `embedscope bench`: named functions that append JSON records
// ({"name", "value", "unit", ...shape fields}) measured in one run. A suite registers itself with a
// static BenchRegistrar in its own file (bench_cpu.cpp; the Vulkan engine adds "vulkan", skip-gram
// adds its records to "cpu" with another registrar), so adding one touches no shared file.
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::cli {

struct BenchRecord {
  std::string name;
  double value = 0.0;
  std::string unit;
  // Shape and setting fields, e.g. {"vocab", 100000}, {"dim", 128}, {"ids", "zipf"}.
  std::vector<std::pair<std::string, std::variant<double, std::string>>> fields;
};

// Wall time, or the calling thread's CPU time (a shared machine's other processes left out).
enum class BenchClock { Wall, Thread };

struct BenchOptions {
  int repeats = 5;     // timed repetitions; records quote the median
  bool quick = false;  // smaller shapes (tests and a first look)
  int threads = 1;
  BenchClock clock = BenchClock::Wall;  // suites that time host code honour it (bench_common.h)
};

// A part of a suite; several parts may register under one suite name and run in registration order.
struct BenchSuitePart {
  std::string suite;  // "cpu", "vulkan", ...
  std::string part;   // "gather", "classify_step", "skipgram", ...
  std::function<Status(const BenchOptions&, std::vector<BenchRecord>&)> run;
};

std::vector<BenchSuitePart>& benchRegistry();

struct BenchRegistrar {
  explicit BenchRegistrar(BenchSuitePart p) { benchRegistry().push_back(std::move(p)); }
};

// Median of timings (seconds); helper for suites.
double medianOf(std::vector<double> v);

}  // namespace embedscope::cli
