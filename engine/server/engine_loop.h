#pragma once
// EngineLoop: how the server's connection threads use an Engine, which is single-threaded.
// `eddy run`'s main thread owns the engine: between batches of RunUntilIdle it runs the work the
// connection threads hand it (Call), and it hands the rows of each transient query to whoever
// started that query (Subscribe). Everything touching the engine runs on that one thread.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/runtime/engine.h"

namespace eddy {

class EngineLoop {
 public:
  explicit EngineLoop(Engine& engine) : engine_(engine) {}

  // From a connection thread: runs `fn` on the engine's thread and waits until it has run.
  // Returns false (without running it) once the loop is closed.
  bool Call(std::function<void(Engine&)> fn);

  // The engine's thread: runs the work waiting, in order.
  void RunPending();
  // Becomes true when work arrives; pass it as RunUntilIdle's stop flag so a long batch yields.
  // A signal handler may set it too (it is lock-free).
  std::atomic<bool>* interrupt() { return &interrupt_; }
  // The engine's thread: waits up to `ms` for work.
  void Wait(int ms);
  // No more work is taken; waiting and later Calls return false.
  void Close();

  // Where each row of a transient query goes, until the query is stopped and unsubscribed.
  // Subscribe, Unsubscribe and set_catch_all are called on the engine's thread only.
  using RowSink = std::function<void(const Schema& schema, const Record& row)>;
  void Subscribe(const std::string& query_id, RowSink sink) { sinks_[query_id] = std::move(sink); }
  void Unsubscribe(const std::string& query_id) { sinks_.erase(query_id); }
  // Rows of queries nobody subscribed to (a pull query, whose id is known only once it ran).
  void set_catch_all(RowSink sink) { catch_all_ = std::move(sink); }
  // The engine's row callback: rows to their subscriber, else to the catch-all, else to
  // `fallback` (eddy run's printer for the SELECTs of its files and --follow).
  RowCallback Dispatcher(RowCallback fallback);

  // Push queries being streamed by connection threads (for /metrics).
  std::atomic<int> active_push_queries{0};

 private:
  struct Task {
    std::function<void(Engine&)> fn;
    bool done = false;
  };
  Engine& engine_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Task>> tasks_;
  bool closed_ = false;
  std::atomic<bool> interrupt_{false};
  std::map<std::string, RowSink> sinks_;
  RowSink catch_all_;
};

}  // namespace eddy
