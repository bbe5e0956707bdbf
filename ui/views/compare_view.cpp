#include "ui/views/compare_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <numeric>

#include "ui/views/embedding_canvas.h"
#include "ui/views/projection.h"

namespace embedscope::ui {

namespace {

constexpr int kMaxCompareRows = 3000;  // exact k-NN on both sides stays well under a second

std::vector<std::vector<int>> knnCosine(const Matrix& t, const std::vector<int>& rows, int k) {
  const Eigen::Index n = Eigen::Index(rows.size());
  Eigen::MatrixXf u(n, t.cols());
  for (Eigen::Index i = 0; i < n; ++i) {
    u.row(i) = t.row(rows[size_t(i)]);
    const float nn = u.row(i).norm();
    if (nn > 0) u.row(i) /= nn;
  }
  const Eigen::MatrixXf sim = u * u.transpose();
  std::vector<std::vector<int>> out(static_cast<size_t>(n));
  std::vector<int> idx(static_cast<size_t>(n));
  const int kk = std::min<int>(k, int(n) - 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + kk + 1, idx.end(), [&](int a, int b) { return sim(i, a) > sim(i, b); });
    for (int j = 0, got = 0; got < kk && j <= kk; ++j)
      if (idx[size_t(j)] != i) {
        out[size_t(i)].push_back(idx[size_t(j)]);
        ++got;
      }
    std::sort(out[size_t(i)].begin(), out[size_t(i)].end());
  }
  return out;
}

QRgb viridis(double t) {
  static const QRgb stops[] = {0xff440154, 0xff3b528b, 0xff21918c, 0xff5ec962, 0xfffde725};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const int i = std::min(3, int(t));
  const double f = t - i;
  const QColor a = QColor::fromRgb(stops[i]), b = QColor::fromRgb(stops[i + 1]);
  return qRgb(int(a.red() + (b.red() - a.red()) * f), int(a.green() + (b.green() - a.green()) * f),
              int(a.blue() + (b.blue() - a.blue()) * f));
}

}  // namespace

std::vector<float> neighbourhoodOverlap(const Matrix& a, const Matrix& b, const std::vector<int>& rows, int k) {
  const auto na = knnCosine(a, rows, k), nb = knnCosine(b, rows, k);
  std::vector<float> out(rows.size(), 1.0f);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<int> common;
    std::set_intersection(na[i].begin(), na[i].end(), nb[i].begin(), nb[i].end(), std::back_inserter(common));
    out[i] = na[i].empty() ? 1.0f : float(common.size()) / float(na[i].size());
  }
  return out;
}

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setObjectName("compareView");
  auto* col = new QVBoxLayout(this);
  col->setContentsMargins(2, 2, 2, 2);
  auto* row = new QHBoxLayout;
  m_a = new QComboBox(this);
  m_a->setObjectName("compareA");
  m_b = new QComboBox(this);
  m_b->setObjectName("compareB");
  m_k = new QSpinBox(this);
  m_k->setObjectName("compareK");
  m_k->setRange(2, 100);
  m_k->setValue(10);
  m_k->setPrefix("k = ");
  auto* go = new QPushButton("Compare", this);
  go->setObjectName("compareButton");
  row->addWidget(new QLabel("A", this));
  row->addWidget(m_a, 1);
  row->addWidget(new QLabel("B", this));
  row->addWidget(m_b, 1);
  row->addWidget(m_k);
  row->addWidget(go);
  col->addLayout(row);
  m_summary = new QLabel("Two snapshots side by side: choose A and B (the timeline fills these lists while training).", this);
  m_summary->setObjectName("compareSummary");
  m_summary->setWordWrap(true);
  col->addWidget(m_summary);
  auto* split = new QSplitter(Qt::Horizontal, this);
  m_left = new EmbeddingCanvas(split);
  m_left->setObjectName("compareLeft");
  m_right = new EmbeddingCanvas(split);
  m_right->setObjectName("compareRight");
  m_changes = new QTreeWidget(split);
  m_changes->setObjectName("neighbourhoodChanges");
  m_changes->setHeaderLabels({"token", "kept neighbours"});
  m_changes->setRootIsDecorated(false);
  m_changes->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  split->addWidget(m_left);
  split->addWidget(m_right);
  split->addWidget(m_changes);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 3);
  split->setStretchFactor(2, 1);
  col->addWidget(split, 1);
  connect(go, &QPushButton::clicked, this, &CompareView::refresh);
  // Hovering a point on one side marks the same token on the other.
  connect(m_left, &EmbeddingCanvas::hovered, m_right, &EmbeddingCanvas::setMarkedPoint);
  connect(m_right, &EmbeddingCanvas::hovered, m_left, &EmbeddingCanvas::setMarkedPoint);
}

