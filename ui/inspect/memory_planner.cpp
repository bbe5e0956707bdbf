#include "ui/inspect/memory_planner.h"

#include <optional>

#if __has_include("engine/placement/memory_plan.h")
#define EMBEDSCOPE_HAVE_PLANNER 1
#include "engine/compute/vulkan/device_info.h"
#include "engine/optim/optimizer_config.h"
#include "engine/placement/memory_plan.h"
#endif

namespace embedscope::ui::inspect {

#ifdef EMBEDSCOPE_HAVE_PLANNER
namespace {
QStringList toList(const std::vector<std::string>& v) {
  QStringList out;
  for (const auto& s : v) out << QString::fromStdString(s);
  return out;
}

PlanRecord toRecord(const placement::MemoryPlan& p) {
  PlanRecord r;
  r.engine = QString::fromStdString(p.engine);
  r.deviceName = QString::fromStdString(p.deviceName);
  r.deviceType = QString::fromStdString(p.deviceType);
  for (const auto& h : p.heaps)
    r.heaps.push_back(PlanHeap{static_cast<int>(h.index), h.size, h.budget, toList(h.flags), std::nullopt});
  for (const auto& a : p.allocations)
    r.allocations.push_back(PlanAllocation{QString::fromStdString(a.name), a.bytes, static_cast<int>(a.shards),
                                           QString::fromStdString(a.addressing), static_cast<int>(a.heap),
                                           toList(a.flags)});
  r.totalBytes = p.totalBytes;
  r.fits = p.fits;
  r.decision = QString::fromStdString(p.decision);
  r.reason = QString::fromStdString(p.reason);
  r.devicesNeeded = static_cast<int>(p.devicesNeeded);
  return r;
}
}  // namespace

struct EnginePlanner::Impl {
  std::optional<Result<std::vector<vk::DeviceInfo>>> devices;
  std::optional<placement::HostMemory> host;
  const Result<std::vector<vk::DeviceInfo>>& probe() {
    if (!devices) devices.emplace(vk::enumerateDevices());
    return *devices;
  }
};

EnginePlanner::EnginePlanner() : m_impl(std::make_unique<Impl>()) {}
EnginePlanner::~EnginePlanner() = default;

Result<PlanRecord> EnginePlanner::plan(const WhatIf& w) {
  placement::PlanRequest req;
  req.inputDim = w.inputDim;
  req.outputDim = w.outputDim;
  Result<OptimizerConfig> opt = makeOptimizerConfig(w.optimizer.toStdString(), {});
  if (!opt.isOk()) return opt.status();
  req.optimizer = opt.value();
  req.optimizer.updates = w.lazy ? UpdateMode::Lazy : UpdateMode::Dense;
  req.task = w.task.toStdString();
  req.batchSize = w.batchSize;
  req.sequenceLength = w.sequenceLength;
  // The same choices, in the same words, as `embedscope plan` (app/commands/plan.cpp).
  auto planOnCpu = [&](const std::string& note) -> Result<PlanRecord> {
    if (!m_impl->host) m_impl->host = placement::probeHostMemory();
    Result<placement::MemoryPlan> p = placement::planCpu(req, *m_impl->host);
    if (!p.isOk()) return p.status();
    if (!note.empty()) p->reason = note + "; " + p->reason;
    return toRecord(*p);
  };
  if (w.engine == "cpu") return planOnCpu("");
  const auto& devices = m_impl->probe();
  std::vector<vk::DeviceInfo> list = devices.isOk() ? *devices : std::vector<vk::DeviceInfo>{};
  vk::DeviceChoice choice = w.engine == "vulkan" ? vk::chooseVulkanDevice(list) : vk::chooseAutoDevice(list);
  if (!devices.isOk()) choice.reason = devices.status().message();
  if (!choice.index) {
    if (w.engine == "vulkan") return Status::unavailable("no usable Vulkan device: " + choice.reason);
    return planOnCpu("auto: " + choice.reason + "; planning for the CPU engine");
  }
  Result<placement::MemoryPlan> p = placement::planVulkan(req, list[*choice.index]);
  if (!p.isOk()) return p.status();
  if (w.engine == "auto" && p->decision == "cpu") return planOnCpu("auto: " + p->reason);
  return toRecord(*p);
}
#else
struct EnginePlanner::Impl {};
EnginePlanner::EnginePlanner() : m_impl(std::make_unique<Impl>()) {}
EnginePlanner::~EnginePlanner() = default;
Result<PlanRecord> EnginePlanner::plan(const WhatIf&) {
  return Status::unavailable("this build has no memory planner (engine/placement)");
}
#endif

MemoryView::Planner EnginePlanner::asPlanner(std::shared_ptr<EnginePlanner> planner) {
  return [planner](const WhatIf& w) { return planner->plan(w); };
}

}  // namespace embedscope::ui::inspect
