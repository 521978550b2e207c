// A tiny fork-join pool for our own loops (im2col, elementwise ops, reductions).
// OpenBLAS has its own threads for sgemm; both use the count set by
// setNumThreads. Workers sleep on a condition variable between jobs (after a
// short spin, so that back-to-back ops do not pay a futex wake each), and the
// pool is used by one caller at a time: a second JS worker thread that calls
// in while it is busy runs its loop inline instead of waiting.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define AL_PAUSE() _mm_pause()
#else
#define AL_PAUSE() std::this_thread::yield()
#endif

namespace al {

namespace {

struct Pool {
  std::mutex busy;  // held by the caller for the duration of a job
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::thread> workers;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t n = 0, chunk = 0;
  int nchunks = 0;
  std::atomic<bool> stop{false};
  int threads = 1;

  ~Pool() { resize(1); }

  void worker(int index) {
    uint64_t seen = generation.load(std::memory_order_acquire);
    for (;;) {
      // Spin briefly (~50 us), then sleep until the next job: a longer spin
      // competes with OpenBLAS's own threads (and other processes) for the cores.
      int spins = 0;
      while (generation.load(std::memory_order_acquire) == seen && spins < 4096) {
        AL_PAUSE();
        spins++;
      }
      if (generation.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return stop || generation.load(std::memory_order_acquire) != seen; });
      }
      if (stop) return;
      seen = generation.load(std::memory_order_acquire);
      if (index < nchunks) {
        int64_t b = index * chunk, e = std::min(n, b + chunk);
        if (b < e) (*fn)(b, e);
        pending.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  void resize(int t) {
    if (!workers.empty()) {
      {
        std::lock_guard<std::mutex> lock(m);
        stop = true;
      }
      cv.notify_all();
      for (auto& w : workers) w.join();
      workers.clear();
      stop = false;
    }
    threads = t;
    for (int i = 1; i < t; i++) workers.emplace_back([this, i] { worker(i); });
  }

  void run(int64_t total, int64_t grain, const std::function<void(int64_t, int64_t)>& f) {
    int64_t maxChunks = std::max<int64_t>(1, total / std::max<int64_t>(1, grain));
    int nc = static_cast<int>(std::min<int64_t>(threads, maxChunks));
    if (nc <= 1 || !busy.try_lock()) {
      f(0, total);
      return;
    }
    int64_t ch = (total + nc - 1) / nc;
    {
      std::lock_guard<std::mutex> lock(m);
      fn = &f;
      n = total;
      chunk = ch;
      nchunks = nc;
      pending.store(nc - 1, std::memory_order_release);
      generation.fetch_add(1, std::memory_order_acq_rel);
    }
    cv.notify_all();
    f(0, std::min(total, ch));
    for (int spins = 0; pending.load(std::memory_order_acquire) > 0; spins++) {
      if (spins < 100000) AL_PAUSE();
      else std::this_thread::yield();
    }
    busy.unlock();
  }
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().threads; }

void set_num_threads(int n) {
  Pool& p = pool();
  if (n == p.threads) return;
  std::lock_guard<std::mutex> lock(p.busy);
  p.resize(n);
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  Pool& p = pool();
  if (p.threads <= 1 || n < 2 * grain) {
    fn(0, n);
    return;
  }
  p.run(n, grain, fn);
}

}  // namespace al
