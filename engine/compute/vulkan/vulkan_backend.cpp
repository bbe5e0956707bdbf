#include "engine/compute/vulkan/vulkan_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>

#include "engine/compute/backend_registry.h"
#include "engine/compute/vulkan/failover_backend.h"
#include "engine/compute/vulkan/gather.h"
#include "engine/layer/regularizers.h"
#include "engine/optim/update_rules.h"

namespace embedscope::compute {

namespace {

// What the device kernels do not cover; the factory declines these so auto uses the CPU.
Status supported(const BackendSetup& s) { return vk::fusedStepSupports(s.layer, s.optimizer); }

// EMBEDSCOPE_VK_LOSS_EVERY=N (N >= 1), else 1: every step's loss read back, exact per step.
std::uint32_t lossEveryFromEnv() {
  if (const char* e = std::getenv("EMBEDSCOPE_VK_LOSS_EVERY"); e && std::atoi(e) > 0)
    return static_cast<std::uint32_t>(std::atoi(e));
  return 1;
}

placement::PlanRequest planRequestFor(const BackendSetup& s) {
  placement::PlanRequest r;
  r.inputDim = s.layer.inputDim;
  r.outputDim = s.layer.outputDim;
  r.optimizer = s.optimizer;
  r.sequenceLength = s.layer.inputLength.value_or(10);
  return r;
}

}  // namespace

Result<std::unique_ptr<Backend>> createVulkanBackend(BackendSetup setup, const VulkanBackendOptions& options) {
  if (setup.table.rows() != setup.layer.inputDim || setup.table.cols() != setup.layer.outputDim)
    return Status::invalidArgument("the initial table is " + std::to_string(setup.table.rows()) + " x " +
                                   std::to_string(setup.table.cols()) + ", the layer wants " +
                                   std::to_string(setup.layer.inputDim) + " x " + std::to_string(setup.layer.outputDim));
  EMBEDSCOPE_TRY(validateOptimizerConfig(setup.optimizer));
  EMBEDSCOPE_TRY(supported(setup));
  auto devices = vk::enumerateDevices();
  if (!devices) return devices.status();
  std::optional<std::uint32_t> index = options.deviceIndex;
  if (!index) {
    auto choice = options.autoOnly ? vk::chooseAutoDevice(*devices) : vk::chooseVulkanDevice(*devices);
    if (!choice.index) return Status::unavailable(choice.reason);
    index = choice.index;
  }
  if (*index >= devices->size()) return Status::unavailable("Vulkan device " + std::to_string(*index) + " does not exist");
  auto plan = placement::planVulkan(planRequestFor(setup), (*devices)[*index]);
  if (!plan) return plan.status();
  if (plan->decision == "cpu") return Status::unavailable(plan->reason);
  vk::VulkanContext::Options o;
  o.deviceIndex = index;
  auto ctx = vk::VulkanContext::create(o);
  if (!ctx) return ctx.status();
  auto b = vulkan::VulkanBackend::create(std::move(setup), std::move(*ctx), std::move(*plan),
                                         options.lossEvery ? options.lossEvery : lossEveryFromEnv());
  if (!b) return b.status();
  return std::unique_ptr<Backend>(std::move(b).value());
}

void registerVulkanFactory() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerEngineFactory({"vulkan", [](const BackendSetup& setup, bool autoOnly) {
                             VulkanBackendOptions o;
                             o.autoOnly = autoOnly;
                             auto b = createVulkanBackend(setup, o);
                             if (!b) return b;
                             // A device failure during training moves the run to the CPU engine.
                             int every = 20;
                             if (const char* e = std::getenv("EMBEDSCOPE_VK_CHECKPOINT_EVERY"); e && std::atoi(e) > 0)
                               every = std::atoi(e);
                             return Result<std::unique_ptr<Backend>>(
                                 std::make_unique<FailoverBackend>(std::move(*b), setup, every));
                           }});
  });
}

