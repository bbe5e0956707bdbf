#include "engine/optim/optimizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "engine/layer/constraints.h"
#include "engine/layer/parallel_for.h"
#include "engine/optim/update_rules.h"

namespace embedscope {
namespace {

std::string shape2(std::int64_t r, std::int64_t c) { return "(" + std::to_string(r) + ", " + std::to_string(c) + ")"; }

// Sum of squares of the gradient (dense + sparse) in double, row by row in order: deterministic.
double gradSquaredNorm(const VariableGrad& g, std::int64_t rows, std::int64_t cols) {
  double s = 0.0;
  if (g.dense == nullptr) {
    if (g.sparse) {
      const float* v = g.sparse->values.data();
      const std::int64_t n = g.sparse->values.size();
      for (std::int64_t i = 0; i < n; ++i) s += double(v[i]) * double(v[i]);
    }
    return s;
  }
  std::size_t k = 0;
  const std::size_t nnz = g.sparse ? g.sparse->rows.size() : 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* d = g.dense->data() + r * cols;
    if (k < nnz && g.sparse->rows[k] == r) {
      const float* sp = g.sparse->values.data() + static_cast<std::int64_t>(k) * cols;
      for (std::int64_t c = 0; c < cols; ++c) {
        const float v = d[c] + sp[c];
        s += double(v) * double(v);
      }
      ++k;
    } else {
      for (std::int64_t c = 0; c < cols; ++c) s += double(d[c]) * double(d[c]);
    }
  }
  return s;
}

struct Clip {
  enum Kind { None, Norm, Global, Value } kind = None;
  float c = 0, denom = 1, scale = 1;
  void apply(float* g, std::int64_t n) const {
    switch (kind) {
      case None: return;
      case Norm:
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) g[i] = (g[i] * c) / denom;
        return;
      case Global:
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) g[i] = g[i] * scale;
        return;
      case Value:
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) g[i] = std::clamp(g[i], -c, c);
        return;
    }
  }
};

}  // namespace

int Optimizer::addVariable(std::string name, std::int64_t rows, std::int64_t cols,
                           std::optional<ConstraintSpec> constraint) {
  Var v;
  v.name = std::move(name);
  v.rows = rows;
  v.cols = cols;
  v.constraint = std::move(constraint);
  createSlots(v);
  m_vars.push_back(std::move(v));
  return static_cast<int>(m_vars.size()) - 1;
}

const std::string& Optimizer::variableName(int variable) const { return m_vars.at(static_cast<std::size_t>(variable)).name; }

const Matrix* Optimizer::slot(int variable, std::string_view name) const {
  if (variable < 0 || variable >= variableCount()) return nullptr;
  const std::vector<std::string> names = slotNames();
  std::string_view want = name;
  const bool adam = m_config.name == "adam" || m_config.name == "adamw";
  if (adam && name == "m") want = "momentum";
  if (adam && name == "v") want = "velocity";
  if (adam && name == "v_hat") want = "velocity_hat";
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == want) return &m_vars[static_cast<std::size_t>(variable)].slotData[i];
  return nullptr;
}

Matrix* Optimizer::mutableSlot(int variable, std::string_view name) {
  return const_cast<Matrix*>(static_cast<const Optimizer*>(this)->slot(variable, name));
}

Status Optimizer::applyTable(Matrix& table, const SparseRowGrad* sparse, const Matrix* dense, UpdateStats* stats,
                             const std::optional<ConstraintSpec>& constraint) {
  if (m_vars.empty()) addVariable("embeddings", table.rows(), table.cols(), constraint);
  VariableGrad g{0, &table, sparse, dense};
  std::vector<UpdateStats> st;
  EMBEDSCOPE_TRY(apply(std::span<const VariableGrad>(&g, 1), stats ? &st : nullptr));
  if (stats && !st.empty()) *stats = std::move(st.front());
  return Status::ok();
}

