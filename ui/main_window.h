#pragma once
#include <QMainWindow>

namespace embedscope::ui {

// The explorer's main window. It composes panels and owns no logic of its own.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
};

}  // namespace embedscope::ui
