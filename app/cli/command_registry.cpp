#include "app/cli/command.h"

namespace embedscope::cli {
std::vector<Command>& commandRegistry() {
  static std::vector<Command> registry;  // function-local: safe from static-init order
  return registry;
}
}  // namespace embedscope::cli
