// The `vulkan` bench suite, on whatever device `--engine vulkan` uses: the device's own buffer
// copy (the bandwidth reference), the gather (a command buffer recorded once and resubmitted),
// the sparse update (segment-sum backward + SGD on the touched rows), the dense Keras 3 Adam pass
// over the whole table, all in GB/s; and classify and regression steps/s of the fused device steps
// beside the host-side default path. Skip-gram has no device kernel yet.
#include <chrono>
#include <cmath>

#include "app/commands/bench_common.h"
#include "engine/compute/vulkan/device_variable.h"
#include "engine/compute/vulkan/gather.h"
#include "engine/compute/vulkan/segment_sum.h"
#include "engine/compute/vulkan/vk_status.h"
#include "engine/compute/vulkan/vulkan_backend.h"
#include "engine/core/rng.h"
#include "engine/optim/optimizer_config.h"

namespace embedscope::cli {
namespace {

using Clock = std::chrono::steady_clock;

using Shape = BenchShape;
std::vector<Shape> shapes(const BenchOptions& o) { return benchShapes(o); }
std::int64_t batchPositions(const BenchOptions& o) { return benchBatchRows(o) * kBenchLength; }

template <class F>
Result<double> timeMedian(int repeats, F&& f) {
  EMBEDSCOPE_TRY(f());  // warm-up (pipelines, first-touch)
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    auto a = Clock::now();
    EMBEDSCOPE_TRY(f());
    t.push_back(std::chrono::duration<double>(Clock::now() - a).count());
  }
  return medianOf(t);
}

BenchRecord record(const std::string& name, double value, const std::string& unit, const vk::VulkanContext& ctx,
                   const Shape& s, std::int64_t positions) {
  BenchRecord r{name, value, unit, {}};
  r.fields = {{"device", ctx.info().name}, {"device_type", vk::deviceTypeName(ctx.info().type)},
              {"vocab", double(s.vocab)},  {"dim", double(s.dim)},
              {"positions", double(positions)}};
  return r;
}

Result<std::unique_ptr<vk::VulkanContext>> context() {
  auto ctx = vk::VulkanContext::create();
  if (!ctx) return ctx.status().withContext("the vulkan bench needs a Vulkan device");
  return ctx;
}

// Device-side copy of a table-sized buffer: what the memory system gives a trivial kernel.
Status copyPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  auto ctx = context();
  if (!ctx) return ctx.status();
  for (const Shape s : shapes(o)) {
    const std::uint64_t bytes = std::min<std::uint64_t>(static_cast<std::uint64_t>(s.vocab * s.dim * 4),
                                                        (*ctx)->info().maxShardBytes());
    auto a = vk::Buffer::create(**ctx, bytes);
    if (!a) return a.status();
    auto b = vk::Buffer::create(**ctx, bytes);
    if (!b) return b.status();
    auto t = timeMedian(o.repeats, [&] {
      return (*ctx)->runOnce([&](VkCommandBuffer cmd) {
        VkBufferCopy c{0, 0, bytes};
        vkCmdCopyBuffer(cmd, (*a)->handle(), (*b)->handle(), 1, &c);
      });
    });
    if (!t) return t.status();
    out.push_back(record("device_copy", 2.0 * double(bytes) / *t / 1e9, "GB/s", **ctx, s, 0));
  }
  return Status::ok();
}