namespace vulkan {

namespace {
// The activity regularizer's l1/l2/l1l2 penalty from the device's sums of |x| and x^2, as
// regularizerLoss forms it.
double penalty(const std::optional<RegularizerSpec>& reg, float absSum, float sqSum) {
  if (!reg) return 0.0;
  const double l1 = reg->name == "l2" ? 0.0 : reg->number("l1");
  const double l2 = reg->name == "l1" ? 0.0 : reg->number("l2");
  double p = 0.0;
  if (l1 != 0.0) p += l1 * static_cast<double>(absSum);  // Keras skips a term whose coefficient is 0
  if (l2 != 0.0) p += l2 * static_cast<double>(sqSum);
  return p;
}
}  // namespace

Result<std::unique_ptr<VulkanBackend>> VulkanBackend::create(BackendSetup setup, std::unique_ptr<vk::VulkanContext> ctx,
                                                             placement::MemoryPlan plan, std::uint32_t lossEvery) {
  std::unique_ptr<VulkanBackend> b(new VulkanBackend());
  b->m_layer = std::move(setup.layer);
  b->m_optimizer = setup.optimizer;
  b->m_plan = std::move(plan);
  b->m_place = b->m_plan.decision == "host-visible" ? vk::MemoryPlace::Host : vk::MemoryPlace::Device;
  b->m_ctx = std::move(ctx);
  b->m_kernels = std::make_unique<vk::KernelCache>(*b->m_ctx);
  b->m_summer = std::make_unique<vk::SegmentSummer>(*b->m_kernels);
  auto table = vk::DeviceVariable::create(*b->m_kernels, "embeddings", static_cast<std::uint64_t>(setup.table.rows()),
                                          static_cast<std::uint64_t>(setup.table.cols()), b->m_optimizer, b->m_place);
  if (!table) return table.status();
  EMBEDSCOPE_TRY((*table)->value().upload(setup.table));
  b->m_vars.push_back(std::move(*table));
  b->m_lossEvery = std::max<std::uint32_t>(1, lossEvery);
  auto steps = vk::StepEngine::create(*b->m_kernels, *b->m_vars[0], b->m_layer, b->m_optimizer, b->m_lossEvery);
  if (!steps) return steps.status();
  b->m_steps = std::move(*steps);
  return b;
}

VulkanBackend::~VulkanBackend() {
  // The pending step, then kernels and variables, before the context that owns their device.
  if (m_ctx) (void)m_ctx->wait();
  m_steps.reset();
  m_vars.clear();
  m_summer.reset();
  m_kernels.reset();
}

Status VulkanBackend::checkLost() const {
  if (m_ctx->lost()) return Status::unavailable("the Vulkan device was lost");
  return Status::ok();
}

Status VulkanBackend::checkUsable() const {
  EMBEDSCOPE_TRY(checkLost());
  return syncPending();
}

BackendInfo VulkanBackend::info() const {
  BackendInfo i;
  i.engine = "vulkan";
  i.device = m_ctx->info().name + " (" + vk::deviceTypeName(m_ctx->info().type) + ")";
  return i;
}

Status VulkanBackend::readTable(Matrix& out) const {
  EMBEDSCOPE_TRY(checkUsable());
  return m_vars[0]->value().download(out);
}

Status VulkanBackend::readRows(std::span<const std::int64_t> rows, Matrix& out) const {
  EMBEDSCOPE_TRY(checkUsable());
  auto m = vk::gatherRows(*m_kernels, m_vars[0]->value(), std::vector<std::int64_t>(rows.begin(), rows.end()));
  if (!m) return m.status();
  out = std::move(*m);
  return Status::ok();
}

Status VulkanBackend::exportState(std::vector<std::pair<std::string, Matrix>>& out) const {
  EMBEDSCOPE_TRY(checkUsable());
  out.clear();
  Matrix t;
  EMBEDSCOPE_TRY(m_vars[0]->value().download(t));
  out.emplace_back("embeddings", std::move(t));
  for (const auto& v : m_vars)
    for (std::size_t s = 0; s < v->slotCount(); ++s) {
      Matrix m;
      EMBEDSCOPE_TRY(v->slot(s).download(m));
      out.emplace_back(v->name() + "/" + v->slotName(s), std::move(m));
    }
  Matrix it(1, 1);
  it(0, 0) = static_cast<float>(m_iterations);
  out.emplace_back("iterations", it);
  return Status::ok();
}

Status VulkanBackend::importState(const std::vector<std::pair<std::string, Matrix>>& state) {
  EMBEDSCOPE_TRY(checkUsable());
  auto check = [](const vk::ShardedMatrix& dst, const Matrix& src, const std::string& name) -> Status {
    if (dst.rows() != static_cast<std::uint64_t>(src.rows()) || dst.cols() != static_cast<std::uint64_t>(src.cols()))
      return Status::dataError("checkpoint entry '" + name + "' is " + std::to_string(src.rows()) + " x " +
                               std::to_string(src.cols()) + ", expected " + std::to_string(dst.rows()) + " x " +
                               std::to_string(dst.cols()));
    return Status::ok();
  };
  for (const auto& [name, value] : state) {
    if (name == "embeddings") {
      EMBEDSCOPE_TRY(check(m_vars[0]->value(), value, name));
      EMBEDSCOPE_TRY(m_vars[0]->value().upload(value));
    } else if (name == "iterations") {
      if (value.size() != 1) return Status::dataError("checkpoint entry 'iterations' is not a scalar");
      m_iterations = static_cast<std::int64_t>(value(0, 0));
    } else if (name == "lora_a" || name == "lora_b") {
      return Status::dataError("checkpoint has LoRA weights but lora_rank is not set");
    } else {
      const auto slash = name.find('/');
      if (slash == std::string::npos) return Status::dataError("unknown checkpoint entry '" + name + "'");
      const std::string var = name.substr(0, slash), slotName = name.substr(slash + 1);
      vk::ShardedMatrix* dst = nullptr;
      for (auto& v : m_vars) {
        if (v->name() != var) continue;
        for (std::size_t s = 0; s < v->slotCount(); ++s)
          if (v->slotName(s) == slotName || (slotName == "m" && v->slotName(s) == "momentum") ||
              (slotName == "v" && v->slotName(s) == "velocity"))
            dst = &v->slot(s);
      }
      if (!dst) return Status::dataError("checkpoint slot '" + name + "' does not belong to this optimizer");
      EMBEDSCOPE_TRY(check(*dst, value, name));
      EMBEDSCOPE_TRY(dst->upload(value));
    }
  }
  return Status::ok();
}

int VulkanBackend::addDenseVariable(const std::string& name, std::int64_t rows, std::int64_t cols) {
  auto v = vk::DeviceVariable::create(*m_kernels, name, static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(cols),
                                      m_optimizer, m_place);
  if (!v) return -1;  // the next applyGradient reports the device failure
  m_vars.push_back(std::move(*v));
  return static_cast<int>(m_vars.size()) - 1;
}

Status VulkanBackend::gather(const IdBatch& ids, float* out) {
  EMBEDSCOPE_TRY(checkUsable());
  std::vector<std::int64_t> v(ids.ids, ids.ids + ids.count());
  auto m = vk::gatherRows(*m_kernels, m_vars[0]->value(), v);
  if (!m) return m.status();
  std::copy(m->data(), m->data() + m->size(), out);
  return Status::ok();
}

Status VulkanBackend::maskedMeanPool(const IdBatch& ids, bool maskZero, float* pooled, float* validCounts) {
  const std::int64_t d = outputDim();
  m_gathered.resize(ids.count(), d);
  EMBEDSCOPE_TRY(gather(ids, m_gathered.data()));
  // Pooled on the host from the device's gathered rows, in the CPU's order (positions ascending,
  // then one division), so the result is the CPU's bit for bit.
  for (std::int64_t b = 0; b < ids.rows; ++b) {
    float* acc = pooled + b * d;
    std::fill(acc, acc + d, 0.0f);
    std::int64_t valid = 0;
    for (std::int64_t l = 0; l < ids.length; ++l) {
      const std::int64_t p = b * ids.length + l;
      if (maskZero && ids.ids[p] == 0) continue;
      ++valid;
      const float* row = m_gathered.data() + p * d;
      for (std::int64_t k = 0; k < d; ++k) acc[k] += row[k];
    }
    const float count = static_cast<float>(valid);
    validCounts[b] = count;
    for (std::int64_t k = 0; k < d; ++k) acc[k] /= count;
  }
  return Status::ok();
}

Status VulkanBackend::scatterGradient(const IdBatch& ids, const float* dOut, RowGradient& grad) {
  EMBEDSCOPE_TRY(checkUsable());
  auto seg = vk::buildSegments(ids.ids, ids.count());
  grad.inputDim = inputDim();
  grad.outputDim = outputDim();
  EMBEDSCOPE_TRY(m_summer->run(seg, dOut, ids.count(), outputDim(), grad.values));
  grad.rows = std::move(seg.rows);
  return Status::ok();
}

Status VulkanBackend::scatterPooledGradient(const IdBatch& ids, bool maskZero, const float* dPooled,
                                            const float* validCounts, RowGradient& grad) {
  EMBEDSCOPE_TRY(checkUsable());
  const std::int64_t d = outputDim();
  const std::int64_t n = ids.count();
  // Each valid position's contribution, (1 / count) * dPooled[b] as the CPU forms it; the device
  // then sums them per row in position order.
  Matrix contrib(n, d);
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(n));
  for (std::int64_t p = 0; p < n; ++p) {
    keep[static_cast<std::size_t>(p)] = !maskZero || ids.ids[p] != 0;
    const std::int64_t b = p / ids.length;
    const float w = 1.0f / validCounts[b];
    for (std::int64_t k = 0; k < d; ++k) contrib(p, k) = w * dPooled[b * d + k];
  }
  auto seg = vk::buildSegments(ids.ids, n, keep.data());
  grad.inputDim = inputDim();
  grad.outputDim = d;
  EMBEDSCOPE_TRY(m_summer->run(seg, contrib.data(), n, d, grad.values));
  grad.rows = std::move(seg.rows);
  return Status::ok();
}

