#include "ui/explorer_app.h"

#include <QApplication>

#include "engine/core/version.h"
#include "ui/main_window.h"

namespace embedscope::ui {

int runExplorer(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Embedscope");
  QApplication::setOrganizationName("Embedscope");
  QApplication::setApplicationVersion(QString::fromStdString(versionString()));
  MainWindow window;
  window.show();
  return QApplication::exec();
}

}  // namespace embedscope::ui
