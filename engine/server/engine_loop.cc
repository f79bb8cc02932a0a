#include "engine/server/engine_loop.h"

#include <chrono>

namespace eddy {

bool EngineLoop::Call(std::function<void(Engine&)> fn) {
  auto task = std::make_shared<Task>();
  task->fn = std::move(fn);
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return false;
  tasks_.push_back(task);
  interrupt_.store(true);
  work_cv_.notify_all();
  done_cv_.wait(lock, [&] { return task->done || closed_; });
  return task->done;
}

void EngineLoop::RunPending() {
  for (;;) {
    std::shared_ptr<Task> task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      interrupt_.store(false);
      if (tasks_.empty()) return;
      task = tasks_.front();
      tasks_.pop_front();
    }
    task->fn(engine_);
    std::lock_guard<std::mutex> lock(mu_);
    task->done = true;
    done_cv_.notify_all();
  }
}

void EngineLoop::Wait(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  work_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return !tasks_.empty() || closed_; });
}

void EngineLoop::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  tasks_.clear();
  done_cv_.notify_all();
  work_cv_.notify_all();
}

RowCallback EngineLoop::Dispatcher(RowCallback fallback) {
  return [this, fallback = std::move(fallback)](const std::string& id, const Schema& schema, const Record& row) {
    auto it = sinks_.find(id);
    if (it != sinks_.end()) {
      it->second(schema, row);
      return;
    }
    if (catch_all_) {
      catch_all_(schema, row);
      return;
    }
    if (fallback) fallback(id, schema, row);
  };
}

}  // namespace eddy
