#include "ui/inspect/inspector_tabs.h"

#include <QTabWidget>

#include "ui/inspect/engines_view.h"
#include "ui/inspect/initializer_density.h"
#include "ui/inspect/inspect_model.h"
#include "ui/inspect/inspector_context.h"
#include "ui/inspect/lesson_file.h"
#include "ui/inspect/mask_view.h"
#include "ui/inspect/matrix_view.h"
#include "ui/inspect/memory_planner.h"
#include "ui/inspect/memory_view.h"
#include "ui/inspect/step_view.h"

namespace embedscope::ui::inspect {

namespace {

WhatIf whatIfFrom(const InspectorContext& ctx) {
  WhatIf w;
  w.inputDim = ctx.layerConfig().inputDim;
  w.outputDim = ctx.layerConfig().outputDim;
  w.optimizer = QString::fromStdString(ctx.optimizerConfig().name);
  w.lazy = ctx.optimizerConfig().updates == UpdateMode::Lazy;
  w.engine = QString::fromUtf8(compute::engineChoiceName(ctx.engine()).data(),
                               static_cast<qsizetype>(compute::engineChoiceName(ctx.engine()).size()));
  w.batchSize = ctx.batchSize();
  w.sequenceLength = ctx.sequenceLength();
  return w;
}

Result<EngineComparison> compareEngines(const StepSetup& setup, int steps) {
  InspectModel cpu, other;
  EMBEDSCOPE_TRY(cpu.resetOn(setup, compute::EngineChoice::Cpu));
  Status s = other.resetOn(setup, compute::EngineChoice::Vulkan);
  if (!s.isOk()) return Status(s.code(), "the Vulkan engine is not available: " + s.message());
  for (int i = 0; i < steps; ++i) {
    Result<StepRecord> a = cpu.next();
    if (!a.isOk()) return a.status();
    Result<StepRecord> b = other.next();
    if (!b.isOk()) return b.status();
  }
  EngineComparison c;
  c.leftName = QString::fromStdString(cpu.engineDescription());
  c.rightName = QString::fromStdString(other.engineDescription());
  c.steps = steps;
  c.left = *cpu.table();
  c.right = *other.table();
  return c;
}

}  // namespace

InspectorViews createInspectorTabs(QTabWidget* tabs) {
  auto* ctx = new InspectorContext(tabs);
  ctx->setObjectName("inspectorContext");
  InspectorViews v = createInspectorTabs(tabs, *ctx);
  v.context = ctx;
  return v;
}

InspectorViews createInspectorTabs(QTabWidget* tabs, InspectorContext& ctx) {
  InspectorViews v;
  v.context = &ctx;
  v.model = std::make_shared<InspectModel>();
  v.mask = new MaskView(tabs);
  v.memory = new MemoryView(tabs);
  v.matrix = new MatrixView(tabs);
  v.step = new StepView(tabs);
  v.engines = new EnginesView(tabs);
  tabs->addTab(v.step, QObject::tr("Step-through"));
  tabs->addTab(v.mask, QObject::tr("Mask"));
  tabs->addTab(v.matrix, QObject::tr("Matrix"));
  tabs->addTab(v.memory, QObject::tr("Memory"));
  tabs->addTab(v.engines, QObject::tr("Engines"));

  std::shared_ptr<InspectModel> model = v.model;
  MaskView* mask = v.mask;
  MatrixView* matrix = v.matrix;
  StepView* step = v.step;

  // The step-through drives the lesson model; after a reset or a step the Mask and Matrix views
  // show the same model.
  auto showInitial = [model, matrix] {
    if (!model->backend()) return;
    matrix->setFrame(model->frame());
    Result<InitializerDensity> d = initializerDensity(model->layerConfig().embeddingsInitializer,
                                                      model->layerConfig().inputDim, model->layerConfig().outputDim);
    matrix->setInitializer(model->initialTable(), d.isOk() ? d.value() : InitializerDensity{});
  };
  step->setLessonIo(&saveLessonFile, &loadLessonFile);
  step->setEngine(model);
  mask->setRunner([model](const TokenBatch& b, bool maskZero) { return model->runPooled(b, maskZero); });
  mask->setBatch(model->presetBatch(0, 4));
  showInitial();
  QObject::connect(step, &StepView::stepped, matrix, [model, matrix, mask, step] {
    matrix->setFrame(model->frame());
    if (step->record()) mask->setBatch(step->record()->batch);
  });
  // A reset (any setup change) rebuilds the model: refresh what shows it.
  QObject::connect(step, &StepView::engineReset, matrix, [showInitial, mask, model] {
    showInitial();
    mask->setBatch(model->presetBatch(0, 4));
  });

  // Memory: the planner the CLI uses, starting from the main window's configuration.
  auto planner = std::make_shared<EnginePlanner>();
  v.memory->setPlanner(EnginePlanner::asPlanner(planner));
  v.memory->setWhatIf(whatIfFrom(ctx));
  MemoryView* memory = v.memory;
  QObject::connect(&ctx, &InspectorContext::layerConfigChanged, memory, [memory, &ctx] { memory->setWhatIf(whatIfFrom(ctx)); });
  QObject::connect(&ctx, &InspectorContext::measuredUse, memory,
                   [memory](const std::vector<std::optional<std::uint64_t>>& use) { memory->setMeasuredUse(use); });

  // Matrix: the main window's training snapshots.
  QObject::connect(&ctx, &InspectorContext::snapshotReady, matrix,
                   [matrix, &ctx](const TableSnapshot& s) {
                     matrix->setSnapshot(s.table, s.rowsTouched, s.rowDelta, s.step, s.touchedIsLastStep,
                                         QString::fromStdString(ctx.optimizerConfig().name),
                                         ctx.optimizerConfig().updates == UpdateMode::Lazy);
                   });

  // Engines: the step-through's setup on the CPU and on Vulkan.
  v.engines->setRunner([step](int steps) { return compareEngines(step->setup(), steps); });
  return v;
}

}  // namespace embedscope::ui::inspect
