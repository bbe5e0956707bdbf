// `embedscope project`: PCA, t-SNE or UMAP of a vectors file to 2-D/3-D coordinates, one line per
// input row in input order, so the file pairs with the vectors line by line.
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/output.h"
#include "app/commands/analysis_common.h"
#include "engine/analysis/knn.h"
#include "engine/analysis/pca.h"
#include "engine/analysis/trust.h"
#include "engine/analysis/tsne.h"
#include "engine/analysis/umap.h"
#include "engine/core/atomic_file.h"

namespace embedscope::cli {
namespace {

using namespace embedscope::analysis;

constexpr const char* kUsage =
    "usage: embedscope project --vectors PATH --method pca|tsne|umap --save COORDS.tsv\n"
    "                          [--dims 2|3] [--perplexity F] [--n-neighbors N] [--min-dist F]\n"
    "                          [--iterations N] [--seed N] [--metrics PATH.json]\n"
    "                          [--include-reserved] [--threads N]\n"
    "                          [--tsne-method auto|exact|barnes_hut|fft] [--umap-init spectral|pca|random]\n\n"
    "Projects every row of the vectors file (.npy, word2vec text/binary, .vec, .npz, projector TSV,\n"
    "CSV, .keras, .weights.h5) and writes COORDS.tsv: one line per input row, in input order, --dims\n"
    "tab-separated numbers, no header. Padding/OOV rows the file declares are left out of the fit\n"
    "(and placed at their nearest fitted row) unless --include-reserved; rows holding NaN/Inf are\n"
    "never fitted and are placed at the layout's centre.\n\n"
    "  --method        pca | tsne | umap\n"
    "  --dims          2 (default) or 3\n"
    "  --perplexity    t-SNE perplexity (default 30)\n"
    "  --n-neighbors   UMAP neighbours (default 15)\n"
    "  --min-dist      UMAP min_dist (default 0.1)\n"
    "  --iterations    t-SNE iterations (default 1000) or UMAP epochs (default 500 / 200 above 10k rows)\n"
    "  --seed          random seed (default 0); one thread is bit-reproducible for a seed\n"
    "  --metrics       write JSON: method, seconds, kl_divergence (t-SNE), trustworthiness (k=5),\n"
    "                  variance_explained (PCA), rows, fitted_rows\n"
    "  --threads       worker threads (default 1; 0 = all cores)\n"
    "  --tsne-method   t-SNE gradient: auto (default: exact < 1,000 rows, Barnes-Hut < 5,000 or 3-D,\n"
    "                  FFT interpolation beyond), exact, barnes_hut, fft\n"
    "  --umap-init     UMAP start: spectral (default; PCA when the graph is disconnected), pca, random";

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

int run(const std::vector<std::string>& argv) {
  auto parsed = Args::parse(argv,
                            {"--vectors", "--method", "--dims", "--perplexity", "--n-neighbors", "--min-dist",
                             "--iterations", "--seed", "--save", "--metrics", "--threads", "--tsne-method",
                             "--umap-init"},
                            {"--include-reserved"});
  if (!parsed) return fail(parsed.status());
  const Args& a = *parsed;
  if (!a.positionals().empty())
    return fail(Status::invalidArgument("unrecognized argument: " + a.positionals().front()));
  const auto path = a.value("--vectors");
  if (!path) return fail(Status::invalidArgument("the following arguments are required: --vectors"));
  const auto method = a.value("--method");
  if (!method) return fail(Status::invalidArgument("the following arguments are required: --method"));
  if (*method != "pca" && *method != "tsne" && *method != "umap")
    return fail(
        Status::invalidArgument("argument --method: invalid choice: '" + *method + "' (choose from pca, tsne, umap)"));
  const auto save = a.value("--save");
  if (!save) return fail(Status::invalidArgument("the following arguments are required: --save"));
  auto dims = a.integer("--dims", 2);
  if (!dims) return fail(dims.status());
  if (*dims != 2 && *dims != 3)
    return fail(
        Status::invalidArgument("argument --dims: invalid choice: " + std::to_string(*dims) + " (choose from 2, 3)"));
  auto perplexity = a.number("--perplexity", 30.0);
  if (!perplexity) return fail(perplexity.status());
  auto nNeighbors = a.integer("--n-neighbors", 15);
  if (!nNeighbors) return fail(nNeighbors.status());
  auto minDist = a.number("--min-dist", 0.1);
  if (!minDist) return fail(minDist.status());
  auto iterations = a.integer("--iterations", -1);
  if (!iterations) return fail(iterations.status());
  if (a.has("--iterations") && (*iterations < 0 || *iterations > 1000000))
    return fail(Status::invalidArgument("argument --iterations: must be in [0, 1000000]. Received: " +
                                        std::to_string(*iterations)));
  auto seed = a.integer("--seed", 0);
  if (!seed) return fail(seed.status());
  if (*seed < 0) return fail(Status::invalidArgument("argument --seed: must be non-negative"));
  if (*perplexity <= 0) return fail(Status::invalidArgument("argument --perplexity: must be positive"));
  if (*nNeighbors < 2) return fail(Status::invalidArgument("argument --n-neighbors: must be at least 2"));
  if (*minDist < 0 || *minDist > 1) return fail(Status::invalidArgument("argument --min-dist: must be in [0, 1]"));
  auto control = runControlFrom(a);
  if (!control) return fail(control.status());

  InterruptGuard guard;
  auto input = readAnalysisInput(*path, a.has("--include-reserved"));
  if (!input) return fail(input.status());
  const Matrix& table = input->vectors.matrix;
  const RowSelection& sel = input->rows;
  if (sel.nonFiniteCount > 0)
    printWarning(std::to_string(sel.nonFiniteCount) +
                 " rows hold NaN or infinity; they were left out and placed at the centre");
  const Matrix fitted = gatherRows(table, sel.fitted);
  const int d = static_cast<int>(*dims);

  const auto t0 = std::chrono::steady_clock::now();
  Matrix layout;  // fitted rows x d
  std::ostringstream extra;
  if (*method == "pca") {
    PcaOptions po;
    po.components.clear();
    for (int c = 0; c < d; ++c) po.components.push_back(c);
    po.seed = static_cast<std::uint64_t>(*seed);
    auto r = pca(fitted, po, *control);
    if (!r) return fail(r.status());
    layout = r->coordinates;
    extra << ",\n  \"variance_explained\": [";
    for (int c = 0; c < d; ++c)
      extra << (c ? ", " : "")
            << fmt(c < static_cast<int>(r->varianceExplained.size()) ? r->varianceExplained[static_cast<std::size_t>(c)]
                                                                     : 0.0);
    extra << "]";
    // Reserved finite rows go through the same linear map.
    std::vector<std::int64_t> reservedRows;
    for (std::int64_t i = 0; i < sel.inputRows(); ++i)
      if (sel.kind[static_cast<std::size_t>(i)] == RowKind::Reserved) reservedRows.push_back(i);
    if (!reservedRows.empty()) {
      std::vector<int> comps(po.components);
      const Matrix placed = r->transform(gatherRows(table, reservedRows), comps);
      // Appended after the fitted rows; the output loop below puts them in place.
      layout.conservativeResize(layout.rows() + placed.rows(), d);
      layout.bottomRows(placed.rows()) = placed;
    }
  } else if (*method == "tsne") {
    TsneOptions to;
    to.dims = d;
    to.perplexity = *perplexity;
    if (*iterations >= 0) to.iterations = static_cast<int>(*iterations);
    to.seed = static_cast<std::uint64_t>(*seed);
    if (const auto tm = a.value("--tsne-method")) {
      if (*tm == "auto") to.method = TsneMethod::Auto;
      else if (*tm == "exact") to.method = TsneMethod::Exact;
      else if (*tm == "barnes_hut") to.method = TsneMethod::BarnesHut;
      else if (*tm == "fft") to.method = TsneMethod::Fft;
      else return fail(Status::invalidArgument("argument --tsne-method: must be auto, exact, barnes_hut or fft. Received: " + *tm));
    }
    if (fitted.rows() > 1 && to.perplexity >= double(fitted.rows()))
      return fail(Status::invalidArgument("argument --perplexity: must be less than the number of rows (" +
                                          std::to_string(fitted.rows()) + ")"));
    auto r = tsne(fitted, to, *control);
    if (!r) return fail(r.status());
    layout = r->layout;
    extra << ",\n  \"kl_divergence\": " << fmt(r->klDivergence) << ",\n  \"tsne_method\": \""
          << tsneMethodName(r->method) << "\",\n  \"learning_rate\": " << fmt(r->learningRate);
  } else {
    UmapOptions uo;
    uo.dims = d;
    uo.nNeighbors = static_cast<int>(*nNeighbors);
    uo.minDist = *minDist;
    if (*iterations >= 0) uo.epochs = static_cast<int>(*iterations);
    uo.seed = static_cast<std::uint64_t>(*seed);
    if (const auto ui = a.value("--umap-init")) {
      if (*ui == "spectral") uo.init = UmapInit::Spectral;
      else if (*ui == "pca") uo.init = UmapInit::Pca;
      else if (*ui == "random") uo.init = UmapInit::Random;
      else return fail(Status::invalidArgument("argument --umap-init: must be spectral, pca or random. Received: " + *ui));
    }
    auto r = umap(fitted, uo, *control);
    if (!r) return fail(r.status());
    layout = r->layout;
    extra << ",\n  \"epochs\": " << r->epochs << ",\n  \"a\": " << fmt(r->a) << ",\n  \"b\": " << fmt(r->b)
          << ",\n  \"umap_init\": \"" << (r->init == UmapInit::Spectral ? "spectral" : r->init == UmapInit::Pca ? "pca" : "random")
          << "\"";
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Every input row gets a line: fitted rows their layout, reserved rows the PCA map (pca) or
  // their nearest fitted row (t-SNE, UMAP), non-finite rows the centre of the layout.
  const std::int64_t nFit = static_cast<std::int64_t>(sel.fitted.size());
  Matrix out = Matrix::Zero(sel.inputRows(), d);
  Eigen::RowVectorXf centre = Eigen::RowVectorXf::Zero(d);
  if (nFit > 0) centre = layout.topRows(nFit).colwise().mean();
  for (std::int64_t i = 0; i < nFit; ++i) out.row(sel.fitted[static_cast<std::size_t>(i)]) = layout.row(i);
  std::vector<std::int64_t> reservedRows;
  for (std::int64_t i = 0; i < sel.inputRows(); ++i) {
    const auto kind = sel.kind[static_cast<std::size_t>(i)];
    if (kind == RowKind::NonFinite) out.row(i) = centre;
    if (kind == RowKind::Reserved) reservedRows.push_back(i);
  }
  if (!reservedRows.empty()) {
    if (*method == "pca") {
      for (std::size_t j = 0; j < reservedRows.size(); ++j)
        out.row(reservedRows[j]) = layout.row(nFit + static_cast<std::int64_t>(j));
    } else if (nFit > 0) {
      auto nn = exactKnn(fitted, gatherRows(table, reservedRows), 1, Metric::Euclidean, *control);
      if (!nn) return fail(nn.status());
      for (std::size_t j = 0; j < reservedRows.size(); ++j) {
        const std::int64_t at = nn->neighbours(static_cast<std::int64_t>(j))[0];
        out.row(reservedRows[j]) = at >= 0 ? Eigen::RowVectorXf(layout.row(at)) : centre;
      }
    }
  }

  std::string metricsJson;
  if (a.value("--metrics")) {
    double trust = 1.0;
    if (nFit > 11) {
      TrustOptions tro;
      tro.k = 5;
      tro.maxQueries = 2000;
      tro.seed = static_cast<std::uint64_t>(*seed);
      auto tr = trustMetrics(fitted, layout.topRows(nFit), tro, *control);
      if (!tr) return fail(tr.status());
      trust = tr->trustworthiness;
    }
    std::ostringstream js;
    js << "{\n  \"method\": \"" << *method << "\",\n  \"seconds\": " << fmt(seconds)
       << ",\n  \"rows\": " << sel.inputRows() << ",\n  \"fitted_rows\": " << nFit
       << ",\n  \"reserved_rows_excluded\": " << sel.reservedCount << ",\n  \"non_finite_rows\": " << sel.nonFiniteCount
       << ",\n  \"dims\": " << d << ",\n  \"trustworthiness\": " << fmt(trust) << extra.str() << "\n}\n";
    metricsJson = js.str();
  }

  Status st = writeFileAtomically(*save, [&](std::ostream& os) {
    std::string line;
    char buf[32];
    for (Eigen::Index i = 0; i < out.rows(); ++i) {
      line.clear();
      for (int c = 0; c < d; ++c) {
        std::snprintf(buf, sizeof buf, "%.7g", double(out(i, c)));
        if (c) line += '\t';
        line += buf;
      }
      line += '\n';
      os << line;
    }
    return Status::ok();
  });
  if (!st) return fail(st);
  if (!metricsJson.empty()) {
    st = writeFileAtomically(*a.value("--metrics"), [&](std::ostream& os) {
      os << metricsJson;
      return Status::ok();
    });
    if (!st) return fail(st);
  }
  return 0;
}

const CommandRegistrar reg{
    {"project", "project vectors to 2-D/3-D (PCA, t-SNE, UMAP) as TSV coordinates", kUsage, &run}};

}  // namespace
}  // namespace embedscope::cli
