#include "engine/cli/http_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "engine/server/http_server.h"

namespace eddy {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Closes its socket (and its TLS session) when it goes.
struct Socket {
  int fd = -1;
  SSL* ssl = nullptr;
  ~Socket() {
    if (ssl) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
  }
};

// OpenSSL's last error as text.
std::string TlsError() {
  std::string out = TlsErrorText();
  return out.empty() ? "the TLS handshake failed" : out;
}

// One TLS client context for the process: the system's trusted certificates, or those of the
// file named by SSL_CERT_FILE (OpenSSL's variable: how a self-signed server is trusted).
SSL_CTX* ClientTls() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c) {
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
      SSL_CTX_set_default_verify_paths(c);
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    }
    std::signal(SIGPIPE, SIG_IGN);  // a server gone mid-write must not end the REPL
    return c;
  }();
  return ctx;
}

// The TLS handshake on a connected socket, checking the certificate names the host.
Status StartTls(const HttpUrl& url, int timeout_ms, Socket& sock) {
  SSL_CTX* ctx = ClientTls();
  if (!ctx) return Status::Internal("TLS: " + TlsError());
  sock.ssl = SSL_new(ctx);
  if (!sock.ssl || SSL_set_fd(sock.ssl, sock.fd) != 1) return Status::Internal("TLS: " + TlsError());
  X509_VERIFY_PARAM* param = SSL_get0_param(sock.ssl);
  in6_addr addr;
  bool is_ip = ::inet_pton(AF_INET, url.host.c_str(), &addr) == 1 || ::inet_pton(AF_INET6, url.host.c_str(), &addr) == 1;
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
  } else {
    SSL_set_tlsext_host_name(sock.ssl, url.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (SSL_connect(sock.ssl) != 1) {
    long verify = SSL_get_verify_result(sock.ssl);
    std::string why = verify != X509_V_OK ? fmt::format("its certificate is not trusted: {} (a self-signed one: set SSL_CERT_FILE to it)",
                                                        X509_verify_cert_error_string(verify))
                                          : TlsError();
    ERR_clear_error();
    return Status::IoError(fmt::format("{}: TLS: {}", url.ToString(), why));
  }
  tv = {0, 0};
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return Status::Ok();
}

// Connects within `timeout_ms`, trying each address the host resolves to.
Status Connect(const HttpUrl& url, int timeout_ms, Socket& sock) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &res);
  if (rc != 0) return Status::IoError(fmt::format("cannot resolve {}: {}", url.host, gai_strerror(rc)));
  std::string error = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n;
      do n = ::poll(&p, 1, timeout_ms);
      while (n < 0 && errno == EINTR);
      if (n == 0) {
        error = fmt::format("no answer within {} s", timeout_ms / 1000.0);
        ::close(fd);
        continue;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      r = so_error == 0 ? 0 : -1;
      errno = so_error;
    }
    if (r != 0) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sock.fd = fd;
    break;
  }
  ::freeaddrinfo(res);
  if (sock.fd < 0) return Status::IoError(fmt::format("cannot connect to {}: {}", url.ToString(), error));
  if (url.tls) return StartTls(url, timeout_ms, sock);
  return Status::Ok();
}

bool SendAll(const Socket& sock, std::string_view data) { return WriteConnection(sock.fd, sock.ssl, data); }

