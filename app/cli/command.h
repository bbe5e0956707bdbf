#pragma once
// The headless commands of `embedscope <command>`. Each command lives in its own file under
// app/commands/ and registers itself with a static CommandRegistrar, so adding a command touches
// no shared file.
#include <functional>
#include <string>
#include <vector>

namespace embedscope::cli {

struct Command {
  std::string name;
  std::string summary;  // one line for `embedscope --help`
  std::string usage;    // the full `embedscope NAME --help` text
  // Runs with the arguments after the command name; returns the process exit code
  // (0 ok, 1 runtime/data error, 2 usage/config error, 130 interrupted).
  std::function<int(const std::vector<std::string>& args)> run;
};

std::vector<Command>& commandRegistry();

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { commandRegistry().push_back(std::move(c)); }
};

}  // namespace embedscope::cli