Result<double> VulkanBackend::applyGradient(const RowGradient& grad, std::span<const DenseVariable> dense,
                                            std::vector<UpdateStats>* stats) {
  EMBEDSCOPE_TRY(checkUsable());
  if (grad.outputDim != outputDim() || grad.values.cols() != outputDim() ||
      grad.values.rows() != static_cast<Eigen::Index>(grad.rows.size()))
    return Status::invalidArgument("the row-sparse gradient of embeddings does not match its shape");
  for (std::size_t k = 0; k < grad.rows.size(); ++k)
    if (grad.rows[k] < 0 || grad.rows[k] >= inputDim() || (k > 0 && grad.rows[k - 1] >= grad.rows[k]))
      return Status::invalidArgument("the row-sparse gradient of embeddings needs sorted unique rows in [0, " +
                                     std::to_string(inputDim()) + ")");
  for (const auto& dv : dense)
    if (dv.id <= 0 || dv.id >= static_cast<int>(m_vars.size()) || !dv.value || !dv.grad)
      return Status::unavailable("dense variable " + std::to_string(dv.id) + " is not on the device");

  // Norms in double as the CPU optimizer takes them, for clipping.
  auto sqNorm = [](const Matrix& m) {
    double s = 0;
    for (Eigen::Index i = 0; i < m.size(); ++i) s += double(m.data()[i]) * double(m.data()[i]);
    return s;
  };
  std::vector<double> sq;
  sq.push_back(sqNorm(grad.values));
  for (const auto& dv : dense) sq.push_back(sqNorm(*dv.grad));
  double globalSq = 0;
  for (double s : sq) globalSq += s;

  const std::int64_t t = m_iterations + 1;
  const auto& c = m_optimizer;
  auto scalarsFor = [&](double norm) {
    vk::StepScalars sc = vk::stepScalarsFor(c, t);
    if (c.clipnorm && *c.clipnorm > 0) {
      sc.clipKind = 1;
      sc.clipC = static_cast<float>(*c.clipnorm);
      sc.clipD = std::max(static_cast<float>(norm), sc.clipC);
    } else if (c.globalClipnorm && *c.globalClipnorm > 0) {
      sc.clipKind = 2;
      sc.clipC = rules::globalClipScale(static_cast<float>(*c.globalClipnorm), static_cast<float>(norm));
    } else if (c.clipvalue && *c.clipvalue > 0) {
      sc.clipKind = 3;
      sc.clipC = static_cast<float>(*c.clipvalue);
    }
    return sc;
  };
  const bool global = c.globalClipnorm && !(c.clipnorm && *c.clipnorm > 0);
  auto normOf = [&](std::size_t i) { return std::sqrt(global ? globalSq : sq[i]); };

  // Touched rows before the step, for the statistics.
  Matrix before;
  if (stats) EMBEDSCOPE_TRY(readRows(grad.rows, before));

  double regPenalty = 0.0;
  const bool tableTerms = m_layer.embeddingsRegularizer || m_layer.embeddingsConstraint;
  if (tableTerms) {
    // The regularizer's gradient and the constraint are kernels of the fused step's update stage.
    float gsq[3] = {static_cast<float>(sq[0]), 0.0f, 0.0f};
    for (std::size_t i = 1; i < sq.size(); ++i) gsq[1] += static_cast<float>(sq[i]);
    EMBEDSCOPE_TRY(m_steps->submitApply(grad.rows, grad.values, gsq, t));
    EMBEDSCOPE_TRY(m_ctx->wait());
    const auto sums = m_steps->slotSums(0);
    regPenalty = m_steps->tablePenalty(sums);
    if (m_layer.embeddingsRegularizer) {
      // The regularizer made the table's gradient dense; the device took its norm over every row
      // (the dense variables' global clipping and the statistics below use it).
      globalSq += static_cast<double>(sums[vk::kAccGsqTable]) - sq[0];
      sq[0] = sums[vk::kAccGsqTable];
    }
  } else {
    EMBEDSCOPE_TRY(m_vars[0]->apply(grad.rows, grad.values, scalarsFor(normOf(0))));
  }
  for (std::size_t i = 0; i < dense.size(); ++i) {
    auto& var = *m_vars[static_cast<std::size_t>(dense[i].id)];
    EMBEDSCOPE_TRY(var.value().upload(*dense[i].value));
    std::vector<std::int64_t> all(static_cast<std::size_t>(dense[i].value->rows()));
    for (std::size_t r = 0; r < all.size(); ++r) all[r] = static_cast<std::int64_t>(r);
    EMBEDSCOPE_TRY(var.apply(all, *dense[i].grad, scalarsFor(normOf(i + 1))));
    EMBEDSCOPE_TRY(var.value().download(*dense[i].value));
  }

  if (stats) {
    stats->clear();
    UpdateStats st;
    st.variable = "embeddings";
    st.step = m_iterations;
    st.gradRows = grad.rows;
    st.gradNorm = normOf(0);
    const auto sc = scalarsFor(st.gradNorm);
    st.clipScale = sc.clipKind == 1 ? double(sc.clipC) / double(sc.clipD) : (sc.clipKind == 2 ? double(sc.clipC) : 1.0);
    st.rowDelta.assign(static_cast<std::size_t>(inputDim()), 0.0f);
    // Row deltas of the rows with a gradient (read back); in dense mode the other rows move too,
    // and are reported as moved without their delta (reading the whole table back every step
    // would cost more than the step).
    Matrix after;
    EMBEDSCOPE_TRY(readRows(grad.rows, after));
    for (std::size_t k = 0; k < grad.rows.size(); ++k)
      st.rowDelta[static_cast<std::size_t>(grad.rows[k])] =
          static_cast<float>((after.row(static_cast<Eigen::Index>(k)) - before.row(static_cast<Eigen::Index>(k))).norm());
    std::int64_t moved = 0;
    for (float dlt : st.rowDelta) moved += dlt > 0.0f;
    const bool allMove = vk::needsDensePass(c) || tableTerms;
    st.rowsMoved = allMove ? inputDim() : moved;
    st.rowsMovedWithoutGrad = allMove ? inputDim() - static_cast<std::int64_t>(grad.rows.size()) : 0;
    stats->push_back(std::move(st));
    for (std::size_t i = 0; i < dense.size(); ++i) {
      UpdateStats ds;
      ds.variable = m_vars[static_cast<std::size_t>(dense[i].id)]->name();
      ds.step = m_iterations;
      ds.gradNorm = normOf(i + 1);
      ds.gradRows.resize(static_cast<std::size_t>(dense[i].value->rows()));
      for (std::size_t r = 0; r < ds.gradRows.size(); ++r) ds.gradRows[r] = static_cast<std::int64_t>(r);
      ds.rowDelta.assign(ds.gradRows.size(), 0.0f);
      ds.rowsMoved = dense[i].value->rows();
      stats->push_back(std::move(ds));
    }
  }
  ++m_iterations;
  return regPenalty;
}

