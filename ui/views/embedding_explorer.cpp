#include "ui/views/embedding_explorer.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPdfWriter>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSlider>
#include <QSplitter>
#include <QSvgGenerator>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>

#include "ui/panels/neighbours_panel.h"

namespace embedscope::ui {

namespace {

// Okabe & Ito (2008) and Paul Tol's "bright": categorical palettes safe for colour-blind readers.
const QList<QRgb> kOkabeIto{0xffe69f00, 0xff56b4e9, 0xff009e73, 0xfff0e442, 0xff0072b2, 0xffd55e00, 0xffcc79a7, 0xff000000};
const QList<QRgb> kTolBright{0xff4477aa, 0xffee6677, 0xff228833, 0xffccbb44, 0xff66ccee, 0xffaa3377, 0xffbbbbbb};

// Viridis and cividis, sampled at 9 stops and interpolated (perceptually uniform, colour-blind safe).
const QList<QRgb> kViridis{0xff440154, 0xff472d7b, 0xff3b528b, 0xff2c728e, 0xff21918c,
                           0xff28ae80, 0xff5ec962, 0xffaadc32, 0xfffde725};
const QList<QRgb> kCividis{0xff00204d, 0xff00336f, 0xff39486b, 0xff575c6d, 0xff707173,
                           0xff8a8779, 0xffa69d75, 0xffc4b56c, 0xffe4cf5b};

QRgb ramp(const QList<QRgb>& stops, double t) {
  t = std::clamp(t, 0.0, 1.0) * double(stops.size() - 1);
  const int i = std::min<int>(int(t), int(stops.size()) - 2);
  const double f = t - i;
  const QColor a = QColor::fromRgb(stops[i]), b = QColor::fromRgb(stops[i + 1]);
  return qRgb(int(a.red() + (b.red() - a.red()) * f), int(a.green() + (b.green() - a.green()) * f),
              int(a.blue() + (b.blue() - a.blue()) * f));
}

QSaveFile* openSave(const QString& path, QString& err) {
  auto* f = new QSaveFile(path);
  if (!f->open(QIODevice::WriteOnly | QIODevice::Text)) {
    err = QString("Cannot write %1: %2").arg(path, f->errorString());
    delete f;
    return nullptr;
  }
  return f;
}

}  // namespace

EmbeddingExplorer::EmbeddingExplorer(QWidget* parent) : QWidget(parent) {
  setObjectName("embeddingExplorer");
  m_projector = new ProjectionController(this);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(2, 2, 2, 2);

  auto combo = [&](const QString& name, const QStringList& items, const QString& tip) {
    auto* c = new QComboBox(this);
    c->setObjectName(name);
    c->addItems(items);
    c->setToolTip(tip);
    return c;
  };
  auto check = [&](const QString& name, const QString& text, const QString& tip) {
    auto* c = new QCheckBox(text, this);
    c->setObjectName(name);
    c->setToolTip(tip);
    return c;
  };
  auto* row1 = new QHBoxLayout;
  m_projection = combo("projectionMethod", {"PCA", "t-SNE", "UMAP", "Custom axes"},
                       "PCA of every row (exact); t-SNE (perplexity) and UMAP (neighbours, min_dist) from the "
                       "engine's analysis library; or axes from two words or two searches (b - a).");
  m_threeD = check("threeD", "3-D", "Project on three components and rotate the cloud.");
  m_colorBy = combo("colorBy", {"cluster", "frequency", "norm", "none"}, "What the colour of a point shows.");
  m_palette = combo("paletteName", {"Okabe-Ito", "Tol bright", "viridis", "cividis"},
                    "Colour-blind-safe palettes: categorical (Okabe-Ito, Tol) and continuous (viridis, cividis).");
  m_labelBy = combo("labelBy", {"token", "id"}, "Which column labels the points.");
  m_includeSpecial = check("includeSpecial", "padding/OOV", "Include row 0 (padding) and row 1 (out-of-vocabulary), pinned as diamonds.");
  m_trust = check("trustOverlay", "trust", "Ring the points whose nearest neighbours the projection does not keep.");
  row1->addWidget(new QLabel("projection", this));
  row1->addWidget(m_projection);
  row1->addWidget(m_threeD);
  row1->addWidget(new QLabel("colour", this));
  row1->addWidget(m_colorBy);
  row1->addWidget(m_palette);
  row1->addWidget(new QLabel("label", this));
  row1->addWidget(m_labelBy);
  row1->addWidget(m_includeSpecial);
  row1->addWidget(m_trust);
  row1->addStretch(1);
  outer->addLayout(row1);
  // Combo boxes size to a short text, not their longest item, so the rows fit narrow windows.
  for (QComboBox* box : {m_projection, m_colorBy, m_palette, m_labelBy}) {
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(4);
  }

  auto* row2 = new QHBoxLayout;
  m_search = new QLineEdit(this);
  m_search->setObjectName("searchField");
  m_search->setPlaceholderText("Search tokens (Ctrl+F)");
  m_search->setClearButtonEnabled(true);
  m_search->setMinimumWidth(110);
  m_regex = check("searchRegex", "regex", "Treat the search as a regular expression.");
  m_searchCount = new QLabel(this);
  m_searchCount->setObjectName("searchCount");
  m_selectMode = combo("selectMode", {"box", "lasso"}, "Drag on the background to select with a box or a lasso.");
  m_isolate = check("isolateSelection", "isolate", "Show only the selected points.");
  auto* clear = new QPushButton("Clear", this);
  clear->setObjectName("clearSelection");
  auto* reset = new QPushButton("Reset view", this);
  reset->setObjectName("resetView");
  auto* mark = new QPushButton("Bookmark", this);
  mark->setObjectName("addBookmark");
  mark->setToolTip("Save this view: projection, colours, selection, zoom and the timeline position.");
  m_bookmarkCombo = combo("bookmarks", {}, "Restore a saved view.");
  m_bookmarkCombo->setPlaceholderText("bookmarks");
  row2->addWidget(m_search, 2);
  row2->addWidget(m_regex);
  row2->addWidget(m_searchCount);
  row2->addWidget(m_selectMode);
  row2->addWidget(m_isolate);
  row2->addWidget(clear);
  row2->addWidget(reset);
  row2->addWidget(mark);
  row2->addWidget(m_bookmarkCombo, 1);
  outer->addLayout(row2);
  for (QComboBox* box : {m_selectMode, m_bookmarkCombo}) {
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(4);
  }

  m_customRow = new QWidget(this);
  auto* row3 = new QHBoxLayout(m_customRow);
  row3->setContentsMargins(0, 0, 0, 0);
  auto line = [&](const QString& name, const QString& ph) {
    auto* e = new QLineEdit(this);
    e->setObjectName(name);
    e->setPlaceholderText(ph);
    e->setToolTip("A token, or a search (substring/regex) whose matches' centroid is the end of the axis.");
    return e;
  };
  m_xFrom = line("axisXFrom", "x from (e.g. queen)");
  m_xTo = line("axisXTo", "x to (e.g. king)");
  m_yFrom = line("axisYFrom", "y from (optional)");
  m_yTo = line("axisYTo", "y to (optional)");
  row3->addWidget(new QLabel("x:", this));
  row3->addWidget(m_xFrom);
  row3->addWidget(new QLabel("→", this));
  row3->addWidget(m_xTo);
  row3->addWidget(new QLabel("y:", this));
  row3->addWidget(m_yFrom);
  row3->addWidget(new QLabel("→", this));
  row3->addWidget(m_yTo);
  m_customRow->setVisible(false);
  outer->addWidget(m_customRow);

  m_paramRow = new QWidget(this);
  auto* rowP = new QHBoxLayout(m_paramRow);
  rowP->setContentsMargins(0, 0, 0, 0);
  m_perplexity = new QDoubleSpinBox(this);
  m_perplexity->setObjectName("tsnePerplexity");
  m_perplexity->setRange(2, 100);
  m_perplexity->setValue(30);
  m_perplexity->setToolTip("t-SNE perplexity: the effective number of neighbours each point keeps (2-100).");
  m_neighborsParam = new QSpinBox(this);
  m_neighborsParam->setObjectName("umapNeighbors");
  m_neighborsParam->setRange(2, 200);
  m_neighborsParam->setValue(15);
  m_neighborsParam->setToolTip("UMAP n_neighbors: local (small) versus global (large) structure.");
  m_minDist = new QDoubleSpinBox(this);
  m_minDist->setObjectName("umapMinDist");
  m_minDist->setRange(0.0, 0.99);
  m_minDist->setSingleStep(0.05);
  m_minDist->setValue(0.1);
  m_minDist->setToolTip("UMAP min_dist: how tightly points may pack.");
  auto* lp = new QLabel("perplexity", this);
  auto* ln = new QLabel("n_neighbors", this);
  auto* lm = new QLabel("min_dist", this);
  m_tsneParams = {lp, m_perplexity};
  m_umapParams = {ln, m_neighborsParam, lm, m_minDist};
  rowP->addWidget(lp);
  rowP->addWidget(m_perplexity);
  rowP->addWidget(ln);
  rowP->addWidget(m_neighborsParam);
  rowP->addWidget(lm);
  rowP->addWidget(m_minDist);
  rowP->addStretch(1);
  m_paramRow->setVisible(false);
  outer->addWidget(m_paramRow);
  for (auto* sb : {m_perplexity, m_minDist})
    connect(sb, &QDoubleSpinBox::editingFinished, this, [this] {
      m_lastProjectionKey.clear();
      requestProjection();
    });
  connect(m_neighborsParam, &QSpinBox::editingFinished, this, [this] {
    m_lastProjectionKey.clear();
    requestProjection();
  });

  auto* split = new QSplitter(Qt::Horizontal, this);
  m_canvas = new EmbeddingCanvas(split);
  m_neighbours = new NeighboursPanel(split);
  split->addWidget(m_canvas);
  split->addWidget(m_neighbours);
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 1);
  m_neighbours->setMinimumWidth(190);
  split->setSizes({720, 260});  // the neighbour list's columns readable when there is room
  outer->addWidget(split, 1);

