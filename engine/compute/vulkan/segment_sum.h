#pragma once
// The sparse backward on the device, deterministic and without float atomics: the host sorts
// positions by id into segments (rows ascending, positions ascending inside each), and the
// segment_sum kernel adds each segment's dOut rows in that fixed order (one workgroup, or one
// invocation, per unique row) — the CPU's order, so the sums agree.
#include <cstdint>
#include <vector>

#include "engine/compute/vulkan/buffer.h"
#include "engine/compute/vulkan/kernel_cache.h"
#include "engine/core/matrix.h"

namespace embedscope::vk {

struct Segments {
  std::vector<std::int64_t> rows;       // unique ids, ascending
  std::vector<std::uint32_t> offsets;   // rows.size() + 1 offsets into perm
  std::vector<std::uint32_t> perm;      // positions, grouped by row, ascending within a row
};

// keep (may be null) marks the positions that contribute (a mask); others are left out.
Segments buildSegments(const std::int64_t* ids, std::int64_t count, const std::uint8_t* keep = nullptr);

class SegmentSummer {
 public:
  explicit SegmentSummer(KernelCache& kernels) : m_kernels(&kernels) {}
  // values (rows.size() x cols) = per segment, the sum of dOut (count x cols) rows in perm order.
  Status run(const Segments& seg, const float* dOut, std::int64_t count, std::int64_t cols, Matrix& values);

 private:
  KernelCache* m_kernels;
  ScratchBuffer m_dOut, m_perm, m_offsets, m_grad;
};

}  // namespace embedscope::vk
