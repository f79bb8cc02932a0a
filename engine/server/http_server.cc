#include "engine/server/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "engine/common/json.h"

namespace eddy {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Reads what a connection sends, buffering what comes after the current request.
class Reader {
 public:
  Reader(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Waits up to `idle_ms` for more bytes; false on close, error or timeout.
  bool Fill(int idle_ms) {
    char buf[16384];
    // Bytes TLS has already decrypted are read without waiting on the socket.
    if (!ssl_ || SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, idle_ms);
      if (r <= 0) return false;
    }
    if (ssl_) {
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) {
        // A TLS record not yet whole: wait for the rest.
        int err = SSL_get_error(ssl_, n);
        ERR_clear_error();
        return err == SSL_ERROR_WANT_READ ? Fill(idle_ms) : false;
      }
      data_.append(buf, static_cast<size_t>(n));
      return true;
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data_.append(buf, static_cast<size_t>(n));
    return true;
  }
  std::string& data() { return data_; }

 private:
  int fd_;
  SSL* ssl_;
  std::string data_;
};

constexpr int kIdleMs = 300000;  // a keep-alive connection with no request for 5 minutes is closed

enum class ReadResult { kOk, kClosed, kBad, kTooLarge, kHeadersTooLarge };

// Reads one request. `error` says what is wrong with a bad one.
ReadResult ReadRequest(Reader& in, int fd, SSL* ssl, const HttpServerOptions& o, HttpRequest& req, std::string* error) {
  size_t end;
  while ((end = in.data().find("\r\n\r\n")) == std::string::npos) {
    if (in.data().size() > o.max_header_bytes) return ReadResult::kHeadersTooLarge;
    if (!in.Fill(kIdleMs)) return ReadResult::kClosed;
  }
  if (end > o.max_header_bytes) return ReadResult::kHeadersTooLarge;
  std::string head = in.data().substr(0, end);
  in.data().erase(0, end + 4);
  size_t line_end = head.find("\r\n");
  std::string line = head.substr(0, line_end);
  size_t s1 = line.find(' '), s2 = line.rfind(' ');
  if (s1 == std::string::npos || s2 == s1) return *error = "malformed request line", ReadResult::kBad;
  req.method = line.substr(0, s1);
  req.target = line.substr(s1 + 1, s2 - s1 - 1);
  std::string version = line.substr(s2 + 1);
  if (version.rfind("HTTP/1.", 0) != 0) return *error = "only HTTP/1.x is served here", ReadResult::kBad;
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  req.headers = ParseHttpHeaders(head, line_end == std::string::npos ? head.size() : line_end + 2);
  if (Lower(req.Header("expect")) == "100-continue") {
    (void)WriteConnection(fd, ssl, "HTTP/1.1 100 Continue\r\n\r\n");
  }
  if (Lower(req.Header("transfer-encoding")).find("chunked") != std::string::npos) {
    for (;;) {
      size_t e;
      while ((e = in.data().find("\r\n")) == std::string::npos) {
        if (in.data().size() > 64) return *error = "malformed chunk size", ReadResult::kBad;
        if (!in.Fill(kIdleMs)) return ReadResult::kClosed;
      }
      std::string size_line = in.data().substr(0, e);
      char* stop = nullptr;
      unsigned long long n = std::strtoull(size_line.c_str(), &stop, 16);
      if (stop == size_line.c_str()) return *error = "malformed chunk size", ReadResult::kBad;
      if (req.body.size() + n > o.max_body_bytes) return ReadResult::kTooLarge;
      in.data().erase(0, e + 2);
      if (n == 0) {
        // Trailers, then the blank line.
        while ((e = in.data().find("\r\n")) != 0) {
          if (e == std::string::npos) {
            if (!in.Fill(kIdleMs)) return ReadResult::kClosed;
            continue;
          }
          in.data().erase(0, e + 2);
        }
        in.data().erase(0, 2);
        break;
      }
      while (in.data().size() < n + 2)
        if (!in.Fill(kIdleMs)) return ReadResult::kClosed;
      req.body.append(in.data(), 0, n);
      in.data().erase(0, n + 2);
    }
    return ReadResult::kOk;
  }
  std::string length = req.Header("content-length");
  if (!length.empty()) {
    char* stop = nullptr;
    unsigned long long n = std::strtoull(length.c_str(), &stop, 10);
    if (stop == length.c_str() || *stop != '\0') return *error = "malformed Content-Length", ReadResult::kBad;
    if (n > o.max_body_bytes) return ReadResult::kTooLarge;
    while (in.data().size() < n)
      if (!in.Fill(kIdleMs)) return ReadResult::kClosed;
    req.body = in.data().substr(0, n);
    in.data().erase(0, n);
  }
  return ReadResult::kOk;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseHttpHeaders(std::string_view head, size_t pos) {
  std::vector<std::pair<std::string, std::string>> headers;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view h = head.substr(pos, e - pos);
    size_t colon = h.find(':');
    if (colon != std::string_view::npos) headers.emplace_back(Lower(Trim(h.substr(0, colon))), Trim(h.substr(colon + 1)));
    pos = e + 2;
  }
  return headers;
}

std::string TlsErrorText() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out;
}

