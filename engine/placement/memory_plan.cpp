#include "engine/placement/memory_plan.h"

#include "engine/io/json.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/compute/vulkan/sharded_matrix.h"

namespace embedscope::placement {
namespace {

struct Tensor {
  std::string name;
  std::uint64_t rows, cols;  // 4-byte elements
  bool scalesWithRows;
  bool device;  // false: host-side staging
};

std::string jsonString(const std::string& s) {
  std::string out;
  io::appendJsonString(out, s);  // the one JSON string escaper (engine/io/json.h)
  return out;
}

std::string jsonStrings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + jsonString(v[i]);
  return out + "]";
}

std::string human(std::uint64_t bytes) {
  char buf[64];
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  else if (b >= 1024.0) std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  return buf;
}

Status validateRequest(const PlanRequest& r) {
  if (r.inputDim <= 0)
    return Status::invalidArgument("`input_dim` must be a positive integer. Received: input_dim=" + std::to_string(r.inputDim));
  if (r.outputDim <= 0)
    return Status::invalidArgument("`output_dim` must be a positive integer. Received: output_dim=" +
                                   std::to_string(r.outputDim));
  if (r.batchSize <= 0) return Status::invalidArgument("--batch-size must be a positive integer");
  if (r.sequenceLength <= 0) return Status::invalidArgument("--input-length must be a positive integer");
  if (r.task != "regression" && r.task != "classify" && r.task != "skipgram")
    return Status::invalidArgument("unknown task '" + r.task + "' (choose from 'regression', 'classify', 'skipgram')");
  if (r.task == "classify" && r.classes < 2) return Status::invalidArgument("--classes must be at least 2");
  if (r.task == "skipgram" && r.negatives < 1) return Status::invalidArgument("--negatives must be at least 1");
  return Status::ok();
}

bool denseUpdates(const OptimizerConfig& o) {
  // Keras 3 dense semantics touch every row for optimizers with decaying statistics; plain SGD and
  // Adagrad leave rows without gradient unchanged, so they never need the row map.
  if (o.updates == UpdateMode::Lazy) return false;
  if (o.name == "sgd") return o.momentum != 0.0;
  if (o.name == "adagrad") return false;
  return true;
}

// Every tensor of a run, in the order the Vulkan engine allocates them.
std::vector<Tensor> tensorsFor(const PlanRequest& r) {
  const auto V = static_cast<std::uint64_t>(r.inputDim);
  const auto D = static_cast<std::uint64_t>(r.outputDim);
  const auto B = static_cast<std::uint64_t>(r.batchSize);
  std::uint64_t positions = B * static_cast<std::uint64_t>(r.sequenceLength);
  if (r.task == "skipgram") positions = B * (2 + static_cast<std::uint64_t>(r.negatives));  // center, context, negatives
  const std::uint64_t unique = std::min(V, positions);
  std::vector<Tensor> t;
  t.push_back({"table", V, D, true, true});
  for (const auto& s : tableSlotNames(r.optimizer)) t.push_back({s, V, D, true, true});
  t.push_back({"gradient", unique, D, false, true});
  // unique rows + segment offsets (U + 1) + the position permutation (N), uint32 each
  t.push_back({"gradient:segments", unique * 2 + 1 + positions, 1, false, true});
  if (denseUpdates(r.optimizer)) t.push_back({"gradient:row-map", V, 1, true, true});
  if (r.task == "skipgram") {
    t.push_back({"batch:pairs", positions, 1, false, true});
    t.push_back({"table:context", V, D, true, true});  // word2vec's syn1neg
  } else {
    t.push_back({"batch:ids", positions, 1, false, true});
    t.push_back({"activations", positions, D, false, true});
  }
  if (r.task == "regression") {
    t.push_back({"batch:targets", positions, D, false, true});
  } else if (r.task == "classify") {
    const auto C = static_cast<std::uint64_t>(r.classes);
    t.push_back({"batch:labels", B, 1, false, true});
    t.push_back({"head:kernel", D, C, false, true});
    t.push_back({"head:bias", 1, C, false, true});
    for (const auto& s : tableSlotNames(r.optimizer)) {
      t.push_back({"head:kernel/" + s.substr(5), D, C, false, true});
      t.push_back({"head:bias/" + s.substr(5), 1, C, false, true});
    }
    t.push_back({"head:logits", B, C, false, true});
  }
  t.push_back({"loss", 4, 1, false, true});
  return t;
}

std::uint64_t uploadBytesPerStep(const std::vector<Tensor>& t) {
  std::uint64_t b = 0;
  for (const auto& x : t)
    if (x.name.rfind("batch:", 0) == 0 || x.name == "gradient:segments") b += x.rows * x.cols * 4;
  return b;
}

}  // namespace