Status gatherPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  auto ctx = context();
  if (!ctx) return ctx.status();
  vk::KernelCache kernels(**ctx);
  for (const Shape s : shapes(o)) {
    auto table = vk::ShardedMatrix::create(**ctx, static_cast<std::uint64_t>(s.vocab), static_cast<std::uint64_t>(s.dim));
    if (!table) return table.status();
    EMBEDSCOPE_TRY((*table)->upload(uniformTable(s.vocab, s.dim, 1)));
    const std::int64_t n = batchPositions(o);
    auto g = vk::PreparedGather::create(kernels, **table, uniformIds(n, s.vocab, 2));
    if (!g) return g.status();
    auto cmd = (*ctx)->allocateCommandBuffer();
    if (!cmd) return cmd.status();
    VkCommandBufferBeginInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    EMBEDSCOPE_TRY(vk::check(vkBeginCommandBuffer(*cmd, &bi), "vkBeginCommandBuffer"));
    (*g)->record(*cmd);
    EMBEDSCOPE_TRY(vk::check(vkEndCommandBuffer(*cmd), "vkEndCommandBuffer"));
    auto t = timeMedian(o.repeats, [&] { return (*ctx)->submitAndWait(*cmd); });
    (*ctx)->freeCommandBuffer(*cmd);
    if (!t) return t.status();
    // Read a row and write a row per position.
    const double bytes = 2.0 * double(n) * double(s.dim) * 4.0;
    out.push_back(record("gather", bytes / *t / 1e9, "GB/s", **ctx, s, n));
    out.push_back(record("gather_rows", double(n) / *t / 1e6, "Mrows/s", **ctx, s, n));
  }
  return Status::ok();
}

Status sparseUpdatePart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  auto ctx = context();
  if (!ctx) return ctx.status();
  vk::KernelCache kernels(**ctx);
  vk::SegmentSummer summer(kernels);
  auto sgd = makeOptimizerConfig("sgd", {});
  if (!sgd) return sgd.status();
  for (const Shape s : shapes(o)) {
    auto var = vk::DeviceVariable::create(kernels, "embeddings", static_cast<std::uint64_t>(s.vocab),
                                          static_cast<std::uint64_t>(s.dim), *sgd);
    if (!var) return var.status();
    EMBEDSCOPE_TRY((*var)->value().upload(uniformTable(s.vocab, s.dim, 1)));
    const std::int64_t n = batchPositions(o);
    const auto ids = uniformIds(n, s.vocab, 3);
    Matrix dOut = uniformTable(n, s.dim, 4);
    Matrix values;
    const auto seg = vk::buildSegments(ids.data(), n);
    const auto sc = vk::stepScalarsFor(*sgd, 1);
    auto t = timeMedian(o.repeats, [&]() -> Status {
      EMBEDSCOPE_TRY(summer.run(seg, dOut.data(), n, s.dim, values));
      return (*var)->apply(seg.rows, values, sc);
    });
    if (!t) return t.status();
    // dOut read + gradient rows written and read + table rows read and written.
    const double bytes = (double(n) + 4.0 * double(seg.rows.size())) * double(s.dim) * 4.0;
    out.push_back(record("sparse_update", bytes / *t / 1e9, "GB/s", **ctx, s, n));
  }
  return Status::ok();
}

Status denseAdamPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  auto ctx = context();
  if (!ctx) return ctx.status();
  vk::KernelCache kernels(**ctx);
  auto adam = makeOptimizerConfig("adam", {});
  if (!adam) return adam.status();
  for (const Shape s : shapes(o)) {
    auto var = vk::DeviceVariable::create(kernels, "embeddings", static_cast<std::uint64_t>(s.vocab),
                                          static_cast<std::uint64_t>(s.dim), *adam);
    if (!var) return var.status();
    EMBEDSCOPE_TRY((*var)->value().upload(uniformTable(s.vocab, s.dim, 1)));
    std::int64_t step = 0;
    const Matrix none(0, s.dim);
    auto t = timeMedian(o.repeats, [&] { return (*var)->apply({}, none, vk::stepScalarsFor(*adam, ++step)); });
    if (!t) return t.status();
    // Every element: w, m, v read and written, plus the row map read once per element.
    const double bytes = double(s.vocab) * double(s.dim) * 4.0 * 7.0;
    out.push_back(record("dense_adam", bytes / *t / 1e9, "GB/s", **ctx, s, 0));
  }
  return Status::ok();
}

// The fused training steps (one command buffer per batch shape, loss reduced on the device) in
// steps/s, side by side in one process with Backend's default host-side implementation of the same
// step on the same backend (gather read back, pooling/head/loss on the host, sparse backward and
// update as kernels): "path" says which. loss_every = how often the fused step reads its loss back.
struct StepBench {
  std::string name;
  bool classify;
};

