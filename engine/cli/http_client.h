#pragma once
// A small HTTP/1.1 client over POSIX sockets, for `eddy repl --server`: one connection per
// request (Connection: close), a bounded connect, bodies read whole (Content-Length, chunked or
// to the close) or handed over piece by piece as they arrive, and a way to give up mid-answer
// (Ctrl-C on a push query: the connection is closed, which ends the query on the server).
// https:// URLs go over TLS (OpenSSL), the certificate checked against the system's trusted
// ones or SSL_CERT_FILE's. The server side is engine/server/http_server.*.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/common/status.h"

namespace eddy {

struct HttpUrl {
  std::string host;
  int port = 8088;
  std::string base;  // a path prefix without its last '/': "" or "/ksql-proxy"
  bool tls = false;  // https://
  std::string ToString() const;
};

// "http[s]://host[:port][/prefix]", "host:port" or "host"; the port defaults to 8088 (ksqlDB's).
Result<HttpUrl> ParseHttpUrl(const std::string& text);

struct HttpAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  // `authorization`: the Authorization header's value ("Basic ..."), or empty.
  HttpClient(HttpUrl url, std::string authorization, int connect_timeout_ms = 5000)
      : url_(std::move(url)), authorization_(std::move(authorization)), connect_timeout_ms_(connect_timeout_ms) {}

  // A request answered whole. `idle_timeout_ms`: give up when nothing comes for that long;
  // `stop` (asked every 100 ms) gives up too (an error says so).
  Result<HttpAnswer> Call(std::string_view method, std::string_view path, std::string_view body = {},
                          std::string_view accept = "application/json", int idle_timeout_ms = 300000,
                          const std::function<bool()>& stop = nullptr);

  // A request whose answer is handed over as it arrives: `on_head` once with the status and
  // content type, then `on_body` with each piece of the body (chunked coding removed). Stops
  // early when on_body returns false or `stop()` (asked every 100 ms) returns true; the
  // connection is then closed. Returns the status, or an error when nothing could be read.
  Result<int> Stream(std::string_view method, std::string_view path, std::string_view body, std::string_view accept,
                     const std::function<void(int status, const std::string& content_type)>& on_head,
                     const std::function<bool(std::string_view piece)>& on_body, const std::function<bool()>& stop);

  const HttpUrl& url() const { return url_; }

 private:
  HttpUrl url_;
  std::string authorization_;
  int connect_timeout_ms_;
};

}  // namespace eddy
