#pragma once
// Which engine runs a training: `--engine cpu|vulkan|auto`. The CPU engine is always there; the
// Vulkan engine registers a factory (engine/compute/vulkan, via registerVulkanFactory) when it is
// compiled in. `auto` picks Vulkan on a real GPU and the CPU otherwise, and says why.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/compute/backend.h"

namespace embedscope::compute {

enum class EngineChoice { Cpu, Vulkan, Auto };
std::string_view engineChoiceName(EngineChoice c);  // "cpu" | "vulkan" | "auto"
// "cpu", "vulkan" or "auto"; anything else is InvalidArgument naming the choices.
Result<EngineChoice> parseEngineChoice(std::string_view text);

// A backend factory for an engine other than the CPU. `autoOnly` = the call comes from `auto`:
// the factory should then decline (Unavailable, with the reason) for CPU-type devices such as
// lavapipe, which are only used when asked for by name.
struct EngineFactory {
  std::string name;  // "vulkan"
  std::function<Result<std::unique_ptr<Backend>>(const BackendSetup& setup, bool autoOnly)> create;
};
// Registers (or replaces) the factory for factory.name. Call before createBackend, e.g. from a
// static registrar in the Vulkan engine's translation unit or from main.
void registerEngineFactory(EngineFactory factory);
bool hasEngineFactory(std::string_view name);

struct CreatedBackend {
  std::unique_ptr<Backend> backend;
  // Why this engine: "asked for", or for auto "vulkan: <why it was not used>; using the CPU".
  std::string reason;
};

// cpu: the CPU backend. vulkan: the registered Vulkan factory, or Unavailable ("this build has no
// Vulkan engine"). auto: Vulkan when its factory accepts, else the CPU with the reason.
Result<CreatedBackend> createBackend(EngineChoice choice, BackendSetup setup);

}  // namespace embedscope::compute
