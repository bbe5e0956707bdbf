// `embedscope` opens the explorer; `embedscope <command>` runs headless (app/commands/).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "app/cli/output.h"
#include "engine/core/version.h"
#include "ui/explorer_app.h"

using embedscope::cli::commandRegistry;

namespace {

void printHelp() {
  std::printf(
      "usage: embedscope [--demo | FILE]          open the explorer (on its built-in demo, or on FILE)\n"
      "       embedscope <command> [options]       run headless\n"
      "       embedscope <command> --help          a command's options\n\ncommands:\n");
  auto cmds = commandRegistry();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : cmds) std::printf("  %-12s %s\n", c.name.c_str(), c.summary.c_str());
  std::printf("\nExit codes: 0 success, 1 runtime or data error, 2 usage or configuration error, 130 interrupted.\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty()) {
    const std::string& first = args.front();
    if (first == "--help" || first == "-h" || first == "help") {
      printHelp();
      return 0;
    }
    if (first == "--version" || first == "-V") {
      std::printf("embedscope %s\n", embedscope::versionString().c_str());
      return 0;
    }
    for (const auto& c : commandRegistry()) {
      if (c.name != first) continue;
      std::vector<std::string> rest(args.begin() + 1, args.end());
      if (std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
          std::find(rest.begin(), rest.end(), "-h") != rest.end()) {
        std::printf("%s\n", c.usage.c_str());
        return 0;
      }
      return c.run(rest);
    }
    // Not a command: the window's own options (--demo, Qt's -platform ...) or a file to open.
    const bool windowOption = first == "--demo" || first == "--screenshot" || first == "--dark" || first == "--play" || first == "--no-restore" || first == "--benchmark-ui" || first.rfind("-platform", 0) == 0 || first.rfind("-style", 0) == 0;
    if (!windowOption && first.rfind("-", 0) == 0) {
      embedscope::cli::printError("unrecognized argument: " + first + " (see embedscope --help)");
      return 2;
    }
    if (!windowOption && !std::filesystem::exists(first)) {
      embedscope::cli::printError("unknown command or file: '" + first + "' (see embedscope --help)");
      return 2;
    }
  }
  return embedscope::ui::runExplorer(argc, argv);
}
