#include "engine/compute/vulkan/instance.h"

#include <cstring>
#include <string>
#include <vector>

#include "engine/compute/vulkan/validation.h"
#include "engine/compute/vulkan/vk_status.h"

namespace embedscope::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL onDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT /*types*/,
                                              const VkDebugUtilsMessengerCallbackDataEXT* data,
                                              void* /*user*/) {
  if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)) {
    std::string text = data && data->pMessage ? data->pMessage : "(no message)";
    if (data && data->pMessageIdName) text = std::string(data->pMessageIdName) + ": " + text;
    recordValidationIssue(text);
  }
  return VK_FALSE;  // never abort the call: the count is the verdict
}

bool hasLayer(const char* name) {
  std::uint32_t n = 0;
  if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> layers(n);
  if (vkEnumerateInstanceLayerProperties(&n, layers.data()) != VK_SUCCESS) return false;
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

VkDebugUtilsMessengerCreateInfoEXT messengerInfo() {
  VkDebugUtilsMessengerCreateInfoEXT info{};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = &onDebugMessage;
  return info;
}

}  // namespace

Result<std::unique_ptr<Instance>> Instance::create() {
  std::uint32_t loaderVersion = 0;
  if (vkEnumerateInstanceVersion(&loaderVersion) != VK_SUCCESS || loaderVersion < VK_API_VERSION_1_2)
    return Status::unavailable("the Vulkan loader is missing or older than Vulkan 1.2");

  const bool validation = validationRequested();
  if (validation && !hasLayer(kValidationLayer))
    return Status::unavailable(
        "EMBEDSCOPE_VK_VALIDATION=1 but the Khronos validation layer (VK_LAYER_KHRONOS_validation) is not "
        "installed (Debian package vulkan-validationlayers)");

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "embedscope";
  app.pEngineName = "embedscope";
  app.apiVersion = VK_API_VERSION_1_2;

  std::vector<const char*> layers;
  std::vector<const char*> extensions;
  VkDebugUtilsMessengerCreateInfoEXT dbg = messengerInfo();
  VkInstanceCreateInfo ci{};
  ci.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  ci.pApplicationInfo = &app;
  if (validation) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    ci.pNext = &dbg;
  }
  ci.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();

  std::unique_ptr<Instance> inst(new Instance());
  VkResult r = vkCreateInstance(&ci, nullptr, &inst->m_instance);
  if (r != VK_SUCCESS) return check(r, "vkCreateInstance");
  if (validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(inst->m_instance, "vkCreateDebugUtilsMessengerEXT"));
    if (!create) return Status::unavailable("VK_EXT_debug_utils is not available with the validation layer");
    EMBEDSCOPE_TRY(check(create(inst->m_instance, &dbg, nullptr, &inst->m_messenger), "vkCreateDebugUtilsMessengerEXT"));
  }
  return inst;
}

Instance::~Instance() {
  if (m_messenger != VK_NULL_HANDLE) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(m_instance, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(m_instance, m_messenger, nullptr);
  }
  if (m_instance != VK_NULL_HANDLE) vkDestroyInstance(m_instance, nullptr);
}

}  // namespace embedscope::vk
