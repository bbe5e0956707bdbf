#include "ui/views/embedding_canvas.h"

#include <QElapsedTimer>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QVariantAnimation>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace embedscope::ui {

namespace {
constexpr int kLodThreshold = 20000;  // above this, points are pixels written straight into the raster
constexpr int kMaxLabels = 120;
constexpr int kMaxLabelCandidates = 4000;
}  // namespace

EmbeddingCanvas::EmbeddingCanvas(QWidget* parent) : QWidget(parent) {
  setObjectName("embeddingCanvas");
  setMouseTracking(true);
  setMinimumSize(200, 200);  // small screens: the docks and the view share 1366 px
  setFocusPolicy(Qt::StrongFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
  m_anim = new QVariantAnimation(this);
  m_anim->setStartValue(0.0);
  m_anim->setEndValue(1.0);
  m_anim->setDuration(350);
  m_anim->setEasingCurve(QEasingCurve::InOutCubic);
  connect(m_anim, &QVariantAnimation::finished, this, [this] { invalidate(); });
  connect(m_anim, &QVariantAnimation::valueChanged, this, [this](const QVariant& v) {
    const float t = float(v.toDouble());
    if (m_from.rows() == m_target.rows()) m_now = m_from + (m_target - m_from) * t;
    invalidate();
  });
}

void EmbeddingCanvas::setPoints(const std::vector<int>& ids, const Matrix& coords, bool animate) {
  m_anim->stop();
  Matrix from = coords;
  if (animate && !m_ids.empty() && m_now.rows() == Eigen::Index(m_ids.size())) {
    std::unordered_map<int, Eigen::Index> old;
    old.reserve(m_ids.size());
    for (size_t i = 0; i < m_ids.size(); ++i) old[m_ids[i]] = Eigen::Index(i);
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = old.find(ids[i]);
      if (it != old.end()) from.row(Eigen::Index(i)) = m_now.row(it->second);
    }
  } else {
    animate = false;
  }
  const bool sameIds = ids == m_ids;
  m_ids = ids;
  m_target = coords;
  m_from = from;
  m_now = animate ? from : coords;
  if (!sameIds) {
    m_selected.assign(ids.size(), 0);
    m_highlighted.assign(ids.size(), 0);
    m_trust.clear();
    m_hover = m_marked = -1;
  }
  // Bounds from the target so the view does not jump at the end of the animation.
  if (coords.rows() > 0) {
    float mn[3] = {coords(0, 0), coords(0, 1), coords(0, 2)}, mx[3] = {mn[0], mn[1], mn[2]};
    for (Eigen::Index i = 1; i < coords.rows(); ++i)
      for (int c = 0; c < 3; ++c) {
        mn[c] = std::min(mn[c], coords(i, c));
        mx[c] = std::max(mx[c], coords(i, c));
      }
    m_minX = mn[0];
    m_maxX = mx[0];
    m_minY = mn[1];
    m_maxY = mx[1];
    m_extent = std::max({mx[0] - mn[0], mx[1] - mn[1], mx[2] - mn[2], 1e-12f});
  }
  if (animate) m_anim->start();
  invalidate();
}

void EmbeddingCanvas::setColors(const std::vector<QRgb>& colorPerPoint, const QList<LegendEntry>& legend,
                                const QString& legendTitle) {
  m_colors = colorPerPoint;
  m_legend = legend;
  m_legendTitle = legendTitle;
  invalidate();
}

void EmbeddingCanvas::setLabels(const QStringList& labelPerPoint, const std::vector<float>& priority) {
  m_labels = labelPerPoint;
  m_priority = priority;
  update();
}

void EmbeddingCanvas::setHighlighted(const std::vector<unsigned char>& mask) {
  m_highlighted = mask;
  update();
}

void EmbeddingCanvas::setSelected(const std::vector<unsigned char>& mask) {
  m_selected = mask;
  if (m_isolated) invalidate();
  else update();
  emit selectionChanged();
}

