#include "ui/main_window.h"

#include <QLabel>

namespace embedscope::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName("mainWindow");
  setWindowTitle("Embedscope");
  setCentralWidget(new QLabel("Embedscope", this));
  resize(1280, 800);
}

}  // namespace embedscope::ui
