#pragma once
// The point cloud, drawn by hand with QPainter: a cached raster of the points (re-rendered only
// when the data, colours or view change; level of detail above 20,000 points writes pixels
// directly), and an overlay of labels (greedy, never overlapping), selection, hover and legend.
// Stays smooth with 100,000 points where QCustomPlot's scatter is not.
#include <QImage>
#include <QPolygonF>
#include <QWidget>
#include <vector>

#include "engine/core/matrix.h"

class QVariantAnimation;

namespace embedscope::ui {

struct LegendEntry {
  QColor color;
  QString text;
};

class EmbeddingCanvas : public QWidget {
  Q_OBJECT
 public:
  enum class SelectMode { Box, Lasso };

  explicit EmbeddingCanvas(QWidget* parent = nullptr);

  // Points: ids (table rows) and coordinates (n, 3). `animate` tweens from the old positions of
  // the same ids to the new ones (a live update after Procrustes alignment).
  void setPoints(const std::vector<int>& ids, const Matrix& coords, bool animate);
  void setColors(const std::vector<QRgb>& colorPerPoint, const QList<LegendEntry>& legend, const QString& legendTitle);
  void setLabels(const QStringList& labelPerPoint, const std::vector<float>& priority);
  void setTooltips(const QStringList& tooltipPerPoint) { m_tooltips = tooltipPerPoint; }
  void setTrust(const std::vector<float>& trust) {
    m_trust = trust;
    update();
  }
  void setShowTrust(bool on) {
    m_showTrust = on;
    update();
  }
  void setHighlighted(const std::vector<unsigned char>& mask);  // search hits
  void setSelected(const std::vector<unsigned char>& mask);
  const std::vector<unsigned char>& selected() const { return m_selected; }
  void setIsolated(bool on);
  void setSelectMode(SelectMode m) { m_mode = m; }
  void setRotation(double yawRadians, double pitchRadians);
  void setThreeD(bool on);
  bool threeD() const { return m_threeD; }
  void resetView();
  void setMarkedPoint(int index);  // the point whose neighbours are shown
  void setPinnedIds(const std::vector<int>& ids) { m_pinnedIds = ids; invalidate(); }

  // View state for bookmarks: zoom, centre, rotation.
  struct ViewState {
    double zoom = 1, cx = 0, cy = 0, yaw = 0, pitch = 0;
    bool threeD = false;
  };
  ViewState viewState() const { return {m_zoom, m_cx, m_cy, m_yaw, m_pitch, m_threeD}; }
  void setViewState(const ViewState& s);

  int pointCount() const { return int(m_ids.size()); }
  const std::vector<int>& ids() const { return m_ids; }
  const Matrix& coords() const { return m_target; }
  // Where point i is drawn now, in widget pixels.
  QPointF screenPos(int i) const;
  // The rectangles of the labels drawn in the last paint (the test checks none overlap).
  const QList<QRectF>& labelRects() const { return m_labelRects; }
  const QStringList& drawnLabels() const { return m_drawnLabels; }
  // Renders the whole view (points, labels, legend) into `painter` at `size` (for export).
  void renderTo(QPainter& painter, const QSize& size);
  // Time of the last full raster render in milliseconds (benchmark).
  double lastRasterMs() const { return m_lastRasterMs; }
  void invalidate() {
    m_rasterValid = false;
    update();
  }

 signals:
  void pointClicked(int index);  // index into ids(), -1 for background
  void selectionChanged();
  void hovered(int index);

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseReleaseEvent(QMouseEvent*) override;
  void wheelEvent(QWheelEvent*) override;
  void leaveEvent(QEvent*) override;
  bool event(QEvent*) override;

 private:
  void computeScreen(const QSize& size);
  void renderRaster(const QSize& size, qreal dpr);
  void drawOverlay(QPainter& p, const QSize& size, bool forExport);
  void placeLabels(QPainter& p, const QSize& size);
  int pick(QPointF pos) const;
  void rebuildGrid();
  QPointF project(Eigen::Index i, const QSize& size) const;

  std::vector<int> m_ids;
  Matrix m_from, m_target, m_now;  // animation endpoints and the current blend
  std::vector<QRgb> m_colors;
  QStringList m_labels, m_tooltips;
  std::vector<float> m_priority, m_trust;
  std::vector<unsigned char> m_highlighted, m_selected;
  std::vector<int> m_pinnedIds;
  std::vector<QPointF> m_screen;  // positions at the current size
  QList<LegendEntry> m_legend;
  QString m_legendTitle;
  bool m_isolated = false, m_showTrust = false, m_threeD = false;
  double m_zoom = 1.0, m_cx = 0, m_cy = 0, m_yaw = 0, m_pitch = 0;
  double m_scale = 1.0;  // data → pixels at zoom 1
  float m_minX = 0, m_maxX = 1, m_minY = 0, m_maxY = 1, m_extent = 1;
  QImage m_raster;
  bool m_rasterValid = false;
  double m_lastRasterMs = 0;
  QList<QRectF> m_labelRects;
  QStringList m_drawnLabels;
  int m_hover = -1, m_marked = -1;
  SelectMode m_mode = SelectMode::Box;
  bool m_dragging = false, m_panning = false;
  QPointF m_pressPos, m_lastPos;
  QPolygonF m_lasso;
  QVariantAnimation* m_anim;
  // Uniform grid over screen positions for picking: cell → point indices.
  std::vector<std::vector<int>> m_grid;
  int m_gridW = 0, m_gridH = 0;
  static constexpr int kCell = 16;
};

}  // namespace embedscope::ui
