#pragma once
// The Memory view's planner on the engine's placement planner (engine/placement): the same
// function `embedscope plan` calls, so the view's figures are the command's. Devices are probed
// once and kept, so a what-if re-plan is arithmetic only and allocates nothing on any device.
#include <memory>

#include "ui/inspect/memory_view.h"

namespace embedscope::ui::inspect {

class EnginePlanner {
 public:
  EnginePlanner();
  ~EnginePlanner();
  Result<PlanRecord> plan(const WhatIf& w);
  // The planner as the Memory view takes it (shares this object).
  static MemoryView::Planner asPlanner(std::shared_ptr<EnginePlanner> planner);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace embedscope::ui::inspect
