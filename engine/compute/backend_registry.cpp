#include "engine/compute/backend_registry.h"

#include <mutex>
#include <vector>

namespace embedscope::compute {

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<EngineFactory> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

const EngineFactory* findFactory(Registry& r, std::string_view name) {
  for (const auto& f : r.factories)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

std::string_view engineChoiceName(EngineChoice c) {
  switch (c) {
    case EngineChoice::Cpu: return "cpu";
    case EngineChoice::Vulkan: return "vulkan";
    case EngineChoice::Auto: return "auto";
  }
  return "auto";
}

Result<EngineChoice> parseEngineChoice(std::string_view text) {
  if (text == "cpu") return EngineChoice::Cpu;
  if (text == "vulkan") return EngineChoice::Vulkan;
  if (text == "auto") return EngineChoice::Auto;
  return Status::invalidArgument("argument --engine: invalid choice: '" + std::string(text) +
                                 "' (choose from 'cpu', 'vulkan', 'auto')");
}

void registerEngineFactory(EngineFactory factory) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& f : r.factories)
    if (f.name == factory.name) {
      f = std::move(factory);
      return;
    }
  r.factories.push_back(std::move(factory));
}

bool hasEngineFactory(std::string_view name) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return findFactory(r, name) != nullptr;
}

Result<CreatedBackend> createBackend(EngineChoice choice, BackendSetup setup) {
  CreatedBackend out;
  if (choice != EngineChoice::Cpu) {
    EngineFactory vulkan;
    {
      auto& r = registry();
      std::lock_guard<std::mutex> lock(r.mutex);
      if (const auto* f = findFactory(r, "vulkan")) vulkan = *f;
    }
    std::string why;
    if (vulkan.create) {
      auto b = vulkan.create(setup, choice == EngineChoice::Auto);
      if (b) {
        out.backend = std::move(b).value();
        out.reason = choice == EngineChoice::Auto ? "auto: a Vulkan GPU is available" : "asked for";
        return out;
      }
      if (choice == EngineChoice::Vulkan) return b.status();
      why = b.status().message();
    } else {
      if (choice == EngineChoice::Vulkan) return Status::unavailable("this build has no Vulkan engine");
      why = "this build has no Vulkan engine";
    }
    out.reason = "auto: vulkan: " + why + "; using the CPU";
  } else {
    out.reason = "asked for";
  }
  auto cpu = createCpuBackend(std::move(setup));
  if (!cpu) return cpu.status();
  out.backend = std::move(cpu).value();
  return out;
}

}  // namespace embedscope::compute