// Undoes the body's transfer coding as bytes arrive.
class BodyDecoder {
 public:
  enum class Mode { kLength, kChunked, kToClose };
  BodyDecoder(Mode mode, size_t length) : mode_(mode), remaining_(length) {}
  bool done() const { return done_; }
  bool bad() const { return bad_; }
  // Consumes what it can of `buf`, handing body bytes to `out`; false when out said stop.
  bool Feed(std::string& buf, const std::function<bool(std::string_view)>& out) {
    size_t pos = 0;
    bool go_on = true;
    while (!done_ && !bad_ && go_on && pos < buf.size()) {
      if (mode_ == Mode::kToClose) {
        go_on = out(std::string_view(buf).substr(pos));
        pos = buf.size();
      } else if (mode_ == Mode::kLength || state_ == State::kData) {
        size_t n = std::min(remaining_, buf.size() - pos);
        if (n) go_on = out(std::string_view(buf).substr(pos, n));
        pos += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          if (mode_ == Mode::kLength) done_ = true;
          else state_ = State::kDataEnd;
        }
      } else {
        size_t e = buf.find("\r\n", pos);
        if (e == std::string::npos) {
          if (buf.size() - pos > 1024) bad_ = true;
          break;
        }
        std::string line = buf.substr(pos, e - pos);
        pos = e + 2;
        if (state_ == State::kSize) {
          char* stop = nullptr;
          unsigned long long n = std::strtoull(line.c_str(), &stop, 16);
          if (stop == line.c_str()) {
            bad_ = true;
          } else if (n == 0) {
            state_ = State::kTrailers;
          } else {
            remaining_ = static_cast<size_t>(n);
            state_ = State::kData;
          }
        } else if (state_ == State::kDataEnd) {
          if (!line.empty()) bad_ = true;
          state_ = State::kSize;
        } else if (line.empty()) {  // the blank line after the trailers
          done_ = true;
        }
      }
    }
    buf.erase(0, pos);
    if (mode_ == Mode::kLength && remaining_ == 0) done_ = true;
    return go_on;
  }
  // The connection closed: fine only when the body runs to the close.
  bool CompleteAtClose() const { return done_ || mode_ == Mode::kToClose || state_ == State::kTrailers; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailers };
  Mode mode_;
  size_t remaining_;
  State state_ = State::kSize;
  bool done_ = false;
  bool bad_ = false;
};

}  // namespace

std::string HttpUrl::ToString() const { return fmt::format("{}://{}:{}{}", tls ? "https" : "http", host, port, base); }

Result<HttpUrl> ParseHttpUrl(const std::string& text) {
  std::string rest = text;
  HttpUrl url;
  if (Lower(rest.substr(0, 8)) == "https://") rest = rest.substr(8), url.tls = true;
  else if (Lower(rest.substr(0, 7)) == "http://") rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    return Status::Invalid(fmt::format("{}: expected http://HOST:PORT or https://HOST:PORT", text));
  size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    url.base = rest.substr(slash);
    rest = rest.substr(0, slash);
    while (!url.base.empty() && url.base.back() == '/') url.base.pop_back();
  }
  std::string port;
  if (!rest.empty() && rest[0] == '[') {  // [::1]:8088
    size_t close = rest.find(']');
    if (close == std::string::npos) return Status::Invalid(fmt::format("{}: unclosed '[' in the host", text));
    url.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    url.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (url.host.empty()) return Status::Invalid(fmt::format("{}: expected http://HOST:PORT", text));
  if (!port.empty()) {
    char* stop = nullptr;
    long p = std::strtol(port.c_str(), &stop, 10);
    if (*stop != '\0' || p <= 0 || p > 65535) return Status::Invalid(fmt::format("{}: '{}' is not a port", text, port));
    url.port = static_cast<int>(p);
  }
  return url;
}