std::vector<std::string> tableSlotNames(const OptimizerConfig& o) {
  if (o.name == "adam" || o.name == "adamw") {
    std::vector<std::string> s = {"slot:m", "slot:v"};
    if (o.amsgrad) s.push_back("slot:vhat");
    return s;
  }
  if (o.name == "sgd") return o.momentum != 0.0 ? std::vector<std::string>{"slot:momentum"} : std::vector<std::string>{};
  if (o.name == "rmsprop") {
    std::vector<std::string> s = {"slot:velocity"};
    if (o.momentum != 0.0) s.push_back("slot:momentum");
    if (o.centered) s.push_back("slot:average_gradient");
    return s;
  }
  if (o.name == "adagrad") return {"slot:accumulator"};
  if (o.name == "ftrl") return {"slot:accumulator", "slot:linear"};
  return {};
}

const PlannedAllocation* MemoryPlan::find(const std::string& name) const {
  for (const auto& a : allocations)
    if (a.name == name) return &a;
  return nullptr;
}

Result<MemoryPlan> planVulkan(const PlanRequest& request, const vk::DeviceInfo& device) {
  EMBEDSCOPE_TRY(validateRequest(request));
  MemoryPlan plan;
  plan.engine = "vulkan";
  plan.deviceName = device.name;
  if (device.type == vk::DeviceType::Cpu) plan.deviceName += " (a CPU device: its \"device-local\" memory is system RAM)";
  plan.deviceType = vk::deviceTypeName(device.type);
  for (const auto& h : device.heaps)
    plan.heaps.push_back({h.index, h.size, h.budget,
                          h.deviceLocal ? std::vector<std::string>{"DEVICE_LOCAL"} : std::vector<std::string>{},
                          h.budgetRule});

  auto deviceTypes = vk::preferredMemoryTypes(device, vk::MemoryPlace::Device);
  auto hostTypes = vk::preferredMemoryTypes(device, vk::MemoryPlace::Host);
  if (deviceTypes.empty()) return Status::unavailable(device.name + " has no memory type the engine can use");
  const vk::MemoryTypeInfo dt = deviceTypes.front();
  const bool mapped = (dt.propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) != 0;

  const std::uint64_t maxShard = device.maxShardBytes();
  auto tensors = tensorsFor(request);
  if (!mapped) {
    // Device memory the host cannot map: every upload goes through a host-visible staging buffer.
    tensors.push_back({"staging", uploadBytesPerStep(tensors) / 4, 1, false, false});
  }
  std::uint32_t widestShards = 1;
  std::string perStepTooBig;
  std::string widestName;
  std::uint64_t rowScaled = 0, fixed = 0;
  for (const auto& t : tensors) {
    PlannedAllocation a;
    a.name = t.name;
    a.rows = t.rows;
    a.cols = t.cols;
    a.bytes = t.rows * t.cols * 4;
    a.scalesWithRows = t.scalesWithRows;
    const std::uint64_t rowsPerShard = vk::rowsPerShardFor(maxShard, t.cols);
    a.shards = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, (t.rows + rowsPerShard - 1) / rowsPerShard));
    a.addressing = "descriptor";
    const vk::MemoryTypeInfo& mt = (t.device || hostTypes.empty()) ? dt : hostTypes.front();
    a.heap = mt.heapIndex;
    a.flags = vk::memoryFlagNames(mt.propertyFlags);
    // Row-scaled tensors are bound as shard arrays (at most kMaxShards); per-step buffers must fit
    // one range (the gather chunks its output, the other kernels bind one buffer).
    if (t.scalesWithRows && a.shards > widestShards) {
      widestShards = a.shards;
      widestName = a.name;
    }
    if (!t.scalesWithRows && a.shards > 1 && a.name != "activations" && perStepTooBig.empty()) perStepTooBig = a.name;
    plan.totalBytes += a.bytes;
    (t.scalesWithRows ? rowScaled : fixed) += a.bytes;
    plan.allocations.push_back(std::move(a));
  }

  // Budgets per heap against what lands there.
  std::vector<std::uint64_t> onHeap(device.heaps.size(), 0);
  for (const auto& a : plan.allocations) onHeap[a.heap] += a.bytes;
  const auto& heap = device.heaps[dt.heapIndex];
  const std::uint64_t budget = heap.budget;
  bool fitsBudget = true;
  for (std::size_t h = 0; h < onHeap.size(); ++h)
    if (onHeap[h] > device.heaps[h].budget) fitsBudget = false;
  const bool shardsOk = widestShards <= vk::kMaxShards;
  plan.fits = fitsBudget && shardsOk;

  const std::string need = std::to_string(plan.totalBytes) + " bytes (" + human(plan.totalBytes) + ")";
  const std::string budgetText = std::to_string(budget) + " bytes (" + human(budget) + ", " + heap.budgetRule + ")";
  if (plan.fits) {
    plan.decision = "device";
    plan.reason = "the run needs " + need + "; heap " + std::to_string(heap.index) + " has a budget of " + budgetText +
                  ", so everything is placed in " + (device.type == vk::DeviceType::Cpu ? "the device's memory (system RAM)" : "device memory");
    if (widestShards > 1)
      plan.reason += "; the largest tensor (" + widestName + ") is split into " + std::to_string(widestShards) +
                     " shards of at most " + std::to_string(maxShard) + " bytes (the storage-buffer range)";
    if (!perStepTooBig.empty())
      plan.reason += "; note: at this batch size the per-step buffer " + perStepTooBig + " passes one storage range, "
                     "which the kernels need it to fit (use a smaller batch)";
    return plan;
  }

  // Does not fit. How many devices like this one would a row-sharded run need? Each holds a
  // slice of the row-scaled tensors plus all the fixed-size ones.
  if (budget > fixed && rowScaled > 0) plan.devicesNeeded = (rowScaled + (budget - fixed) - 1) / (budget - fixed);
  else plan.devicesNeeded = 0;  // the per-step buffers alone exceed one device
  const std::string devicesText =
      plan.devicesNeeded > 0
          ? "a row-sharded run (rows split across devices, as Keras's ModelParallel layout or TorchRec's planner "
            "shard a table) would need " + std::to_string(plan.devicesNeeded) + " such devices"
          : "even the per-step buffers exceed one device's budget";

  if (!shardsOk) {
    plan.decision = "cpu";
    plan.reason = widestName + " needs " + std::to_string(widestShards) + " shards of at most " +
                  std::to_string(maxShard) + " bytes, more than the " + std::to_string(vk::kMaxShards) +
                  " the kernels bind; the run goes to the CPU engine";
    return plan;
  }
  // A host-visible heap other than the device heap with room: keep the run on the device but
  // place the tensors in host memory the GPU reads over the bus (slower, still correct).
  for (const auto& ht : hostTypes) {
    if (ht.heapIndex == dt.heapIndex) continue;
    const auto& hh = device.heaps[ht.heapIndex];
    if (plan.totalBytes > hh.budget) continue;
    plan.decision = "host-visible";
    plan.reason = "the run needs " + need + " but device heap " + std::to_string(heap.index) + " has a budget of " +
                  budgetText + "; it fits host-visible heap " + std::to_string(hh.index) + " (budget " +
                  std::to_string(hh.budget) + " bytes), which the device reads over the bus (slower); " + devicesText;
    for (auto& a : plan.allocations) {
      a.heap = ht.heapIndex;
      a.flags = vk::memoryFlagNames(ht.propertyFlags);
    }
    return plan;
  }
  plan.decision = "cpu";
  plan.reason = "the run needs " + need + " but heap " + std::to_string(heap.index) + " of " + device.name +
                " has a budget of " + budgetText +
                (device.type == vk::DeviceType::Cpu ? " and no separate host-visible heap (its memory is system RAM)"
                                                    : " and no host-visible heap has room") +
                "; as the Keras docs advise for a matrix this large, the table is placed on the CPU (the CPU engine); " +
                devicesText;
  return plan;
}