void EmbeddingCanvas::setIsolated(bool on) {
  m_isolated = on;
  invalidate();
}

void EmbeddingCanvas::setRotation(double yaw, double pitch) {
  m_yaw = yaw;
  m_pitch = pitch;
  if (m_threeD) invalidate();
}

void EmbeddingCanvas::setThreeD(bool on) {
  m_threeD = on;
  invalidate();
}

void EmbeddingCanvas::resetView() {
  m_zoom = 1;
  m_cx = m_cy = 0;
  invalidate();
}

void EmbeddingCanvas::setMarkedPoint(int index) {
  m_marked = index;
  update();
}

void EmbeddingCanvas::setViewState(const ViewState& s) {
  m_zoom = s.zoom;
  m_cx = s.cx;
  m_cy = s.cy;
  m_yaw = s.yaw;
  m_pitch = s.pitch;
  m_threeD = s.threeD;
  invalidate();
}

QPointF EmbeddingCanvas::project(Eigen::Index i, const QSize& size) const {
  const float midX = (m_minX + m_maxX) / 2, midY = (m_minY + m_maxY) / 2;
  double x = (m_now(i, 0) - midX) / m_extent, y = (m_now(i, 1) - midY) / m_extent, z = m_now(i, 2) / m_extent;
  if (m_threeD) {
    const double cy = std::cos(m_yaw), sy = std::sin(m_yaw);
    const double x1 = x * cy + z * sy, z1 = -x * sy + z * cy;
    const double cp = std::cos(m_pitch), sp = std::sin(m_pitch);
    const double y1 = y * cp - z1 * sp, z2 = y * sp + z1 * cp;
    const double persp = 1.0 / (1.0 + 0.35 * z2);  // mild perspective so depth reads
    x = x1 * persp;
    y = y1 * persp;
  }
  const double scale = std::min(size.width(), size.height()) * 0.86 * m_zoom;
  return {size.width() / 2.0 + (x - m_cx) * scale, size.height() / 2.0 - (y - m_cy) * scale};
}

QPointF EmbeddingCanvas::screenPos(int i) const {
  if (i < 0 || size_t(i) >= m_screen.size()) return {};
  return m_screen[size_t(i)];
}

void EmbeddingCanvas::computeScreen(const QSize& size) {
  m_screen.resize(m_ids.size());
  for (size_t i = 0; i < m_ids.size(); ++i) m_screen[i] = project(Eigen::Index(i), size);
  rebuildGrid();
}

void EmbeddingCanvas::rebuildGrid() {
  m_gridW = std::max(1, width() / kCell + 1);
  m_gridH = std::max(1, height() / kCell + 1);
  m_grid.assign(size_t(m_gridW * m_gridH), {});
  for (size_t i = 0; i < m_screen.size(); ++i) {
    if (m_isolated && !(i < m_selected.size() && m_selected[i])) continue;
    const QPointF& p = m_screen[i];
    const int gx = int(p.x()) / kCell, gy = int(p.y()) / kCell;
    if (p.x() < 0 || p.y() < 0 || gx >= m_gridW || gy >= m_gridH) continue;
    m_grid[size_t(gy * m_gridW + gx)].push_back(int(i));
  }
}

int EmbeddingCanvas::pick(QPointF pos) const {
  const int gx = int(pos.x()) / kCell, gy = int(pos.y()) / kCell;
  int best = -1;
  double bestD = 8.0 * 8.0;
  for (int y = gy - 1; y <= gy + 1; ++y)
    for (int x = gx - 1; x <= gx + 1; ++x) {
      if (x < 0 || y < 0 || x >= m_gridW || y >= m_gridH) continue;
      for (int i : m_grid[size_t(y * m_gridW + x)]) {
        const QPointF d = m_screen[size_t(i)] - pos;
        const double dd = d.x() * d.x() + d.y() * d.y();
        if (dd < bestD) {
          bestD = dd;
          best = i;
        }
      }
    }
  return best;
}

