#pragma once
// A small HTTP/1.1 server over POSIX sockets: one thread per connection, keep-alive, request
// bodies by Content-Length or chunked transfer coding (read whole, up to a size limit), and
// responses either whole (Content-Length) or streamed as chunks for as long as a handler
// writes them; TLS (OpenSSL) when given a certificate and key. Enough for ksqlDB's REST API;
// no HTTP/2.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "engine/common/status.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace eddy {

struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as sent: "/query?x=1"
  std::string path;     // without the query string: "/query"
  std::string query;    // after '?', undecoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The value of a header (name in lower case), empty when absent.
  std::string Header(std::string_view name) const;
};

// The header lines of an HTTP head ("Name: value\r\n"...) from `pos` on: names lower-cased,
// values trimmed; lines without a ':' are skipped. (The server's requests, the REPL's answers.)
std::vector<std::pair<std::string, std::string>> ParseHttpHeaders(std::string_view head, size_t pos);

// OpenSSL's queued errors as text, cleared ("" when none). (The server and the REPL's client.)
std::string TlsErrorText();
// Writes all of `data` to a connection, through its TLS session when `ssl` is not null;
// false once the peer is gone. Never raises SIGPIPE on a plain socket.
bool WriteConnection(int fd, SSL* ssl, std::string_view data);

// Writes the response to one request on its connection. Either Send() once, or Start(), any
// number of Chunk()s and End(). Each returns false once the client is gone.
class HttpResponse {
 public:
  // `ssl`: the connection's TLS session, or null for plain HTTP.
  HttpResponse(int fd, bool keep_alive, SSL* ssl = nullptr) : fd_(fd), ssl_(ssl), keep_alive_(keep_alive) {}
  bool Send(int status, std::string_view content_type, std::string_view body);
  bool Start(int status, std::string_view content_type);
  bool Chunk(std::string_view data);
  bool End();
  // True when the client closed its side of the connection (checked without blocking).
  bool ClientGone();
  // Header lines ("Name: value\r\n") added to the response when it starts.
  void add_header(std::string line) { extra_ += std::move(line); }
  bool started() const { return started_; }
  bool keep_alive() const { return keep_alive_ && ok_; }

 private:
  bool WriteAll(std::string_view data);
  int fd_;
  SSL* ssl_;
  bool keep_alive_;
  bool started_ = false;
  bool chunked_ = false;
  bool ok_ = true;
  std::string extra_;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8088;  // 0: any free port
  size_t max_body_bytes = 8 << 20;   // a larger request body is answered with 413
  size_t max_header_bytes = 64 << 10;
  size_t max_connections = 256;      // more at once are answered with 503
  // HTTPS: PEM files of the certificate (chain) and of its private key; both empty: plain HTTP.
  std::string tls_cert_file, tls_key_file;
  std::string tls_key_password;  // for an encrypted key; never logged
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options) : options_(std::move(options)) {}
  ~HttpServer();
  // Loads the TLS certificate and key when given, binds and listens; an error names the file
  // or the address ("127.0.0.1:8088: Address already in use").
  Status Listen();
  // Accepts connections on a thread of its own, each served on a thread of its own.
  void Start(HttpHandler handler);
  // Stops accepting, shuts every open connection down and waits for their threads.
  void Stop();
  int port() const { return port_; }
  const HttpServerOptions& options() const { return options_; }
  bool tls() const { return tls_ != nullptr; }
  // An error response in ksqlDB's shape: {"@type":"generic_error","error_code":..,"message":..}.
  static std::string ErrorJson(int error_code, std::string_view message);

 private:
  void AcceptLoop();
  void Serve(int fd);
  HttpServerOptions options_;
  HttpHandler handler_;
  SSL_CTX* tls_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int> open_;  // connections being served
};

}  // namespace eddy
