#pragma once
// Turning VkResult codes into engine Status values. Every Vulkan failure becomes
// StatusCode::Unavailable (no device, allocation failure, device lost): the session reacts to all
// of them the same way, by falling back to the CPU engine.
#include <vulkan/vulkan.h>

#include <string>

#include "engine/core/status.h"

namespace embedscope::vk {

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and friends, for messages a user can search for.
const char* resultName(VkResult r);

// Ok for VK_SUCCESS, otherwise Unavailable with "what failed: VK_ERROR_...".
Status check(VkResult r, const std::string& what);

}  // namespace embedscope::vk
