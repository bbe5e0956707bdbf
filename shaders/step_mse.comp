#version 450
// Fused regression step: Keras `mse` per position (engine/tasks/heads.cpp mseLoss): the position's
// summed squared error goes to partial[p] (reduced by step_reduce), and dOut = lossScale * (out - y),
// 0 at masked positions (MASK: mask_zero, id 0). ACT adds the activity regularizer's gradient
// (l1 * sign(x) + 2 l2 * x, divided by the batch) at every position, masked or not, as the CPU does.
// EVAL 1 writes no dOut. One position per invocation.
#include "common.glsl"
#include "step_common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint MASK = 0;
layout(constant_id = 2) const uint ACT = 0;
layout(constant_id = 3) const uint EVAL = 0;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint cols; uint count; float actL1; float actL2x2; } p;

layout(std430, binding = 0) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 1) readonly buffer Out { float outv[]; };
layout(std430, binding = 2) readonly buffer Targets { float y[]; };
layout(std430, binding = 3) writeonly buffer DOut { float dOut[]; };
layout(std430, binding = 4) writeonly buffer Partial { float partial[]; };
STEP_BUFFER(5)

void main() {
  uint pos = flatGroup() * WG + gl_LocalInvocationID.x;
  if (pos >= p.count) return;
  bool valid = MASK == 0 || ids[pos] != 0u;
  uint base = pos * p.cols;
  precise float s = 0.0;
  for (uint c = 0; c < p.cols; ++c) {
    precise float x = outv[base + c];
    precise float diff = x - y[base + c];
    if (valid) s = s + diff * diff;
    if (EVAL == 0) {
      precise float g = valid ? step.lossScale * diff : 0.0;
      if (ACT != 0) {
        float sgn = x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
        g = g + (p.actL1 * sgn + p.actL2x2 * x);
      }
      dOut[base + c] = g;
    }
  }
  partial[pos] = s;
}
