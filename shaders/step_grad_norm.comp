#version 450
// Fused step, before the update, for clipnorm/global_clipnorm with an embeddings regularizer: the
// regularizer makes the table's gradient dense, so its norm is taken over every row, of the
// gradient the update will use (table_gradient.glsl: the regularizer's part plus the loss gradient
// row rowMap[row], kNoRow = none). One row of one shard per invocation: rowSq[row] = that row's
// sum of squares in column order; step_reduce then sums the rows in order, shard after shard.
#include "common.glsl"
#include "step_common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint REG = 1;
layout(local_size_x_id = 0) in;

#include "table_gradient.glsl"

layout(push_constant) uniform Params {
  uint cols;
  uint rows;  // rows in the shard
  uint shard;
  uint rowsPerShard;
  float regL1;
  float regL2x2;
} p;

layout(std430, binding = 0) readonly buffer W { float w[]; };
layout(std430, binding = 1) readonly buffer G { float grad[]; };
layout(std430, binding = 2) readonly buffer RowMap { uint rowMap[]; };
layout(std430, binding = 3) readonly buffer RegGrad { float regGrad[]; };  // REG 2: (V, D), the table unsharded
layout(std430, binding = 4) writeonly buffer RowSq { float rowSq[]; };

const uint kNoRow = 0xffffffffu;

void main() {
  uint row = flatGroup() * WG + gl_LocalInvocationID.x;
  if (row >= p.rows) return;
  const uint gRow = rowMap[row];
  const bool hasG = gRow != kNoRow;
  const uint regBase = (p.shard * p.rowsPerShard + row) * p.cols;
  precise float s = 0.0;
  for (uint col = 0u; col < p.cols; ++col) {
    const float wi = w[row * p.cols + col];
    const float g0 = hasG ? grad[gRow * p.cols + col] : 0.0;
    const float rg = REG == 2u ? regGrad[regBase + col] : 0.0;
    precise float g = tableGradient(wi, hasG, g0, p.regL1, p.regL2x2, rg);
    s = s + g * g;
  }
  rowSq[row] = s;
}
