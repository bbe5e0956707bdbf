#pragma once
// Internal: fills a DeviceInfo from a VkPhysicalDevice (shared by enumerateDevices and the context).
#include <vulkan/vulkan.h>

#include "engine/compute/vulkan/device_info.h"

namespace embedscope::vk {

DeviceInfo probeDevice(VkPhysicalDevice physical, std::uint32_t index);

}  // namespace embedscope::vk