bool WriteConnection(int fd, SSL* ssl, std::string_view data) {
  while (!data.empty()) {
    if (ssl) {
      int n = SSL_write(ssl, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
      if (n <= 0) return ERR_clear_error(), false;
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

bool HttpResponse::WriteAll(std::string_view data) {
  if (ok_ && !WriteConnection(fd_, ssl_, data)) ok_ = false;
  return ok_;
}

bool HttpResponse::Send(int status, std::string_view content_type, std::string_view body) {
  started_ = true;
  std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}{}\r\n", status,
                                 Reason(status), content_type, body.size(), extra_,
                                 keep_alive_ ? "" : "Connection: close\r\n");
  head.append(body);
  return WriteAll(head);
}

bool HttpResponse::Start(int status, std::string_view content_type) {
  started_ = true;
  chunked_ = true;
  return WriteAll(fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n{}{}\r\n", status,
                              Reason(status), content_type, extra_, keep_alive_ ? "" : "Connection: close\r\n"));
}

bool HttpResponse::Chunk(std::string_view data) {
  if (data.empty()) return ok_;
  std::string out = fmt::format("{:x}\r\n", data.size());
  out.append(data);
  out.append("\r\n");
  return WriteAll(out);
}

bool HttpResponse::End() { return chunked_ ? WriteAll("0\r\n\r\n") : ok_; }

bool HttpResponse::ClientGone() {
  if (!ok_) return true;
  pollfd p{fd_, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return ok_ = false, true;
  if (p.revents & POLLIN) {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return ok_ = false, true;
  }
  return false;
}

std::string HttpServer::ErrorJson(int error_code, std::string_view message) {
  std::string out = "{\"@type\":\"generic_error\",\"error_code\":" + std::to_string(error_code) + ",\"message\":";
  AppendJsonString(message, out);
  out += "}";
  return out;
}

HttpServer::~HttpServer() {
  Stop();
  if (tls_) SSL_CTX_free(tls_);
}

namespace {
int KeyPassword(char* buf, int size, int, void* user) {
  const std::string& pw = *static_cast<const std::string*>(user);
  int n = static_cast<int>(std::min<size_t>(pw.size(), static_cast<size_t>(size)));
  std::memcpy(buf, pw.data(), static_cast<size_t>(n));
  return n;
}
}  // namespace

Status HttpServer::Listen() {
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty())
      return Status::Invalid("TLS needs both a certificate file and a key file");
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return Status::Internal("TLS: " + TlsErrorText());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_passwd_cb(ctx, KeyPassword);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &options_.tls_key_password);
    if (SSL_CTX_use_certificate_chain_file(ctx, options_.tls_cert_file.c_str()) != 1) {
      SSL_CTX_free(ctx);
      return Status::Invalid(fmt::format("{}: not a PEM certificate that can be read ({})", options_.tls_cert_file, TlsErrorText()));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, options_.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      SSL_CTX_free(ctx);
      return Status::Invalid(fmt::format("{}: not the PEM private key of {} ({})", options_.tls_key_file,
                                         options_.tls_cert_file, TlsErrorText()));
    }
    tls_ = ctx;
    // A client gone mid-write must not kill the process (OpenSSL writes with write(2)).
    std::signal(SIGPIPE, SIG_IGN);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string where = fmt::format("{}:{}", options_.host, options_.port);
  int rc = ::getaddrinfo(options_.host.c_str(), std::to_string(options_.port).c_str(), &hints, &res);
  if (rc != 0) return Status::IoError(fmt::format("{}: {}", where, gai_strerror(rc)));
  std::string last_error = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
      port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
      listen_fd_ = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (listen_fd_ < 0) return Status::IoError(fmt::format("{}: {}", where, last_error));
  return Status::Ok();
}

