// `embedscope plan`: where every byte of a training run would live, before anything is allocated.
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/output.h"
#include "engine/compute/vulkan/device_info.h"
#include "engine/placement/memory_plan.h"

namespace {

using embedscope::Result;
using embedscope::Status;
namespace placement = embedscope::placement;
namespace vk = embedscope::vk;

constexpr const char* kUsage =
    "usage: embedscope plan --input-dim V --output-dim D [--optimizer NAME] [--momentum M] [--amsgrad]\n"
    "                       [--centered] [--updates dense|lazy] [--task regression|classify|skipgram]\n"
    "                       [--batch-size B] [--input-length T] [--classes C] [--negatives K]\n"
    "                       [--engine vulkan|cpu|auto] [--json]\n\n"
    "Lists every tensor of a training run (table, gradient rows, optimizer slots, batch buffers,\n"
    "staging) with its exact bytes, shards, heap and memory flags, the heap budgets, whether it fits,\n"
    "and what happens when it does not (host-visible memory or the CPU engine), without allocating.\n"
    "Optimizers: sgd, rmsprop, adam, adamw, adagrad, ftrl (default adam). --engine defaults to auto.";

Result<placement::PlanRequest> parseRequest(const embedscope::cli::Args& a) {
  placement::PlanRequest r;
  auto v = a.integer("--input-dim", 0);
  if (!v) return v.status();
  r.inputDim = *v;
  auto d = a.integer("--output-dim", 0);
  if (!d) return d.status();
  r.outputDim = *d;
  if (!a.has("--input-dim") || !a.has("--output-dim"))
    return Status::invalidArgument("the following arguments are required: --input-dim, --output-dim");
  r.optimizer.name = a.valueOr("--optimizer", "adam");
  bool known = false;
  for (const char* n : {"sgd", "rmsprop", "adam", "adamw", "adagrad", "ftrl"}) known |= r.optimizer.name == n;
  if (!known) return Status::invalidArgument("Could not interpret optimizer identifier: " + r.optimizer.name);
  auto m = a.number("--momentum", 0.0);
  if (!m) return m.status();
  r.optimizer.momentum = *m;
  r.optimizer.amsgrad = a.has("--amsgrad");
  r.optimizer.centered = a.has("--centered");
  const std::string updates = a.valueOr("--updates", "dense");
  if (updates == "lazy") r.optimizer.updates = embedscope::UpdateMode::Lazy;
  else if (updates != "dense") return Status::invalidArgument("--updates must be 'dense' or 'lazy', got '" + updates + "'");
  r.task = a.valueOr("--task", "regression");
  for (auto [flag, field] : {std::pair{"--batch-size", &r.batchSize}, std::pair{"--input-length", &r.sequenceLength},
                             std::pair{"--classes", &r.classes}, std::pair{"--negatives", &r.negatives}}) {
    auto x = a.integer(flag, *field);
    if (!x) return x.status();
    *field = *x;
  }
  return r;
}

int runPlan(const std::vector<std::string>& argv) {
  auto args = embedscope::cli::Args::parse(
      argv,
      {"--input-dim", "--output-dim", "--optimizer", "--momentum", "--updates", "--task", "--batch-size", "--input-length",
       "--classes", "--negatives", "--engine"},
      {"--json", "--amsgrad", "--centered"}, {{"--sequence-length", "--input-length"}});
  if (!args) return embedscope::cli::fail(args.status());
  auto request = parseRequest(*args);
  if (!request) return embedscope::cli::fail(request.status());
  const std::string engine = args->valueOr("--engine", "auto");
  if (engine != "vulkan" && engine != "cpu" && engine != "auto")
    return embedscope::cli::fail(
        Status::invalidArgument("invalid engine '" + engine + "' (choose from 'cpu', 'vulkan', 'auto')"));

  Result<placement::MemoryPlan> plan = Status::internal("no plan");
  std::string note;
  if (engine == "cpu") {
    plan = placement::planCpu(*request, placement::probeHostMemory());
  } else {
    auto devices = vk::enumerateDevices();
    std::vector<vk::DeviceInfo> list = devices ? *devices : std::vector<vk::DeviceInfo>{};
    auto choice = engine == "vulkan" ? vk::chooseVulkanDevice(list) : vk::chooseAutoDevice(list);
    if (!devices) choice.reason = devices.status().message();
    if (!choice.index) {
      if (engine == "vulkan") return embedscope::cli::fail(Status::unavailable("no usable Vulkan device: " + choice.reason));
      note = "auto: " + choice.reason + "; planning for the CPU engine";
      plan = placement::planCpu(*request, placement::probeHostMemory());
    } else {
      plan = placement::planVulkan(*request, list[*choice.index]);
      // auto on a GPU that cannot hold the run: the CPU engine runs it, so plan that too.
      if (plan && engine == "auto" && plan->decision == "cpu") {
        note = "auto: " + plan->reason;
        plan = placement::planCpu(*request, placement::probeHostMemory());
      }
    }
  }
  if (!plan) return embedscope::cli::fail(plan.status());
  if (!note.empty()) plan->reason = note + "; " + plan->reason;
  if (args->has("--json")) std::printf("%s", placement::toJson(*plan).c_str());
  else std::printf("%s", placement::toText(*plan).c_str());
  return 0;
}

embedscope::cli::CommandRegistrar reg{
    {"plan", "show where every byte of a training run would live, before allocating", kUsage, &runPlan}};

}  // namespace
