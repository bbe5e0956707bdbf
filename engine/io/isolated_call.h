#pragma once
// Runs a parse of untrusted input in a forked child process, so that a crash, an abort or a hang
// inside a library we cannot fix (libhdf5) becomes an error message instead of taking the whole
// application down. The child's result travels back over a pipe as bytes.
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::io {

// Forks; the child runs `job` and sends back `out` (or the Status it returned); the parent waits
// at most `timeoutSeconds`. A child killed by a signal, or one that overruns, is a DataError
// "WHAT: the parser crashed (signal N)" / "timed out". `job` must not touch threads or the GUI.
Result<std::vector<std::byte>> runIsolated(const std::string& what, const std::function<Status(std::vector<std::byte>& out)>& job,
                                           int timeoutSeconds = 120);

}  // namespace embedscope::io
