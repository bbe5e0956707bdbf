#include "engine/core/huge_pages.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace embedscope {

bool adviseHugePages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (data == nullptr || bytes < kHugePageMinBytes) return false;
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end <= begin) return false;
  void* p = reinterpret_cast<void*>(begin);
  const std::size_t n = end - begin;
  if (madvise(p, n, MADV_HUGEPAGE) != 0) return false;
#ifndef MADV_COLLAPSE
  constexpr int MADV_COLLAPSE = 25;  // Linux 6.1; older headers lack the name
#endif
  return madvise(p, n, MADV_COLLAPSE) == 0;
#else
  (void)data, (void)bytes;
  return false;
#endif
}

}  // namespace embedscope