void EmbeddingCanvas::renderRaster(const QSize& size, qreal dpr) {
  QElapsedTimer timer;
  timer.start();
  computeScreen(size);
  m_raster = QImage(size * dpr, QImage::Format_ARGB32_Premultiplied);
  m_raster.setDevicePixelRatio(dpr);
  m_raster.fill(Qt::transparent);
  const size_t n = m_ids.size();
  const bool lod = n > size_t(kLodThreshold);
  if (lod) {
    // Level of detail: each point is a 2x2 block written straight into the pixels, no painter.
    const int w = m_raster.width(), h = m_raster.height();
    auto* bits = reinterpret_cast<QRgb*>(m_raster.bits());
    const qsizetype stride = m_raster.bytesPerLine() / 4;
    for (size_t i = 0; i < n; ++i) {
      if (m_isolated && !(i < m_selected.size() && m_selected[i])) continue;
      const int x = int(m_screen[i].x() * dpr), y = int(m_screen[i].y() * dpr);
      if (x < 0 || y < 0 || x + 1 >= w || y + 1 >= h) continue;
      const QRgb c = i < m_colors.size() ? (m_colors[i] | 0xff000000u) : 0xff4477aau;
      QRgb* row = bits + qsizetype(y) * stride + x;
      row[0] = row[1] = c;
      row[stride] = row[stride + 1] = c;
    }
  } else {
    QPainter p(&m_raster);
    // No antialiasing during a transition or for dense clouds: a frame must stay cheap.
    p.setRenderHint(QPainter::Antialiasing, n < 8000 && m_anim->state() != QAbstractAnimation::Running);
    p.setPen(Qt::NoPen);
    const double r = n < 2000 ? 3.6 : n < 8000 ? 2.8 : 2.0;
    QRgb last = 0;
    for (size_t i = 0; i < n; ++i) {
      if (m_isolated && !(i < m_selected.size() && m_selected[i])) continue;
      const QRgb c = i < m_colors.size() ? m_colors[i] : 0xff4477aau;
      if (c != last || i == 0) {
        QColor col = QColor::fromRgba(c);
        col.setAlpha(210);
        p.setBrush(col);
        last = c;
      }
      p.drawEllipse(m_screen[i], r, r);
    }
  }
  m_rasterValid = true;
  m_lastRasterMs = double(timer.nsecsElapsed()) / 1e6;
}

void EmbeddingCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  if (!m_rasterValid || m_raster.size() != size() * devicePixelRatioF()) renderRaster(size(), devicePixelRatioF());
  p.drawImage(0, 0, m_raster);
  drawOverlay(p, size(), false);
}

void EmbeddingCanvas::renderTo(QPainter& painter, const QSize& size) {
  // Render at the export size without touching the on-screen cache.
  const QImage keep = m_raster;
  const auto keepScreen = m_screen;
  const bool keepValid = m_rasterValid;
  painter.fillRect(QRect(QPoint(0, 0), size), palette().base());
  renderRaster(size, 1.0);
  painter.drawImage(0, 0, m_raster);
  drawOverlay(painter, size, true);
  m_raster = keep;
  m_screen = keepScreen;
  m_rasterValid = keepValid && m_raster.size() == this->size() * devicePixelRatioF();
  rebuildGrid();
}