  auto* row4 = new QHBoxLayout;
  m_live = check("followLive", "live", "Follow training: show each new snapshot as it arrives.");
  m_live->setChecked(true);
  m_timelineSlider = new QSlider(Qt::Horizontal, this);
  m_timelineSlider->setObjectName("timelineSlider");
  m_timelineSlider->setRange(0, 0);
  m_timelineSlider->setToolTip("Scrub through the snapshots taken during training.");
  m_timelineLabel = new QLabel("no snapshots", this);
  m_timelineLabel->setObjectName("timelineLabel");
  m_info = new QLabel(this);
  m_info->setObjectName("projectionInfo");
  row4->addWidget(new QLabel("timeline", this));
  row4->addWidget(m_timelineSlider, 1);
  row4->addWidget(m_timelineLabel);
  row4->addWidget(m_live);
  row4->addWidget(m_info);
  outer->addLayout(row4);

  m_rotateTimer = new QTimer(this);
  m_rotateTimer->setInterval(40);
  connect(m_rotateTimer, &QTimer::timeout, this, [this] {
    m_yaw += 0.02;
    m_canvas->setRotation(m_yaw, 0.35);
  });
  m_projectTimer = new QTimer(this);
  m_projectTimer->setSingleShot(true);
  m_projectTimer->setInterval(40);
  connect(m_projectTimer, &QTimer::timeout, this, &EmbeddingExplorer::requestProjection);

