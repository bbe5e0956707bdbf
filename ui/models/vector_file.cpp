#include "ui/models/vector_file.h"

#include <QFileInfo>

#include "engine/io/vectors.h"

namespace embedscope::ui {

LoadedVectors readVectorFile(const QString& path) {
  // The engine's io library reads every format (NumPy .npy/.npz, word2vec text/binary, fastText
  // .vec, GloVe, projector TSV with metadata.tsv, Keras .keras / .weights.h5).
  LoadedVectors out;
  auto v = io::readVectors(path.toStdString());
  if (!v) {
    out.error = QString::fromStdString(v.status().message());
    return out;
  }
  auto corpus = std::make_shared<CorpusInfo>();
  const auto rows = v->rows();
  for (std::int64_t i = 0; i < rows; ++i)
    corpus->tokens << (size_t(i) < v->tokens.size() ? QString::fromStdString(v->tokens[size_t(i)]) : QString::number(i));
  corpus->frequency.assign(size_t(rows), 0);
  for (size_t i = 0; i < v->frequencies.size() && i < size_t(rows); ++i) corpus->frequency[i] = v->frequencies[i];
  corpus->cluster.assign(size_t(rows), -1);
  // A file says which rows are padding / OOV (or none): only those are set aside.
  corpus->specialRows.clear();
  if (v->paddingRow) corpus->specialRows.push_back(int(*v->paddingRow));
  if (v->oovRow) corpus->specialRows.push_back(int(*v->oovRow));
  for (size_t c = 0; c < v->metadataColumns.size() && c < v->metadata.size(); ++c) {
    corpus->metadataColumns << QString::fromStdString(v->metadataColumns[c]);
    QStringList col;
    for (const auto& s : v->metadata[c]) col << QString::fromStdString(s);
    corpus->metadata.push_back(col);
  }
  corpus->description = QString("%1: %2 x %3 (%4)")
                            .arg(QFileInfo(path).fileName())
                            .arg(rows)
                            .arg(v->dim())
                            .arg(QString::fromStdString(v->format));
  auto snap = std::make_shared<EmbeddingSnapshot>();
  snap->table = std::move(v->matrix);
  snap->touched.assign(size_t(rows), 0);
  out.corpus = corpus;
  out.snapshot = snap;
  return out;
}

}  // namespace embedscope::ui
