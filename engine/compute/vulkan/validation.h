#pragma once
// The Khronos validation layer's verdict, process-wide. When EMBEDSCOPE_VK_VALIDATION=1 every
// context enables VK_LAYER_KHRONOS_validation with a debug-utils messenger; each message of
// warning or error severity is counted here (and printed to stderr), so a test can assert the
// count stayed zero over its whole run.
#include <cstdint>
#include <string>

namespace embedscope::vk {

// True when EMBEDSCOPE_VK_VALIDATION=1 is set in the environment.
bool validationRequested();
// Warning + error messages reported by the layer since the process started.
std::uint64_t validationIssueCount();
// The most recent such message (empty when none), for test failure output.
std::string lastValidationIssue();
// Used by the messenger callback; public so the wrappers in other files can count too.
void recordValidationIssue(const std::string& message);

}  // namespace embedscope::vk
