#include "engine/compute/vulkan/step_program.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/compute/vulkan/segment_sum.h"
#include "engine/compute/vulkan/shard_work.h"
#include "engine/layer/constraints.h"

namespace embedscope::vk {

namespace {

// shaders/step_common.glsl STEP_BUFFER, std430.
struct StepBufHost {
  std::uint32_t uniqueCount, slot, skip, pad0;
  float lossScale, lr, a, b, c, d, wd;
};

struct GatherPc { std::uint32_t cols, count, shard, rowsPerShard; };
struct MsePc { std::uint32_t cols, count; float actL1, actL2x2; };
struct ReducePc { std::uint32_t count, outIndex, accumulate; };
struct SumPc { std::uint32_t cols, segments; };
struct MapPc { std::uint32_t maxItems, shard, rowsPerShard, clear; };
struct OptPc { std::uint32_t cols, count, shard, rowsPerShard, normIndex; float clipC, regL1, regL2x2; };
struct ConstraintPc { std::uint32_t cols, rows; float minValue, maxValue, rate; };
struct PoolPc { std::uint32_t rows, length, cols; float actL1, actL2x2; };
struct HeadPc { std::uint32_t rows, cols, classes; float invBatch; };
struct GradNormPc { std::uint32_t cols, rows, shard, rowsPerShard; float regL1, regL2x2; };
struct OrthoPc { std::uint32_t n, m, rowStride, elemStride; float twoCHi, twoCLo; };

std::uint32_t u32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }
std::uint32_t groupsFor(std::uint64_t items, std::uint32_t wg) { return u32((items + wg - 1) / wg); }

BufferBinding bind(std::uint32_t binding, const Buffer& b) {
  return {binding, 0, b.handle(), 0, std::max<std::uint64_t>(4, b.size())};
}

// Penalty coefficients as the CPU's regularizers take them (engine/layer/regularizers.cpp).
double l1Of(const RegularizerSpec& r) { return r.name == "l2" ? 0.0 : r.number("l1"); }
double l2Of(const RegularizerSpec& r) { return r.name == "l1" ? 0.0 : r.number("l2"); }

// The orthogonal regularizer's kernel in double where the device has shaderFloat64 (the CPU
// engine's precision); EMBEDSCOPE_VK_FLOAT64=0 takes the float variant (tests run it on lavapipe).
bool orthogonalDoubleOn(const DeviceInfo& info) {
  const char* e = std::getenv("EMBEDSCOPE_VK_FLOAT64");
  return info.features.shaderFloat64 && !(e && std::string(e) == "0");
}

std::uint32_t constraintKind(const ConstraintSpec& c) {
  if (c.name == "non_neg") return 0;
  if (c.name == "max_norm") return 1;
  if (c.name == "unit_norm") return 2;
  return 3;  // min_max_norm
}

}  // namespace

Status fusedStepSupports(const LayerConfig& layer, const OptimizerConfig&) {
  if (layer.loraEnabled()) return Status::unavailable("LoRA is not on the Vulkan engine yet");
  return Status::ok();
}

struct StepEngine::Program {
  StepKind kind = StepKind::Regression;
  std::int64_t rows = 0, length = 0, classes = 0;
  std::uint64_t n = 0;
  // Host-visible, written each step.
  std::unique_ptr<Buffer> ids, perm, offsets, unique, targets, labels;
  // Device.
  std::unique_ptr<Buffer> out, dOut, grad, partial, partial2, pooled, counts, logits, dLogits, gKernel, gBias, dPooled;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
};

