// ThreadPoolExecutor: a FIFO of work items served by weft::Thread workers started on demand.
#include "weft/executor.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace weft {

namespace detail {
void report_callback_exception(std::exception_ptr e) noexcept {
  std::string msg = "exception calling callback for future: ";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    msg += ex.what();
  } catch (...) {
    msg += "(unknown exception)";
  }
  msg += "\n";
  std::fputs(msg.c_str(), stderr);
}
}  // namespace detail

namespace {
std::atomic<int> g_executor_counter{0};
}

ThreadPoolExecutor::ThreadPoolExecutor(int max_workers, std::string thread_name_prefix,
                                       std::function<void()> initializer,
                                       std::source_location where)
    : max_workers_(max_workers),
      prefix_(std::move(thread_name_prefix)),
      initializer_(std::move(initializer)),
      location_(where),
      id_(0) {
  if (max_workers < 0) throw ValueError("max_workers must be greater than 0");
  if (max_workers == 0) {
    int hw = static_cast<int>(std::thread::hardware_concurrency());
    max_workers_ = std::min(32, (hw > 0 ? hw : 1) + 4);
  }
  if (prefix_.empty()) prefix_ = "ThreadPoolExecutor-" + std::to_string(g_executor_counter++);
  id_ = rt::new_object(rt::ObjKind::Executor, prefix_, where);
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
  shutdown(true);
  rt::destroy_object(id_);
}

void ThreadPoolExecutor::enqueue(Item item, rt::ObjId future, const std::source_location& where) {
  std::unique_lock g(mu_);
  if (!broken_.empty()) throw RuntimeError(broken_);
  if (shutdown_) throw RuntimeError("cannot schedule new futures after shutdown");
  rt::emit(rt::Ev::TaskSubmit, future, id_, where);
  queue_.push_back(std::move(item));
  std::size_t pending = queue_.size() - head_;
  if (static_cast<std::size_t>(idle_) < pending &&
      static_cast<int>(threads_.size()) < max_workers_) {
    std::string name = prefix_ + "_" + std::to_string(threads_.size());
    threads_.push_back(std::make_unique<Thread>([this] { worker(); }, std::move(name)));
    threads_.back()->start(where);
  }
  cv_.notify_one();
}

void ThreadPoolExecutor::worker() {
  if (initializer_) {
    try {
      initializer_();
    } catch (const std::exception& e) {
      std::string msg = std::string("Exception in initializer:\n") + e.what() + "\n";
      std::fputs(msg.c_str(), stderr);
      std::vector<Item> failed;
      {
        std::lock_guard g(mu_);
        broken_ = "A thread initializer failed, the thread pool is not usable anymore";
        for (std::size_t i = head_; i < queue_.size(); ++i) failed.push_back(std::move(queue_[i]));
        queue_.clear();
        head_ = 0;
        cv_.notify_all();
      }
      auto err = std::make_exception_ptr(RuntimeError(broken_));
      for (auto& it : failed) it.fail(err);
      return;
    }
  }
  for (;;) {
    Item item;
    {
      std::unique_lock g(mu_);
      ++idle_;
      cv_.wait(g, [&] { return head_ < queue_.size() || shutdown_ || !broken_.empty(); });
      --idle_;
      if (head_ == queue_.size()) return;
      item = std::move(queue_[head_++]);
      if (head_ == queue_.size()) {
        queue_.clear();
        head_ = 0;
      }
    }
    item.run();
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures, std::source_location where) {
  std::vector<Item> cancelled;
  std::vector<Thread*> workers;
  {
    std::lock_guard g(mu_);
    shutdown_ = true;
    if (cancel_futures) {
      for (std::size_t i = head_; i < queue_.size(); ++i) cancelled.push_back(std::move(queue_[i]));
      queue_.clear();
      head_ = 0;
    }
    for (auto& t : threads_) workers.push_back(t.get());
    cv_.notify_all();
  }
  for (auto& it : cancelled) it.cancel();
  if (wait)
    for (Thread* t : workers)
      if (t != &current_thread()) t->join(-1, where);
}

}  // namespace weft
