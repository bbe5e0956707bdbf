#version 450
// One optimizer step on one shard of one variable, element by element, mirroring
// engine/optim/update_rules.h line by line in float32 (`precise` forbids FMA contraction, so the
// device rounds like the CPU). Keras's order: clip -> weight decay -> update.
// SPARSE 0 (dense pass, Keras 3): every row of the shard; its gradient row comes from rowMap
//   (kNoRow = no gradient this step, run with g = 0).
// SPARSE 1 (touched rows only: lazy mode, and SGD/Adagrad whose untouched rows never move):
//   items[k] = (gradient row, row in shard).
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint OPT = 0;     // 0 sgd, 1 sgd+momentum, 2 sgd+nesterov, 3 rmsprop, 4 adam, 5 adagrad, 6 ftrl
layout(constant_id = 2) const uint FLAGS = 0;   // 1 amsgrad, 2 centered, 4 rmsprop momentum
layout(constant_id = 3) const uint SPARSE = 0;
layout(local_size_x_id = 0) in;

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

float ftrlPow(float x, float negPower) { return negPower == 0.5 ? sqrt(x) : pow(x, negPower); }

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

  if (OPT == 0) {
    wi = wi - g * p.lr;
  } else if (OPT == 1 || OPT == 2) {
    precise float m = -g * p.lr + s0[i] * p.a;
    s0[i] = m;
    if (OPT == 1) wi = wi + m;
    else wi = wi + (-g * p.lr + m * p.a);
  } else if (OPT == 3) {
    precise float oneMinusRho = 1.0 - p.a;
    precise float v = p.a * s0[i] + oneMinusRho * (g * g);
    s0[i] = v;
    precise float den;
    if ((FLAGS & 2u) != 0u) {
      precise float avg = p.a * s2[i] + oneMinusRho * g;
      s2[i] = avg;
      den = v - avg * avg + p.c;
    } else {
      den = v + p.c;
    }
    precise float inc = (p.lr * g) / sqrt(den);
    if ((FLAGS & 4u) != 0u) {
      precise float mom = p.b * s1[i] + inc;
      s1[i] = mom;
      wi = wi - mom;
    } else {
      wi = wi - inc;
    }
  } else if (OPT == 4) {
    precise float c1 = 1.0 - p.b;
    precise float c2 = 1.0 - p.c;
    precise float m = s0[i];
    m = m + (g - m) * c1;
    precise float v = s1[i];
    v = v + (g * g - v) * c2;
    s0[i] = m;
    s1[i] = v;
    if ((FLAGS & 1u) != 0u) {
      precise float vh = max(s2[i], v);
      s2[i] = vh;
      wi = wi - (m * p.a) / (sqrt(vh) + p.d);
    } else {
      wi = wi - (m * p.a) / (sqrt(v) + p.d);
    }
  } else if (OPT == 5) {
    precise float acc = s0[i] + g * g;
    s0[i] = acc;
    wi = wi - (p.lr * g) / sqrt(acc + p.a);
  } else if (OPT == 6) {
    precise float gUse = g + 2.0 * p.d * wi;
    precise float acc = s0[i];
    precise float newAcc = acc + g * g;
    precise float pNew = ftrlPow(newAcc, p.a);
    precise float pOld = ftrlPow(acc, p.a);
    precise float lin = s1[i] + (gUse - (pNew - pOld) / p.lr * wi);
    s1[i] = lin;
    precise float quadratic = pNew / p.lr + 2.0 * p.c;
    precise float clipped = clamp(lin, -p.b, p.b);
    wi = (clipped - lin) / quadratic;
    s0[i] = newAcc;
  }
  w[i] = wi;
}