// --- fused steps -------------------------------------------------------------------------------

namespace {

// The examples-weighted mean of several steps' results (StepResult.steps).
StepResult combine(const std::vector<StepResult>& rs) {
  if (rs.size() == 1) return rs.front();
  StepResult out;
  out.steps = 0;
  double loss = 0, reg = 0;
  for (const auto& r : rs) {
    loss += r.loss * static_cast<double>(r.examples);
    reg += r.regularization * static_cast<double>(r.examples);
    out.metricSum += r.metricSum;
    out.examples += r.examples;
    out.steps += r.steps;
  }
  out.loss = out.examples ? loss / static_cast<double>(out.examples) : 0.0;
  out.regularization = out.examples ? reg / static_cast<double>(out.examples) : 0.0;
  return out;
}
}  // namespace

StepResult VulkanBackend::resultOf(const Pending& p, const std::array<float, vk::kAccCount>& sums) const {
  StepResult r;
  r.examples = p.rows;
  const double lossSum = sums[vk::kAccLoss];
  if (p.kind == vk::StepKind::Regression || p.kind == vk::StepKind::RegressionEval) {
    r.metricSum = lossSum;
    r.loss = p.valid > 0 ? lossSum / (static_cast<double>(p.valid) * static_cast<double>(outputDim())) : 0.0;
  } else {
    r.metricSum = sums[vk::kAccMetric];
    r.loss = lossSum / static_cast<double>(p.rows);
  }
  const bool train = p.kind == vk::StepKind::Regression || p.kind == vk::StepKind::Classify;
  if (!train || !std::isfinite(r.loss)) return r;  // the device skipped this step's update
  r.regularization = m_steps->tablePenalty(sums) +
                     penalty(m_layer.activityRegularizer, sums[vk::kAccActAbs], sums[vk::kAccActSq]) /
                         static_cast<double>(p.rows);
  r.loss += r.regularization;
  return r;
}

