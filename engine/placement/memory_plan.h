#pragma once
// The memory placement planner: for a configuration and a device, without allocating anything,
// every tensor a training run will hold (table, gradient rows, each optimizer slot, batch
// buffers, staging) with its exact unpadded bytes, shard count, heap and memory-type flags; the
// heap budgets; whether it fits; and, when it does not, the decision (host-visible memory or the
// CPU engine) with the reason in words, including how many such devices a row-sharded run would
// need. The Vulkan engine allocates what the plan says (same names), so its measured use can be
// shown beside it.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/compute/vulkan/device_info.h"
#include "engine/core/status.h"
#include "engine/optim/optimizer_config.h"

namespace embedscope::placement {

struct PlanRequest {
  std::int64_t inputDim = 0;
  std::int64_t outputDim = 0;
  OptimizerConfig optimizer;
  std::string task = "regression";  // regression | classify | skipgram
  std::int64_t batchSize = 32;
  std::int64_t sequenceLength = 10;  // positions per example (Keras's input_length)
  std::int64_t classes = 2;          // classify
  std::int64_t negatives = 5;        // skipgram
};

// The optimizer slots of the table as plan names: adam/adamw "slot:m", "slot:v" (+ "slot:vhat"
// with amsgrad); sgd "slot:momentum" when momentum > 0; rmsprop "slot:velocity" (+ "slot:momentum",
// "slot:average_gradient"); adagrad "slot:accumulator"; ftrl "slot:accumulator", "slot:linear".
std::vector<std::string> tableSlotNames(const OptimizerConfig& optimizer);

struct PlannedAllocation {
  std::string name;
  std::uint64_t bytes = 0;          // exact, unpadded
  std::uint64_t rows = 0, cols = 0;  // the tensor's float/uint32 layout (for sharding)
  std::uint32_t shards = 1;
  std::string addressing = "descriptor";  // "descriptor" | "device-address" | "host"
  std::uint32_t heap = 0;
  std::vector<std::string> flags;
  bool scalesWithRows = false;  // grows with input_dim (row-sharded across devices)
};

struct PlannedHeap {
  std::uint32_t index = 0;
  std::uint64_t size = 0;
  std::uint64_t budget = 0;
  std::vector<std::string> flags;
  std::string budgetRule;
};

struct MemoryPlan {
  std::string engine;       // "vulkan" | "cpu"
  std::string deviceName;   // CPU-type Vulkan devices are named as what they are
  std::string deviceType;   // "discrete-gpu" ... "cpu", or "host" for the CPU engine
  std::vector<PlannedHeap> heaps;
  std::vector<PlannedAllocation> allocations;
  std::uint64_t totalBytes = 0;
  bool fits = false;
  std::string decision;  // "device" | "host-visible" | "cpu"
  std::string reason;
  std::uint64_t devicesNeeded = 1;  // for a row-sharded run when it does not fit one device

  const PlannedAllocation* find(const std::string& name) const;
};

// Plan for the Vulkan engine on `device`. InvalidArgument for a nonsensical request (dims <= 0).
Result<MemoryPlan> planVulkan(const PlanRequest& request, const vk::DeviceInfo& device);

struct HostMemory {
  std::uint64_t totalBytes = 0;
  std::uint64_t availableBytes = 0;
  unsigned threads = 1;
};
// /proc/meminfo (MemTotal, MemAvailable) and the hardware thread count.
HostMemory probeHostMemory();
// Plan for the CPU engine: the device is the host with its RAM; budget 80% of available RAM.
Result<MemoryPlan> planCpu(const PlanRequest& request, const HostMemory& host);

// The JSON of `embedscope plan --json`: {"engine", "device": {"name", "type", "heaps": [{"index",
// "size", "budget", "flags"}]}, "allocations": [{"name", "bytes", "shards", "addressing", "heap",
// "flags"}], "total_bytes", "fits", "decision", "reason"}.
std::string toJson(const MemoryPlan& plan);
// A table for people.
std::string toText(const MemoryPlan& plan);

}  // namespace embedscope::placement
