#version 450
// Writes rowMap[rowInShard] = value for items (value, rowInShard) of one shard: the dense
// optimizer pass learns which rows have a gradient this step (and the same kernel with
// kNoRow values clears them afterwards).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(push_constant) uniform Params { uint count; uint clear; uint base; } p;
layout(std430, binding = 0) readonly buffer Items { uint items[]; };
layout(std430, binding = 1) buffer RowMap { uint rowMap[]; };

void main() {
  uint k = flatGroup() * WG + gl_LocalInvocationID.x;
  if (k >= p.count) return;
  uint j = p.base + k;
  rowMap[items[2 * j + 1]] = p.clear != 0u ? 0xffffffffu : items[2 * j];
}
