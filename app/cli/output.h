#pragma once
// How every command speaks: errors as `embedscope: error: ...` and warnings as
// `embedscope: warning: ...` on stderr; the exit code follows the Status.
#include <string>

#include "engine/core/status.h"

namespace embedscope::cli {

void printError(const std::string& message);
void printWarning(const std::string& message);
// Prints the status as an error and returns its exit code (0 when ok, nothing printed).
int fail(const Status& status);

}  // namespace embedscope::cli