Result<std::unique_ptr<StepEngine>> StepEngine::create(KernelCache& kernels, DeviceVariable& table,
                                                       const LayerConfig& layer, const OptimizerConfig& optimizer,
                                                       std::uint32_t ringSlots) {
  EMBEDSCOPE_TRY(fusedStepSupports(layer, optimizer));
  auto k = optimizerKernelFor(optimizer);
  if (!k) return k.status();
  std::unique_ptr<StepEngine> e(new StepEngine());
  VulkanContext& ctx = kernels.context();
  e->m_kernels = &kernels;
  e->m_table = &table;
  e->m_layer = layer;
  e->m_optimizer = optimizer;
  e->m_opt = *k;
  e->m_shape = kernelShapeFor(ctx.info());
  e->m_tableDense = needsDensePass(optimizer) || layer.embeddingsRegularizer.has_value();
  const auto& reg = layer.embeddingsRegularizer;
  if (reg) e->m_regKind = reg->name == "orthogonal_regularizer" ? 2 : 1;
  e->m_ringSlots = std::max<std::uint32_t>(1, ringSlots);
  const auto& c = optimizer;
  if (c.clipnorm && *c.clipnorm > 0) {
    e->m_clipKind = 1;
    e->m_clipC = static_cast<float>(*c.clipnorm);
  } else if (c.globalClipnorm && *c.globalClipnorm > 0) {
    e->m_clipKind = 2;
    e->m_clipC = static_cast<float>(*c.globalClipnorm);
  } else if (c.clipvalue && *c.clipvalue > 0) {
    e->m_clipKind = 3;
    e->m_clipC = static_cast<float>(*c.clipvalue);
  }
  auto mk = [&](std::uint64_t bytes, MemoryPlace place, std::unique_ptr<Buffer>& out) -> Status {
    auto b = Buffer::create(ctx, bytes, place);
    if (!b) return b.status();
    out = std::move(*b);
    return Status::ok();
  };
  EMBEDSCOPE_TRY(mk(sizeof(StepBufHost), MemoryPlace::Host, e->m_step));
  EMBEDSCOPE_TRY(mk(kAccCount * 4, MemoryPlace::Device, e->m_acc));
  EMBEDSCOPE_TRY(mk(std::uint64_t(e->m_ringSlots) * kAccCount * 4, MemoryPlace::Host, e->m_ring));
  EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(4, table.value().cols() * 4), MemoryPlace::Device, e->m_colSq));
  EMBEDSCOPE_TRY(mk(16, MemoryPlace::Device, e->m_dummy));
  EMBEDSCOPE_TRY(mk(kAccCount * 4, MemoryPlace::Host, e->m_accInit));
  EMBEDSCOPE_TRY(e->m_ring->fillZero());
  const std::uint64_t V = table.value().rows(), D = table.value().cols();
  if (reg) {
    // One float per row of the largest shard (shard 0).
    EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(4, table.value().shardRows(0) * 4), MemoryPlace::Device, e->m_rowSq));
  }
  if (e->m_regKind == 2) {
    // Its kernel reads every row of the table at once, so the table has to be one buffer.
    if (table.value().shardCount() > 1)
      return Status::unavailable("the orthogonal embeddings regularizer is not on the Vulkan engine for a table in " +
                                 std::to_string(table.value().shardCount()) +
                                 " shards (its kernel reads the whole table as one buffer)");
    const bool columns = reg->text("mode") == "columns";
    e->m_orthoN = u32(columns ? D : V);
    e->m_orthoM = u32(columns ? V : D);
    e->m_orthoRowStride = u32(columns ? 1 : D);
    e->m_orthoElemStride = u32(columns ? D : 1);
    const double n = e->m_orthoN;
    e->m_orthoC = reg->number("factor") * 0.5 / (n * (n - 1.0) / 2.0);  // as engine/layer/regularizers.cpp
    e->m_orthoDouble = orthogonalDoubleOn(ctx.info());
    const std::uint64_t real = e->m_orthoDouble ? 8 : 4;
    EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(8, V * D * real), MemoryPlace::Device, e->m_orthoYn));
    EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(8, V * D * real), MemoryPlace::Device, e->m_orthoDyn));
    EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(8, e->m_orthoN * real), MemoryPlace::Device, e->m_orthoNorms));
    EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(4, V * D * 4), MemoryPlace::Device, e->m_regGrad));
    EMBEDSCOPE_TRY(mk(std::max<std::uint64_t>(4, e->m_orthoN * 4), MemoryPlace::Device, e->m_orthoPartial));
  }
  if (e->m_tableDense) {
    auto m = ShardedMatrix::create(ctx, table.value().rows(), 1, MemoryPlace::Device, table.value().rowsPerShard());
    if (!m) return m.status();
    EMBEDSCOPE_TRY((*m)->fill(0xffffffffu));
    e->m_rowMap = std::move(*m);
  }
  return e;
}

StepEngine::~StepEngine() {
  if (!m_kernels) return;
  VulkanContext& ctx = m_kernels->context();
  (void)ctx.wait();
  for (auto& [key, p] : m_programs) ctx.freeCommandBuffer(p->cmd);
}

std::array<float, kAccCount> StepEngine::slotSums(std::uint32_t slot) const {
  std::array<float, kAccCount> a{};
  (void)m_ring->download(a.data(), kAccCount * 4, std::uint64_t(slot) * kAccCount * 4);
  return a;
}

double StepEngine::tablePenalty(const std::array<float, kAccCount>& sums) const {
  const auto& reg = m_layer.embeddingsRegularizer;
  if (!reg) return 0.0;
  if (m_regKind == 2) return m_orthoC * static_cast<double>(sums[kAccRegOrtho]);
  const double l1 = l1Of(*reg), l2 = l2Of(*reg);
  double p = 0.0;
  if (l1 != 0.0) p += l1 * static_cast<double>(sums[kAccRegAbs]);  // Keras skips a term whose coefficient is 0
  if (l2 != 0.0) p += l2 * static_cast<double>(sums[kAccRegSq]);
  return p;
}

