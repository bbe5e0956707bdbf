#pragma once
// RAII VkInstance. With EMBEDSCOPE_VK_VALIDATION=1 it enables VK_LAYER_KHRONOS_validation and a
// debug-utils messenger that counts warnings and errors (validation.h); the messenger is also
// chained into instance creation so messages about vkCreateInstance/vkDestroyInstance count too.
#include <vulkan/vulkan.h>

#include <memory>

#include "engine/core/status.h"

namespace embedscope::vk {

class Instance {
 public:
  // Fails (Unavailable) when there is no Vulkan loader/driver, or when validation was requested
  // but the layer is not installed (a test must not pass unvalidated).
  static Result<std::unique_ptr<Instance>> create();
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return m_instance; }
  bool validationEnabled() const { return m_messenger != VK_NULL_HANDLE; }

 private:
  Instance() = default;
  VkInstance m_instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT m_messenger = VK_NULL_HANDLE;
};

}  // namespace embedscope::vk
