#pragma once
// Starts the explorer window: builds the QApplication, applies the saved settings and palette,
// opens the built-in demo (or the file named on the command line) and runs the event loop.
namespace embedscope::ui {
int runExplorer(int argc, char** argv);
}