Result<StepEngine::Program*> StepEngine::programFor(const Inputs& in, std::uint64_t applyCapacity) {
  const std::uint64_t classes = in.kernel ? in.kernel->value().cols() : 0;
  const auto key = std::make_tuple(static_cast<std::uint32_t>(in.kind), in.ids.rows, in.ids.length,
                                   in.kind == StepKind::Apply ? applyCapacity : classes);
  if (auto it = m_programs.find(key); it != m_programs.end()) return it->second.get();

  VulkanContext& ctx = m_kernels->context();
  const std::uint64_t D = m_table->value().cols();
  const std::uint64_t n = static_cast<std::uint64_t>(in.ids.count());
  const std::uint64_t B = static_cast<std::uint64_t>(in.ids.rows);
  const bool classify = in.kind == StepKind::Classify || in.kind == StepKind::ClassifyEval;
  const bool train = in.kind == StepKind::Regression || in.kind == StepKind::Classify;
  if (n == 0 && in.kind != StepKind::Apply) return Status::invalidArgument("an empty batch");
  if (n * D * 4 > ctx.info().maxShardBytes())
    return Status::unavailable("a batch of " + std::to_string(n) + " x " + std::to_string(D) +
                               " outputs passes the device's " + std::to_string(ctx.info().maxShardBytes()) +
                               "-byte buffer range");
  auto p = std::make_unique<Program>();
  if (in.kind == StepKind::Apply) {
    p->kind = in.kind;
    p->n = applyCapacity;
    if (applyCapacity * D * 4 > ctx.info().maxShardBytes())
      return Status::unavailable("the gradient of " + std::to_string(applyCapacity) + " rows passes the device's buffer range");
    auto mkA = [&](std::uint64_t bytes, std::unique_ptr<Buffer>& out) -> Status {
      auto b = Buffer::create(ctx, bytes, MemoryPlace::Host);
      if (!b) return b.status();
      out = std::move(*b);
      return Status::ok();
    };
    EMBEDSCOPE_TRY(mkA(applyCapacity * 4, p->unique));
    EMBEDSCOPE_TRY(mkA(applyCapacity * D * 4, p->grad));
    auto cmd = ctx.allocateCommandBuffer();
    if (!cmd) return cmd.status();
    p->cmd = *cmd;
    Program* raw = p.get();
    m_programs.emplace(key, std::move(p));
    EMBEDSCOPE_TRY(record(*raw, in));
    return raw;
  }
  p->kind = in.kind;
  p->rows = in.ids.rows;
  p->length = in.ids.length;
  p->classes = static_cast<std::int64_t>(classes);
  p->n = n;
  auto mk = [&](std::uint64_t bytes, MemoryPlace place, std::unique_ptr<Buffer>& out) -> Status {
    auto b = Buffer::create(ctx, bytes, place);
    if (!b) return b.status();
    out = std::move(*b);
    return Status::ok();
  };
  const auto H = MemoryPlace::Host, Dev = MemoryPlace::Device;
  EMBEDSCOPE_TRY(mk(n * 4, H, p->ids));
  EMBEDSCOPE_TRY(mk(n * D * 4, Dev, p->out));
  EMBEDSCOPE_TRY(mk(std::max(n, B) * 4, Dev, p->partial));
  if (train) {
    EMBEDSCOPE_TRY(mk(n * 4, H, p->perm));
    EMBEDSCOPE_TRY(mk((n + 1) * 4, H, p->offsets));
    EMBEDSCOPE_TRY(mk(n * 4, H, p->unique));
    EMBEDSCOPE_TRY(mk(n * D * 4, Dev, p->dOut));
    EMBEDSCOPE_TRY(mk(n * D * 4, Dev, p->grad));
  }
  if (!classify) {
    EMBEDSCOPE_TRY(mk(n * D * 4, H, p->targets));
  } else {
    EMBEDSCOPE_TRY(mk(B * 4, H, p->labels));
    EMBEDSCOPE_TRY(mk(B * 4, Dev, p->partial2));
    EMBEDSCOPE_TRY(mk(B * D * 4, Dev, p->pooled));
    EMBEDSCOPE_TRY(mk(B * 4, Dev, p->counts));
    EMBEDSCOPE_TRY(mk(B * classes * 4, Dev, p->logits));
    EMBEDSCOPE_TRY(mk(B * classes * 4, Dev, p->dLogits));
    EMBEDSCOPE_TRY(mk(D * classes * 4, Dev, p->gKernel));
    EMBEDSCOPE_TRY(mk(classes * 4, Dev, p->gBias));
    EMBEDSCOPE_TRY(mk(B * D * 4, Dev, p->dPooled));
  }
  auto cmd = ctx.allocateCommandBuffer();
  if (!cmd) return cmd.status();
  p->cmd = *cmd;
  Program* raw = p.get();
  m_programs.emplace(key, std::move(p));
  EMBEDSCOPE_TRY(record(*raw, in));
  return raw;
}

