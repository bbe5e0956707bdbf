#include "ui/inspect/mask_view.h"

#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace embedscope::ui::inspect {

namespace {

QString num(double v, int precision = 5) {
  if (std::isnan(v)) return QStringLiteral("nan");
  return QString::number(v, 'f', precision);
}

const QColor kPadding(222, 222, 222);
const QColor kMaskedOut(250, 214, 214);
const QColor kValid(214, 240, 214);

QString rulesText() {
  return QObject::tr(
      "<b>The rules of <code>mask_zero</code></b><ul>"
      "<li><b>Index 0 is reserved.</b> With <code>mask_zero=True</code> id 0 means padding, so a "
      "vocabulary of N words needs <code>input_dim = N + 1</code>.</li>"
      "<li><b>Row 0 is still a trainable row.</b> The mask only tells later layers to skip those "
      "positions; the lookup still returns row 0 there and it can still receive gradients from a "
      "layer that ignores the mask. PyTorch's <code>padding_idx</code> is different: it freezes that "
      "row at zeros.</li>"
      "<li><b>The mask must be consumed.</b> GlobalAveragePooling1D, LSTM and attention honour it; "
      "a layer that does not support masking drops it and averages the padding in.</li>"
      "<li><b>Pooling divides by the valid count:</b> <code>sum(where(mask, x, 0)) / sum(mask)</code>, "
      "not by the sequence length.</li>"
      "<li><b>An all-padding row</b> has <code>sum(mask) = 0</code>: Keras divides 0 by 0 and gives "
      "NaN, and so does this view (training refuses to continue on a NaN loss).</li></ul>");
}

}  // namespace

MaskView::MaskView(QWidget* parent) : QWidget(parent) {
  setObjectName("maskView");
  auto* top = new QHBoxLayout;
  m_maskZero = new QCheckBox(tr("mask_zero"), this);
  m_maskZero->setObjectName("maskZeroToggle");
  m_maskZero->setToolTip(tr("Embedding(mask_zero=True): id 0 is padding and is masked out downstream"));
  m_example = new QSpinBox(this);
  m_example->setObjectName("maskExample");
  m_example->setPrefix(tr("example "));
  m_example->setMinimum(0);
  top->addWidget(m_maskZero);
  top->addSpacing(16);
  top->addWidget(new QLabel(tr("Pooling worked out for"), this));
  top->addWidget(m_example);
  top->addStretch(1);

  m_grid = new QTableWidget(this);
  m_grid->setObjectName("maskGrid");
  m_grid->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_grid->verticalHeader()->setDefaultSectionSize(38);
  m_grid->horizontalHeader()->setDefaultSectionSize(74);

  m_formula = new QLabel(this);
  m_formula->setObjectName("maskFormula");
  m_formula->setWordWrap(true);
  m_formula->setTextFormat(Qt::RichText);
  m_prediction = new QLabel(this);
  m_prediction->setObjectName("maskPrediction");
  m_prediction->setWordWrap(true);
  m_prediction->setTextFormat(Qt::RichText);
  m_error = new QLabel(this);
  m_error->setObjectName("maskError");
  m_error->setStyleSheet("color: #b00020");
  m_error->setWordWrap(true);
  m_error->hide();

  m_pooling = new QTableWidget(this);
  m_pooling->setObjectName("poolingTable");
  m_pooling->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_pooling->verticalHeader()->setDefaultSectionSize(22);

  m_rules = new QLabel(rulesText(), this);
  m_rules->setObjectName("maskRules");
  m_rules->setWordWrap(true);
  m_rules->setTextFormat(Qt::RichText);
  m_rules->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_rules->setMinimumWidth(200);

  auto* left = new QWidget(this);
  auto* ll = new QVBoxLayout(left);
  ll->setContentsMargins(0, 0, 0, 0);
  ll->addLayout(top);
  ll->addWidget(m_error);
  ll->addWidget(m_grid, 3);
  ll->addWidget(m_formula);
  ll->addWidget(m_pooling, 2);
  ll->addWidget(m_prediction);

  auto* rulesBox = new QGroupBox(tr("Where mask_zero bites"), this);
  auto* rl = new QVBoxLayout(rulesBox);
  rl->addWidget(m_rules);
  rl->addStretch(1);

  auto* split = new QSplitter(this);
  split->addWidget(left);
  split->addWidget(rulesBox);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split);

  connect(m_maskZero, &QCheckBox::toggled, this, [this](bool on) {
    emit maskZeroToggled(on);
    rerun();
  });
  connect(m_example, &QSpinBox::valueChanged, this, [this] { refreshPooling(); });
}

