#include "ui/main_window.h"

#include <algorithm>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QProcessEnvironment>
#include <QTime>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QUndoStack>

#include "engine/core/version.h"
#include "engine/io/session_file.h"
#include "ui/controllers/autosave_store.h"
#include "ui/controllers/training_controller.h"
#include "ui/models/vector_file.h"
#include "ui/panels/layer_panel.h"
#include "ui/panels/task_panel.h"
#include "ui/panels/training_panel.h"
#include "ui/views/compare_view.h"
#include "ui/views/embedding_explorer.h"
#include "ui/inspect/inspector_context.h"
#include "ui/inspect/inspector_tabs.h"
#include "ui/models/engine_bridge.h"

namespace embedscope::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName("mainWindow");
  setWindowTitle("Embedscope");
  setAcceptDrops(true);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
  m_undo = new QUndoStack(this);
  m_undo->setObjectName("undoStack");
  m_controller = new TrainingController(this);

  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName("mainTabs");
  m_tabs->setDocumentMode(true);
  m_explorer = new EmbeddingExplorer(m_tabs);
  m_tabs->addTab(m_explorer, "Embedding");
  m_compare = new CompareView(m_tabs);
  m_tabs->addTab(m_compare, "Compare");
  // The compare lists follow the timeline when the tab is shown (cheap: pointers to snapshots).
  connect(m_tabs, &QTabWidget::currentChanged, this, [this](int) {
    if (m_tabs->currentWidget() == m_compare) m_compare->setSnapshots(m_explorer->timeline(), m_explorer->corpus());
  });
  m_inspector = new inspect::InspectorContext(this);
  inspect::createInspectorTabs(m_tabs, *m_inspector);
  setCentralWidget(m_tabs);

  m_layer = new LayerPanel(m_undo, this);
  m_task = new TaskPanel(m_undo, this);
  m_training = new TrainingPanel(m_controller, this);
  // Each panel scrolls inside its dock, so a narrow screen (1366 x 768) shrinks the docks instead of
  // pushing the window past the screen.
  auto dock = [&](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    auto* scroll = new QScrollArea(d);
    scroll->setObjectName(name + "Scroll");
    scroll->setWidget(w);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // As wide as the panel needs without a horizontal scroll bar, up to a share of a small screen.
    scroll->setMinimumWidth(std::min(w->minimumSizeHint().width() + style()->pixelMetric(QStyle::PM_ScrollBarExtent) + 2, 330));
    d->setWidget(scroll);
    addDockWidget(area, d);
    return d;
  };
  QDockWidget* layerDock = dock("Layer", "layerDock", m_layer, Qt::LeftDockWidgetArea);
  QDockWidget* taskDock = dock("Task", "taskDock", m_task, Qt::LeftDockWidgetArea);
  tabifyDockWidget(layerDock, taskDock);
  layerDock->raise();
  QDockWidget* trainingDock = dock("Training", "trainingDock", m_training, Qt::RightDockWidgetArea);

  connect(m_layer, &LayerPanel::settingsChanged, this, &MainWindow::configurationChanged);
  connect(m_task, &TaskPanel::settingsChanged, this, &MainWindow::configurationChanged);
  connect(m_layer, &LayerPanel::validityChanged, this, [this](bool valid) {
    m_training->setConfigurationValid(valid, valid ? QString() : m_layer->issues().value(0).message);
  });
  connect(m_task, &TaskPanel::presetChosen, this, [this](const Preset& p) {
    m_undo->beginMacro("Load preset " + p.title);
    m_layer->editSettings(p.layer, "preset");
    m_task->editSettings(p.task, "preset");
    m_undo->endMacro();
  });
  connect(m_task, &TaskPanel::openFileRequested, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open vectors or a corpus", QString(),
                                                      "Sessions, vectors and corpora (*.embscope *.txt *.tsv *.vec *.npy);;All files (*)");
    if (path.isEmpty()) return;
    const QString err = openFile(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Embedscope", err);
  });
  connect(m_controller, &TrainingController::corpusReady, this, [this](const CorpusPtr& c, const QString& engine) {
    m_explorer->clearSnapshots();
    m_explorer->setCorpus(c);
    if (m_pendingView) {
      m_explorer->restoreMarks(m_pendingBookmarks, m_pendingSelection);
      m_pendingView = false;
    }
    m_engineDescription = engine;
    m_task->setEngineDescription("Running on: " + engine);
    statusBar()->showMessage(c->description, 5000);
  });
  connect(m_controller, &TrainingController::snapshotReady, m_explorer, &EmbeddingExplorer::addSnapshot);
  connect(m_controller, &TrainingController::snapshotReady, m_inspector,
          &inspect::InspectorContext::publishEmbeddingSnapshot);
  connect(m_controller, &TrainingController::failed, this, [this](const QString& m) { statusBar()->showMessage(m, 10000); });
  connect(m_explorer, &EmbeddingExplorer::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 4000); });

  // Autosave: the worker writes the run's session every few seconds; this process's marker says
  // the run is not closed yet, so a crash leaves something for the next start to offer.
  m_autosaveLabel = new QLabel(this);
  m_autosaveLabel->setObjectName("autosaveLabel");
  statusBar()->addPermanentWidget(m_autosaveLabel);
  m_controller->setAutosave(AutosaveStore::sessionPath(), AutosaveStore::intervalMs());
  connect(m_controller, &TrainingController::aboutToCheckpoint, this, [this] { m_controller->setSessionTexts(viewTexts()); });
  connect(m_controller, &TrainingController::checkpointWritten, this,
          [this](long long step, const QString& path, const QString& error) {
            const bool autosave = path == m_controller->autosavePath();
            if (!error.isEmpty()) {
              if (autosave) m_autosaveLabel->setText("autosave failed");
              m_autosaveLabel->setToolTip(error);
              statusBar()->showMessage((autosave ? "Autosave failed: " : "Saving the session failed: ") + error, 10000);
              return;
            }
            if (autosave) {
              AutosaveStore::markRunning();
              m_autosaveLabel->setText("autosaved " + QTime::currentTime().toString("hh:mm:ss"));
              m_autosaveLabel->setToolTip(QString("Step %1 in %2").arg(step).arg(path));
            } else {
              statusBar()->showMessage(QString("Saved the session at step %1 to %2").arg(step).arg(path), 8000);
            }
          });

  buildMenus();
  // A first start fits the screen (1366 x 768 included); later starts restore the saved geometry.
  QSize size(1500, 950);
  if (const QScreen* screen = QGuiApplication::primaryScreen())
    size = size.boundedTo(screen->availableGeometry().size());
  resize(size);
  resizeDocks({layerDock, trainingDock}, {std::clamp(size.width() * 3 / 10, 260, 500), std::clamp(size.width() / 4, 260, 420)},
              Qt::Horizontal);
  restoreSettings();
  configurationChanged();
  m_training->setConfigurationValid(m_layer->isValid(), m_layer->issues().value(0).message);
  statusBar()->showMessage("Ready. Choose a preset in the Task panel, or press Train.");
}

