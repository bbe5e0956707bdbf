#include "app/cli/output.h"

#include <cstdio>

namespace embedscope::cli {

void printError(const std::string& message) { std::fprintf(stderr, "embedscope: error: %s\n", message.c_str()); }
void printWarning(const std::string& message) { std::fprintf(stderr, "embedscope: warning: %s\n", message.c_str()); }

int fail(const Status& status) {
  if (status.isOk()) return 0;
  if (status.code() != StatusCode::Cancelled) printError(status.message());
  else std::fprintf(stderr, "embedscope: interrupted\n");
  return exitCodeFor(status);
}

}  // namespace embedscope::cli
