#version 450
// Fused step, before the update: the orthogonal embeddings regularizer's penalty and gradient in
// double, as the CPU engine computes them (orthogonal_regularizer.glsl). Needs shaderFloat64.
#define REAL double
#define KEPS 1e-7lf
#include "orthogonal_regularizer.glsl"