  connect(m_projector, &ProjectionController::projected, this, &EmbeddingExplorer::onProjected);
  connect(m_projection, &QComboBox::currentIndexChanged, this, [this](int i) {
    m_customRow->setVisible(i == 3);
    m_paramRow->setVisible(i == 1 || i == 2);
    for (QWidget* w : m_tsneParams) w->setVisible(i == 1);
    for (QWidget* w : m_umapParams) w->setVisible(i == 2);
    m_lastProjectionKey.clear();
    requestProjection();
  });
  for (auto* e : {m_xFrom, m_xTo, m_yFrom, m_yTo}) connect(e, &QLineEdit::editingFinished, this, &EmbeddingExplorer::requestProjection);
  connect(m_threeD, &QCheckBox::toggled, this, &EmbeddingExplorer::setThreeD);
  connect(m_colorBy, &QComboBox::currentIndexChanged, this, &EmbeddingExplorer::refreshAppearance);
  connect(m_palette, &QComboBox::currentIndexChanged, this, &EmbeddingExplorer::refreshAppearance);
  connect(m_labelBy, &QComboBox::currentIndexChanged, this, &EmbeddingExplorer::refreshAppearance);
  connect(m_includeSpecial, &QCheckBox::toggled, this, &EmbeddingExplorer::requestProjection);
  connect(m_trust, &QCheckBox::toggled, this, [this](bool on) {
    m_canvas->setShowTrust(on);
    if (on) requestProjection();
  });
  connect(m_search, &QLineEdit::textChanged, this, [this](const QString& t) { search(t, m_regex->isChecked()); });
  connect(m_regex, &QCheckBox::toggled, this, [this](bool on) { search(m_search->text(), on); });
  connect(m_selectMode, &QComboBox::currentIndexChanged, this, [this](int i) {
    m_canvas->setSelectMode(i == 0 ? EmbeddingCanvas::SelectMode::Box : EmbeddingCanvas::SelectMode::Lasso);
  });
  connect(m_isolate, &QCheckBox::toggled, this, &EmbeddingExplorer::isolateSelection);
  connect(clear, &QPushButton::clicked, this, &EmbeddingExplorer::clearSelection);
  connect(reset, &QPushButton::clicked, m_canvas, &EmbeddingCanvas::resetView);
  connect(mark, &QPushButton::clicked, this, [this] { addBookmark(QString("view %1").arg(m_bookmarks.size() + 1)); });
  connect(m_bookmarkCombo, &QComboBox::activated, this, &EmbeddingExplorer::restoreBookmark);
  connect(m_canvas, &EmbeddingCanvas::pointClicked, this, [this](int index) {
    m_canvas->setMarkedPoint(index);
    if (index >= 0) openNeighbours(m_canvas->ids()[size_t(index)]);
  });
  connect(m_canvas, &EmbeddingCanvas::selectionChanged, this, [this] {
    const auto ids = selectedIds();
    emit statusMessage(QString("%1 points selected").arg(ids.size()));
  });
  connect(m_neighbours, &NeighboursPanel::neighbourActivated, this, &EmbeddingExplorer::openNeighbours);
  connect(m_timelineSlider, &QSlider::valueChanged, this, [this](int v) {
    if (m_timelineSlider->isSliderDown() || !m_live->isChecked() || v != int(m_timeline.size()) - 1) {
      if (v != int(m_timeline.size()) - 1) m_live->setChecked(false);
      showTimelineIndex(v);
    }
  });
  connect(m_live, &QCheckBox::toggled, this, [this](bool on) {
    if (on && !m_timeline.empty()) showTimelineIndex(int(m_timeline.size()) - 1);
  });
}

