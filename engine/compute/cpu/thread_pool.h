#pragma once
// A small fixed pool for the CPU backend: parallelFor splits [0, n) into one contiguous chunk per
// thread, so which thread computes which element is fixed for a given n and thread count and a
// reduction written per chunk is deterministic.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace embedscope::compute::cpu {

class ThreadPool {
 public:
  // threads <= 0: the hardware concurrency. One thread runs everything on the caller.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threadCount() const { return static_cast<int>(m_workers.size()) + 1; }
  // Calls fn(chunk, begin, end) for threadCount() chunks covering [0, n) (empty chunks skipped);
  // returns when all are done. The caller's thread runs chunk 0. Chunks below `grain` elements
  // are not split further.
  void parallelFor(std::int64_t n, const std::function<void(int, std::int64_t, std::int64_t)>& fn,
                   std::int64_t grain = 1);

 private:
  void workerLoop(int index);

  std::vector<std::thread> m_workers;
  std::mutex m_mutex;
  std::condition_variable m_wake, m_done;
  const std::function<void(int, std::int64_t, std::int64_t)>* m_job = nullptr;
  std::int64_t m_n = 0;
  int m_chunks = 0;
  std::uint64_t m_generation = 0;
  int m_pending = 0;
  bool m_stop = false;
};

}  // namespace embedscope::compute::cpu
