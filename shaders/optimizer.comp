#version 450
// One optimizer step on one shard of one variable, element by element (the rules are
// optimizer_rules.glsl, shared with the fused step). Keras's order: clip -> weight decay -> update.
// SPARSE 0 (dense pass, Keras 3): every row of the shard; its gradient row comes from rowMap
//   (kNoRow = no gradient this step, run with g = 0).
// SPARSE 1 (touched rows only: lazy mode, and SGD/Adagrad whose untouched rows never move):
//   items[k] = (gradient row, row in shard).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint OPT = 0;
layout(constant_id = 2) const uint FLAGS = 0;
layout(constant_id = 3) const uint SPARSE = 0;
layout(local_size_x_id = 0) in;

#include "optimizer_rules.glsl"

layout(push_constant) uniform Params {
  uint cols;
  uint count;     // rows in the shard (dense) or items (sparse)
  uint clipKind;  // 0 none, 1 clipnorm (g*c)/denom, 2 global clipnorm scale, 3 clipvalue
  uint base;      // first item of this dispatch in `rows` (sparse)
  float lr, a, b, c, d;
  float clipC, clipD;
  float wd;
} p;

layout(std430, binding = 0) buffer W { float w[]; };
layout(std430, binding = 1) buffer S0 { float s0[]; };
layout(std430, binding = 2) buffer S1 { float s1[]; };
layout(std430, binding = 3) buffer S2 { float s2[]; };
layout(std430, binding = 4) readonly buffer G { float grad[]; };
layout(std430, binding = 5) readonly buffer Rows { uint rows[]; };

const uint kNoRow = 0xffffffffu;

void main() {
  uint e = flatGroup() * WG + gl_LocalInvocationID.x;
  uint item = e / p.cols;
  uint col = e - item * p.cols;
  if (item >= p.count) return;
  uint row, gRow;
  if (SPARSE == 0) {
    row = item;
    gRow = rows[item];
  } else {
    gRow = rows[2 * (p.base + item)];
    row = rows[2 * (p.base + item) + 1];
    if (gRow == kNoRow) return;
  }
  uint i = row * p.cols + col;
  precise float g = gRow == kNoRow ? 0.0 : grad[gRow * p.cols + col];
  if (p.clipKind == 1u) g = (g * p.clipC) / p.clipD;
  else if (p.clipKind == 2u) g = g * p.clipC;
  else if (p.clipKind == 3u) g = clamp(g, -p.clipC, p.clipC);

  precise float wi = w[i];
  if (p.wd != 0.0) wi = wi - wi * p.wd * p.lr;

  const uint nSlots = optimizerSlotCount();
  float s[3] = float[3](0.0, 0.0, 0.0);
  if (nSlots > 0u) s[0] = s0[i];
  if (nSlots > 1u) s[1] = s1[i];
  if (nSlots > 2u) s[2] = s2[i];
  optimizerUpdate(wi, s, g, p.lr, p.a, p.b, p.c, p.d);
  if (nSlots > 0u) s0[i] = s[0];
  if (nSlots > 1u) s1[i] = s[1];
  if (nSlots > 2u) s2[i] = s[2];
  w[i] = wi;
}
