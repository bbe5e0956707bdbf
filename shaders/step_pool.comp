#version 450
// Fused classify step: Keras GlobalAveragePooling1D with the Embedding's mask, in the CPU
// engine's order (positions ascending, then one division), so pooled rows are the CPU's bit for bit.
// PHASE 0: pooled[b, k] = sum_l where(mask, out, 0) / sum_l mask; counts[b] = sum_l mask
//   (an all-padding row pools 0/0 = NaN, as Keras gives). One (b, k) per invocation.
// PHASE 1, backward, one (position, k) per invocation:
//   ACT 0: contrib[p, k] = (1 / counts[b]) * dPooled[b, k] (the segment sum takes valid positions only);
//   ACT 1: dOut[p, k] = valid ? dPooled[b, k] / counts[b] : 0, plus the activity regularizer's
//          gradient at every position (the CPU's full-output path).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint MASK = 0;
layout(constant_id = 2) const uint PHASE = 0;
layout(constant_id = 3) const uint ACT = 0;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint rows; uint seqLength; uint cols; float actL1; float actL2x2; } p;

layout(std430, binding = 0) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 1) readonly buffer Out { float outv[]; };
layout(std430, binding = 2) buffer Pooled { float pooled[]; };
layout(std430, binding = 3) buffer Counts { float counts[]; };
layout(std430, binding = 4) readonly buffer DPooled { float dPooled[]; };
layout(std430, binding = 5) writeonly buffer DOut { float dOut[]; };

void main() {
  uint e = flatGroup() * WG + gl_LocalInvocationID.x;
  if (PHASE == 0u) {
    if (e >= p.rows * p.cols) return;
    uint b = e / p.cols, k = e - b * p.cols;
    precise float acc = 0.0;
    uint valid = 0u;
    for (uint l = 0; l < p.seqLength; ++l) {
      uint pos = b * p.seqLength + l;
      if (MASK != 0u && ids[pos] == 0u) continue;
      ++valid;
      acc = acc + outv[pos * p.cols + k];
    }
    float count = float(valid);
    if (k == 0u) counts[b] = count;
    precise float v = acc / count;
    pooled[e] = v;
  } else {
    if (e >= p.rows * p.seqLength * p.cols) return;
    uint pos = e / p.cols, k = e - pos * p.cols;
    uint b = pos / p.seqLength;
    if (ACT == 0u) {
      precise float w = 1.0 / counts[b];
      precise float v = w * dPooled[b * p.cols + k];
      dOut[e] = v;
    } else {
      bool valid = MASK == 0u || ids[pos] != 0u;
      precise float v = valid ? dPooled[b * p.cols + k] / counts[b] : 0.0;
      float x = outv[e];
      float sgn = x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
      v = v + (p.actL1 * sgn + p.actL2x2 * x);
      dOut[e] = v;
    }
  }
}