void EmbeddingExplorer::setCorpus(const CorpusPtr& corpus) {
  m_corpus = corpus;
  const QString keepColor = m_colorBy->currentText(), keepLabel = m_labelBy->currentText();
  m_colorBy->blockSignals(true);
  m_labelBy->blockSignals(true);
  m_colorBy->clear();
  m_colorBy->addItems({"cluster", "frequency", "norm", "none"});
  m_labelBy->clear();
  m_labelBy->addItems({"token", "id"});
  if (corpus)
    for (const QString& c : corpus->metadataColumns) {
      m_colorBy->addItem("metadata: " + c);
      m_labelBy->addItem("metadata: " + c);
    }
  m_colorBy->setCurrentText(keepColor);
  m_labelBy->setCurrentText(keepLabel);
  m_colorBy->blockSignals(false);
  m_labelBy->blockSignals(false);
  m_shownIds.clear();
}

void EmbeddingExplorer::clearSnapshots() {
  m_timeline.clear();
  m_current.reset();
  m_timelineSlider->setRange(0, 0);
  m_timelineLabel->setText("no snapshots");
  m_live->setChecked(true);
}

void EmbeddingExplorer::addSnapshot(const SnapshotPtr& snapshot) {
  if (!snapshot) return;
  // Keep the timeline bounded: when full, thin the older half so early training stays visible.
  if (m_timeline.size() >= 400) {
    std::vector<SnapshotPtr> thinned;
    for (size_t i = 0; i < m_timeline.size(); ++i)
      if (i % 2 == 0 || i >= m_timeline.size() / 2) thinned.push_back(m_timeline[i]);
    m_timeline.swap(thinned);
  }
  m_timeline.push_back(snapshot);
  const QSignalBlocker block(m_timelineSlider);
  m_timelineSlider->setRange(0, int(m_timeline.size()) - 1);
  if (m_live->isChecked()) {
    m_timelineSlider->setValue(int(m_timeline.size()) - 1);
    m_current = snapshot;
    m_timelineLabel->setText(QString("step %1").arg(snapshot->step));
    if (!m_projectTimer->isActive()) m_projectTimer->start();
  }
}

void EmbeddingExplorer::showTimelineIndex(int index) {
  if (index < 0 || index >= int(m_timeline.size())) return;
  m_current = m_timeline[size_t(index)];
  m_timelineLabel->setText(QString("step %1").arg(m_current->step));
  requestProjection();
}

std::vector<int> EmbeddingExplorer::excludedIds() const {
  if (m_includeSpecial->isChecked()) return {};
  return m_corpus ? m_corpus->specialRows : std::vector<int>{0, 1};
}

std::vector<int> EmbeddingExplorer::idsMatching(const QString& text) const {
  std::vector<int> out;
  if (!m_corpus || text.trimmed().isEmpty()) return out;
  const int exact = int(m_corpus->tokens.indexOf(text.trimmed()));
  if (exact >= 0) return {exact};
  const QRegularExpression re(text.trimmed(), QRegularExpression::CaseInsensitiveOption);
  for (int i = 0; i < m_corpus->tokens.size(); ++i)
    if (re.isValid() && re.match(m_corpus->tokens[i]).hasMatch()) out.push_back(i);
  return out;
}