Result<int> HttpClient::Stream(std::string_view method, std::string_view path, std::string_view body,
                               std::string_view accept,
                               const std::function<void(int, const std::string&)>& on_head,
                               const std::function<bool(std::string_view)>& on_body,
                               const std::function<bool()>& stop) {
  Socket sock;
  RETURN_IF_ERROR(Connect(url_, connect_timeout_ms_, sock));
  std::string request = fmt::format("{} {}{} HTTP/1.1\r\nHost: {}:{}\r\nAccept: {}\r\nConnection: close\r\n", method,
                                    url_.base, path, url_.host, url_.port, accept);
  if (!authorization_.empty()) request += "Authorization: " + authorization_ + "\r\n";
  if (method != "GET") request += fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", body.size());
  request += "\r\n";
  request.append(body);
  if (!SendAll(sock, request))
    return Status::IoError(fmt::format("{} closed the connection: {}", url_.ToString(), std::strerror(errno)));

  std::string buf;
  bool have_head = false;
  int status = 0;
  std::unique_ptr<BodyDecoder> decoder;
  for (;;) {
    // The head, once it is all here.
    if (!have_head) {
      size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buf.substr(0, end);
        buf.erase(0, end + 4);
        size_t line_end = head.find("\r\n");
        std::string line = head.substr(0, line_end);
        if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12)
          return Status::IoError(fmt::format("{} does not answer HTTP: '{}'", url_.ToString(), line.substr(0, 60)));
        status = std::atoi(line.c_str() + 9);
        if (status == 100) continue;  // an interim answer: the real one follows
        std::string content_type, encoding, length;
        for (auto& [name, value] : ParseHttpHeaders(head, line_end == std::string::npos ? head.size() : line_end + 2)) {
          if (name == "content-type") content_type = std::move(value);
          else if (name == "transfer-encoding") encoding = Lower(value);
          else if (name == "content-length") length = std::move(value);
        }
        have_head = true;
        if (encoding.find("chunked") != std::string::npos)
          decoder = std::make_unique<BodyDecoder>(BodyDecoder::Mode::kChunked, 0);
        else if (!length.empty())
          decoder = std::make_unique<BodyDecoder>(BodyDecoder::Mode::kLength, std::strtoull(length.c_str(), nullptr, 10));
        else
          decoder = std::make_unique<BodyDecoder>(BodyDecoder::Mode::kToClose, 0);
        on_head(status, content_type);
      } else if (buf.size() > (64 << 10)) {
        return Status::IoError(fmt::format("{} sent an answer head over 64 KiB", url_.ToString()));
      }
    }
    if (have_head) {
      if (!decoder->Feed(buf, on_body)) return status;
      if (decoder->bad()) return Status::IoError(fmt::format("{} sent a malformed chunked answer", url_.ToString()));
      if (decoder->done()) return status;
    }
    // More bytes, in waits of 100 ms between which `stop` may end it all.
    for (;;) {
      if (stop && stop()) return status;
      if (sock.ssl && SSL_pending(sock.ssl) > 0) break;  // already decrypted, waiting to be read
      pollfd p{sock.fd, POLLIN, 0};
      int n = ::poll(&p, 1, 100);
      if (n < 0 && errno != EINTR) return Status::IoError(fmt::format("{}: {}", url_.ToString(), std::strerror(errno)));
      if (n > 0) break;
    }
    char chunk[16384];
    ssize_t n;
    if (sock.ssl) {
      int r = SSL_read(sock.ssl, chunk, sizeof chunk);
      if (r <= 0) {
        int err = SSL_get_error(sock.ssl, r);
        ERR_clear_error();
        if (err == SSL_ERROR_WANT_READ) continue;  // a TLS record not yet whole
      }
      n = r;
    } else {
      n = ::recv(sock.fd, chunk, sizeof chunk, 0);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (have_head && decoder->CompleteAtClose()) return status;
      return Status::IoError(have_head ? fmt::format("{} closed the connection in the middle of its answer", url_.ToString())
                                       : fmt::format("{} closed the connection without an answer", url_.ToString()));
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
}

Result<HttpAnswer> HttpClient::Call(std::string_view method, std::string_view path, std::string_view body,
                                    std::string_view accept, int idle_timeout_ms,
                                    const std::function<bool()>& stop) {
  HttpAnswer answer;
  auto last = std::chrono::steady_clock::now();
  bool timed_out = false, stopped = false;
  Result<int> status = Stream(
      method, path, body, accept,
      [&](int, const std::string& content_type) {
        answer.content_type = content_type;
        last = std::chrono::steady_clock::now();
      },
      [&](std::string_view piece) {
        answer.body.append(piece);
        last = std::chrono::steady_clock::now();
        return true;
      },
      [&]() {
        stopped = stop && stop();
        timed_out = std::chrono::steady_clock::now() - last > std::chrono::milliseconds(idle_timeout_ms);
        return stopped || timed_out;
      });
  if (!status.ok()) return status.status();
  if (stopped) return Status::IoError("Cancelled before the server answered (it may still carry the request out).");
  if (timed_out)
    return Status::IoError(fmt::format("{} sent nothing for {} s: gave up", url_.ToString(), idle_timeout_ms / 1000));
  answer.status = status.value();
  return answer;
}

}  // namespace eddy