void MaskView::setRunner(Runner runner) {
  m_runner = std::move(runner);
  rerun();
}

void MaskView::setBatch(TokenBatch batch) {
  m_batch = std::move(batch);
  m_previous.reset();
  m_run.reset();
  m_example->setMaximum(std::max(0, m_batch.batch - 1));
  rerun();
}

void MaskView::setMaskZero(bool maskZero) { m_maskZero->setChecked(maskZero); }
bool MaskView::maskZero() const { return m_maskZero->isChecked(); }
void MaskView::setSelectedExample(int example) { m_example->setValue(example); }

void MaskView::rerun() {
  m_error->hide();
  if (m_runner && m_batch.batch > 0) {
    Result<PooledRun> r = m_runner(m_batch, m_maskZero->isChecked());
    if (r.isOk()) {
      if (m_run && m_run->maskZero != r->maskZero) m_previous = std::move(m_run);
      m_run = std::move(r.value());
    } else {
      m_error->setText(QString::fromStdString(r.status().message()));
      m_error->show();
    }
  }
  refreshGrid();
  refreshPooling();
  if (m_run) emit batchRun(m_run->maskZero);
}

void MaskView::refreshGrid() {
  const TokenBatch& b = m_batch;
  const bool hasMask = m_run && m_run->maskZero;
  const int rowsPer = hasMask ? 2 : 1;
  m_grid->clear();
  m_grid->setRowCount(b.batch * rowsPer);
  m_grid->setColumnCount(b.length + 1);
  QStringList cols;
  for (int t = 0; t < b.length; ++t) cols << tr("t=%1").arg(t);
  cols << tr("valid");
  m_grid->setHorizontalHeaderLabels(cols);
  QStringList rowNames;
  for (int e = 0; e < b.batch; ++e) {
    rowNames << tr("example %1").arg(e);
    if (hasMask) rowNames << tr("mask");
  }
  m_grid->setVerticalHeaderLabels(rowNames);
  for (int e = 0; e < b.batch; ++e) {
    for (int t = 0; t < b.length; ++t) {
      std::int64_t id = b.id(e, t);
      auto* cell = new QTableWidgetItem(QStringLiteral("%1\n%2").arg(b.token(id)).arg(id));
      cell->setData(Qt::UserRole, QVariant::fromValue<qlonglong>(id));
      cell->setTextAlignment(Qt::AlignCenter);
      if (id == 0) {
        cell->setBackground(kPadding);
        QFont f = cell->font();
        f.setItalic(true);
        cell->setFont(f);
        cell->setToolTip(tr("padding (id 0)"));
      }
      m_grid->setItem(e * rowsPer, t, cell);
      if (hasMask) {
        bool valid = m_run->mask[static_cast<size_t>(e) * b.length + t] != 0;
        auto* m = new QTableWidgetItem(valid ? QStringLiteral("True") : QStringLiteral("False"));
        m->setTextAlignment(Qt::AlignCenter);
        m->setBackground(valid ? kValid : kMaskedOut);
        m->setData(Qt::UserRole, valid);
        m_grid->setItem(e * rowsPer + 1, t, m);
      }
    }
    QString valid = m_run ? num(m_run->validCount[static_cast<size_t>(e)], 0) : QString();
    auto* v = new QTableWidgetItem(hasMask ? valid : tr("%1 (no mask)").arg(valid));
    v->setTextAlignment(Qt::AlignCenter);
    m_grid->setItem(e * rowsPer, b.length, v);
  }
}

