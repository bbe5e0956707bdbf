#pragma once
// The engine side of the inspector views: a small classify model (Embedding -> masked
// GlobalAveragePooling1D -> Dense -> softmax) on a preset, built on the engine's Backend so every
// number the views show is the engine's own. It runs one step at a time and opens each step up
// (StepEngine), runs any batch forward with either mask_zero (the Mask view) and describes the
// table for the Matrix view. Used from the GUI thread: the models are small by design (a lesson),
// the main window's training controller runs the big ones.
#include <memory>
#include <optional>
#include <vector>

#include "engine/compute/backend.h"
#include "engine/compute/backend_registry.h"
#include "engine/data/batching.h"
#include "engine/data/sequences.h"
#include "ui/inspect/matrix_view.h"
#include "ui/inspect/step_view.h"

namespace embedscope::ui::inspect {

struct PresetData {
  data::IdMatrix ids;                   // (examples, length), padded with 0 at the end
  std::vector<std::int64_t> labels;     // per example
  std::vector<std::string> vocabulary;  // id -> token ([PAD], [UNK], words by frequency)
  std::vector<std::string> classNames;
};

// The `sentiment` preset tokenised and padded as the classify task does.
Result<PresetData> loadPresetData(const QString& preset, std::uint64_t seed, std::int64_t examples = 256,
                                  std::int64_t maxWords = 10);

class InspectModel : public StepEngine {
 public:
  InspectModel();
  ~InspectModel() override;

  QStringList presets() const override;
  Status reset(const StepSetup& setup) override;
  Result<StepRecord> next() override;
  std::shared_ptr<const Matrix> table() const override { return m_table; }

  // Builds the model on another engine choice (the Engines side-by-side view). Unavailable with
  // the registry's reason when that engine cannot be had.
  Status resetOn(const StepSetup& setup, compute::EngineChoice engine);
  std::string engineDescription() const;

  // The Mask view's runner: the batch forward through the current table and head.
  Result<PooledRun> runPooled(const TokenBatch& batch, bool maskZero);
  // A batch of the preset (examples [first, first + count)).
  TokenBatch presetBatch(std::int64_t first, std::int64_t count) const;

  // The Matrix view's frame after the last step.
  MatrixFrame frame() const;
  const Matrix& initialTable() const { return m_initialTable; }
  const LayerConfig& layerConfig() const { return m_layer; }
  const compute::DenseHead& head() const { return m_head; }
  compute::Backend* backend() const { return m_backend.get(); }
  const PresetData& data() const { return m_data; }

 private:
  Status build(const StepSetup& setup, compute::EngineChoice engine);

  StepSetup m_setup;
  PresetData m_data;
  LayerConfig m_layer;
  Matrix m_initialTable;
  std::unique_ptr<compute::Backend> m_backend;
  std::string m_engineReason;
  compute::DenseHead m_head;
  std::optional<data::EpochOrder> m_order;
  std::int64_t m_epoch = 0;
  std::int64_t m_batchInEpoch = 0;
  std::int64_t m_step = 0;
  std::shared_ptr<const Matrix> m_table;
  std::shared_ptr<const Matrix> m_previous;
  std::vector<std::uint8_t> m_everTouched;
  std::vector<float> m_lastRowDelta;
  std::optional<StepRecord> m_last;
};

}  // namespace embedscope::ui::inspect
