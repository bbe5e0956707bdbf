#include "engine/compute/vulkan/vulkan_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>

#include "engine/compute/backend_registry.h"
#include "engine/compute/vulkan/failover_backend.h"
#include "engine/compute/vulkan/gather.h"
#include "engine/optim/update_rules.h"

namespace embedscope::compute {

namespace {

// What the device kernels do not cover yet; the factory declines these so auto uses the CPU.
Status supported(const BackendSetup& s) {
  if (s.layer.loraEnabled()) return Status::unavailable("LoRA is not on the Vulkan engine yet");
  if (s.layer.embeddingsRegularizer) return Status::unavailable("embeddings regularizers are not on the Vulkan engine yet");
  if (s.layer.embeddingsConstraint) return Status::unavailable("embeddings constraints are not on the Vulkan engine yet");
  return Status::ok();
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
  auto b = vulkan::VulkanBackend::create(std::move(setup), std::move(*ctx), std::move(*plan));
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

Result<std::unique_ptr<VulkanBackend>> VulkanBackend::create(BackendSetup setup, std::unique_ptr<vk::VulkanContext> ctx,
                                                             placement::MemoryPlan plan) {
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
  return b;
}

VulkanBackend::~VulkanBackend() {
  // Kernels and variables before the context that owns their device.
  m_vars.clear();
  m_summer.reset();
  m_kernels.reset();
}

Status VulkanBackend::checkUsable() const {
  if (m_ctx->lost()) return Status::unavailable("the Vulkan device was lost");
  return Status::ok();
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

  EMBEDSCOPE_TRY(m_vars[0]->apply(grad.rows, grad.values, scalarsFor(normOf(0))));
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
    st.rowsMoved = vk::needsDensePass(c) ? inputDim() : moved;
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
  return 0.0;  // no embeddings regularizer on this engine (declined at creation)
}

}  // namespace vulkan
}  // namespace embedscope::compute
