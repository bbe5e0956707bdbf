#pragma once
#include <QMainWindow>
#include <QStringList>
#include <map>
#include <string>
#include <vector>

#include "engine/io/session_marks.h"

class QUndoStack;
class QTabWidget;
class QAction;
class QMenu;
class QLabel;

namespace embedscope::ui {

class LayerPanel;
class TaskPanel;
class TrainingPanel;
class TrainingController;
class EmbeddingExplorer;
class CompareView;
namespace inspect {
class InspectorContext;
}

// The explorer's main window. It composes panels (Layer, Task, Training, the Embedding view and
// the inspector tabs), menus and settings, and owns no logic of its own.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads the built-in demo: the first preset, trained for a few hundred steps.
  void openDemo(int warmupSteps = 300);
  // Opens a vectors file (word2vec text / projector TSV). Returns an error message or empty.
  QString openFile(const QString& path);
  // Session files (.embscope): the run's checkpoint with its configuration, bookmarks and
  // selection. restoreSession continues the run from its step (held paused unless `play`);
  // saveSession writes the current run's state (from the training thread) or, with no run yet, the
  // configuration alone. Both return an error message or empty.
  QString restoreSession(const QString& path, bool play);
  QString saveSession(const QString& path);
  // At start: when an autosave of a crashed (or killed) run exists, asks whether to restore it and
  // does so, resuming training. EMBEDSCOPE_RESTORE=accept|decline answers for tests. Returns
  // whether a run was restored.
  bool offerCrashRestore();
  void setDarkPalette(bool dark);
  bool darkPalette() const { return m_dark; }
  QStringList recentFiles() const { return m_recent; }

  LayerPanel* layerPanel() const { return m_layer; }
  TaskPanel* taskPanel() const { return m_task; }
  TrainingPanel* trainingPanel() const { return m_training; }
  TrainingController* trainingController() const { return m_controller; }
  EmbeddingExplorer* explorer() const { return m_explorer; }
  QTabWidget* tabs() const { return m_tabs; }
  CompareView* compareView() const { return m_compare; }
  QUndoStack* undoStack() const { return m_undo; }

 protected:
  void closeEvent(QCloseEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void buildMenus();
  void restoreSettings();
  void saveSettings();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  void configurationChanged();
  void showAbout();
  void exportChartDialog();
  void exportSelectionDialog();
  void exportProjectorDialog();
  void saveSessionDialog();
  // The texts a session file carries for the views (bookmarks, selection; engine/io/session_marks.h).
  std::map<std::string, std::string> viewTexts() const;

  QUndoStack* m_undo;
  LayerPanel* m_layer;
  TaskPanel* m_task;
  TrainingPanel* m_training;
  TrainingController* m_controller;
  EmbeddingExplorer* m_explorer;
  QTabWidget* m_tabs;
  inspect::InspectorContext* m_inspector;
  CompareView* m_compare;
  QMenu* m_recentMenu = nullptr;
  QStringList m_recent;
  bool m_dark = false;
  QString m_engineDescription;
  QLabel* m_autosaveLabel = nullptr;
  // A restored session's bookmarks and selection, applied when its run's corpus arrives.
  bool m_pendingView = false;
  std::vector<io::SessionBookmark> m_pendingBookmarks;
  std::vector<std::int64_t> m_pendingSelection;
};

}  // namespace embedscope::ui
