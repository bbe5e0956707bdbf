#include "ui/models/vector_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTextStream>

namespace embedscope::ui {

LoadedVectors readVectorFile(const QString& path) {
  LoadedVectors out;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
    out.error = QString("Cannot open %1: %2").arg(path, f.errorString());
    return out;
  }
  if (path.endsWith(".npy")) {
    out.error = QString("%1: NumPy files open through the engine's io library, which this build does not have yet.").arg(path);
    return out;
  }
  QTextStream in(&f);
  std::vector<std::vector<float>> rows;
  QStringList tokens;
  const bool tsv = path.endsWith(".tsv");
  static const QRegularExpression ws("\\s+");
  int lineNo = 0;
  int dims = -1;
  while (!in.atEnd()) {
    const QString line = in.readLine();
    ++lineNo;
    if (line.trimmed().isEmpty()) continue;
    QStringList parts = tsv ? line.split('\t') : line.trimmed().split(ws);
    if (!tsv && lineNo == 1 && parts.size() == 2) {
      bool a = false, b = false;
      parts[0].toLongLong(&a);
      parts[1].toLongLong(&b);
      if (a && b) continue;  // word2vec header "N D"
    }
    QString token;
    if (!tsv) token = parts.takeFirst();
    std::vector<float> v;
    v.reserve(size_t(parts.size()));
    for (const QString& p : parts) {
      bool ok = false;
      const float x = p.toFloat(&ok);
      if (!ok) {
        out.error = QString("%1:%2: '%3' is not a number").arg(path).arg(lineNo).arg(p.left(40));
        return out;
      }
      v.push_back(x);
    }
    if (dims < 0) dims = int(v.size());
    if (int(v.size()) != dims || dims == 0) {
      out.error = QString("%1:%2: expected %3 values, found %4").arg(path).arg(lineNo).arg(dims).arg(v.size());
      return out;
    }
    rows.push_back(std::move(v));
    tokens << (tsv ? QString::number(rows.size() - 1) : token);
  }
  if (rows.empty()) {
    out.error = path + ": no vectors found";
    return out;
  }
  auto corpus = std::make_shared<CorpusInfo>();
  if (tsv) {
    QFile meta(QFileInfo(path).dir().filePath("metadata.tsv"));
    if (meta.open(QIODevice::ReadOnly | QIODevice::Text)) {
      QTextStream m(&meta);
      QStringList lines;
      while (!m.atEnd()) lines << m.readLine();
      while (!lines.isEmpty() && lines.back().isEmpty()) lines.removeLast();
      const bool header = lines.size() == qsizetype(rows.size()) + 1;
      if (header) {
        const QStringList cols = lines.takeFirst().split('\t');
        corpus->metadataColumns = cols.mid(1);
        corpus->metadata.assign(size_t(corpus->metadataColumns.size()), {});
      }
      if (lines.size() == qsizetype(rows.size()))
        for (int i = 0; i < lines.size(); ++i) {
          const QStringList c = lines[i].split('\t');
          tokens[i] = c.value(0);
          for (size_t k = 0; k < corpus->metadata.size(); ++k) corpus->metadata[k] << c.value(int(k) + 1);
        }
    }
  }
  auto snap = std::make_shared<EmbeddingSnapshot>();
  snap->table = Matrix(Eigen::Index(rows.size()), dims);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int c = 0; c < dims; ++c) snap->table(Eigen::Index(r), c) = rows[r][size_t(c)];
  corpus->tokens = tokens;
  corpus->frequency.assign(rows.size(), 0);
  corpus->cluster.assign(rows.size(), -1);
  corpus->description = QString("%1: %2 x %3").arg(QFileInfo(path).fileName()).arg(rows.size()).arg(dims);
  out.corpus = corpus;
  out.snapshot = snap;
  return out;
}

}  // namespace embedscope::ui