void MaskView::refreshPooling() {
  m_pooling->clear();
  m_formula->clear();
  m_prediction->clear();
  if (!m_run || m_batch.batch == 0) return;
  const PooledRun& r = *m_run;
  const int e = std::min(m_example->value(), m_batch.batch - 1);
  const int dim = static_cast<int>(r.pooled.cols());
  const bool showPrev = m_previous.has_value();
  QStringList cols{tr("sum over valid positions"), tr("÷ valid count"),
                   tr("pooled (mask_zero=%1)").arg(r.maskZero ? "True" : "False")};
  if (showPrev) cols << tr("pooled (mask_zero=%1)").arg(m_previous->maskZero ? "True" : "False") << tr("change");
  m_pooling->setColumnCount(static_cast<int>(cols.size()));
  m_pooling->setHorizontalHeaderLabels(cols);
  m_pooling->setRowCount(dim);
  QStringList rows;
  for (int d = 0; d < dim; ++d) rows << tr("dim %1").arg(d);
  m_pooling->setVerticalHeaderLabels(rows);
  const float count = r.validCount[static_cast<size_t>(e)];
  for (int d = 0; d < dim; ++d) {
    auto put = [&](int c, double v) {
      auto* it = new QTableWidgetItem(num(v, 6));
      it->setData(Qt::UserRole, v);
      it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      m_pooling->setItem(d, c, it);
    };
    put(0, r.sums(e, d));
    auto* div = new QTableWidgetItem(QStringLiteral("/ %1").arg(num(count, 0)));
    div->setTextAlignment(Qt::AlignCenter);
    m_pooling->setItem(d, 1, div);
    put(2, r.pooled(e, d));
    if (showPrev) {
      put(3, m_previous->pooled(e, d));
      put(4, static_cast<double>(r.pooled(e, d)) - m_previous->pooled(e, d));
    }
  }
  m_pooling->resizeColumnsToContents();

  int positions = m_batch.length;
  int padding = 0;
  for (int t = 0; t < positions; ++t) padding += m_batch.id(e, t) == 0;
  QString how = r.maskZero
                    ? tr("GlobalAveragePooling1D honours the mask: it sums the %1 valid positions and divides by "
                         "<b>%1</b>, so the %2 padding position(s) do not dilute the mean.")
                          .arg(num(count, 0))
                          .arg(padding)
                    : tr("No mask reaches GlobalAveragePooling1D: it sums all %1 positions, padding rows (row 0) "
                         "included, and divides by <b>%1</b>.")
                          .arg(positions);
  if (count == 0) how += tr(" <b>All padding:</b> 0 / 0 gives NaN, as in Keras.");
  m_formula->setText(tr("<b>Example %1:</b> pooled = sum(where(mask, x, 0)) / sum(mask). %2").arg(e).arg(how));

  auto describe = [&](const PooledRun& run) {
    int cls = run.predicted[static_cast<size_t>(e)];
    double p = cls >= 0 ? run.probabilities(e, cls) : std::nan("");
    return tr("<b>%1</b> (p = %2)").arg(m_batch.className(cls)).arg(num(p, 4));
  };
  QString text = tr("Prediction with mask_zero=%1: %2").arg(r.maskZero ? "True" : "False").arg(describe(r));
  if (showPrev)
    text += tr("; with mask_zero=%1 it was %2").arg(m_previous->maskZero ? "True" : "False").arg(describe(*m_previous));
  if (!m_batch.labels.empty()) text += tr(". Label: <b>%1</b>").arg(m_batch.className(m_batch.labels[static_cast<size_t>(e)]));
  m_prediction->setText(text);
}

}  // namespace embedscope::ui::inspect
