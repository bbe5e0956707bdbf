#pragma once
// Training controls in the manner of TensorFlow Playground: play/pause, one step, x10, x100,
// reset; a progress bar with ETA and throughput; live loss and metric curves for training and
// validation. The panel only sends commands to the TrainingController and shows what comes back.
#include <QWidget>

#include "ui/controllers/training_controller.h"

class QPushButton;
class QProgressBar;
class QLabel;
class QCustomPlot;
class QTimer;

namespace embedscope::ui {

class TrainingPanel : public QWidget {
  Q_OBJECT
 public:
  TrainingPanel(TrainingController* controller, QWidget* parent = nullptr);
  // Train is disabled while the layer configuration is one Keras would reject.
  void setConfigurationValid(bool valid, const QString& why = {});
  QCustomPlot* lossPlot() const { return m_lossPlot; }
  QCustomPlot* metricPlot() const { return m_metricPlot; }
  int curvePoints() const;

 private:
  void onProgress(const TrainingProgress& p);
  void onState(TrainingController::State s);
  void updateButtons();
  void clearCurves();
  void replot();

  TrainingController* m_controller;
  bool m_valid = true;
  QPushButton *m_play, *m_step, *m_step10, *m_step100, *m_reset;
  QProgressBar* m_progress;
  QLabel* m_status;
  QCustomPlot *m_lossPlot, *m_metricPlot;
  QTimer* m_replotTimer;
  QString m_lastVal, m_lastValMetric;  // the latest validation figures (epoch ends for the engine)  // coalesces replots (~40 ms) so a burst of progress costs one redraw
};

}  // namespace embedscope::ui
