#pragma once
// EMBEDSCOPE_VULKAN_TEST_MAIN(TestClass): the main() of every Vulkan test executable.
// Before running it tries to create a Vulkan context on the device the engine would use
// (EMBEDSCOPE_VULKAN_DEVICE honoured). No device: exit 77, which CTest reports as a skip, unless
// EMBEDSCOPE_REQUIRE_VULKAN=1, when it fails with the reason (CI must not turn green silently).
// After the run it fails if the Khronos validation layer (EMBEDSCOPE_VK_VALIDATION=1, set by
// CTest) reported any warning or error, and if validation was asked for but did not load.
#include <QtTest>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/compute/vulkan/validation.h"
#include "engine/compute/vulkan/vulkan_context.h"

namespace embedscope::testing {

inline bool vulkanRequired() {
  const char* v = std::getenv("EMBEDSCOPE_REQUIRE_VULKAN");
  return v && std::strcmp(v, "1") == 0;
}

// 0 = go on; otherwise the exit code to return before running any test.
inline int vulkanPreflight() {
  auto ctx = embedscope::vk::VulkanContext::create();
  if (!ctx) {
    if (vulkanRequired()) {
      std::fprintf(stderr, "FAIL: EMBEDSCOPE_REQUIRE_VULKAN=1 but no Vulkan device: %s\n",
                   ctx.status().message().c_str());
      return 1;
    }
    std::fprintf(stderr, "SKIP: no Vulkan device: %s\n", ctx.status().message().c_str());
    return 77;
  }
  std::fprintf(stderr, "vulkan tests on %s (%s)%s\n", (*ctx)->info().name.c_str(),
               embedscope::vk::deviceTypeName((*ctx)->info().type),
               (*ctx)->validationEnabled() ? " with the Khronos validation layer" : " WITHOUT validation");
  return 0;
}

inline int vulkanPostflight(int rc) {
  const auto issues = embedscope::vk::validationIssueCount();
  if (issues > 0) {
    std::fprintf(stderr, "FAIL: the Vulkan validation layer reported %llu warning/error message(s); last: %s\n",
                 static_cast<unsigned long long>(issues), embedscope::vk::lastValidationIssue().c_str());
    return rc == 0 ? 1 : rc;
  }
  return rc;
}

}  // namespace embedscope::testing

#define EMBEDSCOPE_VULKAN_TEST_MAIN(TestClass)                              \
  int main(int argc, char** argv) {                                         \
    if (int pre = ::embedscope::testing::vulkanPreflight(); pre != 0)       \
      return pre;                                                           \
    int rc = 0;                                                             \
    {                                                                       \
      TestClass tc;                                                         \
      QTEST_SET_MAIN_SOURCE_PATH                                            \
      rc = QTest::qExec(&tc, argc, argv);                                   \
    }                                                                       \
    return ::embedscope::testing::vulkanPostflight(rc);                     \
  }
