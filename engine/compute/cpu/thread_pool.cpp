#include "engine/compute/cpu/thread_pool.h"

#include <algorithm>

namespace embedscope::compute::cpu {

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  for (auto& t : m_workers) t.join();
}

void ThreadPool::parallelFor(std::int64_t n, const std::function<void(int, std::int64_t, std::int64_t)>& fn,
                             std::int64_t grain) {
  if (n <= 0) return;
  const auto maxChunks = std::max<std::int64_t>(1, n / std::max<std::int64_t>(1, grain));
  const int chunks = static_cast<int>(std::min<std::int64_t>(threadCount(), maxChunks));
  if (chunks == 1) {
    fn(0, 0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_job = &fn;
    m_n = n;
    m_chunks = chunks;
    m_pending = chunks - 1;
    ++m_generation;
  }
  m_wake.notify_all();
  fn(0, 0, n / chunks);
  std::unique_lock<std::mutex> lock(m_mutex);
  m_done.wait(lock, [this] { return m_pending == 0; });
  m_job = nullptr;
}

void ThreadPool::workerLoop(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    const std::function<void(int, std::int64_t, std::int64_t)>* job = nullptr;
    std::int64_t n = 0;
    int chunks = 0;
    {
      std::unique_lock<std::mutex> lock(m_mutex);
      m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
      if (m_stop) return;
      seen = m_generation;
      job = m_job;
      n = m_n;
      chunks = m_chunks;
    }
    if (index < chunks) {
      const std::int64_t begin = n * index / chunks;
      const std::int64_t end = n * (index + 1) / chunks;
      (*job)(index, begin, end);
      std::lock_guard<std::mutex> lock(m_mutex);
      if (--m_pending == 0) m_done.notify_one();
    }
  }
}

}  // namespace embedscope::compute::cpu
