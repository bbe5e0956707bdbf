#version 450
// Fused step, update: one optimizer step on one shard of one variable, element by element, with
// the rules of optimizer_rules.glsl and the per-step scalars from the step buffer (so a recorded
// command buffer is replayed unchanged). Keras's order: gradient (+ embeddings regularizer) ->
// clip -> weight decay -> update. Nothing happens when the step was marked skipped.
// MODE 0: rows with a gradient only (lazy mode; SGD/Adagrad whose untouched rows never move):
//   item k < U is table row uniqueRows[k] with gradient row k.
// MODE 1: every row of the shard (Keras 3 dense mode, weight decay, a regularizer): gradient row
//   rowMap[row], kNoRow = none (g = 0, plus the regularizer's part, table_gradient.glsl).
// MODE 2: every row, gradient row = the row (the classify head's dense variables).
#include "common.glsl"
#include "step_common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint OPT = 0;
layout(constant_id = 2) const uint FLAGS = 0;
layout(constant_id = 3) const uint MODE = 0;
layout(constant_id = 4) const uint CLIP = 0;  // 0 none, 1 clipnorm, 2 global clipnorm, 3 clipvalue
layout(constant_id = 5) const uint REG = 0;   // embeddings regularizer: 1 l1/l2, 2 from regGrad (table_gradient.glsl)
layout(local_size_x_id = 0) in;

#include "optimizer_rules.glsl"
#include "table_gradient.glsl"

layout(push_constant) uniform Params {
  uint cols;
  uint count;     // MODE 0: max items (B * L); MODE 1/2: rows in the shard
  uint shard;
  uint rowsPerShard;
  uint normIndex; // this variable's squared-norm slot in acc (clipnorm)
  float clipC;
  float regL1;
  float regL2x2;
} p;

layout(std430, binding = 0) buffer W { float w[]; };
layout(std430, binding = 1) buffer S0 { float s0[]; };
layout(std430, binding = 2) buffer S1 { float s1[]; };
layout(std430, binding = 3) buffer S2 { float s2[]; };
layout(std430, binding = 4) readonly buffer G { float grad[]; };
layout(std430, binding = 5) readonly buffer Rows { uint rows[]; };  // MODE 0 uniqueRows, MODE 1 rowMap
layout(std430, binding = 6) readonly buffer Acc { float acc[]; };
STEP_BUFFER(7)
layout(std430, binding = 8) readonly buffer RegGrad { float regGrad[]; };  // REG 2: (V, D), the table unsharded

const uint kNoRow = 0xffffffffu;

void main() {
  if (step.skip != 0u) return;
  uint e = flatGroup() * WG + gl_LocalInvocationID.x;
  uint item = e / p.cols;
  uint col = e - item * p.cols;
  if (item >= p.count) return;
  uint row, gRow;
  if (MODE == 0) {
    if (item >= step.uniqueCount) return;
    uint global = rows[item];
    if (global / p.rowsPerShard != p.shard) return;
    row = global - p.shard * p.rowsPerShard;
    gRow = item;
  } else if (MODE == 1) {
    row = item;
    gRow = rows[item];
  } else {
    row = item;
    gRow = item;
  }
  uint i = row * p.cols + col;
  precise float wi = w[i];
  const bool hasG = gRow != kNoRow;
  precise float g = hasG ? grad[gRow * p.cols + col] : 0.0;
  if (REG != 0u) {
    const float rg = REG == 2u ? regGrad[(p.shard * p.rowsPerShard + row) * p.cols + col] : 0.0;
    g = tableGradient(wi, hasG, g, p.regL1, p.regL2x2, rg);
  }
  if (CLIP == 1u) {
    precise float denom = max(sqrt(acc[p.normIndex]), p.clipC);
    g = (g * p.clipC) / denom;
  } else if (CLIP == 2u) {
    precise float gsq = acc[ACC_GSQ_TABLE] + acc[ACC_GSQ_KERNEL];
    gsq = gsq + acc[ACC_GSQ_BIAS];
    precise float scale = p.clipC * min(1.0 / sqrt(gsq), 1.0 / p.clipC);
    g = g * scale;
  } else if (CLIP == 3u) {
    g = clamp(g, -p.clipC, p.clipC);
  }
  if (step.wd != 0.0) wi = wi - wi * step.wd * step.lr;

  const uint nSlots = optimizerSlotCount();
  float s[3] = float[3](0.0, 0.0, 0.0);
  if (nSlots > 0u) s[0] = s0[i];
  if (nSlots > 1u) s[1] = s1[i];
  if (nSlots > 2u) s[2] = s2[i];
  optimizerUpdate(wi, s, g, step.lr, step.a, step.b, step.c, step.d);
  if (nSlots > 0u) s0[i] = s[0];
  if (nSlots > 1u) s1[i] = s[1];
  if (nSlots > 2u) s2[i] = s[2];
  w[i] = wi;
}
