#include "engine/compute/vulkan/device_variable.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/compute/vulkan/shard_work.h"
#include "engine/optim/update_rules.h"

namespace embedscope::vk {

namespace {
struct OptParams {
  std::uint32_t cols, count, clipKind, base;
  float lr, a, b, c, d, clipC, clipD, wd;
};
struct MapParams {
  std::uint32_t count, clear, base;
};
std::uint32_t floatBits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
}  // namespace

Result<OptimizerKernel> optimizerKernelFor(const OptimizerConfig& c) {
  OptimizerKernel k;
  const float init = static_cast<float>(c.initialAccumulatorValue);
  if (c.name == "sgd") {
    k.opt = c.momentum == 0.0 ? 0 : (c.nesterov ? 2 : 1);
    if (c.momentum != 0.0) k.slotNames = {"momentum"};
  } else if (c.name == "rmsprop") {
    k.opt = 3;
    k.slotNames = {"velocity"};
    if (c.momentum != 0.0) {
      k.flags |= 4;
      k.slotNames.push_back("momentum");
    }
    if (c.centered) {
      k.flags |= 2;
      k.slotNames.push_back("average_gradient");
    }
  } else if (c.name == "adam" || c.name == "adamw") {
    k.opt = 4;
    k.slotNames = {"momentum", "velocity"};
    if (c.amsgrad) {
      k.flags |= 1;
      k.slotNames.push_back("velocity_hat");
    }
  } else if (c.name == "adagrad") {
    k.opt = 5;
    k.slotNames = {"accumulator"};
    k.slotInit = {init};
  } else if (c.name == "ftrl") {
    k.opt = 6;
    k.slotNames = {"accumulator", "linear"};
    k.slotInit = {init, 0.0f};
  } else {
    return Status::invalidArgument("Could not interpret optimizer identifier: " + c.name);
  }
  k.slotInit.resize(k.slotNames.size(), 0.0f);
  return k;
}

bool needsDensePass(const OptimizerConfig& c) {
  if (c.updates == UpdateMode::Lazy) return false;
  if (c.weightDecay && *c.weightDecay != 0.0) return true;
  if (c.name == "sgd") return c.momentum != 0.0;
  // g = 0 leaves accumulator and weight unchanged unless 0/sqrt(0) (the CPU optimizer's rule)
  if (c.name == "adagrad") return !(static_cast<float>(c.initialAccumulatorValue) + static_cast<float>(c.epsilon) > 0.0f);
  return true;
}

StepScalars stepScalarsFor(const OptimizerConfig& c, std::int64_t t) {
  StepScalars s;
  s.lr = static_cast<float>(c.learningRate);
  if (c.weightDecay) s.wd = static_cast<float>(*c.weightDecay);
  if (c.name == "sgd") {
    s.a = static_cast<float>(c.momentum);
  } else if (c.name == "rmsprop") {
    s.a = static_cast<float>(c.rho);
    s.b = static_cast<float>(c.momentum);
    s.c = static_cast<float>(c.epsilon);
  } else if (c.name == "adam" || c.name == "adamw") {
    auto r = rules::adamScalars(s.lr, static_cast<float>(c.beta1), static_cast<float>(c.beta2),
                                static_cast<float>(c.epsilon), t);
    s.a = r.alpha;
    s.b = r.beta1;
    s.c = r.beta2;
    s.d = r.epsilon;
  } else if (c.name == "adagrad") {
    s.a = static_cast<float>(c.epsilon);
  } else if (c.name == "ftrl") {
    s.a = static_cast<float>(-c.learningRatePower);
    s.b = static_cast<float>(c.l1RegularizationStrength);
    s.c = static_cast<float>(c.l2RegularizationStrength + c.beta / (2.0 * c.learningRate));
    s.d = static_cast<float>(c.l2ShrinkageRegularizationStrength);
  }
  return s;
}

Result<std::unique_ptr<DeviceVariable>> DeviceVariable::create(KernelCache& kernels, std::string name, std::uint64_t rows,
                                                                std::uint64_t cols, const OptimizerConfig& config,
                                                                MemoryPlace place) {
  auto k = optimizerKernelFor(config);
  if (!k) return k.status();
  std::unique_ptr<DeviceVariable> v(new DeviceVariable());
  v->m_kernels = &kernels;
  v->m_name = std::move(name);
  v->m_config = config;
  v->m_kernel = *k;
  v->m_dense = needsDensePass(config);
  VulkanContext& ctx = kernels.context();
  auto value = ShardedMatrix::create(ctx, rows, cols, place);
  if (!value) return value.status();
  v->m_value = std::move(*value);
  const std::uint64_t rps = v->m_value->rowsPerShard();
  for (std::size_t i = 0; i < v->m_kernel.slotNames.size(); ++i) {
    auto s = ShardedMatrix::create(ctx, rows, cols, place, rps);
    if (!s) return s.status();
    EMBEDSCOPE_TRY((*s)->fill(floatBits(v->m_kernel.slotInit[i])));
    v->m_slots.push_back(std::move(*s));
  }
  if (v->m_dense) {
    auto m = ShardedMatrix::create(ctx, rows, 1, place, rps);
    if (!m) return m.status();
    EMBEDSCOPE_TRY((*m)->fill(0xffffffffu));
    v->m_rowMap = std::move(*m);
  }
  return v;
}

Status DeviceVariable::apply(const std::vector<std::int64_t>& rows, const Matrix& values, const StepScalars& sc) {
  VulkanContext& ctx = m_kernels->context();
  const std::uint64_t cols = m_value->cols();
  const std::uint64_t U = rows.size();
  if (!m_dense && U == 0) return Status::ok();
  if (static_cast<std::uint64_t>(values.rows()) != U || static_cast<std::uint64_t>(values.cols()) != cols)
    return Status::internal("gradient shape does not match variable " + m_name);
  const std::uint64_t gradBytes = U * cols * 4;
  if (gradBytes > ctx.info().maxShardBytes())
    return Status::unavailable("the gradient of " + std::to_string(U) + " rows passes the device's buffer range");

  const KernelShape shape = kernelShapeFor(ctx.info());
  const std::uint32_t wg = shape.workgroupSize;
  auto denseK = m_kernels->get("optimizer", {1, 1, 1, 1, 1, 1}, sizeof(OptParams), {wg, m_kernel.opt, m_kernel.flags, 0});
  if (!denseK) return denseK.status();
  auto sparseK = m_kernels->get("optimizer", {1, 1, 1, 1, 1, 1}, sizeof(OptParams), {wg, m_kernel.opt, m_kernel.flags, 1});
  if (!sparseK) return sparseK.status();
  auto mapK = m_kernels->get("row_map", {1, 1}, sizeof(MapParams), {wg});
  if (!mapK) return mapK.status();

  // Items (gradient row, row in shard), shard by shard: rows are ascending, so each shard's
  // items are one contiguous run.
  const std::uint64_t rps = m_value->rowsPerShard();
  const std::uint32_t shards = m_value->shardCount();
  std::vector<std::uint32_t> items(2 * std::max<std::uint64_t>(U, 1));
  std::vector<std::uint32_t> base(shards + 1, 0);
  for (std::uint64_t k = 0; k < U; ++k) {
    items[2 * k] = static_cast<std::uint32_t>(k);
    items[2 * k + 1] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(rows[k]) % rps);
    base[static_cast<std::size_t>(static_cast<std::uint64_t>(rows[k]) / rps) + 1]++;
  }
  for (std::uint32_t s = 0; s < shards; ++s) base[s + 1] += base[s];