Status VulkanBackend::syncPending() const {
  if (m_pending.empty()) return m_ctx->pending() ? m_ctx->wait() : Status::ok();
  EMBEDSCOPE_TRY(m_ctx->wait());
  for (const auto& p : m_pending) {
    StepResult r = resultOf(p, m_steps->slotSums(p.slot));
    if (!std::isfinite(r.loss)) --m_iterations;  // not applied on the device, as on the CPU
    m_unreported.push_back(r);
  }
  DenseHead* head = nullptr;
  for (const auto& p : m_pending)
    if (p.head) head = p.head;
  m_pending.clear();
  if (head) {
    // The head the device trained, back into the task's host copy.
    auto* self = const_cast<VulkanBackend*>(this);
    EMBEDSCOPE_TRY(m_vars[static_cast<std::size_t>(head->kernelVariable)]->value().download(head->kernel));
    EMBEDSCOPE_TRY(m_vars[static_cast<std::size_t>(head->biasVariable)]->value().download(head->bias));
    self->m_headShadow[head->kernelVariable] = head->kernel;
    self->m_headShadow[head->biasVariable] = head->bias;
  }
  return Status::ok();
}

Status VulkanBackend::syncHead(const DenseHead& head) {
  const int ids[2] = {head.kernelVariable, head.biasVariable};
  const Matrix* values[2] = {&head.kernel, &head.bias};
  for (int i = 0; i < 2; ++i) {
    if (ids[i] <= 0 || ids[i] >= static_cast<int>(m_vars.size()))
      return Status::unavailable("dense variable " + std::to_string(ids[i]) + " is not on the device");
    auto& var = *m_vars[static_cast<std::size_t>(ids[i])];
    if (var.value().rows() != static_cast<std::uint64_t>(values[i]->rows()) ||
        var.value().cols() != static_cast<std::uint64_t>(values[i]->cols()))
      return Status::invalidArgument("the classify head does not match its device variable " + var.name());
    auto it = m_headShadow.find(ids[i]);
    if (it != m_headShadow.end() && it->second == *values[i]) continue;  // the device has it
    EMBEDSCOPE_TRY(syncPending());
    EMBEDSCOPE_TRY(var.value().upload(*values[i]));
    m_headShadow[ids[i]] = *values[i];
  }
  return Status::ok();
}

