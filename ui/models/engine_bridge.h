#pragma once
// From the panels' settings to the engine's configuration types (the one place that knows both).
#include "engine/compute/backend_registry.h"
#include "engine/core/status.h"
#include "engine/layer/layer_config.h"
#include "engine/optim/optimizer_config.h"
#include "ui/models/layer_settings.h"
#include "ui/models/task_settings.h"

namespace embedscope::ui {

// The LayerConfig for `s` (numbers as parsed; run validateLayerSettings first for the messages).
// The weights file is not read here.
Result<LayerConfig> toLayerConfig(const LayerSettings& s);
Result<OptimizerConfig> toOptimizerConfig(const OptimizerSettings& o);
compute::EngineChoice toEngineChoice(const QString& engine);

// The Vulkan device `--engine vulkan` would use, in words ("NVIDIA H200 (discrete)"), or why none.
// Probed once per process.
QString vulkanDeviceDescription();

}  // namespace embedscope::ui
