#version 450
// Sparse backward without float atomics: the host sorts positions by id into segments (one per
// unique row, positions ascending); one workgroup per unique row sums its positions' dOut rows in
// that fixed order, so duplicates are summed deterministically, exactly as the CPU does.
// MODE 0: one invocation per segment looping columns; MODE 1: lanes over columns.
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint MODE = 0;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint cols; uint segments; } p;

layout(std430, binding = 0) readonly buffer DOut { float dOut[]; };
layout(std430, binding = 1) readonly buffer Perm { uint perm[]; };       // positions grouped by segment
layout(std430, binding = 2) readonly buffer Offsets { uint offsets[]; }; // segments + 1
layout(std430, binding = 3) writeonly buffer Grad { float grad[]; };     // segments x cols

void main() {
  if (MODE == 0) {
    uint s = flatGroup() * WG + gl_LocalInvocationID.x;
    if (s >= p.segments) return;
    uint begin = offsets[s], end = offsets[s + 1];
    for (uint c = 0; c < p.cols; ++c) {
      precise float acc = 0.0;
      for (uint k = begin; k < end; ++k) acc = acc + dOut[perm[k] * p.cols + c];
      grad[s * p.cols + c] = acc;
    }
  } else {
    uint s = flatGroup();
    if (s >= p.segments) return;
    uint begin = offsets[s], end = offsets[s + 1];
    for (uint c = gl_LocalInvocationID.x; c < p.cols; c += WG) {
      precise float acc = 0.0;
      for (uint k = begin; k < end; ++k) acc = acc + dOut[perm[k] * p.cols + c];
      grad[s * p.cols + c] = acc;
    }
  }
}