Status StepEngine::record(Program& p, const Inputs& in) {
  VulkanContext& ctx = m_kernels->context();
  const std::uint32_t wg = m_shape.workgroupSize;
  const std::uint32_t mode = m_shape.mode;
  const std::uint32_t maxX = ctx.info().limits.maxComputeWorkGroupCount[0];
  const ShardedMatrix& table = m_table->value();
  const std::uint64_t D = table.cols();
  const std::uint64_t n = p.n;
  const std::uint64_t B = static_cast<std::uint64_t>(p.rows);
  const std::uint64_t C = static_cast<std::uint64_t>(p.classes);
  const std::uint32_t rps = u32(table.rowsPerShard());
  const std::uint32_t shards = table.shardCount();
  const bool classify = p.kind == StepKind::Classify || p.kind == StepKind::ClassifyEval;
  const bool applyOnly = p.kind == StepKind::Apply;
  const bool train = p.kind == StepKind::Regression || p.kind == StepKind::Classify || applyOnly;
  const bool mask = m_layer.maskZero;
  const auto& act = m_layer.activityRegularizer;
  const auto& reg = m_layer.embeddingsRegularizer;
  const auto& constraint = m_layer.embeddingsConstraint;

  // Activity coefficients as the CPU forms them: scale = float(1 / batch), then float(l * scale).
  float actL1 = 0, actL2x2 = 0;
  if (act) {
    const float inv = static_cast<float>(1.0 / static_cast<double>(B));
    actL1 = static_cast<float>(l1Of(*act) * inv);
    actL2x2 = static_cast<float>(2.0 * l2Of(*act) * inv);
  }
  float regL1 = 0, regL2x2 = 0;
  if (reg && m_regKind == 1) {
    regL1 = static_cast<float>(l1Of(*reg) * 1.0f);
    regL2x2 = static_cast<float>(2.0 * l2Of(*reg) * 1.0f);
  }

  auto get = [&](const char* name, std::size_t bindings, std::uint32_t pcBytes,
                 const std::vector<std::uint32_t>& spec) { return m_kernels->get(name, std::vector<std::uint32_t>(bindings, 1), pcBytes, spec); };
  const std::uint32_t vec4 = (mode == 0 && D % 4 == 0) ? 1 : 0;
  auto gatherK = get("step_gather", 3, sizeof(GatherPc), {wg, mode, vec4});
  if (!gatherK) return gatherK.status();
  auto reduceSum = get("step_reduce", 2, sizeof(ReducePc), {0});
  auto reduceSq = get("step_reduce", 2, sizeof(ReducePc), {1});
  auto reduceAbs = get("step_reduce", 2, sizeof(ReducePc), {2});
  if (!reduceSum) return reduceSum.status();
  if (!reduceSq) return reduceSq.status();
  if (!reduceAbs) return reduceAbs.status();
  auto finishK = get("step_finish", 3, 0, {});
  if (!finishK) return finishK.status();

  VkCommandBufferBeginInfo bi{};
  bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  VkCommandBuffer cmd = p.cmd;
  if (VkResult r = vkBeginCommandBuffer(cmd, &bi); r != VK_SUCCESS)
    return Status::unavailable("vkBeginCommandBuffer failed (" + std::to_string(static_cast<int>(r)) + ")");

  auto run = [&](Pipeline* pl, const std::vector<BufferBinding>& b, const void* pc, std::uint32_t pcBytes,
                 std::uint32_t groups) {
    pl->bind(cmd);
    pl->pushBuffers(cmd, b);
    if (pcBytes) pl->pushConstants(cmd, pc, pcBytes);
    dispatchFlat(cmd, groups, maxX);
  };
  auto reduce = [&](Pipeline* pl, const BufferBinding& input, std::uint64_t count, std::uint32_t outIndex,
                    bool accumulate) {
    BufferBinding inB = input;
    inB.binding = 0;
    ReducePc pc{u32(count), outIndex, accumulate ? 1u : 0u};
    run(pl, {inB, bind(1, *m_acc)}, &pc, sizeof(pc), 1);
    computeBarrier(cmd);
  };
  const BufferBinding stepB = bind(0, *m_step);
  auto stepAt = [&](std::uint32_t binding) {
    BufferBinding b = stepB;
    b.binding = binding;
    return b;
  };
  auto at = [](std::uint32_t binding, const Buffer& b) { return bind(binding, b); };

  if (applyOnly) {
    // The host's gradient norms (it holds the gradient) instead of zeros.
    VkBufferCopy copy{0, 0, kAccCount * 4};
    vkCmdCopyBuffer(cmd, m_accInit->handle(), m_acc->handle(), 1, &copy);
  } else {
    vkCmdFillBuffer(cmd, m_acc->handle(), 0, kAccCount * 4, 0);
  }
  if (constraint) vkCmdFillBuffer(cmd, m_colSq->handle(), 0, std::max<std::uint64_t>(4, D * 4), 0);
  computeBarrier(cmd);

  // Forward: the gather, shard by shard.
  for (std::uint32_t s = 0; s < shards && !applyOnly; ++s) {
    GatherPc pc{u32(D), u32(n), s, rps};
    run(*gatherK, {at(0, *p.ids), table.shardBinding(1, s), at(2, *p.out)}, &pc, sizeof(pc),
        mode == 0 ? groupsFor(n, wg) : u32(n));
  }
  computeBarrier(cmd);

  Pipeline* poolK = nullptr;
  if (applyOnly) {
    // No forward: the gradient is the host's.
  } else if (!classify) {
    auto mse = get("step_mse", 6, sizeof(MsePc), {wg, mask ? 1u : 0u, act ? 1u : 0u, train ? 0u : 1u});
    if (!mse) return mse.status();
    MsePc pc{u32(D), u32(n), actL1, actL2x2};
    run(*mse,
        {at(0, *p.ids), at(1, *p.out), at(2, *p.targets), at(3, train ? *p.dOut : *m_dummy), at(4, *p.partial), stepAt(5)},
        &pc, sizeof(pc), groupsFor(n, wg));
    computeBarrier(cmd);
    reduce(*reduceSum, at(0, *p.partial), n, kAccLoss, false);
  } else {
    auto pool0 = get("step_pool", 6, sizeof(PoolPc), {wg, mask ? 1u : 0u, 0u, act ? 1u : 0u});
    auto pool1 = get("step_pool", 6, sizeof(PoolPc), {wg, mask ? 1u : 0u, 1u, act ? 1u : 0u});
    auto head0 = get("step_head", 11, sizeof(HeadPc), {wg, 0u, train ? 0u : 1u});
    auto head1 = get("step_head", 11, sizeof(HeadPc), {wg, 1u, 0u});
    auto head2 = get("step_head", 11, sizeof(HeadPc), {wg, 2u, 0u});
    for (auto* r : {&pool0, &pool1, &head0, &head1, &head2})
      if (!*r) return r->status();
    poolK = *pool1;
    if (!in.kernel || !in.bias) return Status::internal("a classify step without its head");
    PoolPc pp{u32(B), u32(p.length), u32(D), actL1, actL2x2};
    const std::vector<BufferBinding> poolB = {at(0, *p.ids),    at(1, *p.out),    at(2, *p.pooled),
                                              at(3, *p.counts), at(4, *p.dPooled), at(5, train ? *p.dOut : *m_dummy)};
    run(*pool0, poolB, &pp, sizeof(pp), groupsFor(B * D, wg));
    computeBarrier(cmd);
    HeadPc hp{u32(B), u32(D), u32(C), 1.0f / static_cast<float>(B)};
    const std::vector<BufferBinding> headB = {
        at(0, *p.pooled),   in.kernel->value().shardBinding(1, 0), in.bias->value().shardBinding(2, 0),
        at(3, *p.labels),   at(4, *p.logits),  at(5, *p.dLogits), at(6, *p.partial), at(7, *p.partial2),
        at(8, *p.gKernel),  at(9, *p.gBias),   at(10, *p.dPooled)};
    run(*head0, headB, &hp, sizeof(hp), groupsFor(B, wg));
    computeBarrier(cmd);
    reduce(*reduceSum, at(0, *p.partial), B, kAccLoss, false);
    reduce(*reduceSum, at(0, *p.partial2), B, kAccMetric, false);
    if (train) {
      run(*head1, headB, &hp, sizeof(hp), groupsFor(D * C + C, wg));
      run(*head2, headB, &hp, sizeof(hp), groupsFor(B * D, wg));
      computeBarrier(cmd);
      run(*pool1, poolB, &pp, sizeof(pp), groupsFor(n * D, wg));
      computeBarrier(cmd);
    }
  }
  (void)poolK;
  if (act && train) {
    reduce(*reduceAbs, at(0, *p.out), n * D, kAccActAbs, false);
    reduce(*reduceSq, at(0, *p.out), n * D, kAccActSq, false);
  }

  if (train && !applyOnly) {
    // Backward: one segment per unique row, positions in order (segments past U are empty).
    auto sum = m_kernels->get("segment_sum", {1, 1, 1, 1}, sizeof(SumPc), {wg, mode});
    if (!sum) return sum.status();
    SumPc sp{u32(D), u32(n)};
    run(*sum, {at(0, *p.dOut), at(1, *p.perm), at(2, *p.offsets), at(3, *p.grad)}, &sp, sizeof(sp),
        mode == 0 ? groupsFor(n, wg) : u32(n));
    computeBarrier(cmd);
    if (m_clipKind == 1 || m_clipKind == 2) {
      // Gradient norms only for clipnorm / global_clipnorm (one workgroup reads the whole gradient);
      // with a regularizer the table's is taken below, over its dense gradient.
      if (!reg) reduce(*reduceSq, at(0, *p.grad), n * D, kAccGsqTable, false);
      if (classify) {
        reduce(*reduceSq, at(0, *p.gKernel), D * C, kAccGsqKernel, false);
        reduce(*reduceSq, at(0, *p.gBias), C, kAccGsqBias, false);
      }
    }
  }
  auto mapK = m_kernels->get("step_row_map", {1, 1, 1}, sizeof(MapPc), {wg});
  if (!mapK) return mapK.status();
  auto rowMaps = [&](std::uint32_t clear) {
    // Each table row's gradient row (kNoRow: none) for the dense update, every shard.
    for (std::uint32_t s = 0; s < shards; ++s) {
      MapPc mp{u32(n), s, rps, clear};
      run(*mapK, {at(0, *p.unique), m_rowMap->shardBinding(1, s), stepAt(2)}, &mp, sizeof(mp), groupsFor(n, wg));
    }
    computeBarrier(cmd);
  };
  if (train && m_tableDense) rowMaps(0);
  if (train && reg) {
    if (m_regKind == 2) {
      const char* orthoName = m_orthoDouble ? "step_orthogonal_f64" : "step_orthogonal";
      auto phase0 = get(orthoName, 6, sizeof(OrthoPc), {wg, 0u});
      auto phase1 = get(orthoName, 6, sizeof(OrthoPc), {wg, 1u});
      if (!phase0) return phase0.status();
      if (!phase1) return phase1.status();
      const double twoC = 2.0 * m_orthoC;
      const float twoCHi = static_cast<float>(twoC);
      const OrthoPc op{m_orthoN, m_orthoM, m_orthoRowStride, m_orthoElemStride, twoCHi,
                       static_cast<float>(twoC - static_cast<double>(twoCHi))};
      const std::vector<BufferBinding> ob = {table.shardBinding(0, 0), at(1, *m_orthoYn), at(2, *m_orthoNorms),
                                             at(3, *m_orthoDyn), at(4, *m_regGrad), at(5, *m_orthoPartial)};
      run(*phase0, ob, &op, sizeof(op), groupsFor(m_orthoN, wg));
      computeBarrier(cmd);
      run(*phase1, ob, &op, sizeof(op), groupsFor(m_orthoN, wg));
      computeBarrier(cmd);
      reduce(*reduceSum, at(0, *m_orthoPartial), m_orthoN, kAccRegOrtho, false);
    } else {
      for (std::uint32_t s = 0; s < shards; ++s) {
        reduce(*reduceAbs, table.shardBinding(0, s), table.shardRows(s) * D, kAccRegAbs, s > 0);
        reduce(*reduceSq, table.shardBinding(0, s), table.shardRows(s) * D, kAccRegSq, s > 0);
      }
    }
    // The table's gradient norm, over every row of its dense gradient: for clipnorm/global_clipnorm,
    // and for applyGradient's statistics (the host only holds the sparse part).
    if (m_clipKind == 1 || m_clipKind == 2 || applyOnly) {
      auto normK = get("step_grad_norm", 5, sizeof(GradNormPc), {wg, m_regKind});
      if (!normK) return normK.status();
      for (std::uint32_t s = 0; s < shards; ++s) {
        const std::uint64_t shardRows = table.shardRows(s);
        GradNormPc gp{u32(D), u32(shardRows), s, rps, regL1, regL2x2};
        run(*normK,
            {table.shardBinding(0, s), at(1, *p.grad), m_rowMap->shardBinding(2, s),
             at(3, m_regKind == 2 ? *m_regGrad : *m_dummy), at(4, *m_rowSq)},
            &gp, sizeof(gp), groupsFor(shardRows, wg));
        computeBarrier(cmd);
        reduce(*reduceSum, at(0, *m_rowSq), shardRows, kAccGsqTable, s > 0);
      }
    }
  }

  run(*finishK, {at(0, *m_acc), at(1, *m_ring), stepAt(2)}, nullptr, 0, 1);
  computeBarrier(cmd);

  if (train) {
    // Update: the table, then the head's variables (one optimizer step over all of them).
    auto optFor = [&](std::uint32_t optMode, std::uint32_t regKind) {
      return m_kernels->get("step_optimizer", std::vector<std::uint32_t>(9, 1), sizeof(OptPc),
                            {wg, m_opt.opt, m_opt.flags, optMode, m_clipKind, regKind});
    };
    auto slotsOf = [&](DeviceVariable& v, std::uint32_t s, std::vector<BufferBinding>& b) {
      for (std::uint32_t k = 0; k < 3; ++k)
        b.push_back(k < v.slotCount() ? v.slot(k).shardBinding(1 + k, s) : at(1 + k, *m_dummy));
    };
    auto tableK = optFor(m_tableDense ? 1 : 0, m_regKind);
    if (!tableK) return tableK.status();
    for (std::uint32_t s = 0; s < shards; ++s) {
      const std::uint64_t shardRows = table.shardRows(s);
      std::vector<BufferBinding> b{table.shardBinding(0, s)};
      slotsOf(*m_table, s, b);
      b.push_back(at(4, *p.grad));
      OptPc pc{u32(D), 0, s, rps, kAccGsqTable, m_clipC, regL1, regL2x2};
      if (m_tableDense) {
        b.push_back(m_rowMap->shardBinding(5, s));
        pc.count = u32(shardRows);
      } else {
        b.push_back(at(5, *p.unique));
        pc.count = u32(n);
      }
      b.push_back(at(6, *m_acc));
      b.push_back(stepAt(7));
      b.push_back(at(8, m_regKind == 2 ? *m_regGrad : *m_dummy));
      run(*tableK, b, &pc, sizeof(pc), groupsFor(std::uint64_t(pc.count) * D, wg));
    }
    if (m_tableDense) {
      computeBarrier(cmd);
      rowMaps(1);
    }
    if (classify) {
      auto headK = optFor(2, 0);
      if (!headK) return headK.status();
      const std::pair<DeviceVariable*, std::pair<Buffer*, std::uint32_t>> heads[2] = {
          {in.kernel, {p.gKernel.get(), kAccGsqKernel}}, {in.bias, {p.gBias.get(), kAccGsqBias}}};
      for (const auto& [var, g] : heads) {
        std::vector<BufferBinding> b{var->value().shardBinding(0, 0)};
        slotsOf(*var, 0, b);
        b.push_back(at(4, *g.first));
        b.push_back(at(5, *m_dummy));
        b.push_back(at(6, *m_acc));
        b.push_back(stepAt(7));
        b.push_back(at(8, *m_dummy));
        const std::uint64_t rows = var->value().rows(), cols = var->value().cols();
        OptPc pc{u32(cols), u32(rows), 0, u32(rows), g.second, m_clipC, 0, 0};
        run(*headK, b, &pc, sizeof(pc), groupsFor(rows * cols, wg));
      }
    }
    computeBarrier(cmd);
    if (constraint) {
      const std::uint32_t kind = constraintKind(*constraint);
      const std::uint32_t axis = static_cast<std::uint32_t>(constraintAxis(*constraint));
      ConstraintPc cp{u32(D), 0, 0, 0, 1};
      if (kind == 1) cp.maxValue = static_cast<float>(constraint->number("max_value", 2.0));
      if (kind == 3) {
        cp.minValue = static_cast<float>(constraint->number("min_value", 0.0));
        cp.maxValue = static_cast<float>(constraint->number("max_value", 1.0));
        cp.rate = static_cast<float>(constraint->number("rate", 1.0));
      }
      auto apply = m_kernels->get("step_constraint", {1, 1, 1}, sizeof(ConstraintPc), {wg, kind, axis, 1u});
      if (!apply) return apply.status();
      if (kind != 0 && axis == 0) {
        auto sums = m_kernels->get("step_constraint", {1, 1, 1}, sizeof(ConstraintPc), {wg, kind, axis, 0u});
        if (!sums) return sums.status();
        for (std::uint32_t s = 0; s < shards; ++s) {
          cp.rows = u32(table.shardRows(s));
          run(*sums, {table.shardBinding(0, s), at(1, *m_colSq), stepAt(2)}, &cp, sizeof(cp), groupsFor(D, wg));
          computeBarrier(cmd);
        }
      }
      for (std::uint32_t s = 0; s < shards; ++s) {
        cp.rows = u32(table.shardRows(s));
        const std::uint64_t items = (kind != 0 && axis == 1) ? cp.rows : std::uint64_t(cp.rows) * D;
        run(*apply, {table.shardBinding(0, s), at(1, *m_colSq), stepAt(2)}, &cp, sizeof(cp), groupsFor(items, wg));
      }
      computeBarrier(cmd);
    }
  }
  if (VkResult r = vkEndCommandBuffer(cmd); r != VK_SUCCESS)
    return Status::unavailable("vkEndCommandBuffer failed (" + std::to_string(static_cast<int>(r)) + ")");
  return Status::ok();
}

