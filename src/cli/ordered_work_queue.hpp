// A bounded work queue that keeps input order: one thread (the owner) submits jobs in order, worker threads run
// them in parallel, and the owner gets the results back in submission order. At most `max_jobs` jobs, holding at
// most `max_weight` (bytes, as the owner counts them), are in flight: submitted and not yet handed back. So memory
// stays bounded however long the input, and the owner, which reads inputs and prints results, never blocks the
// workers for longer than it takes to hand back one result. With no workers, submit() runs the job at once.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace bouncekit::cli {

template <class Result>
class ordered_work_queue {
 public:
  using job = std::function<Result()>;
  using receiver = std::function<void(Result&&)>;  // gets the results, in submission order, on the owner's thread

  ordered_work_queue(unsigned workers, std::size_t max_jobs, std::size_t max_weight, receiver receive)
      : max_jobs_(max_jobs ? max_jobs : 1), max_weight_(max_weight), receive_(std::move(receive)) {
    for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  }
  ordered_work_queue(const ordered_work_queue&) = delete;
  ordered_work_queue& operator=(const ordered_work_queue&) = delete;
  ~ordered_work_queue() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    job_waiting_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Queues `j`. When the queue is full (a job heavier than max_weight waits until it is alone), first waits
  // until a quarter of the jobs in flight are done and hands back every finished result in order: waking up for
  // a batch rather than for every job spares the workers a context switch per result. Then hands back whatever
  // else has finished, without waiting.
  void submit(job j, std::size_t weight) {
    if (workers_.empty()) {  // no workers: the owner runs each job as it comes
      receive_(j());
      return;
    }
    std::unique_lock lock(mutex_);
    if (full(weight)) {
      wait_until_done(first_index_ + std::min(slots_.size(), (max_jobs_ + 3) / 4) - 1, lock);
      hand_back_finished(lock);
      while (full(weight)) {
        wait_until_done(first_index_, lock);
        hand_back_finished(lock);
      }
    }
    slots_.push_back({std::move(j), std::nullopt, weight});
    weight_ += weight;
    lock.unlock();
    job_waiting_.notify_one();
    lock.lock();
    hand_back_finished(lock);
  }

  // Waits for every submitted job and hands back the results that are left.
  void finish() {
    std::unique_lock lock(mutex_);
    if (!slots_.empty()) wait_until_done(first_index_ + slots_.size() - 1, lock);
    while (!slots_.empty()) {
      wait_until_done(first_index_, lock);
      hand_back_finished(lock);
    }
  }

 private:
  struct slot {
    job pending;                   // empty once a worker has taken it
    std::optional<Result> result;  // set when the job is done
    std::size_t weight;
  };

  bool full(std::size_t weight) const {
    return !slots_.empty() && (slots_.size() >= max_jobs_ || weight_ + weight > max_weight_);
  }

  // Waits until job number `number` (in flight) is done.
  void wait_until_done(std::size_t number, std::unique_lock<std::mutex>& lock) {
    awaited_ = number;
    job_done_.wait(lock, [&] { return slots_[number - first_index_].result.has_value(); });
    awaited_ = no_job;
  }

  // Removes the finished jobs at the front and gives their results to the receiver, with the lock released.
  void hand_back_finished(std::unique_lock<std::mutex>& lock) {
    while (!slots_.empty() && slots_.front().result) {
      Result r = std::move(*slots_.front().result);
      weight_ -= slots_.front().weight;
      slots_.pop_front();
      ++first_index_;
      lock.unlock();
      receive_(std::move(r));
      lock.lock();
    }
  }

  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      job_waiting_.wait(lock, [&] { return stopping_ || first_index_ + slots_.size() > next_to_start_; });
      if (first_index_ + slots_.size() <= next_to_start_) return;  // stopping, and nothing left to run
      const std::size_t index = next_to_start_++;
      job j = std::move(slots_[index - first_index_].pending);
      lock.unlock();
      Result r = j();
      j = nullptr;  // drop what the job holds (a message's bytes) before waiting for the lock
      lock.lock();
      // the slot is still there: the owner removes only finished slots
      slots_[index - first_index_].result = std::move(r);
      if (index == awaited_) job_done_.notify_one();
    }
  }

  const std::size_t max_jobs_, max_weight_;
  const receiver receive_;
  std::mutex mutex_;
  static constexpr std::size_t no_job = static_cast<std::size_t>(-1);
  std::condition_variable job_waiting_, job_done_;
  std::deque<slot> slots_;         // the jobs in flight, oldest first; slots_[k] is job number first_index_ + k
  std::size_t first_index_ = 0;    // the number of the oldest job in flight
  std::size_t next_to_start_ = 0;  // the number of the next job a worker takes
  std::size_t awaited_ = no_job;   // the job the owner waits for
  std::size_t weight_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;  // last: started once everything above is ready
};

}  // namespace bouncekit::cli