void CompareView::setSnapshots(const std::vector<SnapshotPtr>& snapshots, const CorpusPtr& corpus) {
  m_snapshots = snapshots;
  m_corpus = corpus;
  const int a = m_a->currentIndex(), b = m_b->currentIndex();
  for (QComboBox* c : {m_a, m_b}) {
    const QSignalBlocker block(c);
    c->clear();
    for (const auto& s : snapshots) c->addItem(QString("step %1").arg(s->step));
  }
  m_a->setCurrentIndex(a >= 0 && a < int(snapshots.size()) ? a : 0);
  m_b->setCurrentIndex(b >= 0 && b < int(snapshots.size()) - 1 ? b : int(snapshots.size()) - 1);
}

void CompareView::compare(int a, int b) {
  m_a->setCurrentIndex(a);
  m_b->setCurrentIndex(b);
  refresh();
}

void CompareView::refresh() {
  const int ia = m_a->currentIndex(), ib = m_b->currentIndex();
  if (ia < 0 || ib < 0 || ia >= int(m_snapshots.size()) || ib >= int(m_snapshots.size())) return;
  const Matrix& ta = m_snapshots[size_t(ia)]->table;
  const Matrix& tb = m_snapshots[size_t(ib)]->table;
  if (ta.rows() != tb.rows()) {
    m_summary->setText("A and B have different numbers of rows; only tables of one vocabulary compare.");
    return;
  }
  // Padding and OOV stay out, as in the main view; a large table is compared on an even sample.
  std::vector<int> rows;
  const int n = int(ta.rows());
  const int stride = std::max(1, (n - 2) / kMaxCompareRows + ((n - 2) % kMaxCompareRows ? 1 : 0));
  for (int i = 2; i < n; i += stride) rows.push_back(i);
  ProjectionRequest req;
  req.rows = rows;
  const ProjectionResult pa = computeProjection(ta, req);
  const ProjectionResult pb = computeProjection(tb, req);
  const Matrix alignedB = alignProcrustes(pb.coords, pa.coords, 2);
  m_overlap = neighbourhoodOverlap(ta, tb, rows, m_k->value());
  std::vector<QRgb> colors(rows.size());
  QStringList labels;
  std::vector<float> prio(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    colors[i] = viridis(m_overlap[i]);
    labels << (m_corpus && rows[i] < m_corpus->tokens.size() ? m_corpus->tokens[rows[i]] : QString::number(rows[i]));
    prio[i] = 1.0f - m_overlap[i];  // the most changed tokens get the labels
  }
  const QList<LegendEntry> legend{{QColor::fromRgb(viridis(0)), "0% kept"}, {QColor::fromRgb(viridis(0.5)), "50%"},
                                  {QColor::fromRgb(viridis(1)), "100% kept"}};
  for (EmbeddingCanvas* c : {m_left, m_right}) {
    c->setPoints(rows, c == m_left ? pa.coords : alignedB, false);
    c->setColors(colors, legend, QString("k-NN kept, A to B"));
    c->setLabels(labels, prio);
  }
  std::vector<int> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return m_overlap[size_t(x)] < m_overlap[size_t(y)]; });
  m_changes->clear();
  for (size_t j = 0; j < std::min<size_t>(order.size(), 200); ++j) {
    const int i = order[j];
    new QTreeWidgetItem(m_changes, {labels[i], QString("%1%").arg(100.0 * double(m_overlap[size_t(i)]), 0, 'f', 0)});
  }
  const double mean = m_overlap.empty() ? 1.0 : std::accumulate(m_overlap.begin(), m_overlap.end(), 0.0) / double(m_overlap.size());
  m_summary->setText(QString("A = step %1, B = step %2: on average %3% of each token's %4 nearest neighbours are kept "
                             "(%5 rows%6).")
                         .arg(m_snapshots[size_t(ia)]->step)
                         .arg(m_snapshots[size_t(ib)]->step)
                         .arg(100.0 * mean, 0, 'f', 1)
                         .arg(m_k->value())
                         .arg(rows.size())
                         .arg(stride > 1 ? QString(", every %1th row").arg(stride) : QString()));
}

}  // namespace embedscope::ui