Status stepPart(const BenchOptions& o, std::vector<BenchRecord>& out, const StepBench& which) {
  compute::registerVulkanFactory();
  constexpr std::int64_t kLength = 32;
  for (const Shape s : shapes(o)) {
    for (const char* opt : {"sgd", "adam"}) {
      compute::BackendSetup setup;
      setup.layer.inputDim = s.vocab;
      setup.layer.outputDim = s.dim;
      setup.layer.maskZero = true;
      setup.table = uniformTable(s.vocab, s.dim, 1);
      auto cfg = makeOptimizerConfig(opt, {});
      if (!cfg) return cfg.status();
      setup.optimizer = *cfg;
      const std::int64_t rows = batchPositions(o) / kLength;
      const auto ids = uniformIds(rows * kLength, s.vocab, 3);
      Rng rng(4);
      std::vector<std::int64_t> labels(static_cast<std::size_t>(rows));
      for (auto& l : labels) l = static_cast<std::int64_t>(rng.below(2));
      Matrix targets = uniformTable(rows * kLength, s.dim, 6);
      const compute::IdBatch batch{ids.data(), rows, kLength};
      struct Variant {
        const char* path;
        std::uint32_t lossEvery;
      };
      for (const Variant v : {Variant{"fused", 1}, Variant{"fused", 10}, Variant{"host", 1}}) {
        compute::VulkanBackendOptions vo;
        vo.lossEvery = v.lossEvery;
        auto backend = compute::createVulkanBackend(setup, vo);
        if (!backend) return backend.status();
        auto* vb = dynamic_cast<compute::vulkan::VulkanBackend*>(backend->get());
        compute::DenseHead head;
        if (which.classify) {
          head.kernel = uniformTable(s.dim, 2, 5);
          head.bias.setZero(1, 2);
          head.kernelVariable = vb->addDenseVariable("dense/kernel", s.dim, 2);
          head.biasVariable = vb->addDenseVariable("dense/bias", 1, 2);
        }
        const bool host = std::string(v.path) == "host";
        // A timed run is lossEvery steps, so every run ends with its loss read back.
        const int stepsPerRun = static_cast<int>(v.lossEvery);
        auto t = timeMedian(o.repeats, [&]() -> Status {
          for (int k = 0; k < stepsPerRun; ++k) {
            Result<compute::StepResult> r =
                which.classify ? (host ? vb->compute::Backend::classifyStep(batch, labels.data(), head, nullptr)
                                       : vb->classifyStep(batch, labels.data(), head, nullptr))
                               : (host ? vb->compute::Backend::regressionStep(batch, targets.data(), nullptr)
                                       : vb->regressionStep(batch, targets.data(), nullptr));
            if (!r) return r.status();
          }
          return Status::ok();
        });
        if (!t) return t.status();
        BenchRecord r = record(which.name, stepsPerRun / *t, "steps/s", vb->context(), s, rows * kLength);
        r.fields.push_back({"optimizer", std::string(opt)});
        r.fields.push_back({"path", std::string(v.path)});
        r.fields.push_back({"loss_every", double(v.lossEvery)});
        out.push_back(std::move(r));
      }
    }
  }
  return Status::ok();
}

Status classifyPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  return stepPart(o, out, {"classify_step", true});
}
Status regressionPart(const BenchOptions& o, std::vector<BenchRecord>& out) {
  return stepPart(o, out, {"regression_step", false});
}

const BenchRegistrar kCopy{{"vulkan", "device_copy", &copyPart}};
const BenchRegistrar kGather{{"vulkan", "gather", &gatherPart}};
const BenchRegistrar kSparse{{"vulkan", "sparse_update", &sparseUpdatePart}};
const BenchRegistrar kDenseAdam{{"vulkan", "dense_adam", &denseAdamPart}};
const BenchRegistrar kClassify{{"vulkan", "classify_step", &classifyPart}};
const BenchRegistrar kRegression{{"vulkan", "regression_step", &regressionPart}};

}  // namespace
}  // namespace embedscope::cli
