#version 450
// Fused step, forward: out[p, :] = table[ids[p], :] for the positions whose row lives in shard
// `shard` (one dispatch per shard; the shard is a push constant, so no descriptor is indexed by a
// non-uniform value). Bit-exact copies.
// MODE 0 (CPU-type devices): one position per invocation; VEC4 1 moves 16 bytes per load (D % 4 == 0).
// MODE 1 (GPUs): one position per workgroup, lanes over columns (coalesced).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint VEC4 = 0;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint cols; uint count; uint shard; uint rowsPerShard; } p;

layout(std430, binding = 0) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 1) readonly buffer Table { float v[]; } table;
layout(std430, binding = 1) readonly buffer Table4 { vec4 v[]; } table4;
layout(std430, binding = 2) writeonly buffer Out { float v[]; } outv;
layout(std430, binding = 2) writeonly buffer Out4 { vec4 v[]; } outv4;

void main() {
  uint pos = MODE == 0 ? flatGroup() * WG + gl_LocalInvocationID.x : flatGroup();
  if (pos >= p.count) return;
  uint id = ids[pos];
  if (id / p.rowsPerShard != p.shard) return;
  uint src = (id - p.shard * p.rowsPerShard) * p.cols;
  uint dst = pos * p.cols;
  if (MODE == 0) {
    if (VEC4 != 0) {
      uint q = p.cols / 4;
      for (uint c = 0; c < q; ++c) outv4.v[dst / 4 + c] = table4.v[src / 4 + c];
    } else {
      for (uint c = 0; c < p.cols; ++c) outv.v[dst + c] = table.v[src + c];
    }
  } else {
    for (uint c = gl_LocalInvocationID.x; c < p.cols; c += WG) outv.v[dst + c] = table.v[src + c];
  }
}
