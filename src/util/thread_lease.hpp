// A container a thread keeps from one use to the next, for buffers that would otherwise take an allocation on
// every message. While a lease holds the thread's container, another lease on the same thread (a nested
// classify()) gets a container of its own.
#pragma once

namespace bouncekit::detail {

// `Keep` names the container's slot (one per instantiation) and says what is kept when a lease ends:
// Keep::release(T&) empties the container and lets go of room past a cap, so that a huge input does not stay
// pinned to the thread.
template <class T, class Keep>
class thread_lease {
 public:
  thread_lease() noexcept : leased_(!taken_) { taken_ = true; }
  thread_lease(const thread_lease&) = delete;
  thread_lease& operator=(const thread_lease&) = delete;
  ~thread_lease() {
    if (!leased_) return;
    Keep::release(spare_);
    taken_ = false;
  }
  T& get() noexcept { return leased_ ? spare_ : own_; }

 private:
  static inline thread_local T spare_;
  static inline thread_local bool taken_ = false;
  bool leased_;
  T own_;
};

}  // namespace bouncekit::detail
