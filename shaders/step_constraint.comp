#version 450
// Fused step, after the update: the embeddings constraint on the whole table, as
// engine/layer/constraints.cpp defines it (factor = desired / (1e-7 + norm)).
// KIND 0 non_neg, 1 max_norm, 2 unit_norm, 3 min_max_norm. AXIS 1: each row's norm (one row per
// invocation). AXIS 0: each column's norm over the vocabulary: PHASE 0 adds this shard's column
// sums of squares to colSq (one column per invocation; shards in order), PHASE 1 scales.
// Nothing happens when the step was marked skipped.
#include "common.glsl"
#include "step_common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint KIND = 0;
layout(constant_id = 2) const uint AXIS = 0;
layout(constant_id = 3) const uint PHASE = 1;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint cols; uint rows; float minValue; float maxValue; float rate; } p;

layout(std430, binding = 0) buffer W { float w[]; };
layout(std430, binding = 1) buffer ColSq { float colSq[]; };
STEP_BUFFER(2)

float factorFor(float norm) {
  const float eps = 1e-7;
  precise float f;
  if (KIND == 1u) f = clamp(norm, 0.0, p.maxValue) / (eps + norm);
  else if (KIND == 2u) f = 1.0 / (eps + norm);
  else f = (p.rate * clamp(norm, p.minValue, p.maxValue) + (1.0 - p.rate) * norm) / (eps + norm);
  return f;
}

void main() {
  if (step.skip != 0u) return;
  uint e = flatGroup() * WG + gl_LocalInvocationID.x;
  if (KIND == 0u) {
    if (e >= p.rows * p.cols) return;
    w[e] = max(w[e], 0.0);
  } else if (AXIS == 1u) {
    if (e >= p.rows) return;
    uint base = e * p.cols;
    precise float ss = 0.0;
    for (uint c = 0; c < p.cols; ++c) ss = ss + w[base + c] * w[base + c];
    float f = factorFor(sqrt(ss));
    for (uint c = 0; c < p.cols; ++c) {
      precise float v = w[base + c] * f;
      w[base + c] = v;
    }
  } else if (PHASE == 0u) {
    if (e >= p.cols) return;
    precise float ss = colSq[e];
    for (uint r = 0; r < p.rows; ++r) ss = ss + w[r * p.cols + e] * w[r * p.cols + e];
    colSq[e] = ss;
  } else {
    if (e >= p.rows * p.cols) return;
    uint c = e % p.cols;
    precise float v = w[e] * factorFor(sqrt(colSq[c]));
    w[e] = v;
  }
}