void EmbeddingExplorer::requestProjection() {
  if (!m_current) return;
  ProjectionRequest req;
  static const char* methods[] = {"pca", "tsne", "umap", "custom"};
  req.method = methods[std::clamp(m_projection->currentIndex(), 0, 3)];
  req.perplexity = m_perplexity->value();
  req.umapNeighbors = m_neighborsParam->value();
  req.umapMinDist = m_minDist->value();
  // Live updates continue from the layout on screen (same rows, same method).
  if ((req.method == "tsne" || req.method == "umap") && m_lastProjectionKey.startsWith(req.method) &&
      m_canvas->pointCount() > 0)
    req.initialLayout = m_canvas->coords();
  req.dims = m_threeD->isChecked() ? 3 : 2;
  const auto excluded = excludedIds();
  const int n = int(m_current->table.rows());
  req.rows.reserve(size_t(n));
  for (int i = 0; i < n; ++i)
    if (std::find(excluded.begin(), excluded.end(), i) == excluded.end()) req.rows.push_back(i);
  if (req.method == "custom") {
    req.xFrom = idsMatching(m_xFrom->text());
    req.xTo = idsMatching(m_xTo->text());
    req.yFrom = idsMatching(m_yFrom->text());
    req.yTo = idsMatching(m_yTo->text());
    if (req.xFrom.empty() || req.xTo.empty()) {
      m_info->setText("custom axes: type two words or searches for x");
      req.method = "pca";
    }
  }
  req.trust = m_trust->isChecked();
  // A changed method or parameter cancels the job in flight; a new snapshot for the same view waits.
  const QString wanted = QString("%1/%2/%3/%4/%5").arg(req.method).arg(req.dims).arg(req.perplexity).arg(req.umapNeighbors).arg(req.umapMinDist);
  const bool restart = wanted != m_lastRequestedKey;
  m_lastRequestedKey = wanted;
  m_projector->request(m_current, req, restart);
}

void EmbeddingExplorer::onProjected(const ProjectionResult& r, const SnapshotPtr& s, const ProjectionRequest& req) {
  if (!r.error.isEmpty()) {
    m_info->setText(r.error);
    return;
  }
  // Same rows, same method: align to what is on screen so the cloud does not flip or spin.
  const QString key = req.method + QString::number(req.dims) + QString::number(req.rows.size());
  Matrix coords = r.coords;
  const bool sameRows = req.rows == m_canvas->ids();
  if (sameRows && key == m_lastProjectionKey && req.method != "custom")
    coords = alignProcrustes(coords, m_canvas->coords(), req.dims);
  m_lastProjectionKey = key;
  m_canvas->setPoints(req.rows, coords, sameRows);
  if (!r.trust.empty()) m_canvas->setTrust(r.trust);
  std::vector<int> pinned;
  const std::vector<int> special = m_corpus ? m_corpus->specialRows : std::vector<int>{0, 1};
  for (int id : req.rows)
    if (std::find(special.begin(), special.end(), id) != special.end()) pinned.push_back(id);
  m_canvas->setPinnedIds(pinned);
  QStringList ex;
  for (double e : r.explained) ex << QString::number(100.0 * e, 'f', 1) + "%";
  m_info->setText(req.method == "pca"    ? QString("PCA, variance explained %1").arg(ex.join(" / "))
                  : req.method == "tsne" ? QString("t-SNE, perplexity %1").arg(req.perplexity)
                  : req.method == "umap" ? QString("UMAP, n_neighbors %1, min_dist %2").arg(req.umapNeighbors).arg(req.umapMinDist)
                                         : QString("custom axes"));
  m_shownIds = req.rows;
  refreshAppearance();
  m_neighbours->setData(s, m_corpus, excludedIds());
  ++m_projectionsShown;
  if (!m_search->text().isEmpty() && !sameRows) search(m_search->text(), m_regex->isChecked());
  if (!m_pendingSelection.empty()) {
    selectIds(m_pendingSelection);
    m_pendingSelection.clear();
  }
  emit projected();
}