Status Optimizer::apply(std::span<const VariableGrad> grads, std::vector<UpdateStats>* stats) {
  // Check everything before touching anything.
  std::vector<bool> seen(m_vars.size(), false);
  bool any = false;
  for (const VariableGrad& g : grads) {
    if (g.variable < 0 || g.variable >= variableCount())
      return Status::invalidArgument("Unknown variable: " + std::to_string(g.variable) +
                                     ". This optimizer can only be called for the variables it was originally built with.");
    const Var& v = m_vars[static_cast<std::size_t>(g.variable)];
    if (seen[static_cast<std::size_t>(g.variable)])
      return Status::invalidArgument("variable " + v.name + " was given twice in one optimizer step");
    seen[static_cast<std::size_t>(g.variable)] = true;
    if (g.value == nullptr || g.value->rows() != v.rows || g.value->cols() != v.cols)
      return Status::invalidArgument("variable " + v.name + " has shape " +
                                     (g.value ? shape2(g.value->rows(), g.value->cols()) : std::string("(none)")) +
                                     " but the optimizer was built for " + shape2(v.rows, v.cols));
    if (g.sparse) {
      if (g.sparse->outputDim != v.cols || g.sparse->inputDim != v.rows ||
          g.sparse->values.rows() != g.sparse->nnzRows() || g.sparse->values.cols() != v.cols)
        return Status::invalidArgument("the row-sparse gradient of " + v.name + " does not match its shape " +
                                       shape2(v.rows, v.cols));
      for (std::size_t k = 0; k < g.sparse->rows.size(); ++k) {
        const std::int64_t r = g.sparse->rows[k];
        if (r < 0 || r >= v.rows || (k > 0 && g.sparse->rows[k - 1] >= r))
          return Status::invalidArgument("the row-sparse gradient of " + v.name +
                                         " needs sorted unique rows in [0, " + std::to_string(v.rows) + ")");
      }
    }
    if (g.dense && (g.dense->rows() != v.rows || g.dense->cols() != v.cols))
      return Status::invalidArgument("the dense gradient of " + v.name + " has shape " +
                                     shape2(g.dense->rows(), g.dense->cols()) + ", expected " + shape2(v.rows, v.cols));
    any |= (g.sparse != nullptr || g.dense != nullptr);
  }
  if (!any) return Status::invalidArgument("No gradients provided for any variable.");

  const std::int64_t t = m_iterations + 1;
  beginStep(t, static_cast<float>(m_config.learningRate));

  std::vector<double> sq(grads.size(), 0.0);
  double globalSq = 0.0;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const Var& v = m_vars[static_cast<std::size_t>(grads[i].variable)];
    sq[i] = gradSquaredNorm(grads[i], v.rows, v.cols);
    globalSq += sq[i];
  }
  if (stats) stats->clear();
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].sparse && !grads[i].dense) {  // Keras filters out missing gradients: no decay, no update
      if (stats) {
        UpdateStats skipped;
        skipped.variable = m_vars[static_cast<std::size_t>(grads[i].variable)].name;
        skipped.step = m_iterations;
        stats->push_back(std::move(skipped));
      }
      continue;
    }
    const double norm = std::sqrt(m_config.globalClipnorm && !(m_config.clipnorm && *m_config.clipnorm > 0)
                                      ? globalSq
                                      : sq[i]);
    UpdateStats* st = nullptr;
    if (stats) {
      stats->emplace_back();
      st = &stats->back();
    }
    EMBEDSCOPE_TRY(applyOne(grads[i], norm, st));
  }
  ++m_iterations;
  return Status::ok();
}