HostMemory probeHostMemory() {
  HostMemory h;
  h.threads = std::max(1u, std::thread::hardware_concurrency());
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemTotal:") h.totalBytes = kb * 1024;
    else if (key == "MemAvailable:") h.availableBytes = kb * 1024;
  }
  if (h.availableBytes == 0) h.availableBytes = h.totalBytes;
  return h;
}

Result<MemoryPlan> planCpu(const PlanRequest& request, const HostMemory& host) {
  EMBEDSCOPE_TRY(validateRequest(request));
  MemoryPlan plan;
  plan.engine = "cpu";
  plan.deviceName = "host CPU (" + std::to_string(host.threads) + " hardware threads, system RAM)";
  plan.deviceType = "host";
  const std::uint64_t budget = host.availableBytes / 10 * 8;
  plan.heaps.push_back({0, host.totalBytes, budget, {"HOST"}, "80% of the RAM available now (MemAvailable)"});
  for (const auto& t : tensorsFor(request)) {
    if (t.name == "gradient:row-map") continue;  // the CPU optimizer walks rows in order instead
    PlannedAllocation a;
    a.name = t.name;
    a.rows = t.rows;
    a.cols = t.cols;
    a.bytes = t.rows * t.cols * 4;
    a.shards = 1;
    a.addressing = "host";
    a.heap = 0;
    a.flags = {"HOST"};
    a.scalesWithRows = t.scalesWithRows;
    plan.totalBytes += a.bytes;
    plan.allocations.push_back(std::move(a));
  }
  plan.fits = plan.totalBytes <= budget;
  plan.decision = "cpu";
  plan.reason = "the CPU engine holds " + std::to_string(plan.totalBytes) + " bytes (" + human(plan.totalBytes) +
                ") in system RAM; " + (plan.fits ? "that is within " : "that is MORE than ") + "80% of the " +
                human(host.availableBytes) + " available";
  return plan;
}

