// GCC 12 reports false maybe-uninitialized warnings inside Eigen's AVX-512 intrinsics at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "engine/analysis/hnsw_index.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wshadow=local"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wuseless-cast"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
#pragma GCC diagnostic ignored "-Wdeprecated-copy"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <hnswlib/hnswlib.h>
#pragma GCC diagnostic pop

namespace embedscope::analysis {

struct HnswIndex::Impl {
  Metric metric = Metric::Cosine;
  int dims = 0;
  int efSearch = 64;
  std::int64_t count = 0;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

HnswIndex::HnswIndex() : m_impl(std::make_unique<Impl>()) {}
HnswIndex::~HnswIndex() = default;
HnswIndex::HnswIndex(HnswIndex&&) noexcept = default;
HnswIndex& HnswIndex::operator=(HnswIndex&&) noexcept = default;

namespace {

// The vector hnswlib sees for a row: unit-normalised for cosine (zero stays zero), else as is.
void prepareRow(const float* in, float* out, int d, Metric metric) {
  std::copy(in, in + d, out);
  if (metric != Metric::Cosine) return;
  double s = 0;
  for (int c = 0; c < d; ++c) s += double(in[c]) * double(in[c]);
  if (s <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (int c = 0; c < d; ++c) out[c] *= inv;
}

bool finiteRow(const float* p, int d) {
  bool f = true;
  for (int c = 0; c < d; ++c) f &= std::isfinite(p[c]);
  return f;
}

}  // namespace

Result<HnswIndex> HnswIndex::build(const Matrix& data, const HnswOptions& options, const RunControl& control) {
  if (options.m < 2 || options.efConstruction < 1)
    return Status::invalidArgument("hnsw needs m >= 2 and ef_construction >= 1");
  if (data.cols() <= 0) return Status::invalidArgument("cannot index vectors with 0 dimensions");
  HnswIndex idx;
  Impl& im = *idx.m_impl;
  im.metric = options.metric;
  im.dims = static_cast<int>(data.cols());
  im.efSearch = options.efSearch;
  const std::int64_t n = data.rows();
  try {
    if (options.metric == Metric::Euclidean) im.space = std::make_unique<hnswlib::L2Space>(data.cols());
    else im.space = std::make_unique<hnswlib::InnerProductSpace>(data.cols());
    im.graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(im.space.get(), static_cast<std::size_t>(std::max<std::int64_t>(1, n)),
                                                                  options.m, options.efConstruction, options.seed);
  } catch (const std::exception& e) {
    return Status::unavailable(std::string("cannot allocate the hnsw index: ") + e.what());
  }
  const int d = im.dims;
  std::atomic<bool> failed{false}, stop{false};
  std::atomic<std::int64_t> done{0};
  std::string error;
  // The first point goes in alone so that concurrent inserts always have an entry point.
  auto addRange = [&](std::int64_t b, std::int64_t e, int worker) {
    std::vector<float> buf(static_cast<std::size_t>(d));
    for (std::int64_t r = b; r < e; ++r) {
      if (failed || stop) return;
      if ((r & 1023) == 0 && control.cancelled()) {
        stop = true;
        return;
      }
      const float* p = data.row(r).data();
      if (!finiteRow(p, d)) continue;
      prepareRow(p, buf.data(), d, im.metric);
      try {
        im.graph->addPoint(buf.data(), static_cast<hnswlib::labeltype>(r));
      } catch (const std::exception& ex) {
        if (!failed.exchange(true)) error = ex.what();
        return;
      }
      const std::int64_t c = ++done;
      if (worker == 0 && (c & 4095) == 0) control.report("index", double(c) / double(n));
    }
  };
  std::int64_t first = 0;
  while (first < n && !finiteRow(data.row(first).data(), d)) ++first;
  if (first < n) {
    addRange(first, first + 1, 0);
    parallelFor(n - first - 1, control.threadCount(),
                [&](std::int64_t b, std::int64_t e, int w) { addRange(first + 1 + b, first + 1 + e, w); });
  }
  if (stop) return Status::cancelled();
  if (failed) return Status::unavailable("building the hnsw index failed: " + error);
  im.count = done.load();
  return idx;
}

Result<KnnGraph> HnswIndex::query(const Matrix& queries, int k, const RunControl& control, bool excludeSelf) const {
  if (k <= 0) return Status::invalidArgument("k must be a positive integer. Received: k=" + std::to_string(k));
  const Impl& im = *m_impl;
  if (!im.graph) return Status::invalidArgument("the index is empty");
  if (queries.cols() != im.dims)
    return Status::invalidArgument("queries have " + std::to_string(queries.cols()) + " columns, the index " +
                                   std::to_string(im.dims));
  KnnGraph g;
  g.queries = queries.rows();
  g.k = k;
  g.indices.assign(static_cast<std::size_t>(g.queries * k), -1);
  g.scores.assign(static_cast<std::size_t>(g.queries * k), 0.f);
  const int want = k + (excludeSelf ? 1 : 0);
  const std::size_t fetch = static_cast<std::size_t>(std::min<std::int64_t>(want, std::max<std::int64_t>(1, im.count)));
  im.graph->setEf(static_cast<std::size_t>(std::max(im.efSearch, want)));
  std::atomic<bool> stop{false}, failed{false};
  parallelFor(g.queries, control.threadCount(), [&](std::int64_t b, std::int64_t e, int) {
    std::vector<float> buf(static_cast<std::size_t>(im.dims));
    for (std::int64_t q = b; q < e; ++q) {
      if (stop || failed) return;
      if ((q & 255) == 0 && control.cancelled()) {
        stop = true;
        return;
      }
      const float* p = queries.row(q).data();
      if (!finiteRow(p, im.dims) || im.count == 0) continue;
      prepareRow(p, buf.data(), im.dims, im.metric);
      std::vector<std::pair<float, hnswlib::labeltype>> found;
      try {
        auto pq = im.graph->searchKnn(buf.data(), fetch);
        while (!pq.empty()) {
          found.push_back(pq.top());
          pq.pop();
        }
      } catch (const std::exception&) {
        failed = true;
        return;
      }
      std::reverse(found.begin(), found.end());  // nearest first
      std::stable_sort(found.begin(), found.end(), [](const auto& u, const auto& v) {
        return u.first < v.first || (u.first == v.first && u.second < v.second);
      });
      int out = 0;
      for (const auto& [dist, label] : found) {
        if (out == k) break;
        const auto row = static_cast<std::int64_t>(label);
        if (excludeSelf && row == q) continue;
        float score = 0;
        switch (im.metric) {
          case Metric::Euclidean: score = std::sqrt(std::max(0.f, dist)); break;
          case Metric::Cosine:
          case Metric::Dot: score = 1.f - dist; break;  // hnswlib's inner-product distance is 1 - ip
        }
        g.indices[static_cast<std::size_t>(q * k + out)] = row;
        g.scores[static_cast<std::size_t>(q * k + out)] = score;
        ++out;
      }
    }
  });
  if (stop) return Status::cancelled();
  if (failed) return Status::internal("hnsw search failed");
  return g;
}

void HnswIndex::setEfSearch(int ef) { m_impl->efSearch = std::max(1, ef); }
std::int64_t HnswIndex::size() const { return m_impl->count; }
int HnswIndex::dims() const { return m_impl->dims; }
Metric HnswIndex::metric() const { return m_impl->metric; }

}  // namespace embedscope::analysis