Status StepEngine::submit(const Inputs& in, std::vector<std::int64_t>* uniqueRows) {
  VulkanContext& ctx = m_kernels->context();
  const bool classify = in.kind == StepKind::Classify || in.kind == StepKind::ClassifyEval;
  const bool train = in.kind == StepKind::Regression || in.kind == StepKind::Classify;
  const std::int64_t n = in.ids.count();
  const std::uint64_t D = m_table->value().cols();

  // Host work first (it overlaps the previous step on the device): ids and the sorted segments.
  m_hostIds.resize(static_cast<std::size_t>(n));
  std::int64_t valid = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    m_hostIds[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(in.ids.ids[i]);
    valid += !m_layer.maskZero || in.ids.ids[i] != 0;
  }
  Segments seg;
  if (train) {
    // Pooling's gradient reaches valid positions only; a plain gather's (regression, or the
    // activity regularizer's full output) every position, as the CPU engine's primitives do.
    std::vector<std::uint8_t> keep;
    if (classify && !m_layer.activityRegularizer && m_layer.maskZero) {
      keep.resize(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) keep[static_cast<std::size_t>(i)] = in.ids.ids[i] != 0;
    }
    seg = buildSegments(in.ids.ids, n, keep.empty() ? nullptr : keep.data());
    m_hostPerm.assign(static_cast<std::size_t>(n), 0);
    std::copy(seg.perm.begin(), seg.perm.end(), m_hostPerm.begin());
    m_hostOffsets.assign(static_cast<std::size_t>(n) + 1, static_cast<std::uint32_t>(seg.perm.size()));
    std::copy(seg.offsets.begin(), seg.offsets.end(), m_hostOffsets.begin());
    m_hostUnique.assign(static_cast<std::size_t>(n), 0xffffffffu);
    for (std::size_t k = 0; k < seg.rows.size(); ++k) m_hostUnique[k] = static_cast<std::uint32_t>(seg.rows[k]);
    if (uniqueRows) *uniqueRows = seg.rows;
  }

  auto prog = programFor(in);
  if (!prog) return prog.status();
  Program& p = **prog;

  EMBEDSCOPE_TRY(ctx.wait());  // the device is done with the buffers written below
  EMBEDSCOPE_TRY(p.ids->upload(m_hostIds.data(), std::uint64_t(n) * 4));
  if (train) {
    EMBEDSCOPE_TRY(p.perm->upload(m_hostPerm.data(), m_hostPerm.size() * 4));
    EMBEDSCOPE_TRY(p.offsets->upload(m_hostOffsets.data(), m_hostOffsets.size() * 4));
    EMBEDSCOPE_TRY(p.unique->upload(m_hostUnique.data(), m_hostUnique.size() * 4));
  }
  if (!classify) {
    EMBEDSCOPE_TRY(p.targets->upload(in.targets, std::uint64_t(n) * D * 4));
  } else {
    std::vector<std::uint32_t> labels(static_cast<std::size_t>(in.ids.rows));
    for (std::size_t b = 0; b < labels.size(); ++b) labels[b] = static_cast<std::uint32_t>(in.labels[b]);
    EMBEDSCOPE_TRY(p.labels->upload(labels.data(), labels.size() * 4));
  }
  // mseLoss's dLoss/dOut scale, in the CPU's float arithmetic.
  EMBEDSCOPE_TRY(writeStep(static_cast<std::uint32_t>(seg.rows.size()), in.slot,
                           valid > 0 ? 2.0f / (static_cast<float>(valid) * static_cast<float>(D)) : 0.0f, in.t));
  return ctx.submit(p.cmd);
}

