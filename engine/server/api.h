#pragma once
// KsqlApi: ksqlDB's REST API over an engine driven by an EngineLoop. One instance serves every
// connection; each handler runs on its connection's thread and reaches the engine only through
// EngineLoop::Call. docs/rest-api.md lists the endpoints and what each answers.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/server/engine_loop.h"
#include "engine/server/http_server.h"
#include "engine/state/state_db.h"

namespace eddy {

struct ApiOptions {
  std::string service_id = "eddy";
  std::string kafka_cluster_id = "embedded";
  StateDb* db = nullptr;  // for state sizes in /metrics (may be null)
  // A push query ends with an error when this many rows wait for a slow client.
  size_t max_queued_rows = 100000;
  // Push queries streamed at once; one more is refused with error 40003.
  int max_push_queries = 100;
  // HTTP basic authentication: user -> password. Empty: none. Never logged.
  std::map<std::string, std::string> users;
};

class KsqlApi {
 public:
  KsqlApi(EngineLoop& loop, ApiOptions options) : loop_(loop), options_(std::move(options)) {}
  void Handle(const HttpRequest& req, HttpResponse& resp);
  // Counts a processing-log entry of `query_id` for /metrics (call on the engine's thread).
  void CountProcessingError(const std::string& query_id) { ++processing_errors_[query_id]; }

 private:
  void Ksql(const HttpRequest& req, HttpResponse& resp);
  void Query(const HttpRequest& req, HttpResponse& resp, bool query_stream);
  void InsertsStream(const HttpRequest& req, HttpResponse& resp);
  void CloseQuery(const HttpRequest& req, HttpResponse& resp);
  void Status(const HttpRequest& req, HttpResponse& resp);
  void Metrics(HttpResponse& resp);

  struct PushStream;
  EngineLoop& loop_;
  ApiOptions options_;
  std::mutex streams_mu_;
  std::map<std::string, std::shared_ptr<PushStream>> streams_;  // push queries being streamed
  std::map<std::string, int64_t> processing_errors_;  // engine thread only
  std::atomic<uint64_t> requests_{0};
};

}  // namespace eddy