std::string toJson(const MemoryPlan& p) {
  std::ostringstream o;
  o << "{\n  \"engine\": " << jsonString(p.engine) << ",\n";
  o << "  \"device\": {\n    \"name\": " << jsonString(p.deviceName) << ",\n    \"type\": " << jsonString(p.deviceType)
    << ",\n    \"heaps\": [";
  for (std::size_t i = 0; i < p.heaps.size(); ++i) {
    const auto& h = p.heaps[i];
    o << (i ? "," : "") << "\n      {\"index\": " << h.index << ", \"size\": " << h.size << ", \"budget\": " << h.budget
      << ", \"flags\": " << jsonStrings(h.flags) << "}";
  }
  o << "\n    ]\n  },\n  \"allocations\": [";
  for (std::size_t i = 0; i < p.allocations.size(); ++i) {
    const auto& a = p.allocations[i];
    o << (i ? "," : "") << "\n    {\"name\": " << jsonString(a.name) << ", \"bytes\": " << a.bytes
      << ", \"shards\": " << a.shards << ", \"addressing\": " << jsonString(a.addressing) << ", \"heap\": " << a.heap
      << ", \"flags\": " << jsonStrings(a.flags) << "}";
  }
  o << "\n  ],\n  \"total_bytes\": " << p.totalBytes << ",\n  \"fits\": " << (p.fits ? "true" : "false")
    << ",\n  \"decision\": " << jsonString(p.decision) << ",\n  \"reason\": " << jsonString(p.reason) << "\n}\n";
  return o.str();
}

std::string toText(const MemoryPlan& p) {
  std::ostringstream o;
  o << "engine: " << p.engine << "\ndevice: " << p.deviceName << " [" << p.deviceType << "]\n";
  for (const auto& h : p.heaps)
    o << "  heap " << h.index << ": " << human(h.size) << ", budget " << human(h.budget) << " (" << h.budgetRule << ")\n";
  char line[256];
  std::snprintf(line, sizeof line, "\n  %-28s %16s %7s  %-10s %4s  %s\n", "tensor", "bytes", "shards", "addressing", "heap",
                "flags");
  o << line;
  for (const auto& a : p.allocations) {
    std::string flags;
    for (const auto& f : a.flags) flags += (flags.empty() ? "" : "|") + f;
    std::snprintf(line, sizeof line, "  %-28s %16llu %7u  %-10s %4u  %s\n", a.name.c_str(),
                  static_cast<unsigned long long>(a.bytes), a.shards, a.addressing.c_str(), a.heap, flags.c_str());
    o << line;
  }
  o << "\n  total " << p.totalBytes << " bytes (" << human(p.totalBytes) << ")\n";
  o << "fits: " << (p.fits ? "yes" : "no") << "\ndecision: " << p.decision << "\nreason: " << p.reason << "\n";
  return o.str();
}

}  // namespace embedscope::placement
