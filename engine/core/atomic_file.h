#pragma once
// Files are written atomically: to a temporary beside the target, flushed, then renamed over it,
// so a crash or a full disk never leaves a half-written file where a good one was.
#include <functional>
#include <ostream>
#include <string>

#include "engine/core/status.h"

namespace embedscope {

// Calls write(stream) on a temporary file next to `path`; on success (and a clean stream) renames
// it to `path`. On any failure the temporary is removed and `path` is untouched.
Status writeFileAtomically(const std::string& path, const std::function<Status(std::ostream&)>& write);

}  // namespace embedscope