void EmbeddingExplorer::refreshAppearance() {
  if (!m_current || m_shownIds.empty()) return;
  const size_t n = m_shownIds.size();
  const QString mode = m_colorBy->currentText();
  const QString pal = m_palette->currentText();
  const QList<QRgb>& cat = pal == "Tol bright" ? kTolBright : kOkabeIto;
  const QList<QRgb>& cont = pal == "cividis" ? kCividis : kViridis;
  std::vector<QRgb> colors(n, 0xff4477aa);
  QList<LegendEntry> legend;
  QString title;
  auto categorical = [&](const std::vector<QString>& values) {
    QStringList uniq;
    for (const QString& v : values)
      if (!uniq.contains(v) && uniq.size() <= 50) uniq << v;
    uniq.sort();
    const bool isCat = uniq.size() <= 50;
    for (size_t i = 0; i < n; ++i) {
      const int k = int(uniq.indexOf(values[i]));
      colors[i] = isCat ? cat[k % cat.size()] : ramp(cont, double(k) / std::max<qsizetype>(1, uniq.size() - 1));
    }
    for (int k = 0; k < std::min<int>(int(uniq.size()), 12); ++k) legend.append({QColor::fromRgb(cat[k % cat.size()]), uniq[k]});
  };
  if (mode == "cluster" && m_corpus) {
    std::vector<QString> v(n);
    for (size_t i = 0; i < n; ++i) {
      const int c = size_t(m_shownIds[i]) < m_corpus->cluster.size() ? m_corpus->cluster[size_t(m_shownIds[i])] : -1;
      v[i] = c >= 0 ? m_corpus->clusterNames.value(c, QString("class %1").arg(c))
                    : m_shownIds[i] < 2 ? QString("padding / OOV") : QString("no class");
    }
    categorical(v);
    title = m_corpus->clusterNames.isEmpty() ? "planted class" : "class";
  } else if (mode.startsWith("metadata: ") && m_corpus) {
    const int col = int(m_corpus->metadataColumns.indexOf(mode.mid(10)));
    std::vector<QString> v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = col >= 0 && m_shownIds[i] < m_corpus->metadata[size_t(col)].size() ? m_corpus->metadata[size_t(col)][m_shownIds[i]] : QString();
    categorical(v);
    title = mode.mid(10);
  } else if (mode == "frequency" || mode == "norm") {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) {
      const int id = m_shownIds[i];
      v[i] = mode == "norm" ? double(m_current->table.row(id).norm())
                            : std::log10(1.0 + double(m_corpus && size_t(id) < m_corpus->frequency.size() ? m_corpus->frequency[size_t(id)] : 0));
    }
    const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    const double lo = *mn, span = std::max(1e-12, *mx - *mn);
    for (size_t i = 0; i < n; ++i) colors[i] = ramp(cont, (v[i] - lo) / span);
    auto fmt = [&](double x) { return mode == "norm" ? QString::number(x, 'g', 3) : QString::number(std::pow(10.0, x) - 1.0, 'f', 0); };
    for (int k = 0; k < 5; ++k) {
      const double t = k / 4.0;
      legend.append({QColor::fromRgb(ramp(cont, t)), fmt(lo + t * span)});
    }
    title = mode == "norm" ? "L2 norm" : "frequency";
  }
  m_canvas->setColors(colors, legend, title);

  const QString labelMode = m_labelBy->currentText();
  QStringList labels, tips;
  labels.reserve(qsizetype(n));
  tips.reserve(qsizetype(n));
  std::vector<float> prio(n);
  int metaCol = labelMode.startsWith("metadata: ") && m_corpus ? int(m_corpus->metadataColumns.indexOf(labelMode.mid(10))) : -1;
  for (size_t i = 0; i < n; ++i) {
    const int id = m_shownIds[i];
    const QString token = m_corpus && id < m_corpus->tokens.size() ? m_corpus->tokens[id] : QString::number(id);
    const long long freq = m_corpus && size_t(id) < m_corpus->frequency.size() ? m_corpus->frequency[size_t(id)] : 0;
    if (labelMode == "id") labels << QString::number(id);
    else if (metaCol >= 0) labels << m_corpus->metadata[size_t(metaCol)].value(id);
    else labels << token;
    QString tip = QString("<b>%1</b><br>id %2<br>frequency %3<br>norm %4")
                      .arg(token.toHtmlEscaped())
                      .arg(id)
                      .arg(freq)
                      .arg(double(m_current->table.row(id).norm()), 0, 'g', 4);
    if (m_corpus)
      for (int c = 0; c < m_corpus->metadataColumns.size(); ++c)
        tip += QString("<br>%1: %2").arg(m_corpus->metadataColumns[c], m_corpus->metadata[size_t(c)].value(id).toHtmlEscaped());
    tips << tip;
    prio[i] = float(freq);
  }
  m_canvas->setLabels(labels, prio);
  m_canvas->setTooltips(tips);
}

int EmbeddingExplorer::search(const QString& text, bool regex) {
  const size_t n = m_shownIds.size();
  std::vector<unsigned char> hit(n, 0);
  int count = 0;
  if (!text.isEmpty() && m_corpus) {
    QRegularExpression re(regex ? text : QRegularExpression::escape(text), QRegularExpression::CaseInsensitiveOption);
    if (!re.isValid()) {
      m_searchCount->setText("invalid regex");
      return 0;
    }
    for (size_t i = 0; i < n; ++i) {
      const int id = m_shownIds[i];
      if (id < m_corpus->tokens.size() && re.match(m_corpus->tokens[id]).hasMatch()) {
        hit[i] = 1;
        ++count;
      }
    }
  }
  m_canvas->setHighlighted(hit);
  m_canvas->setSelected(hit);
  m_searchCount->setText(text.isEmpty() ? QString() : QString("%1 matches").arg(count));
  return count;
}

std::vector<int> EmbeddingExplorer::selectedIds() const {
  std::vector<int> out;
  const auto& sel = m_canvas->selected();
  const auto& ids = m_canvas->ids();
  for (size_t i = 0; i < sel.size() && i < ids.size(); ++i)
    if (sel[i]) out.push_back(ids[i]);
  return out;
}

