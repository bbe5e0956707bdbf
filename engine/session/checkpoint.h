#pragma once
// Checkpoints are session files (engine/io/session_file.h): the TrainingState's tensors under the
// conventional keys (weights/embeddings, weights/lora_a|lora_b, optimizer/<variable>/<slot>,
// optimizer/iterations, task/<name>), the position (progress/epoch, progress/step,
// progress/step_in_epoch), the history as JSON, and the manifest.
#include <string>

#include "engine/io/session_file.h"
#include "engine/session/trainer.h"

namespace embedscope::session {

io::SessionFile checkpointToSession(const TrainingState& state, const std::string& manifestJson,
                                    const std::vector<std::string>& taskTensorNames);
Result<TrainingState> checkpointFromSession(const io::SessionFile& file);

std::string historyToJson(const std::vector<EpochRecord>& history);

}  // namespace embedscope::session