MainWindow::~MainWindow() {
  // The controller first: its thread stops, so no autosave lands after the files are cleared.
  delete m_controller;
  m_controller = nullptr;
  AutosaveStore::clearAfterCleanExit();
}

std::map<std::string, std::string> MainWindow::viewTexts() const {
  io::SessionFile f;
  // Explorer values are always valid marks (rows >= 0, finite camera): nothing to report.
  (void)io::writeSelections(f, {{io::kCurrentSelection, m_explorer->sessionSelection()}});
  (void)io::writeBookmarks(f, m_explorer->sessionBookmarks());
  std::map<std::string, std::string> texts;
  for (const char* key : {io::session_keys::kSelections, io::session_keys::kBookmarks})
    texts[key] = f.textOr(key, "");  // empty: none (a later checkpoint must not keep stale ones)
  return texts;
}

QString MainWindow::restoreSession(const QString& path, bool play) {
  auto file = io::readSessionFile(QFile::encodeName(path).toStdString());
  if (!file) return QString::fromStdString(file.status().message());
  const std::string* layer = file->text(io::session_keys::kLayerConfig);
  const std::string* task = file->text(io::session_keys::kTaskConfig);
  if (!layer || !task)
    return path + ": not a session of the explorer (no config/layer and config/task); open it as vectors instead";
  const QJsonDocument lj = QJsonDocument::fromJson(QByteArray::fromStdString(*layer));
  const QJsonDocument tj = QJsonDocument::fromJson(QByteArray::fromStdString(*task));
  if (!lj.isObject() || !tj.isObject()) return path + ": config/layer or config/task is not a JSON object";
  m_layer->applySettings(LayerSettings::fromJson(lj.object()));
  m_task->applySettings(TaskSettings::fromJson(tj.object()));
  m_undo->clear();
  configurationChanged();
  // Marks are checked against the table's rows; bad ones are reported and left out, the run still opens.
  const std::int64_t rows = file->array(io::session_keys::kWeights) && !file->array(io::session_keys::kWeights)->shape.empty()
                                ? file->array(io::session_keys::kWeights)->shape[0]
                                : -1;
  m_pendingView = true;
  m_pendingBookmarks.clear();
  m_pendingSelection.clear();
  QStringList problems;
  if (auto b = io::readBookmarks(*file, rows)) m_pendingBookmarks = std::move(b).value();
  else problems << QString::fromStdString(b.status().message());
  if (auto sel = io::readSelections(*file, rows)) {
    for (const auto& s : *sel)
      if (s.name == io::kCurrentSelection) m_pendingSelection = s.rows;
  } else {
    problems << QString::fromStdString(sel.status().message());
  }
  if (file->has(io::session_keys::kWeights)) {
    m_controller->resumeFrom(std::make_shared<const io::SessionFile>(std::move(file).value()));
    if (play) m_controller->play();
  }
  setWindowTitle(QString("Embedscope - %1").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(QString("Restored %1 at step %2%3")
                               .arg(QFileInfo(path).fileName())
                               .arg(m_controller->step())
                               .arg(problems.isEmpty() ? QString() : "; marks left out: " + problems.join("; ")),
                           8000);
  return {};
}

QString MainWindow::saveSession(const QString& path) {
  if (m_controller->saveCheckpointTo(path)) return {};  // written by the worker; the status bar says when
  io::SessionFile f;
  f.setText(io::session_keys::kLayerConfig, QJsonDocument(m_layer->settings().toJson()).toJson(QJsonDocument::Compact).toStdString());
  f.setText(io::session_keys::kTaskConfig, QJsonDocument(m_task->settings().toJson()).toJson(QJsonDocument::Compact).toStdString());
  for (const auto& [k, t] : viewTexts())
    if (!t.empty()) f.setText(k, t);
  if (Status s = io::writeSessionFile(QFile::encodeName(path).toStdString(), f); !s) return QString::fromStdString(s.message());
  statusBar()->showMessage("Saved the configuration to " + path, 6000);
  return {};
}

void MainWindow::saveSessionDialog() {
  QString path = QFileDialog::getSaveFileName(this, "Save session", "session.embscope", "Embedscope sessions (*.embscope)");
  if (path.isEmpty()) return;
  if (!path.endsWith(io::kSessionExtension)) path += io::kSessionExtension;
  const QString err = saveSession(path);
  if (!err.isEmpty()) QMessageBox::warning(this, "Embedscope", err);
}

bool MainWindow::offerCrashRestore() {
  const auto crashed = AutosaveStore::crashedSession();
  if (!crashed) return false;
  const QString answer = qEnvironmentVariable("EMBEDSCOPE_RESTORE").toLower();
  bool accept = answer == "accept";
  if (answer.isEmpty()) {
    auto file = io::readSessionFile(QFile::encodeName(crashed->sessionPath).toStdString());
    const QString step = file ? QString::fromStdString(file->textOr(io::session_keys::kStep, "?")) : QString("?");
    QMessageBox box(QMessageBox::Question, "Restore the last session?",
                    QString("Embedscope did not close cleanly. An autosave of the run from %1 (step %2) is "
                            "available.\n\nRestore it and continue training?")
                        .arg(crashed->saved.toString("yyyy-MM-dd hh:mm:ss"), step),
                    QMessageBox::Yes | QMessageBox::No, this);
    box.setObjectName("restoreBox");
    accept = box.exec() == QMessageBox::Yes;
  }
  if (!accept) {
    AutosaveStore::discard(*crashed);
    return false;
  }
  const QString err = restoreSession(crashed->sessionPath, true);
  if (!err.isEmpty()) {
    statusBar()->showMessage("Could not restore the autosave: " + err, 10000);
    return false;  // kept on disk: a later version may read it
  }
  AutosaveStore::discard(*crashed);  // this process autosaves the continued run under its own name
  return true;
}

void MainWindow::configurationChanged() {
  m_layer->setTaskSettings(m_task->settings());
  // The inspector views read the same configuration, in the engine's types.
  if (m_layer->isValid())
    if (auto layer = toLayerConfig(m_layer->settings())) m_inspector->setLayerConfig(*layer);
  if (auto opt = toOptimizerConfig(m_task->settings().optimizer)) m_inspector->setOptimizerConfig(*opt);
  m_inspector->setEngine(toEngineChoice(m_task->settings().engine));
  m_inspector->setBatchShape(m_task->settings().batchSize,
                             int(parseKerasInt(m_layer->settings().inputLength).value.value_or(10)));
  m_controller->setConfiguration(m_layer->settings(), m_task->settings());
  // Like TensorFlow Playground: a changed configuration starts a fresh run.
  if (m_controller->hasRun()) m_controller->reset();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  QAction* open = file->addAction("&Open...", QKeySequence::Open, this, [this] { emit m_task->openFileRequested(); });
  open->setObjectName("actionOpen");
  m_recentMenu = file->addMenu("Open &recent");
  m_recentMenu->setObjectName("recentMenu");
  QAction* demo = file->addAction("Open the &demo", this, [this] { openDemo(); });
  demo->setObjectName("actionDemo");
  file->addAction("&Save session...", QKeySequence::Save, this, &MainWindow::saveSessionDialog)->setObjectName("actionSaveSession");
  file->addSeparator();
  file->addAction("Export chart (PNG/SVG/PDF)...", QKeySequence("Ctrl+E"), this, &MainWindow::exportChartDialog)
      ->setObjectName("actionExportChart");
  file->addAction("Export selection (TSV)...", this, &MainWindow::exportSelectionDialog)->setObjectName("actionExportSelection");
  file->addAction("Export vectors for the Embedding Projector...", this, &MainWindow::exportProjectorDialog)
      ->setObjectName("actionExportProjector");
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu("&Edit");
  QAction* undo = m_undo->createUndoAction(this, "&Undo");
  undo->setShortcut(QKeySequence::Undo);
  undo->setObjectName("actionUndo");
  QAction* redo = m_undo->createRedoAction(this, "&Redo");
  redo->setShortcut(QKeySequence::Redo);
  redo->setObjectName("actionRedo");
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  edit->addAction("Copy as &Keras code", QKeySequence("Ctrl+Shift+C"), m_layer, &LayerPanel::copyKerasCode);
  edit->addAction("Copy ModelParallel variant", m_layer, &LayerPanel::copyDistributedCode);

  QMenu* train = menuBar()->addMenu("&Train");
  train->addAction("Play / pause", QKeySequence(Qt::Key_Space), this, [this] {
    if (m_controller->state() == TrainingController::State::Running) m_controller->pause();
    else if (m_layer->isValid()) m_controller->play();
  })->setObjectName("actionPlay");
  train->addAction("Step", QKeySequence("Ctrl+Right"), this, [this] {
    if (m_layer->isValid()) m_controller->stepBy(1);
  });
  train->addAction("Step x10", this, [this] {
    if (m_layer->isValid()) m_controller->stepBy(10);
  });
  train->addAction("Step x100", this, [this] {
    if (m_layer->isValid()) m_controller->stepBy(100);
  });
  train->addAction("Reset", QKeySequence("Ctrl+R"), m_controller, &TrainingController::reset);

  QMenu* view = menuBar()->addMenu("&View");
  auto* group = new QActionGroup(this);
  QAction* light = view->addAction("Light palette", this, [this] { setDarkPalette(false); });
  light->setObjectName("actionLightPalette");
  light->setCheckable(true);
  QAction* dark = view->addAction("Dark palette", this, [this] { setDarkPalette(true); });
  dark->setObjectName("actionDarkPalette");
  dark->setCheckable(true);
  group->addAction(light);
  group->addAction(dark);
  light->setChecked(true);
  view->addSeparator();
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
  view->addAction("Search", QKeySequence::Find, this, [this] {
    if (auto* s = m_explorer->findChild<QWidget*>("searchField")) s->setFocus();
  });

  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("&About Embedscope", this, &MainWindow::showAbout)->setObjectName("actionAbout");
  rebuildRecentMenu();
}

void MainWindow::showAbout() {
  QMessageBox box(this);
  box.setObjectName("aboutBox");
  box.setWindowTitle("About Embedscope");
  box.setTextFormat(Qt::RichText);
  box.setText(QString("<h3>Embedscope %1</h3><p>A desktop explorer for the Keras <code>Embedding</code> layer.</p>"
                      "<p>Qt %2 (built with %3) · QCustomPlot 2.1 · Eigen %4.%5.%6</p>"
                      "<p>Engine: %7</p>"
                      "<p>Licence: GPL-3.0-or-later. Embedscope links QCustomPlot (GPL-3.0) and Qt 6 (LGPL-3.0).</p>")
                  .arg(QString::fromStdString(versionString()), qVersion(), QT_VERSION_STR)
                  .arg(EIGEN_WORLD_VERSION)
                  .arg(EIGEN_MAJOR_VERSION)
                  .arg(EIGEN_MINOR_VERSION)
                  .arg(m_engineDescription.isEmpty() ? QString("no run yet") : m_engineDescription));
  box.exec();
}

void MainWindow::setDarkPalette(bool dark) {
  m_dark = dark;
  QApplication::setStyle(QStyleFactory::create("Fusion"));
  QPalette p;
  if (dark) {
    p.setColor(QPalette::Window, QColor(37, 37, 40));
    p.setColor(QPalette::WindowText, QColor(225, 225, 225));
    p.setColor(QPalette::Base, QColor(26, 26, 28));
    p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
    p.setColor(QPalette::Text, QColor(225, 225, 225));
    p.setColor(QPalette::Button, QColor(50, 50, 54));
    p.setColor(QPalette::ButtonText, QColor(225, 225, 225));
    p.setColor(QPalette::Highlight, QColor(86, 180, 233));
    p.setColor(QPalette::HighlightedText, Qt::black);
    p.setColor(QPalette::ToolTipBase, QColor(50, 50, 54));
    p.setColor(QPalette::ToolTipText, QColor(225, 225, 225));
    p.setColor(QPalette::Mid, QColor(80, 80, 85));
    p.setColor(QPalette::PlaceholderText, QColor(140, 140, 140));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
  } else {
    p = QApplication::style()->standardPalette();
    p.setColor(QPalette::Highlight, QColor(0, 114, 178));
  }
  QApplication::setPalette(p);
  if (auto* a = findChild<QAction*>(dark ? "actionDarkPalette" : "actionLightPalette")) a->setChecked(true);
  m_explorer->canvas()->invalidate();
}

QString MainWindow::openFile(const QString& path) {
  if (path.endsWith(io::kSessionExtension)) {
    auto file = io::readSessionFile(QFile::encodeName(path).toStdString());
    if (file && file->has(io::session_keys::kLayerConfig) && file->has(io::session_keys::kTaskConfig)) {
      const QString err = restoreSession(path, false);
      if (err.isEmpty()) addRecent(QFileInfo(path).absoluteFilePath());
      return err;
    }
    // A CLI checkpoint (no window configuration): its table opens as vectors below.
  }
  auto loaded = readVectorFile(path);
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (!loaded.error.isEmpty() && (suffix == "tsv" || suffix == "txt")) {
    // Not vectors: a labelled corpus (label<TAB>text) to train on with the engine's classify task.
    TaskSettings t = m_task->settings();
    t.task = "classify";
    t.preset.clear();
    t.dataPath = QFileInfo(path).absoluteFilePath();
    m_task->editSettings(t, "data");
    addRecent(t.dataPath);
    statusBar()->showMessage(QString("%1 will be the training data (classify, label<TAB>text); press Train.")
                                 .arg(QFileInfo(path).fileName()),
                             8000);
    return {};
  }
  if (!loaded.error.isEmpty()) {
    statusBar()->showMessage(loaded.error, 10000);
    return loaded.error;
  }
  m_controller->reset();
  m_explorer->clearSnapshots();
  m_explorer->setCorpus(loaded.corpus);
  m_explorer->addSnapshot(loaded.snapshot);
  addRecent(QFileInfo(path).absoluteFilePath());
  setWindowTitle(QString("Embedscope - %1").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(QString("Opened %1: %2 vectors of %3 dimensions")
                               .arg(QFileInfo(path).fileName())
                               .arg(loaded.snapshot->table.rows())
                               .arg(loaded.snapshot->table.cols()),
                           8000);
  return {};
}

void MainWindow::openDemo(int warmupSteps) {
  const auto presets = m_task->presets();
  if (presets.isEmpty()) return;
  m_undo->beginMacro("Open the demo");
  m_layer->editSettings(presets.front().layer, "preset");
  m_task->editSettings(presets.front().task, "preset");
  m_undo->endMacro();
  m_undo->clear();  // the demo is a starting point, not an edit to undo
  configurationChanged();
  if (warmupSteps > 0) m_controller->stepBy(warmupSteps);
}

void MainWindow::addRecent(const QString& path) {
  m_recent.removeAll(path);
  m_recent.prepend(path);
  while (m_recent.size() > 10) m_recent.removeLast();
  rebuildRecentMenu();
  QSettings().setValue("recentFiles", m_recent);
}

void MainWindow::rebuildRecentMenu() {
  if (!m_recentMenu) return;
  m_recentMenu->clear();
  for (const QString& p : m_recent) m_recentMenu->addAction(QFileInfo(p).fileName(), this, [this, p] { openFile(p); })->setToolTip(p);
  m_recentMenu->setEnabled(!m_recent.isEmpty());
}

void MainWindow::restoreSettings() {
  QSettings s;
  if (s.contains("window/geometry")) restoreGeometry(s.value("window/geometry").toByteArray());
  if (s.contains("window/state")) restoreState(s.value("window/state").toByteArray());
  m_recent = s.value("recentFiles").toStringList();
  rebuildRecentMenu();
  setDarkPalette(s.value("view/dark", false).toBool());
  const QByteArray layer = s.value("config/layer").toByteArray();
  const QByteArray task = s.value("config/task").toByteArray();
  if (!layer.isEmpty()) m_layer->applySettings(LayerSettings::fromJson(QJsonDocument::fromJson(layer).object()));
  if (!task.isEmpty()) m_task->applySettings(TaskSettings::fromJson(QJsonDocument::fromJson(task).object()));
  if (s.contains("view/colorBy")) m_explorer->setColorBy(s.value("view/colorBy").toString());
}

void MainWindow::saveSettings() {
  QSettings s;
  s.setValue("window/geometry", saveGeometry());
  s.setValue("window/state", saveState());
  s.setValue("recentFiles", m_recent);
  s.setValue("view/dark", m_dark);
  s.setValue("view/colorBy", m_explorer->colorBy());
  s.setValue("config/layer", QJsonDocument(m_layer->settings().toJson()).toJson(QJsonDocument::Compact));
  s.setValue("config/task", QJsonDocument(m_task->settings().toJson()).toJson(QJsonDocument::Compact));
  s.sync();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  saveSettings();
  // Closing during training: ask the run to stop now; the controller's destructor quits and waits.
  m_controller->cancel();
  AutosaveStore::clearAfterCleanExit();  // a clean exit: nothing for the next start to offer
  e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const QUrl& u : e->mimeData()->urls()) {
    if (!u.isLocalFile()) continue;
    const QString err = openFile(u.toLocalFile());
    if (!err.isEmpty()) QMessageBox::warning(this, "Embedscope", err);
    break;
  }
}

void MainWindow::exportChartDialog() {
  const QString path = QFileDialog::getSaveFileName(this, "Export chart", "embedding.png", "PNG (*.png);;SVG (*.svg);;PDF (*.pdf)");
  if (path.isEmpty()) return;
  const QString err = m_explorer->exportChart(path);
  statusBar()->showMessage(err.isEmpty() ? "Saved " + path : err, 6000);
}

void MainWindow::exportSelectionDialog() {
  const QString path = QFileDialog::getSaveFileName(this, "Export selection", "selection.tsv", "TSV (*.tsv)");
  if (path.isEmpty()) return;
  const QString err = m_explorer->exportSelection(path);
  statusBar()->showMessage(err.isEmpty() ? "Saved " + path : err, 6000);
}

void MainWindow::exportProjectorDialog() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Folder for vectors.tsv and metadata.tsv");
  if (dir.isEmpty()) return;
  const QString err = m_explorer->exportProjectorTsv(dir + "/vectors.tsv", dir + "/metadata.tsv");
  statusBar()->showMessage(err.isEmpty() ? "Saved vectors.tsv and metadata.tsv in " + dir : err, 6000);
}

}  // namespace embedscope::ui
