#include "engine/compute/vulkan/fault_injection.h"

#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>

namespace embedscope::vk {
namespace {

struct FaultState {
  bool loaded = false;
  std::int64_t allocAt = -1;
  std::int64_t lostAt = -1;
  std::int64_t allocCount = 0;
  std::int64_t submitCount = 0;
};

std::mutex g_mutex;
FaultState g_state;

void load(FaultState& s) {
  s = FaultState{};
  s.loaded = true;
  const char* env = std::getenv("EMBEDSCOPE_FAULT");
  if (!env) return;
  std::stringstream ss(env);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto colon = item.find(':');
    if (colon == std::string::npos) continue;
    std::string kind = item.substr(0, colon);
    std::int64_t n = std::atoll(item.c_str() + colon + 1);
    if (kind == "alloc") s.allocAt = n;
    else if (kind == "device-lost") s.lostAt = n;
  }
}

}  // namespace

bool injectFault(FaultKind kind) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_state.loaded) load(g_state);
  if (kind == FaultKind::Alloc) return ++g_state.allocCount == g_state.allocAt;
  return ++g_state.submitCount == g_state.lostAt;
}

std::int64_t faultEventCount(FaultKind kind) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return kind == FaultKind::Alloc ? g_state.allocCount : g_state.submitCount;
}

void resetFaultInjection() {
  std::lock_guard<std::mutex> lock(g_mutex);
  load(g_state);
}

}  // namespace embedscope::vk
