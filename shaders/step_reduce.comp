#version 450
// Deterministic sum on the device (no float atomics): one workgroup; invocation i adds elements
// i, i + WG, ... in order, then a fixed tree in shared memory. OP 0 sums x, 1 x^2, 2 |x|.
// acc[outIndex] = (accumulate ? acc[outIndex] : 0) + sum, so a sharded tensor is summed shard by
// shard in a fixed order.
#include "step_common.glsl"

layout(constant_id = 0) const uint OP = 0;
layout(local_size_x = 256) in;

layout(push_constant) uniform Params { uint count; uint outIndex; uint accumulate; } p;

layout(std430, binding = 0) readonly buffer In { float x[]; };
layout(std430, binding = 1) buffer Acc { float acc[]; };

shared float part[256];

void main() {
  uint i = gl_LocalInvocationID.x;
  precise float s = 0.0;
  for (uint k = i; k < p.count; k += 256u) {
    float v = x[k];
    s = s + (OP == 0 ? v : (OP == 1 ? v * v : abs(v)));
  }
  part[i] = s;
  barrier();
  for (uint w = 128u; w > 0u; w >>= 1) {
    if (i < w) {
      precise float t = part[i] + part[i + w];
      part[i] = t;
    }
    barrier();
  }
  if (i == 0u) {
    precise float total = part[0];
    if (p.accumulate != 0u) total = acc[p.outIndex] + total;
    acc[p.outIndex] = total;
  }
}
