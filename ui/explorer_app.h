#pragma once
// Starts the explorer window: builds the QApplication, applies the saved settings and palette,
// opens the built-in demo (or the file named on the command line) and runs the event loop.
// Window options: --demo, --screenshot PATH [--screenshot-delay MS] (grab the window and quit),
// --steps N (demo warm-up steps), --play (train on), --max-steps N, --no-restore, --tab NAME
// (raise a tab), --dark. Without a file, an autosave of a crashed run is offered first.
namespace embedscope::ui {
int runExplorer(int argc, char** argv);
// Registers the compiled-in resources (presets, icons); call once before building windows.
void initResources();
}