Status StepEngine::writeStep(std::uint32_t uniqueCount, std::uint32_t slot, float lossScale, std::int64_t t) {
  StepBufHost sb{};
  sb.uniqueCount = uniqueCount;
  sb.slot = slot % m_ringSlots;
  sb.lossScale = lossScale;
  const StepScalars sc = stepScalarsFor(m_optimizer, t);
  sb.lr = sc.lr;
  sb.a = sc.a;
  sb.b = sc.b;
  sb.c = sc.c;
  sb.d = sc.d;
  sb.wd = sc.wd;
  return m_step->upload(&sb, sizeof(sb));
}

Status StepEngine::submitApply(const std::vector<std::int64_t>& rows, const Matrix& values, const float gsq[3],
                               std::int64_t t) {
  VulkanContext& ctx = m_kernels->context();
  const std::uint64_t D = m_table->value().cols();
  const std::uint64_t U = rows.size();
  // Programs by power-of-two capacity, so varying gradient sizes reuse a few recordings.
  std::uint64_t cap = 64;
  while (cap < U) cap *= 2;
  Inputs in;
  in.kind = StepKind::Apply;
  auto prog = programFor(in, cap);
  if (!prog) return prog.status();
  Program& p = **prog;
  EMBEDSCOPE_TRY(ctx.wait());
  m_hostUnique.assign(cap, 0xffffffffu);
  for (std::uint64_t k = 0; k < U; ++k) m_hostUnique[k] = static_cast<std::uint32_t>(rows[k]);
  EMBEDSCOPE_TRY(p.unique->upload(m_hostUnique.data(), cap * 4));
  EMBEDSCOPE_TRY(p.grad->upload(values.data(), U * D * 4));
  std::array<float, kAccCount> init{};
  init[kAccGsqTable] = gsq[0];
  init[kAccGsqKernel] = gsq[1];
  init[kAccGsqBias] = gsq[2];
  EMBEDSCOPE_TRY(m_accInit->upload(init.data(), kAccCount * 4));
  EMBEDSCOPE_TRY(writeStep(static_cast<std::uint32_t>(U), 0, 0.0f, t));
  return ctx.submit(p.cmd);
}

}  // namespace embedscope::vk
