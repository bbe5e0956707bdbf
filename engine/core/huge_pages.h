#pragma once
// Transparent huge pages for a large, randomly indexed buffer (an embedding table): a lookup of
// a random row in a 50-250 MB table misses the TLB on nearly every row with 4 KiB pages (the L2 TLB
// covers ~8-12 MB); 2 MiB pages cover the table with a few hundred entries. Measured on the
// gather: 1.1-1.6x on 100,000 x 128 and 1,000,000 x 64 (docs/benchmarks/cpu.md).
#include <cstddef>

namespace embedscope {

// Buffers smaller than this are left alone (they fit the TLB's reach anyway).
inline constexpr std::size_t kHugePageMinBytes = std::size_t{16} << 20;

// Asks the kernel to back the 2 MiB-aligned interior of [data, data + bytes) with huge pages:
// madvise(MADV_HUGEPAGE) for pages faulted later, then MADV_COLLAPSE (Linux >= 6.1) to collapse the
// pages already there, synchronously (about 0.5 ms per MB, once). Advice only: the contents never
// change, and where the kernel refuses (THP "never", older kernels, no memory) nothing happens.
// Returns whether the collapse succeeded.
bool adviseHugePages(void* data, std::size_t bytes);

}  // namespace embedscope
