// Shared by every kernel: the shard-array size and the flattened workgroup index.
// A sharded tensor is bound as a descriptor array of MAX_SHARDS storage buffers. Kernels index
// that array only with workgroup-uniform values (the host groups work by shard), because
// lavapipe lacks descriptor indexing and its validation layer does not catch non-uniform use.
#define MAX_SHARDS 16

// Dispatches are 2D when a grid would exceed maxComputeWorkGroupCount[0] (65535 on lavapipe).
uint flatGroup() { return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x; }