void EmbeddingCanvas::drawOverlay(QPainter& p, const QSize& size, bool forExport) {
  p.setRenderHint(QPainter::Antialiasing, true);
  const QColor text = palette().color(QPalette::Text);
  const QColor accent = palette().color(QPalette::Highlight);
  const size_t n = m_screen.size();
  auto visible = [&](size_t i) { return !m_isolated || (i < m_selected.size() && m_selected[i]); };
  // Selection and search rings (bounded, so a huge selection does not stall a frame).
  int drawn = 0;
  p.setBrush(Qt::NoBrush);
  p.setPen(QPen(accent, 1.6));
  for (size_t i = 0; i < n && i < m_selected.size() && drawn < 6000; ++i)
    if (m_selected[i]) {
      p.drawEllipse(m_screen[i], 5.0, 5.0);
      ++drawn;
    }
  p.setPen(QPen(text, 1.4));
  drawn = 0;
  for (size_t i = 0; i < n && i < m_highlighted.size() && drawn < 6000; ++i)
    if (m_highlighted[i] && visible(i)) {
      p.drawRect(QRectF(m_screen[i] - QPointF(4.5, 4.5), QSizeF(9, 9)));
      ++drawn;
    }
  if (m_showTrust && m_trust.size() == n) {
    p.setPen(QPen(QColor(213, 94, 0), 1.4));  // Okabe-Ito vermillion: misplaced by the projection
    for (size_t i = 0; i < n; ++i)
      if (m_trust[i] < 0.5f && visible(i)) {
        const double r = 3.0 + 6.0 * (0.5 - m_trust[i]);
        p.drawEllipse(m_screen[i], r, r);
      }
  }
  // Pinned rows (padding / OOV when included): diamonds.
  if (!m_pinnedIds.empty()) {
    p.setPen(QPen(text, 1.2));
    p.setBrush(palette().color(QPalette::Base));
    for (size_t i = 0; i < n; ++i)
      if (std::find(m_pinnedIds.begin(), m_pinnedIds.end(), m_ids[i]) != m_pinnedIds.end()) {
        const QPointF c = m_screen[i];
        p.drawPolygon(QPolygonF({c + QPointF(0, -6), c + QPointF(6, 0), c + QPointF(0, 6), c + QPointF(-6, 0)}));
      }
    p.setBrush(Qt::NoBrush);
  }
  if (m_marked >= 0 && size_t(m_marked) < n) {
    p.setPen(QPen(accent, 2.5));
    p.drawEllipse(m_screen[size_t(m_marked)], 8.0, 8.0);
  }
  if (!forExport && m_hover >= 0 && size_t(m_hover) < n) {
    p.setPen(QPen(text, 2.0));
    p.drawEllipse(m_screen[size_t(m_hover)], 6.5, 6.5);
  }
  // Labels wait for the end of a transition: placing them every frame would cost more than the points.
  if (forExport || m_anim->state() != QAbstractAnimation::Running) placeLabels(p, size);
  else {
    m_labelRects.clear();
    m_drawnLabels.clear();
  }
  if (!forExport && m_dragging) {
    p.setPen(QPen(accent, 1.2, Qt::DashLine));
    QColor fill = accent;
    fill.setAlpha(40);
    p.setBrush(fill);
    if (m_mode == SelectMode::Box) p.drawRect(QRectF(m_pressPos, m_lastPos).normalized());
    else p.drawPolygon(m_lasso);
    p.setBrush(Qt::NoBrush);
  }
  // Legend, top right.
  if (!m_legend.isEmpty()) {
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p.setFont(f);
    const QFontMetrics fm(f);
    int w = fm.horizontalAdvance(m_legendTitle);
    const int shown = std::min<int>(int(m_legend.size()), 12);
    for (int i = 0; i < shown; ++i) w = std::max(w, fm.horizontalAdvance(m_legend[i].text) + 18);
    const int h = fm.height() * (shown + 1) + 10;
    const QRect box(size.width() - w - 20, 8, w + 12, h);
    QColor bg = palette().color(QPalette::Base);
    bg.setAlpha(225);
    p.setPen(QPen(palette().color(QPalette::Mid)));
    p.setBrush(bg);
    p.drawRoundedRect(box, 4, 4);
    p.setPen(text);
    p.drawText(box.left() + 6, box.top() + 4 + fm.ascent(), m_legendTitle);
    for (int i = 0; i < shown; ++i) {
      const int y = box.top() + 4 + fm.height() * (i + 1);
      p.setPen(Qt::NoPen);
      p.setBrush(m_legend[i].color);
      p.drawEllipse(QRectF(box.left() + 6, y + fm.height() / 2.0 - 4, 8, 8));
      p.setPen(text);
      p.drawText(box.left() + 20, y + fm.ascent(), m_legend[i].text);
    }
    m_labelRects.prepend(QRectF(box));  // labels keep clear of the legend (not counted as a label)
    m_labelRects.removeFirst();
  }
}

