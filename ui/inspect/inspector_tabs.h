#pragma once
// The one hook the main window calls to host the inspector views: it adds the Mask, Memory,
// Matrix, Step-through and Engines tabs to `tabs`, wires them to each other and to `ctx`, and
// returns the views (owned by `tabs`).
//
//   auto* ctx = new inspect::InspectorContext(this);
//   inspect::createInspectorTabs(m_tabs, *ctx);
//   connect(m_training, &TrainingController::snapshotReady, ctx, ...ctx->publishSnapshot(...));
#include <memory>

class QTabWidget;

namespace embedscope::ui::inspect {

class EnginesView;
class InspectModel;
class InspectorContext;
class MaskView;
class MatrixView;
class MemoryView;
class StepView;

struct InspectorViews {
  MaskView* mask = nullptr;
  MemoryView* memory = nullptr;
  MatrixView* matrix = nullptr;
  StepView* step = nullptr;
  EnginesView* engines = nullptr;
  std::shared_ptr<InspectModel> model;  // the step-through's model, which the Mask view runs too
  InspectorContext* context = nullptr;
};

InspectorViews createInspectorTabs(QTabWidget* tabs, InspectorContext& ctx);
// The same with a context of its own (a child of tabs, returned in .context) for the caller to feed.
InspectorViews createInspectorTabs(QTabWidget* tabs);

}  // namespace embedscope::ui::inspect
