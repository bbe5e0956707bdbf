#version 450
// Fused classify step: Dense(C) -> softmax -> sparse categorical cross-entropy, mean over the B
// rows, as engine/tasks/heads.cpp denseSoftmaxLoss (plain ascending sums, no FMA contraction).
// PHASE 0, one row per invocation: logits, arg-max (ties: the first), loss and correctness into
//   lossPart / correctPart (step_reduce sums them), dLogits = (softmax - onehot) / B unless EVAL.
// PHASE 1: the head's gradients, kernel[k, c] = sum_b pooled[b, k] dLogits[b, c], bias[c] = sum_b dLogits[b, c].
// PHASE 2: dPooled[b, k] = sum_c dLogits[b, c] kernel[k, c] (the kernel before the update).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint PHASE = 0;
layout(constant_id = 2) const uint EVAL = 0;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params { uint rows; uint cols; uint classes; float invBatch; } p;

layout(std430, binding = 0) readonly buffer Pooled { float pooled[]; };
layout(std430, binding = 1) readonly buffer Kernel { float kernel[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 4) buffer Logits { float logits[]; };
layout(std430, binding = 5) buffer DLogits { float dLogits[]; };
layout(std430, binding = 6) writeonly buffer LossPart { float lossPart[]; };
layout(std430, binding = 7) writeonly buffer CorrectPart { float correctPart[]; };
layout(std430, binding = 8) writeonly buffer GKernel { float gKernel[]; };
layout(std430, binding = 9) writeonly buffer GBias { float gBias[]; };
layout(std430, binding = 10) writeonly buffer DPooled { float dPooled[]; };

void main() {
  uint e = flatGroup() * WG + gl_LocalInvocationID.x;
  const uint C = p.classes, D = p.cols;
  if (PHASE == 0u) {
    uint b = e;
    if (b >= p.rows) return;
    for (uint c = 0; c < C; ++c) {
      precise float z = bias[c];
      for (uint k = 0; k < D; ++k) z = z + pooled[b * D + k] * kernel[k * C + c];
      logits[b * C + c] = z;
    }
    uint label = labels[b];
    uint argmax = 0u;
    float maxLogit = logits[b * C];
    for (uint c = 1; c < C; ++c) {
      float z = logits[b * C + c];
      if (z > maxLogit) {
        maxLogit = z;
        argmax = c;
      }
    }
    correctPart[b] = (argmax == label && !isnan(maxLogit) && !isinf(maxLogit)) ? 1.0 : 0.0;
    precise float sum = 0.0;
    for (uint c = 0; c < C; ++c) sum = sum + exp(logits[b * C + c] - maxLogit);
    precise float logSum = log(sum) + maxLogit;
    precise float loss = logSum - logits[b * C + label];
    lossPart[b] = loss;
    if (EVAL == 0u)
      for (uint c = 0; c < C; ++c) {
        precise float prob = exp(logits[b * C + c] - logSum);
        precise float g = (prob - (c == label ? 1.0 : 0.0)) * p.invBatch;
        dLogits[b * C + c] = g;
      }
  } else if (PHASE == 1u) {
    if (e < D * C) {
      uint k = e / C, c = e - k * C;
      precise float s = 0.0;
      for (uint b = 0; b < p.rows; ++b) s = s + pooled[b * D + k] * dLogits[b * C + c];
      gKernel[e] = s;
    } else if (e < D * C + C) {
      uint c = e - D * C;
      precise float s = 0.0;
      for (uint b = 0; b < p.rows; ++b) s = s + dLogits[b * C + c];
      gBias[c] = s;
    }
  } else {
    if (e >= p.rows * D) return;
    uint b = e / D, k = e - b * D;
    precise float s = 0.0;
    for (uint c = 0; c < C; ++c) s = s + dLogits[b * C + c] * kernel[k * C + c];
    dPooled[e] = s;
  }
}