Status Optimizer::applyOne(const VariableGrad& grad, double norm, UpdateStats* stats) {
  Var& var = m_vars[static_cast<std::size_t>(grad.variable)];
  Matrix& w = *grad.value;
  const std::int64_t rows = var.rows, n = var.cols;
  const auto lr = static_cast<float>(m_config.learningRate);

  Clip clip;
  if (m_config.clipnorm && *m_config.clipnorm > 0) {
    clip.kind = Clip::Norm;
    clip.c = static_cast<float>(*m_config.clipnorm);
    clip.denom = std::max(static_cast<float>(norm), clip.c);
  } else if (m_config.globalClipnorm && *m_config.globalClipnorm > 0) {
    clip.kind = Clip::Global;
    clip.c = static_cast<float>(*m_config.globalClipnorm);
    clip.scale = rules::globalClipScale(clip.c, static_cast<float>(norm));
  } else if (m_config.clipvalue && *m_config.clipvalue > 0) {
    clip.kind = Clip::Value;
    clip.c = static_cast<float>(*m_config.clipvalue);
  }

  const bool hasDense = grad.dense != nullptr;
  const SparseRowGrad* sp = grad.sparse;
  const std::int64_t nnz = sp ? sp->nnzRows() : 0;
  const bool decay = m_config.weightDecay.has_value();
  const auto wd = static_cast<float>(m_config.weightDecay.value_or(0.0));
  // Which rows this step visits: every row (dense mode or a dense gradient), or only the rows
  // with a gradient (lazy mode, or dense mode when a zero gradient changes nothing).
  const bool allRows =
      hasDense || (m_config.updates == UpdateMode::Dense && (decay || !untouchedRowsUnchanged()));

  if (stats) {
    stats->variable = var.name;
    stats->step = m_iterations;
    stats->gradNorm = norm;
    stats->clipScale = clip.kind == Clip::Norm ? double(clip.c) / double(clip.denom)
                                               : (clip.kind == Clip::Global ? double(clip.scale) : 1.0);
    if (hasDense) {
      stats->gradRows.resize(static_cast<std::size_t>(rows));
      for (std::int64_t r = 0; r < rows; ++r) stats->gradRows[static_cast<std::size_t>(r)] = r;
    } else if (sp) {
      stats->gradRows = sp->rows;
    }
    stats->rowDelta.assign(static_cast<std::size_t>(rows), 0.0f);
    stats->constraintRowDelta.clear();
  }

  const std::size_t slotCount = var.slotData.size();
  float* wBase = w.data();
  std::array<float*, 4> slotBase{};
  for (std::size_t s = 0; s < slotCount && s < slotBase.size(); ++s) slotBase[s] = var.slotData[s].data();
  float* deltaOut = stats ? stats->rowDelta.data() : nullptr;

  // One row: build its gradient, decay, update, measure.
  auto visit = [&](std::int64_t r, std::int64_t k, float* gbuf, const float* zeros, float* old) {
    const float* g = zeros;
    if (hasDense || k >= 0) {
      if (hasDense) {
        std::memcpy(gbuf, grad.dense->data() + r * n, static_cast<std::size_t>(n) * sizeof(float));
        if (k >= 0) {
          const float* s = sp->values.data() + k * n;
#pragma omp simd
          for (std::int64_t c = 0; c < n; ++c) gbuf[c] = gbuf[c] + s[c];
        }
      } else {
        std::memcpy(gbuf, sp->values.data() + k * n, static_cast<std::size_t>(n) * sizeof(float));
      }
      clip.apply(gbuf, n);
      g = gbuf;
    }
    float* wr = wBase + r * n;
    if (deltaOut) std::memcpy(old, wr, static_cast<std::size_t>(n) * sizeof(float));
    if (decay) rules::weightDecayRow(wr, n, wd, lr);
    std::array<float*, 4> slotRows{};
    for (std::size_t s = 0; s < slotCount; ++s) slotRows[s] = slotBase[s] + r * n;
    updateRow(wr, slotRows.data(), g, n);
    if (deltaOut) {
      double d2 = 0.0;
      for (std::int64_t c = 0; c < n; ++c) d2 += double(wr[c] - old[c]) * double(wr[c] - old[c]);
      deltaOut[r] = static_cast<float>(std::sqrt(d2));
    }
  };

  if (allRows) {
    parallelFor(rows, m_config.threads, [&](std::int64_t b, std::int64_t e) {
      std::vector<float> gbuf(static_cast<std::size_t>(n)), zeros(static_cast<std::size_t>(n), 0.0f),
          old(static_cast<std::size_t>(n));
      std::int64_t k = 0;
      if (sp) k = std::lower_bound(sp->rows.begin(), sp->rows.end(), b) - sp->rows.begin();
      for (std::int64_t r = b; r < e; ++r) {
        std::int64_t hit = -1;
        if (k < nnz && sp->rows[static_cast<std::size_t>(k)] == r) hit = k++;
        visit(r, hit, gbuf.data(), zeros.data(), old.data());
      }
    });
  } else {
    parallelFor(nnz, m_config.threads, [&](std::int64_t b, std::int64_t e) {
      std::vector<float> gbuf(static_cast<std::size_t>(n)), zeros(static_cast<std::size_t>(n), 0.0f),
          old(static_cast<std::size_t>(n));
      for (std::int64_t k = b; k < e; ++k) visit(sp->rows[static_cast<std::size_t>(k)], k, gbuf.data(), zeros.data(), old.data());
    });
  }

  if (var.constraint) applyConstraint(*var.constraint, w, stats ? &stats->constraintRowDelta : nullptr);

  if (stats) {
    std::int64_t moved = 0, movedWithout = 0;
    std::size_t k = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const bool m = stats->rowDelta[static_cast<std::size_t>(r)] > 0.0f ||
                     (!stats->constraintRowDelta.empty() && stats->constraintRowDelta[static_cast<std::size_t>(r)] > 0.0f);
      bool hadGrad = hasDense;
      if (!hadGrad && sp) {
        while (k < sp->rows.size() && sp->rows[k] < r) ++k;
        hadGrad = k < sp->rows.size() && sp->rows[k] == r;
      }
      moved += m;
      movedWithout += m && !hadGrad;
    }
    stats->rowsMoved = moved;
    stats->rowsMovedWithoutGrad = movedWithout;
  }
  return Status::ok();
}

}  // namespace embedscope