Status VulkanBackend::headStats(const DenseHead& head, std::vector<UpdateStats>& stats) const {
  for (int id : {head.kernelVariable, head.biasVariable}) {
    const auto& var = *m_vars[static_cast<std::size_t>(id)];
    UpdateStats ds;
    ds.variable = var.name();
    ds.step = m_iterations - 1;
    ds.gradRows.resize(static_cast<std::size_t>(var.value().rows()));
    for (std::size_t r = 0; r < ds.gradRows.size(); ++r) ds.gradRows[r] = static_cast<std::int64_t>(r);
    ds.rowDelta.assign(ds.gradRows.size(), 0.0f);
    ds.rowsMoved = static_cast<std::int64_t>(var.value().rows());
    stats.push_back(std::move(ds));
  }
  return Status::ok();
}

Result<StepResult> VulkanBackend::runStep(vk::StepEngine::Inputs in, DenseHead* head, std::vector<UpdateStats>* stats) {
  EMBEDSCOPE_TRY(checkLost());
  const bool train = in.kind == vk::StepKind::Regression || in.kind == vk::StepKind::Classify;
  const auto& act = m_layer.activityRegularizer;
  if (act && act->name == "orthogonal_regularizer") {
    // The CPU engine's error: the Embedding output has rank 3.
    const std::int64_t shape[3] = {in.ids.rows, in.ids.length, outputDim()};
    auto a = activityRegularization(*act, nullptr, shape, nullptr);
    if (!a) return a.status();
  }
  std::int64_t valid = 0;
  for (std::int64_t i = 0; i < in.ids.count(); ++i) valid += !m_layer.maskZero || in.ids.ids[i] != 0;

  // Statistics (snapshot steps) read the touched rows before and after: a synchronous step.
  std::vector<std::int64_t> rows;
  Matrix before;
  if (stats) {
    EMBEDSCOPE_TRY(syncPending());
    std::vector<std::int64_t> ids(in.ids.ids, in.ids.ids + in.ids.count());
    if (in.kind == vk::StepKind::Classify && m_layer.maskZero && !act)
      ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    rows = std::move(ids);
    EMBEDSCOPE_TRY(readRows(rows, before));
  }

  if (!train) EMBEDSCOPE_TRY(syncPending());  // an evaluation reads its own result at once
  in.slot = static_cast<std::uint32_t>(m_pending.size());
  in.t = m_iterations + 1;
  EMBEDSCOPE_TRY(m_steps->submit(in));
  Pending p{in.kind, in.slot, in.ids.rows, valid, train ? head : nullptr};
  if (!train) {
    EMBEDSCOPE_TRY(m_ctx->wait());
    return resultOf(p, m_steps->slotSums(in.slot));
  }
  ++m_iterations;
  m_pending.push_back(p);
  if (!stats && m_pending.size() < m_lossEvery) {
    StepResult deferred;
    deferred.steps = 0;
    return deferred;
  }
  EMBEDSCOPE_TRY(syncPending());
  StepResult r = combine(m_unreported);
  m_unreported.clear();
  if (stats) {
    stats->clear();
    Matrix after;
    EMBEDSCOPE_TRY(readRows(rows, after));
    UpdateStats st;
    st.variable = "embeddings";
    st.step = m_iterations - 1;
    st.gradRows = rows;
    st.rowDelta.assign(static_cast<std::size_t>(inputDim()), 0.0f);
    for (std::size_t k = 0; k < rows.size(); ++k)
      st.rowDelta[static_cast<std::size_t>(rows[k])] = static_cast<float>(
          (after.row(static_cast<Eigen::Index>(k)) - before.row(static_cast<Eigen::Index>(k))).norm());
    std::int64_t moved = 0;
    for (float dlt : st.rowDelta) moved += dlt > 0.0f;
    const bool dense = vk::needsDensePass(m_optimizer) || m_layer.embeddingsRegularizer || m_layer.embeddingsConstraint;
    st.rowsMoved = dense ? inputDim() : moved;
    st.rowsMovedWithoutGrad = dense ? inputDim() - static_cast<std::int64_t>(rows.size()) : 0;
    stats->push_back(std::move(st));
    if (head) EMBEDSCOPE_TRY(headStats(*head, *stats));
  }
  return r;
}

