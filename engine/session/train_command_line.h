#pragma once
// The `embedscope train` arguments that rebuild a run's configuration: what a session's manifest
// keeps as its command line, so `embedscope train --resume SESSION` needs no other flags whoever
// wrote the session (the CLI keeps its own arguments; the explorer window writes these).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/session/run_builder.h"

namespace embedscope::session {

// The arguments after `embedscope train` for `spec`, with `layer` the layer as the run resolved it
// (dimensions filled in) and `epochs` the epochs the run trains. Outputs (--save, --checkpoint)
// are not part of it; initial weights are not either (a session holds the table itself).
// Every number is written with 17 significant digits, so the CLI parses back the same doubles.
// Unavailable when a setting has no `train` flag (Ftrl's own arguments, a skip-gram spec).
Result<std::vector<std::string>> trainCommandLine(const RunSpec& spec, const LayerConfig& layer, std::int64_t epochs);

}  // namespace embedscope::session
