#pragma once
// Test-only failure injection: EMBEDSCOPE_FAULT=alloc:N makes the N-th device allocation of the
// process fail with VK_ERROR_OUT_OF_DEVICE_MEMORY; EMBEDSCOPE_FAULT=device-lost:N makes the N-th
// queue submit report VK_ERROR_DEVICE_LOST (and the context stays lost, as a real one would).
// Several may be combined with commas: "alloc:3,device-lost:10". Counting is 1-based.
#include <cstdint>

namespace embedscope::vk {

enum class FaultKind { Alloc, DeviceLost };

// Counts one event of the kind and says whether this one must fail.
bool injectFault(FaultKind kind);
// Events counted so far (allocations, submits), to aim a fault at a later one in tests.
std::int64_t faultEventCount(FaultKind kind);
// Re-reads EMBEDSCOPE_FAULT and zeroes the counters (tests that set the variable at run time).
void resetFaultInjection();

}  // namespace embedscope::vk
