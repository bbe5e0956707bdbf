#include "engine/compute/vulkan/validation.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace embedscope::vk {
namespace {
std::atomic<std::uint64_t> g_issues{0};
std::mutex g_mutex;
std::string g_last;
}  // namespace

bool validationRequested() {
  const char* v = std::getenv("EMBEDSCOPE_VK_VALIDATION");
  return v && std::strcmp(v, "1") == 0;
}

std::uint64_t validationIssueCount() { return g_issues.load(); }

std::string lastValidationIssue() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_last;
}

void recordValidationIssue(const std::string& message) {
  g_issues.fetch_add(1);
  std::fprintf(stderr, "embedscope: vulkan validation: %s\n", message.c_str());
  std::lock_guard<std::mutex> lock(g_mutex);
  g_last = message;
}

}  // namespace embedscope::vk
