// `embedscope bench --suite NAME [--json]`: runs every part registered for the suite and prints
// its records (a JSON list with --json, a table otherwise).
#include <algorithm>
#include <cstdio>
#include <set>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/output.h"
#include "app/commands/bench_registry.h"
#include "engine/session/json_writer.h"

namespace embedscope::cli {

std::vector<BenchSuitePart>& benchRegistry() {
  static std::vector<BenchSuitePart> r;
  return r;
}

double medianOf(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

namespace {

const char* const kUsage = R"(usage: embedscope bench --suite NAME [--json] [--repeats N] [--threads N] [--only PART] [--quick]
                       [--clock wall|thread]

Runs a benchmark suite and prints its records: {"name", "value", "unit", ...shape fields}, medians
of N timed repetitions measured in this one run. Suites: cpu (gather vs memcpy_rows,
classify_step with sgd / adam / adam-lazy), plus any registered by other engines (vulkan).
--clock thread times the host side with this thread's CPU time (1 thread only), which leaves out
the time a shared machine gives to other processes; records carry "clock".)";

int runBench(const std::vector<std::string>& argv) {
  auto parsed = Args::parse(argv, {"--suite", "--repeats", "--threads", "--only", "--clock"}, {"--json", "--quick"});
  if (!parsed) return fail(parsed.status());
  const Args& a = *parsed;
  const std::string suite = a.valueOr("--suite", "cpu");
  auto repeats = a.integer("--repeats", 5);
  if (!repeats) return fail(repeats.status());
  auto threads = a.integer("--threads", 1);
  if (!threads) return fail(threads.status());
  if (*repeats < 1) return fail(Status::invalidArgument("--repeats must be at least 1"));
  if (*threads < 1) return fail(Status::invalidArgument("--threads must be at least 1"));
  std::set<std::string> suites;
  for (const auto& p : benchRegistry()) suites.insert(p.suite);
  if (!suites.count(suite)) {
    std::string names;
    for (const auto& s : suites) names += (names.empty() ? "'" : ", '") + s + "'";
    return fail(Status::invalidArgument("argument --suite: invalid choice: '" + suite + "' (choose from " + names + ")"));
  }
  const std::string clock = a.valueOr("--clock", "wall");
  if (clock != "wall" && clock != "thread")
    return fail(Status::invalidArgument("argument --clock: invalid choice: '" + clock + "' (choose from 'wall', 'thread')"));
  if (clock == "thread" && *threads != 1)
    return fail(Status::invalidArgument("--clock thread measures one thread; use it with --threads 1"));
  BenchOptions o;
  o.clock = clock == "thread" ? BenchClock::Thread : BenchClock::Wall;
  o.repeats = static_cast<int>(*repeats);
  o.quick = a.has("--quick");
  o.threads = static_cast<int>(*threads);
  const std::string only = a.valueOr("--only", "");
  std::vector<BenchRecord> records;
  for (const auto& p : benchRegistry()) {
    if (p.suite != suite || (!only.empty() && p.part != only)) continue;
    if (Status s = p.run(o, records); !s) return fail(s.withContext(suite + "/" + p.part));
  }
  if (a.has("--json")) {
    session::JsonWriter j;
    j.beginArray();
    for (const auto& r : records) {
      j.beginObject();
      j.key("name").value(r.name);
      j.key("value").value(r.value);
      j.key("unit").value(r.unit);
      for (const auto& [k, v] : r.fields) {
        j.key(k);
        if (const double* d = std::get_if<double>(&v)) j.value(*d);
        else j.value(std::get<std::string>(v));
      }
      j.endObject();
    }
    j.endArray();
    std::printf("%s\n", j.str().c_str());
  } else {
    for (const auto& r : records) {
      std::string f;
      for (const auto& [k, v] : r.fields) {
        f += " " + k + "=";
        if (const double* d = std::get_if<double>(&v)) f += session::JsonWriter::number(*d);
        else f += std::get<std::string>(v);
      }
      std::printf("%-16s %12.4g %-10s%s\n", r.name.c_str(), r.value, r.unit.c_str(), f.c_str());
    }
  }
  return 0;
}

const CommandRegistrar kRegistrar{{"bench", "benchmark suites as JSON records (cpu, vulkan)", kUsage, &runBench}};

}  // namespace
}  // namespace embedscope::cli
