#version 450
// Skip-gram with negative sampling on the device: one (context word, targets) pair per
// invocation, the CPU trainer's step exactly (engine/tasks/skipgram_kernels.h):
//   for each target t (the centre word first, label 1, then the negatives, label 0):
//     f = in · out[t];  g = (label − σ(f)) · α;  acc += g · out[t];  out[t] += g · in
//   in += acc
// with σ and the loss from word2vec's table (the host uploads the CPU's SigmoidTables), so a
// conflict-free batch gives the CPU's numbers. Pairs of one batch run concurrently and write
// shared rows without locks (Hogwild, as word2vec's threads do).
// The input (syn0) and context (syn1neg) tables are sharded descriptor arrays, never indexed by
// a per-invocation value (lavapipe has no descriptor indexing):
// MODE 0, one pair per invocation: a pair's rows lie in arbitrary shards, so every shard access
//   runs inside a loop over the shards whose counter is the index, the same for every invocation
//   that executes the access (dynamically uniform).
// MODE 1, one pair per workgroup, lanes over columns (contiguous loads; the dot product reduced
//   through shared memory in a fixed order): the shard of each row is workgroup-uniform.
#include "common.glsl"

// Two shard arrays plus two buffers must fit 32 push descriptors and 32 storage buffers per stage
// (lavapipe's limits, and common on GPUs), so each table takes at most 15 shards here.
#define SG_MAX_SHARDS 15

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint D = 100;      // output_dim
layout(constant_id = 2) const uint STRIDE = 7;   // words per pair: input row, then negative + 1 targets
layout(constant_id = 3) const uint MODE = 0;
layout(local_size_x_id = 0) in;
const uint PER_LANE = (D + WG - 1) / WG;         // MODE 1: columns per lane

layout(push_constant) uniform Params {
  uint pairCount;
  uint inRowsPerShard;
  uint inShards;
  uint outRowsPerShard;
  uint outShards;
  float alpha;
} p;

// pairs[i * STRIDE]: the input row (the context word); then the targets, the centre word first;
// 0xffffffff = no target (a negative equal to the centre word was skipped).
layout(std430, binding = 0) readonly buffer Pairs { uint pairs[]; };
// [0, 1002): σ; [1002, 2004): −log σ; [2004, 3006): −log(1 − σ) (SigmoidTables' layout); then
// from 3006 (loss, score sum) per pair, written here.
layout(std430, binding = 1) buffer Aux { float aux[]; };
layout(std430, binding = 2) buffer Syn0 { float v[]; } syn0[SG_MAX_SHARDS];
layout(std430, binding = 3) buffer Syn1 { float v[]; } syn1[SG_MAX_SHARDS];

const uint kNone = 0xffffffffu;
const uint kTableSize = 1000u;
const float kMaxExp = 6.0;

int sigmoidIndex(float f) {
  float x = (f + kMaxExp) * (float(kTableSize) / (2.0 * kMaxExp)) + 1.0;
  x = max(x, 0.0);  // NaN -> 0 (GLSL max returns the number for a NaN first operand on most drivers)
  x = min(x, float(kTableSize + 1u));
  return int(x);
}

shared float partial[WG];

void pairPerWorkgroup() {
  uint i = flatGroup();
  if (i >= p.pairCount) return;
  uint lane = gl_LocalInvocationID.x;
  uint base = i * STRIDE;
  uint inRow = pairs[base];
  uint inShard = inRow / p.inRowsPerShard;
  uint inOff = (inRow - inShard * p.inRowsPerShard) * D;
  float inv[PER_LANE];
  float acc[PER_LANE];
  for (uint k = 0; k < PER_LANE; ++k) {
    uint c = lane + k * WG;
    inv[k] = c < D ? syn0[inShard].v[inOff + c] : 0.0;
    acc[k] = 0.0;
  }
  float loss = 0.0;
  float scoreSum = 0.0;
  for (uint j = 1; j < STRIDE; ++j) {
    uint t = pairs[base + j];
    if (t == kNone) continue;  // uniform: every lane reads the same word
    uint tShard = t / p.outRowsPerShard;
    uint tOff = (t - tShard * p.outRowsPerShard) * D;
    float part = 0.0;
    for (uint k = 0; k < PER_LANE; ++k) {
      uint c = lane + k * WG;
      if (c < D) part += inv[k] * syn1[tShard].v[tOff + c];
    }
    partial[lane] = part;
    barrier();
    float f = 0.0;
    for (uint l = 0; l < WG; ++l) f += partial[l];  // the same order in every lane
    barrier();
    int idx = sigmoidIndex(f);
    float label = j == 1u ? 1.0 : 0.0;
    float g = (label - aux[idx]) * p.alpha;
    loss += j == 1u ? aux[1002 + idx] : aux[2004 + idx];
    scoreSum += f;
    for (uint k = 0; k < PER_LANE; ++k) {
      uint c = lane + k * WG;
      if (c < D) {
        float o = syn1[tShard].v[tOff + c];
        acc[k] += g * o;
        syn1[tShard].v[tOff + c] = o + g * inv[k];
      }
    }
  }
  for (uint k = 0; k < PER_LANE; ++k) {
    uint c = lane + k * WG;
    if (c < D) syn0[inShard].v[inOff + c] = inv[k] + acc[k];
  }
  if (lane == 0) {
    aux[3006 + 2 * i] = loss;
    aux[3006 + 2 * i + 1] = scoreSum;
  }
}

void pairPerInvocation() {
  uint i = flatGroup() * WG + gl_LocalInvocationID.x;
  if (i >= p.pairCount) return;
  uint base = i * STRIDE;
  uint inRow = pairs[base];
  uint inShard = inRow / p.inRowsPerShard;
  uint inOff = (inRow - inShard * p.inRowsPerShard) * D;

  float inv[D];
  float acc[D];
  for (uint s = 0; s < p.inShards; ++s) {
    if (s == inShard) {
      for (uint c = 0; c < D; ++c) inv[c] = syn0[s].v[inOff + c];
    }
  }
  for (uint c = 0; c < D; ++c) acc[c] = 0.0;

  float loss = 0.0;
  float scoreSum = 0.0;
  for (uint j = 1; j < STRIDE; ++j) {
    uint t = pairs[base + j];
    if (t == kNone) continue;
    uint tShard = t / p.outRowsPerShard;
    uint tOff = (t - tShard * p.outRowsPerShard) * D;
    for (uint s = 0; s < p.outShards; ++s) {
      if (s == tShard) {
        float f = 0.0;
        for (uint c = 0; c < D; ++c) f += inv[c] * syn1[s].v[tOff + c];
        int idx = sigmoidIndex(f);
        float label = j == 1u ? 1.0 : 0.0;
        float g = (label - aux[idx]) * p.alpha;
        loss += j == 1u ? aux[1002 + idx] : aux[2004 + idx];
        scoreSum += f;
        for (uint c = 0; c < D; ++c) {
          float o = syn1[s].v[tOff + c];
          acc[c] += g * o;
          syn1[s].v[tOff + c] = o + g * inv[c];
        }
      }
    }
  }
  for (uint s = 0; s < p.inShards; ++s) {
    if (s == inShard) {
      for (uint c = 0; c < D; ++c) syn0[s].v[inOff + c] = inv[c] + acc[c];
    }
  }
  aux[3006 + 2 * i] = loss;
  aux[3006 + 2 * i + 1] = scoreSum;
}

void main() {
  if (MODE == 1) {
    pairPerWorkgroup();
  } else {
    pairPerInvocation();
  }
}