Result<StepResult> VulkanBackend::regressionStep(const IdBatch& ids, const float* targets, std::vector<UpdateStats>* stats) {
  vk::StepEngine::Inputs in;
  in.kind = vk::StepKind::Regression;
  in.ids = ids;
  in.targets = targets;
  return runStep(in, nullptr, stats);
}

// Keras's test_step adds model.losses to the data loss: the device gives the data loss, the
// penalties come from Backend::evaluationPenalty (the embeddings penalty the caller computed once
// per pass, or this table's; the activity term of this batch's output, gathered on the device).
Result<StepResult> VulkanBackend::withEvaluationPenalty(Result<StepResult> r, const IdBatch& ids,
                                                        const double* embeddingsPenalty) {
  if (!r) return r;
  auto penalty = evaluationPenalty(ids, nullptr, embeddingsPenalty);
  if (!penalty) return penalty.status();
  r->regularization = *penalty;
  r->loss += *penalty;
  return r;
}

Result<StepResult> VulkanBackend::regressionEvaluate(const IdBatch& ids, const float* targets,
                                                     const double* embeddingsPenalty) {
  vk::StepEngine::Inputs in;
  in.kind = vk::StepKind::RegressionEval;
  in.ids = ids;
  in.targets = targets;
  return withEvaluationPenalty(runStep(in, nullptr, nullptr), ids, embeddingsPenalty);
}