void EmbeddingExplorer::selectIds(const std::vector<int>& wanted) {
  const auto& ids = m_canvas->ids();
  std::vector<unsigned char> sel(ids.size(), 0);
  for (size_t i = 0; i < ids.size(); ++i)
    if (std::find(wanted.begin(), wanted.end(), ids[i]) != wanted.end()) sel[i] = 1;
  m_canvas->setSelected(sel);
}

void EmbeddingExplorer::clearSelection() {
  m_canvas->setSelected(std::vector<unsigned char>(m_canvas->ids().size(), 0));
  m_canvas->setHighlighted(std::vector<unsigned char>(m_canvas->ids().size(), 0));
  if (m_isolate->isChecked()) m_isolate->setChecked(false);
  m_searchCount->clear();
}

void EmbeddingExplorer::isolateSelection(bool on) {
  if (m_isolate->isChecked() != on) m_isolate->setChecked(on);
  m_canvas->setIsolated(on);
}

void EmbeddingExplorer::openNeighbours(int id) {
  m_neighbours->setData(m_current, m_corpus, excludedIds());
  m_neighbours->showNeighbours(id);
  const auto& ids = m_canvas->ids();
  const auto it = std::find(ids.begin(), ids.end(), id);
  m_canvas->setMarkedPoint(it == ids.end() ? -1 : int(it - ids.begin()));
}

QString EmbeddingExplorer::colorBy() const { return m_colorBy->currentText(); }
void EmbeddingExplorer::setColorBy(const QString& mode) { m_colorBy->setCurrentText(mode); }
void EmbeddingExplorer::setPaletteName(const QString& name) { m_palette->setCurrentText(name); }

void EmbeddingExplorer::setThreeD(bool on) {
  if (m_threeD->isChecked() != on) {
    m_threeD->setChecked(on);  // re-enters through toggled
    return;
  }
  m_canvas->setThreeD(on);
  if (on) {
    m_canvas->setRotation(m_yaw, 0.35);
    m_rotateTimer->start();
  } else {
    m_rotateTimer->stop();
  }
  requestProjection();
}

void EmbeddingExplorer::addBookmark(const QString& name) {
  Bookmark b;
  b.name = name;
  b.view = m_canvas->viewState();
  b.projection = m_projection->currentText();
  b.colorBy = m_colorBy->currentText();
  b.labelBy = m_labelBy->currentText();
  b.selection = selectedIds();
  b.timelineIndex = m_timelineSlider->value();
  m_bookmarks.append(b);
  m_bookmarkCombo->addItem(name);
}

void EmbeddingExplorer::restoreBookmark(int index) {
  if (index < 0 || index >= m_bookmarks.size()) return;
  const Bookmark b = m_bookmarks[index];
  m_projection->setCurrentText(b.projection);
  m_colorBy->setCurrentText(b.colorBy);
  m_labelBy->setCurrentText(b.labelBy);
  if (b.timelineIndex < int(m_timeline.size()) && b.timelineIndex != int(m_timeline.size()) - 1) {
    m_live->setChecked(false);
    m_timelineSlider->setValue(b.timelineIndex);
  }
  m_threeD->setChecked(b.view.threeD);
  m_canvas->setViewState(b.view);
  selectIds(b.selection);
}