void HttpServer::Start(HttpHandler handler) {
  handler_ = std::move(handler);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

void HttpServer::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_.load() || open_.size() >= options_.max_connections) {
        HttpResponse r(fd, false);
        // Over TLS there is no session to answer in: the connection is just closed.
        if (!tls_) r.Send(503, "application/json", ErrorJson(50300, "Too many connections: try again later."));
        ::close(fd);
        continue;
      }
      open_.insert(fd);
    }
    std::thread([this, fd] { Serve(fd); }).detach();
  }
}

void HttpServer::Serve(int fd) {
  SSL* ssl = nullptr;
  if (tls_) {
    // The handshake, with a time limit so a client that never finishes it holds nothing.
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssl = SSL_new(tls_);
    if (ssl && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
      tv = {0, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    } else {
      ERR_clear_error();  // not TLS, or a failed handshake: nothing to answer in
      if (ssl) SSL_free(ssl);
      std::lock_guard<std::mutex> lock(mu_);
      open_.erase(fd);
      ::close(fd);
      cv_.notify_all();
      return;
    }
  }
  Reader in(fd, ssl);
  for (;;) {
    HttpRequest req;
    std::string error;
    ReadResult r = ReadRequest(in, fd, ssl, options_, req, &error);
    if (r == ReadResult::kClosed) break;
    if (r != ReadResult::kOk) {
      HttpResponse resp(fd, false, ssl);
      if (r == ReadResult::kTooLarge)
        resp.Send(413, "application/json",
                  ErrorJson(41300, fmt::format("The request body is larger than the limit of {} bytes.",
                                               options_.max_body_bytes)));
      else if (r == ReadResult::kHeadersTooLarge)
        resp.Send(431, "application/json",
                  ErrorJson(43100, fmt::format("The request headers are larger than the limit of {} bytes.",
                                               options_.max_header_bytes)));
      else
        resp.Send(400, "application/json", ErrorJson(40000, "Bad HTTP request: " + error));
      // A lingering close: what the client still sends is read and dropped (for a few seconds
      // at most), so that it gets to read the answer rather than a reset connection.
      ::shutdown(fd, SHUT_WR);
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (std::chrono::steady_clock::now() < until && in.Fill(1000)) in.data().clear();
      break;
    }
    bool keep_alive = Lower(req.Header("connection")) != "close" && !stopping_.load();
    HttpResponse resp(fd, keep_alive, ssl);
    handler_(req, resp);
    if (!resp.started()) resp.Send(500, "application/json", ErrorJson(50000, "The request was not answered."));
    if (!resp.keep_alive()) break;
  }
  if (ssl) {
    SSL_shutdown(ssl);  // close_notify, when the connection still takes it
    SSL_free(ssl);
    ERR_clear_error();
  }
  // Closed under the lock: Stop() never shuts down a number already reused by a newer connection.
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(fd);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  cv_.notify_all();
}

void HttpServer::Stop() {
  if (listen_fd_ < 0) return;
  stopping_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  std::unique_lock<std::mutex> lock(mu_);
  for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  cv_.wait_for(lock, std::chrono::seconds(10), [this] { return open_.empty(); });
}

}  // namespace eddy
