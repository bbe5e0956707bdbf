#version 450
// Fused step: rowMap[row in shard] = k for the unique rows k < U of this shard (CLEAR: back to
// kNoRow afterwards), so the dense optimizer pass knows each table row's gradient row.
#include "common.glsl"
#include "step_common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(push_constant) uniform Params { uint maxItems; uint shard; uint rowsPerShard; uint clear; } p;
layout(std430, binding = 0) readonly buffer Unique { uint uniqueRows[]; };
layout(std430, binding = 1) buffer RowMap { uint rowMap[]; };
STEP_BUFFER(2)

void main() {
  uint k = flatGroup() * WG + gl_LocalInvocationID.x;
  if (k >= p.maxItems || k >= step.uniqueCount) return;
  uint row = uniqueRows[k];
  if (row / p.rowsPerShard != p.shard) return;
  rowMap[row - p.shard * p.rowsPerShard] = p.clear != 0u ? 0xffffffffu : k;
}
