#include "ui/explorer_app.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>

#include "engine/core/version.h"
#include "ui/bench/ui_benchmark.h"
#include "ui/controllers/training_controller.h"
#include "ui/main_window.h"
#include "ui/panels/task_panel.h"
#include "ui/views/embedding_explorer.h"

static void initEmbedscopeResources() { Q_INIT_RESOURCE(embedscope); }

namespace embedscope::ui {

void initResources() {
  static const bool done = [] {
    initEmbedscopeResources();
    return true;
  }();
  (void)done;
}

int runExplorer(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (qstrcmp(argv[i], "--benchmark-ui") == 0) return runUiBenchmark(argc, argv);
  QApplication::setHighDpiScaleFactorRoundingPolicy(Qt::HighDpiScaleFactorRoundingPolicy::PassThrough);
  QApplication app(argc, argv);
  QApplication::setApplicationName("Embedscope");
  QApplication::setOrganizationName("Embedscope");
  QApplication::setApplicationVersion(QString::fromStdString(versionString()));
  initResources();

  QCommandLineParser parser;
  parser.addOption({"demo", "Open the built-in demo."});
  parser.addOption({"screenshot", "Save a screenshot of the window to PATH and quit.", "path"});
  parser.addOption({"screenshot-delay", "Milliseconds before the screenshot (default 6000).", "ms", "6000"});
  parser.addOption({"steps", "Training steps the demo runs at start (default 300).", "n", "300"});
  parser.addOption({"play", "Keep the demo training after its warm-up steps."});
  parser.addOption({"max-steps", "The demo's training budget in steps (default: the preset's).", "n"});
  parser.addOption({"no-restore", "Do not offer to restore the autosave of a crashed run."});
  parser.addOption({"tab", "Raise the tab with this title.", "name"});
  parser.addOption({"dark", "Use the dark palette."});
  parser.addOption({"color-by", "Colour the embedding view by cluster, frequency, norm or metadata.", "mode"});
  parser.addOption({"search", "Search the embedding view for this text.", "text"});
  parser.addOption({"neighbours", "Open the neighbours of this token id.", "id"});
  parser.addOption({"projection", "The embedding view's projection (PCA, t-SNE, UMAP).", "name"});
  parser.addPositionalArgument("file", "A vectors file to open.");
  parser.process(app);

  MainWindow window;
  window.show();
  if (parser.isSet("dark")) window.setDarkPalette(true);
  // A crashed (or killed) run's autosave comes first: the user's work before a demo.
  const bool restored = parser.positionalArguments().isEmpty() && !parser.isSet("no-restore") && window.offerCrashRestore();
  if (!parser.positionalArguments().isEmpty()) window.openFile(parser.positionalArguments().front());
  else if (parser.isSet("demo") && !restored) {
    window.openDemo(parser.isSet("play") ? 0 : parser.value("steps").toInt());
    if (parser.isSet("max-steps")) {
      TaskSettings t = window.taskPanel()->settings();
      t.maxSteps = parser.value("max-steps").toInt();
      window.taskPanel()->editSettings(t, "steps");
    }
    if (parser.isSet("play")) window.trainingController()->play();
  }
  if (parser.isSet("color-by")) window.explorer()->setColorBy(parser.value("color-by"));
  if (parser.isSet("projection"))
    if (auto* m = window.explorer()->findChild<QComboBox*>("projectionMethod")) m->setCurrentText(parser.value("projection"));
  if (parser.isSet("tab")) {
    for (int i = 0; i < window.tabs()->count(); ++i)
      if (window.tabs()->tabText(i).compare(parser.value("tab"), Qt::CaseInsensitive) == 0) window.tabs()->setCurrentIndex(i);
  }
  if (parser.isSet("search") || parser.isSet("neighbours")) {
    const QString text = parser.value("search");
    const int id = parser.value("neighbours").toInt();
    const bool wantN = parser.isSet("neighbours");
    QObject::connect(window.explorer(), &EmbeddingExplorer::projected, &window, [&window, text, id, wantN] {
      if (auto* f = window.explorer()->findChild<QLineEdit*>("searchField"); f && !text.isEmpty() && f->text() != text)
        f->setText(text);
      if (wantN) window.explorer()->openNeighbours(id);
    });
  }
  if (parser.isSet("screenshot")) {
    const QString path = parser.value("screenshot");
    QTimer::singleShot(parser.value("screenshot-delay").toInt(), &window, [&window, path] {
      window.grab().save(path);
      window.close();
    });
  }
  return QApplication::exec();
}

}  // namespace embedscope::ui