void EmbeddingCanvas::placeLabels(QPainter& p, const QSize& size) {
  m_labelRects.clear();
  m_drawnLabels.clear();
  const size_t n = m_screen.size();
  if (m_labels.size() != qsizetype(n) || n == 0) return;
  // Candidates on screen, best first: selected and searched points, then by priority (frequency).
  std::vector<int> cand;
  cand.reserve(std::min<size_t>(n, 20000));
  const QRectF area(0, 0, size.width(), size.height());
  for (size_t i = 0; i < n; ++i) {
    if (m_isolated && !(i < m_selected.size() && m_selected[i])) continue;
    if (!area.contains(m_screen[i]) || m_labels[qsizetype(i)].isEmpty()) continue;
    cand.push_back(int(i));
  }
  auto score = [&](int i) {
    double s = size_t(i) < m_priority.size() ? m_priority[size_t(i)] : 0.0;
    if (size_t(i) < m_selected.size() && m_selected[size_t(i)]) s += 1e12;
    if (size_t(i) < m_highlighted.size() && m_highlighted[size_t(i)]) s += 2e12;
    if (i == m_marked) s += 4e12;
    return s;
  };
  const size_t keep = std::min<size_t>(cand.size(), kMaxLabelCandidates);
  std::partial_sort(cand.begin(), cand.begin() + qsizetype(keep), cand.end(),
                    [&](int a, int b) { return score(a) > score(b); });
  cand.resize(keep);
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  p.setFont(f);
  const QFontMetricsF fm(f);
  // Greedy placement: for each candidate try four positions around the point and keep the first
  // that overlaps no label already placed. A coarse grid of placed rectangles keeps it O(n).
  constexpr int kBin = 64;
  const int bw = size.width() / kBin + 1, bh = size.height() / kBin + 1;
  std::vector<std::vector<int>> bins(size_t(bw * bh));
  QColor haloPlate = palette().color(QPalette::Base);
  haloPlate.setAlpha(170);
  const QColor ink = palette().color(QPalette::Text);
  for (int i : cand) {
    if (m_labelRects.size() >= kMaxLabels) break;
    const QString& t = m_labels[i];
    const QSizeF ts(fm.horizontalAdvance(t) + 4, fm.height());
    const QPointF c = m_screen[size_t(i)];
    const QRectF options[4] = {QRectF(c + QPointF(6, -ts.height() / 2), ts), QRectF(c + QPointF(-6 - ts.width(), -ts.height() / 2), ts),
                               QRectF(c + QPointF(-ts.width() / 2, -6 - ts.height()), ts),
                               QRectF(c + QPointF(-ts.width() / 2, 6), ts)};
    for (const QRectF& r : options) {
      if (!area.contains(r)) continue;
      const int x0 = std::max(0, int(r.left()) / kBin), x1 = std::min(bw - 1, int(r.right()) / kBin);
      const int y0 = std::max(0, int(r.top()) / kBin), y1 = std::min(bh - 1, int(r.bottom()) / kBin);
      bool clash = false;
      for (int y = y0; y <= y1 && !clash; ++y)
        for (int x = x0; x <= x1 && !clash; ++x)
          for (int j : bins[size_t(y * bw + x)])
            if (m_labelRects[j].intersects(r)) {
              clash = true;
              break;
            }
      if (clash) continue;
      const int idx = int(m_labelRects.size());
      m_labelRects.append(r);
      m_drawnLabels.append(t);
      for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) bins[size_t(y * bw + x)].push_back(idx);
      // A translucent plate keeps the text readable over dense points (cheaper than a text halo).
      p.fillRect(r, haloPlate);
      p.setPen(ink);
      p.drawText(QPointF(r.left() + 2, r.top() + fm.ascent()), t);
      break;
    }
  }
}

