#include "ui/panels/neighbours_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QSpinBox>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <numeric>

namespace embedscope::ui {

namespace {

// Draws the distance as a bar under its number, relative to the farthest neighbour shown.
class DistanceBarDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* p, const QStyleOptionViewItem& opt, const QModelIndex& index) const override {
    const double frac = index.data(Qt::UserRole + 1).toDouble();
    QStyledItemDelegate::paint(p, opt, index);
    QRectF bar = QRectF(opt.rect).adjusted(2, opt.rect.height() - 5, -2, -1);
    bar.setWidth(bar.width() * std::clamp(frac, 0.0, 1.0));
    p->fillRect(bar, QColor(0, 114, 178, 170));
  }
};

}  // namespace

std::vector<Neighbour> nearestRows(const Matrix& table, const Eigen::RowVectorXf& query, int k, bool cosine,
                                   const std::vector<int>& skip) {
  std::vector<Neighbour> all;
  all.reserve(size_t(table.rows()));
  const float qn = query.norm();
  for (Eigen::Index r = 0; r < table.rows(); ++r) {
    if (std::find(skip.begin(), skip.end(), int(r)) != skip.end()) continue;
    float d;
    if (cosine) {
      const float rn = table.row(r).norm();
      d = (qn > 0 && rn > 0) ? 1.0f - table.row(r).dot(query) / (qn * rn) : 1.0f;
    } else {
      d = (table.row(r) - query).norm();
    }
    all.push_back({int(r), d});
  }
  const size_t keep = std::min<size_t>(all.size(), size_t(std::max(0, k)));
  std::partial_sort(all.begin(), all.begin() + qsizetype(keep), all.end(),
                    [](const Neighbour& a, const Neighbour& b) { return a.distance < b.distance; });
  all.resize(keep);
  return all;
}

NeighboursPanel::NeighboursPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("neighboursPanel");
  auto* col = new QVBoxLayout(this);
  col->setContentsMargins(4, 4, 4, 4);
  m_title = new QLabel("Click a point to see its nearest neighbours in the original space.", this);
  m_title->setObjectName("neighboursTitle");
  m_title->setWordWrap(true);
  col->addWidget(m_title);
  auto* row = new QHBoxLayout;
  m_k = new QSpinBox(this);
  m_k->setObjectName("neighboursK");
  m_k->setRange(1, 999);
  m_k->setValue(10);
  m_k->setPrefix("k = ");
  m_metric = new QComboBox(this);
  m_metric->setObjectName("neighboursMetric");
  m_metric->addItems({"cosine", "euclidean"});
  row->addWidget(m_k);
  row->addWidget(m_metric);
  col->addLayout(row);
  m_list = new QTreeWidget(this);
  m_list->setObjectName("neighbourList");
  m_list->setHeaderLabels({"token", "id", "distance"});
  m_list->setRootIsDecorated(false);
  m_list->setItemDelegateForColumn(2, new DistanceBarDelegate(m_list));
  m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  col->addWidget(m_list, 2);
  connect(m_k, &QSpinBox::valueChanged, this, &NeighboursPanel::recompute);
  connect(m_metric, &QComboBox::currentIndexChanged, this, &NeighboursPanel::recompute);
  connect(m_list, &QTreeWidget::itemActivated, this,
          [this](QTreeWidgetItem* it) { emit neighbourActivated(it->text(1).toInt()); });

  auto* ag = new QGroupBox("Analogy: a is to b as c is to ?", this);
  auto* af = new QFormLayout(ag);
  m_a = new QLineEdit(this);
  m_a->setObjectName("analogyA");
  m_b = new QLineEdit(this);
  m_b->setObjectName("analogyB");
  m_c = new QLineEdit(this);
  m_c->setObjectName("analogyC");
  af->addRow("a", m_a);
  af->addRow("b", m_b);
  af->addRow("c", m_c);
  auto* go = new QPushButton("Solve (b - a + c)", this);
  go->setObjectName("analogyButton");
  af->addRow(go);
  m_analogy = new QTreeWidget(this);
  m_analogy->setObjectName("analogyList");
  m_analogy->setHeaderLabels({"token", "cosine distance"});
  m_analogy->setRootIsDecorated(false);
  af->addRow(m_analogy);
  connect(go, &QPushButton::clicked, this, &NeighboursPanel::runAnalogy);
  col->addWidget(ag, 1);
}

void NeighboursPanel::setData(const SnapshotPtr& snapshot, const CorpusPtr& corpus, const std::vector<int>& excluded) {
  m_snapshot = snapshot;
  m_corpus = corpus;
  m_excluded = excluded;
  if (m_id >= 0) recompute();
}

void NeighboursPanel::showNeighbours(int id) {
  m_id = id;
  recompute();
}

void NeighboursPanel::recompute() {
  m_list->clear();
  m_result.clear();
  if (!m_snapshot || m_id < 0 || m_id >= m_snapshot->table.rows()) return;
  std::vector<int> skip = m_excluded;
  skip.push_back(m_id);
  const bool cosine = m_metric->currentIndex() == 0;
  m_result = nearestRows(m_snapshot->table, m_snapshot->table.row(m_id), m_k->value(), cosine, skip);
  const QString token = m_corpus && m_id < m_corpus->tokens.size() ? m_corpus->tokens[m_id] : QString::number(m_id);
  m_title->setText(QString("Nearest to <b>%1</b> (id %2) at step %3, %4:")
                       .arg(token.toHtmlEscaped())
                       .arg(m_id)
                       .arg(m_snapshot->step)
                       .arg(cosine ? "cosine distance" : "euclidean distance"));
  const float far = m_result.empty() ? 1.0f : std::max(1e-12f, m_result.back().distance);
  for (const Neighbour& n : m_result) {
    auto* it = new QTreeWidgetItem(m_list);
    it->setText(0, m_corpus && n.id < m_corpus->tokens.size() ? m_corpus->tokens[n.id] : QString::number(n.id));
    it->setText(1, QString::number(n.id));
    it->setText(2, QString::number(n.distance, 'f', 4));
    it->setData(2, Qt::UserRole + 1, double(n.distance / far));
  }
}

int NeighboursPanel::idOf(const QString& token) const {
  if (!m_corpus) return -1;
  const int i = int(m_corpus->tokens.indexOf(token.trimmed()));
  if (i >= 0) return i;
  bool ok = false;
  const int id = token.trimmed().toInt(&ok);
  return ok ? id : -1;
}

void NeighboursPanel::runAnalogy() {
  m_analogy->clear();
  if (!m_snapshot) return;
  const int a = idOf(m_a->text()), b = idOf(m_b->text()), c = idOf(m_c->text());
  const auto rows = m_snapshot->table.rows();
  if (a < 0 || b < 0 || c < 0 || a >= rows || b >= rows || c >= rows) {
    new QTreeWidgetItem(m_analogy, {"(a, b and c must be tokens or ids in the vocabulary)"});
    return;
  }
  const Matrix& t = m_snapshot->table;
  const Eigen::RowVectorXf q = t.row(b) - t.row(a) + t.row(c);
  std::vector<int> skip = m_excluded;
  skip.insert(skip.end(), {a, b, c});
  for (const Neighbour& n : nearestRows(t, q, 10, true, skip))
    new QTreeWidgetItem(m_analogy, {m_corpus && n.id < m_corpus->tokens.size() ? m_corpus->tokens[n.id] : QString::number(n.id),
                                    QString::number(n.distance, 'f', 4)});
}

}  // namespace embedscope::ui
