#version 450
// Embedding forward: out[outRow, :] = table[row, :], bit-exact copies.
// The host sorts lookups by shard into `items` (outRow, rowInShard), padded so each workgroup's
// items come from one shard; `groupShard[g]` names it, so the descriptor-array index is
// dynamically uniform.
// MODE 0: one row per invocation (fastest on lavapipe). MODE 1: the workgroup walks each of its
// rows together, lanes over columns (coalesced; for GPUs).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint ROWS_PER_GROUP = 64;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint cols; uint itemCount; } p;

layout(std430, binding = 0) readonly buffer Items { uvec2 items[]; };
layout(std430, binding = 1) readonly buffer GroupShard { uint groupShard[]; };
layout(std430, binding = 2) writeonly buffer Out { float outv[]; };
layout(std430, binding = 3) readonly buffer Table { float v[]; } table[MAX_SHARDS];

const uint kPad = 0xffffffffu;

void main() {
  uint g = flatGroup();
  uint first = g * ROWS_PER_GROUP;
  if (first >= p.itemCount) return;
  uint shard = groupShard[g];
  if (MODE == 0) {
    uint i = first + gl_LocalInvocationID.x;
    if (i >= p.itemCount) return;
    uvec2 it = items[i];
    if (it.x == kPad) return;
    uint src = it.y * p.cols;
    uint dst = it.x * p.cols;
    for (uint c = 0; c < p.cols; ++c) outv[dst + c] = table[shard].v[src + c];
  } else {
    for (uint r = 0; r < ROWS_PER_GROUP; ++r) {
      uint i = first + r;
      if (i >= p.itemCount) break;
      uvec2 it = items[i];
      if (it.x == kPad) continue;
      uint src = it.y * p.cols;
      uint dst = it.x * p.cols;
      for (uint c = gl_LocalInvocationID.x; c < p.cols; c += WG) outv[dst + c] = table[shard].v[src + c];
    }
  }
}