std::vector<io::SessionBookmark> EmbeddingExplorer::sessionBookmarks() const {
  std::vector<io::SessionBookmark> out;
  for (const Bookmark& b : m_bookmarks) {
    io::SessionBookmark m;
    m.name = b.name.toStdString();
    m.projection = b.projection.toStdString();
    m.colorBy = b.colorBy.toStdString();
    m.labelBy = b.labelBy.toStdString();
    m.view = {b.view.zoom, b.view.cx, b.view.cy, b.view.yaw, b.view.pitch, b.view.threeD};
    m.selection.assign(b.selection.begin(), b.selection.end());
    m.timelineIndex = b.timelineIndex;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::int64_t> EmbeddingExplorer::sessionSelection() const {
  const std::vector<int> ids = m_pendingSelection.empty() ? selectedIds() : m_pendingSelection;
  return {ids.begin(), ids.end()};
}

void EmbeddingExplorer::restoreMarks(const std::vector<io::SessionBookmark>& bookmarks,
                                     const std::vector<std::int64_t>& selection) {
  m_bookmarks.clear();
  m_bookmarkCombo->clear();
  for (const auto& m : bookmarks) {
    Bookmark b;
    b.name = m.name.empty() ? QString("view %1").arg(m_bookmarks.size() + 1) : QString::fromStdString(m.name);
    b.projection = m.projection.empty() ? m_projection->currentText() : QString::fromStdString(m.projection);
    b.colorBy = m.colorBy.empty() ? m_colorBy->currentText() : QString::fromStdString(m.colorBy);
    b.labelBy = m.labelBy.empty() ? m_labelBy->currentText() : QString::fromStdString(m.labelBy);
    b.view.zoom = m.view.zoom;
    b.view.cx = m.view.centerX;
    b.view.cy = m.view.centerY;
    b.view.yaw = m.view.yaw;
    b.view.pitch = m.view.pitch;
    b.view.threeD = m.view.threeD;
    b.selection.assign(m.selection.begin(), m.selection.end());
    b.timelineIndex = int(m.timelineIndex);
    m_bookmarks.append(b);
    m_bookmarkCombo->addItem(b.name);
  }
  const std::vector<int> ids(selection.begin(), selection.end());
  if (m_canvas->pointCount() > 0) selectIds(ids);
  m_pendingSelection = ids;  // the restored run's own points replace these at its first projection
}

QString EmbeddingExplorer::exportChart(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const QSize size = m_canvas->size().expandedTo(QSize(640, 480));
  if (suffix == "png") {
    QImage img(size, QImage::Format_ARGB32_Premultiplied);
    QPainter p(&img);
    m_canvas->renderTo(p, size);
    p.end();
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !img.save(&f, "PNG") || !f.commit()) return "Cannot write " + path;
    return {};
  }
  if (suffix == "svg") {
    QSvgGenerator gen;
    const QString tmp = path + ".part";
    gen.setFileName(tmp);
    gen.setSize(size);
    gen.setViewBox(QRect(QPoint(0, 0), size));
    gen.setTitle("Embedscope embedding view");
    QPainter p(&gen);
    m_canvas->renderTo(p, size);
    p.end();
    QFile::remove(path);
    if (!QFile::rename(tmp, path)) return "Cannot write " + path;
    return {};
  }
  if (suffix == "pdf") {
    const QString tmp = path + ".part";
    {
      QPdfWriter pdf(tmp);
      pdf.setPageSize(QPageSize(QSizeF(size) * 0.75, QPageSize::Point));
      pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
      pdf.setResolution(96);
      QPainter p(&pdf);
      m_canvas->renderTo(p, size);
    }
    QFile::remove(path);
    if (!QFile::rename(tmp, path)) return "Cannot write " + path;
    return {};
  }
  return "Choose a .png, .svg or .pdf file name.";
}

QString EmbeddingExplorer::exportSelection(const QString& path) {
  QString err;
  std::unique_ptr<QSaveFile> f(openSave(path, err));
  if (!f) return err;
  QTextStream out(f.get());
  out << "id\ttoken\tx\ty\tz\n";
  const auto& sel = m_canvas->selected();
  const auto& ids = m_canvas->ids();
  const Matrix& c = m_canvas->coords();
  for (size_t i = 0; i < ids.size() && i < sel.size(); ++i) {
    if (!sel[i]) continue;
    const int id = ids[i];
    const QString tok = m_corpus && id < m_corpus->tokens.size() ? m_corpus->tokens[id] : QString::number(id);
    out << id << '\t' << tok << '\t' << c(Eigen::Index(i), 0) << '\t' << c(Eigen::Index(i), 1) << '\t'
        << c(Eigen::Index(i), 2) << '\n';
  }
  out.flush();
  if (!f->commit()) return "Cannot write " + path;
  return {};
}

QString EmbeddingExplorer::exportProjectorTsv(const QString& vectorsPath, const QString& metadataPath) {
  if (!m_current) return "Nothing to export yet.";
  QString err;
  std::unique_ptr<QSaveFile> v(openSave(vectorsPath, err));
  if (!v) return err;
  std::unique_ptr<QSaveFile> m(openSave(metadataPath, err));
  if (!m) return err;
  QTextStream vo(v.get()), mo(m.get());
  // The projector's metadata has a header row only when it has more than one column.
  const bool multi = m_corpus && !m_corpus->metadataColumns.isEmpty();
  if (multi) mo << "token\t" << m_corpus->metadataColumns.join('\t') << '\n';
  const auto excluded = excludedIds();
  const Matrix& t = m_current->table;
  for (Eigen::Index r = 0; r < t.rows(); ++r) {
    if (std::find(excluded.begin(), excluded.end(), int(r)) != excluded.end()) continue;
    for (Eigen::Index c = 0; c < t.cols(); ++c) vo << (c ? "\t" : "") << QString::number(double(t(r, c)), 'g', 8);
    vo << '\n';
    mo << (m_corpus && r < m_corpus->tokens.size() ? m_corpus->tokens[int(r)] : QString::number(r));
    if (multi)
      for (size_t c = 0; c < m_corpus->metadata.size(); ++c) mo << '\t' << m_corpus->metadata[c].value(int(r));
    mo << '\n';
  }
  vo.flush();
  mo.flush();
  if (!v->commit() || !m->commit()) return "Cannot write the projector files.";
  return {};
}

}  // namespace embedscope::ui