void EmbeddingCanvas::resizeEvent(QResizeEvent*) { m_rasterValid = false; }

void EmbeddingCanvas::mousePressEvent(QMouseEvent* e) {
  m_pressPos = m_lastPos = e->position();
  if (e->button() == Qt::LeftButton && !(e->modifiers() & Qt::AltModifier)) {
    m_dragging = true;
    m_lasso = QPolygonF({e->position()});
  } else {
    m_panning = true;
  }
}

void EmbeddingCanvas::mouseMoveEvent(QMouseEvent* e) {
  const QPointF pos = e->position();
  if (m_panning) {
    const double scale = std::min(width(), height()) * 0.86 * m_zoom;
    m_cx -= (pos.x() - m_lastPos.x()) / scale;
    m_cy += (pos.y() - m_lastPos.y()) / scale;
    m_lastPos = pos;
    invalidate();
    return;
  }
  if (m_dragging) {
    m_lastPos = pos;
    if (m_mode == SelectMode::Lasso) m_lasso << pos;
    update();
    return;
  }
  const int h = pick(pos);
  if (h != m_hover) {
    m_hover = h;
    emit hovered(h);
    update();
  }
}

void EmbeddingCanvas::mouseReleaseEvent(QMouseEvent* e) {
  const QPointF pos = e->position();
  const bool moved = (pos - m_pressPos).manhattanLength() > 4;
  if (m_dragging) {
    m_dragging = false;
    if (!moved) {
      emit pointClicked(pick(pos));
    } else {
      if (!(e->modifiers() & Qt::ShiftModifier)) std::fill(m_selected.begin(), m_selected.end(), 0);
      m_selected.resize(m_screen.size(), 0);
      const QRectF box = QRectF(m_pressPos, pos).normalized();
      for (size_t i = 0; i < m_screen.size(); ++i) {
        const bool in = m_mode == SelectMode::Box ? box.contains(m_screen[i])
                                                  : m_lasso.containsPoint(m_screen[i], Qt::OddEvenFill);
        if (in) m_selected[i] = 1;
      }
      setSelected(m_selected);
    }
    update();
  }
  m_panning = false;
}

void EmbeddingCanvas::wheelEvent(QWheelEvent* e) {
  const double factor = std::pow(1.0015, e->angleDelta().y());
  const QPointF pos = e->position();
  const double scale = std::min(width(), height()) * 0.86 * m_zoom;
  // Keep the point under the cursor where it is.
  const double wx = m_cx + (pos.x() - width() / 2.0) / scale;
  const double wy = m_cy - (pos.y() - height() / 2.0) / scale;
  m_zoom = std::clamp(m_zoom * factor, 0.05, 400.0);
  const double ns = std::min(width(), height()) * 0.86 * m_zoom;
  m_cx = wx - (pos.x() - width() / 2.0) / ns;
  m_cy = wy + (pos.y() - height() / 2.0) / ns;
  invalidate();
}

void EmbeddingCanvas::leaveEvent(QEvent*) {
  if (m_hover >= 0) {
    m_hover = -1;
    emit hovered(-1);
    update();
  }
}

bool EmbeddingCanvas::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    const int i = pick(he->pos());
    if (i >= 0 && i < m_tooltips.size()) QToolTip::showText(he->globalPos(), m_tooltips[i], this);
    else QToolTip::hideText();
    return true;
  }
  return QWidget::event(e);
}

}  // namespace embedscope::ui