Result<StepResult> VulkanBackend::classifyStep(const IdBatch& ids, const std::int64_t* labels, DenseHead& head,
                                               std::vector<UpdateStats>* stats) {
  EMBEDSCOPE_TRY(checkLost());
  EMBEDSCOPE_TRY(syncHead(head));
  vk::StepEngine::Inputs in;
  in.kind = vk::StepKind::Classify;
  in.ids = ids;
  in.labels = labels;
  in.kernel = m_vars[static_cast<std::size_t>(head.kernelVariable)].get();
  in.bias = m_vars[static_cast<std::size_t>(head.biasVariable)].get();
  return runStep(in, &head, stats);
}

Result<StepResult> VulkanBackend::classifyEvaluate(const IdBatch& ids, const std::int64_t* labels, const DenseHead& head,
                                                   const double* embeddingsPenalty) {
  EMBEDSCOPE_TRY(checkLost());
  EMBEDSCOPE_TRY(syncHead(head));
  vk::StepEngine::Inputs in;
  in.kind = vk::StepKind::ClassifyEval;
  in.ids = ids;
  in.labels = labels;
  in.kernel = m_vars[static_cast<std::size_t>(head.kernelVariable)].get();
  in.bias = m_vars[static_cast<std::size_t>(head.biasVariable)].get();
  return withEvaluationPenalty(runStep(in, nullptr, nullptr), ids, embeddingsPenalty);
}

}  // namespace vulkan
}  // namespace embedscope::compute
