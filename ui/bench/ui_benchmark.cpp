#include "ui/bench/ui_benchmark.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "engine/core/rng.h"
#include "ui/controllers/training_controller.h"
#include "ui/explorer_app.h"
#include "ui/main_window.h"
#include "ui/views/embedding_canvas.h"
#include "ui/views/embedding_explorer.h"

namespace embedscope::ui {

namespace {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * double(v.size() - 1) + 0.5));
  return v[i];
}

QString argValue(int argc, char** argv, const char* name, const QString& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (qstrcmp(argv[i], name) == 0) return QString::fromLocal8Bit(argv[i + 1]);
  return fallback;
}

}  // namespace

int runUiBenchmark(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("EmbedscopeBenchmark");
  QApplication::setOrganizationName("Embedscope");
  initResources();
  const int points = argValue(argc, argv, "--points", "100000").toInt();
  const double seconds = argValue(argc, argv, "--seconds", "6").toDouble();
  const QString method = argValue(argc, argv, "--projection", "PCA");

  // 1. Redraw of a large projection.
  std::vector<double> frames;
  {
    EmbeddingCanvas canvas;
    canvas.resize(1600, 1000);
    Matrix coords(points, 3);
    std::vector<int> ids(static_cast<size_t>(points));
    std::vector<QRgb> colors(static_cast<size_t>(points));
    QStringList labels;
    std::vector<float> prio(static_cast<size_t>(points));
    Rng rng(7);
    for (int i = 0; i < points; ++i) {
      ids[size_t(i)] = i;
      const int k = int(rng.below(8));
      coords(i, 0) = float(rng.normal() + 4.0 * std::cos(k));
      coords(i, 1) = float(rng.normal() + 4.0 * std::sin(k));
      coords(i, 2) = 0;
      colors[size_t(i)] = qRgb(40 * k, 255 - 30 * k, 128);
      labels << QString("w%1").arg(i);
      prio[size_t(i)] = float(rng.uniform01());
    }
    canvas.setPoints(ids, coords, false);
    canvas.setColors(colors, {}, {});
    canvas.setLabels(labels, prio);
    QImage target(canvas.size(), QImage::Format_ARGB32_Premultiplied);
    for (int f = 0; f < 31; ++f) {
      canvas.invalidate();
      QElapsedTimer t;
      t.start();
      canvas.render(&target);  // QWidget::render: paintEvent into an image, raster and overlay
      const double ms = double(t.nsecsElapsed()) / 1e6;
      if (f > 0) frames.push_back(ms);  // the first frame warms caches and fonts
    }
  }

  // 2. GUI-thread stalls while training and projecting.
  std::vector<double> gaps;
  long long steps = 0;
  int projections = 0;
  {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    w.openDemo(0);
    if (auto* m = w.explorer()->findChild<QComboBox*>("projectionMethod")) m->setCurrentText(method);
    w.trainingController()->play();
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    QTimer beat;
    beat.setInterval(5);
    beat.setTimerType(Qt::PreciseTimer);
    QObject::connect(&beat, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      gaps.push_back(double(now - last) / 1e6);
      last = now;
      if (double(now) / 1e9 > seconds) QApplication::quit();
    });
    beat.start();
    QApplication::exec();
    steps = w.trainingController()->step();
    projections = w.explorer()->projectionsShown();
    w.trainingController()->cancel();
  }
  std::printf(
      "{\"redraw\": {\"points\": %d, \"size\": \"1600x1000\", \"frames\": %zu, \"median_ms\": %.2f, \"p90_ms\": %.2f, "
      "\"max_ms\": %.2f},\n \"stall\": {\"seconds\": %.1f, \"heartbeat_ms\": 5, \"projection\": \"%s\", \"ticks\": %zu, "
      "\"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, \"training_steps\": %lld, \"projections_shown\": %d}}\n",
      points, frames.size(), quantile(frames, 0.5), quantile(frames, 0.9), quantile(frames, 1.0), seconds,
      qPrintable(method), gaps.size(), quantile(gaps, 0.5), quantile(gaps, 0.99), quantile(gaps, 1.0), steps, projections);
  return 0;
}

}  // namespace embedscope::ui
