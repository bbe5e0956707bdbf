#pragma once
// Projections of the table's rows for the embedding view, and the alignment that keeps a live view
// steady between snapshots. Pure functions of their inputs (no Qt widgets), run on the analysis thread.
#include <QString>
#include <optional>
#include <vector>

#include "engine/core/cancel_token.h"

#include "engine/core/matrix.h"

namespace embedscope::ui {

struct ProjectionRequest {
  QString method = "pca";  // pca, tsne, umap, custom
  int dims = 2;            // 2 or 3
  std::vector<int> rows;   // which table rows to project
  // Custom axes: x = direction from the centroid of xFrom to that of xTo (rows), y likewise; an
  // empty y takes the first principal component orthogonal to x.
  std::vector<int> xFrom, xTo, yFrom, yTo;
  bool trust = false;  // also compute the neighbourhood-preservation score per point
  int trustK = 10;
  // t-SNE / UMAP parameters (the engine's analysis library; scikit-learn / umap-learn defaults).
  double perplexity = 30.0;
  int tsneIterations = 600;
  int umapNeighbors = 15;
  double umapMinDist = 0.1;
  std::uint64_t seed = 0;
  // The layout now on screen for the same rows (n, 3): a live update starts from it, so points
  // move with training instead of being re-laid out from scratch.
  std::optional<Matrix> initialLayout;
  CancelToken cancel;  // shared flag: the controller cancels a superseded job
};

struct ProjectionResult {
  Matrix coords;                 // (rows.size(), 3); column 2 is 0 in 2-D
  std::vector<float> trust;      // per row in [0, 1]: share of its k nearest (cosine) neighbours kept in 2-D
  std::vector<double> explained; // variance explained by each axis (PCA), as fractions
  QString error;
};

ProjectionResult computeProjection(const Matrix& table, const ProjectionRequest& req);

// Rotates (and reflects) `next` onto `previous` by orthogonal Procrustes, after matching their
// centroids and scales, so consecutive snapshots do not flip or spin. Both are (n, 3).
Matrix alignProcrustes(const Matrix& next, const Matrix& previous, int dims);

}  // namespace embedscope::ui
