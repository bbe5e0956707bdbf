#version 450
// Fused step, before the update: the orthogonal embeddings regularizer's penalty and gradient in
// float, for devices without shaderFloat64 (orthogonal_regularizer.glsl; step_orthogonal_f64.comp
// where the device has it).
#define REAL float
#define KEPS 1e-7
#include "orthogonal_regularizer.glsl"