  auto g = m_grad.ensure(ctx, std::max<std::uint64_t>(gradBytes, 4));
  if (!g) return g.status();
  auto it = m_items.ensure(ctx, items.size() * 4);
  if (!it) return it.status();
  EMBEDSCOPE_TRY((*g)->upload(values.data(), gradBytes));
  EMBEDSCOPE_TRY((*it)->upload(items.data(), items.size() * 4));

  const std::uint32_t maxX = ctx.info().limits.maxComputeWorkGroupCount[0];
  Pipeline* dk = *denseK;
  Pipeline* sk = *sparseK;
  Pipeline* mk = *mapK;
  const BufferBinding gradB{4, 0, (*g)->handle(), 0, std::max<std::uint64_t>(gradBytes, 4)};
  const BufferBinding itemsB{0, 0, (*it)->handle(), 0, items.size() * 4};
  return ctx.runOnce([&](VkCommandBuffer cmd) {
    for (std::uint32_t s = 0; s < shards; ++s) {
      const std::uint32_t count = base[s + 1] - base[s];
      const std::uint64_t shardRows = m_value->shardRows(s);
      std::vector<BufferBinding> b;
      b.push_back(m_value->shardBinding(0, s));
      for (std::uint32_t k = 0; k < 3; ++k) {
        BufferBinding sb = k < m_slots.size() ? m_slots[k]->shardBinding(1 + k, s) : m_value->shardBinding(1 + k, s);
        b.push_back(sb);
      }
      b.push_back(gradB);
      OptParams p{static_cast<std::uint32_t>(cols), 0, sc.clipKind, base[s], sc.lr, sc.a, sc.b, sc.c, sc.d,
                  sc.clipC, sc.clipD, sc.wd};
      if (m_dense) {
        BufferBinding mapB = m_rowMap->shardBinding(1, s);
        if (count > 0) {
          MapParams mp{count, 0, base[s]};
          mk->bind(cmd);
          mk->pushBuffers(cmd, {itemsB, mapB});
          mk->pushConstants(cmd, &mp, sizeof(mp));
          dispatchFlat(cmd, (count + wg - 1) / wg, maxX);
          computeBarrier(cmd);
        }
        BufferBinding rowsB = mapB;
        rowsB.binding = 5;
        b.push_back(rowsB);
        p.count = static_cast<std::uint32_t>(shardRows);
        dk->bind(cmd);
        dk->pushBuffers(cmd, b);
        dk->pushConstants(cmd, &p, sizeof(p));
        dispatchFlat(cmd, static_cast<std::uint32_t>((shardRows * cols + wg - 1) / wg), maxX);
        if (count > 0) {
          computeBarrier(cmd);
          MapParams mp{count, 1, base[s]};
          mk->bind(cmd);
          mk->pushBuffers(cmd, {itemsB, mapB});
          mk->pushConstants(cmd, &mp, sizeof(mp));
          dispatchFlat(cmd, (count + wg - 1) / wg, maxX);
        }
      } else {
        if (count == 0) continue;
        BufferBinding rowsB = itemsB;
        rowsB.binding = 5;
        b.push_back(rowsB);
        p.count = count;
        sk->bind(cmd);
        sk->pushBuffers(cmd, b);
        sk->pushConstants(cmd, &p, sizeof(p));
        dispatchFlat(cmd, static_cast<std::uint32_t>((static_cast<std::uint64_t>(count) * cols + wg - 1) / wg), maxX);
      }
    }
  });
}

}  // namespace embedscope::vk
