// The HTTP server over real loopback sockets, and the REST API over an in-memory engine driven
// by an EngineLoop on a thread of its own, as `eddy run` drives it. Expected answers are
// ksqlDB's shapes (docs/rest-api.md) with values worked out by hand from the rows inserted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>

#include "engine/common/json.h"
#include "engine/io/memory_log.h"
#include "engine/server/api.h"
#include "engine/server/engine_loop.h"
#include "engine/server/http_server.h"

using namespace eddy;

namespace {

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void SendAll(int fd, const std::string& data) {
  REQUIRE(::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
}

// Everything the server sends until it closes the connection.
std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string Exchange(int port, const std::string& raw) {
  int fd = Connect(port);
  SendAll(fd, raw);
  std::string out = ReadAll(fd);
  ::close(fd);
  return out;
}

std::string Post(int port, const std::string& path, const std::string& body) {
  return Exchange(port, "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
}

std::string Body(const std::string& response) { return response.substr(response.find("\r\n\r\n") + 4); }

// Echoes method, path and body.
HttpHandler Echo() {
  return [](const HttpRequest& req, HttpResponse& resp) {
    if (req.path == "/stream") {
      resp.Start(200, "text/plain");
      resp.Chunk("a");
      resp.Chunk("bc");
      resp.End();
      return;
    }
    resp.Send(200, "text/plain", req.method + " " + req.path + " " + req.body);
  };
}

}  // namespace

TEST_CASE("http server: bodies by length and chunked, keep-alive, chunked answers", "[server]") {
  HttpServerOptions o;
  o.port = 0;
  HttpServer server(o);
  REQUIRE(server.Listen().ok());
  server.Start(Echo());

  std::string r = Post(server.port(), "/x?y=1", "hello");
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(Body(r) == "POST /x hello");

  r = Exchange(server.port(),
               "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  CHECK(Body(r) == "POST /c abcde");

  // Two requests on one connection: both answered, the second closes it.
  r = Exchange(server.port(), "GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(r.find("GET /one ") != std::string::npos);
  CHECK(r.find("GET /two ") != std::string::npos);

  r = Exchange(server.port(), "GET /stream HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(r.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(Body(r) == "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n");
  server.Stop();
}

TEST_CASE("http server: a body over the limit is 413 in ksqlDB's error shape", "[server]") {
  HttpServerOptions o;
  o.port = 0;
  o.max_body_bytes = 10;
  HttpServer server(o);
  REQUIRE(server.Listen().ok());
  server.Start(Echo());
  std::string r = Post(server.port(), "/ksql", std::string(11, 'x'));
  CHECK(r.rfind("HTTP/1.1 413 ", 0) == 0);
  Result<JsonValue> j = ParseJson(Body(r));
  REQUIRE(j.ok());
  CHECK(j.value().Find("error_code")->number_text() == "41300");
  CHECK(j.value().Find("@type")->as_string() == "generic_error");
  CHECK(Body(Exchange(server.port(), "BAD\r\n\r\n")).find("\"error_code\":40000") != std::string::npos);
  server.Stop();
}

TEST_CASE("http server: a port in use is an error naming the address", "[server]") {
  HttpServerOptions o;
  o.port = 0;
  HttpServer first(o);
  REQUIRE(first.Listen().ok());
  o.port = first.port();
  HttpServer second(o);
  Status st = second.Listen();
  REQUIRE(!st.ok());
  CHECK(st.message() == "127.0.0.1:" + std::to_string(first.port()) + ": Address already in use");
}

TEST_CASE("rest api: basic authentication", "[server]") {
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  Engine engine(eo);
  EngineLoop loop(engine);
  ApiOptions ao;
  ao.users["alice"] = "s3cret";
  KsqlApi api(loop, ao);
  HttpServerOptions o;
  o.port = 0;
  HttpServer server(o);
  REQUIRE(server.Listen().ok());
  server.Start([&](const HttpRequest& req, HttpResponse& resp) { api.Handle(req, resp); });
  auto get = [&](const std::string& auth) {
    return Exchange(server.port(), "GET /info HTTP/1.1\r\nConnection: close\r\n" + auth + "\r\n");
  };
  // "alice:s3cret", "alice:s3cres", "bob:s3cret" in base64, worked out with Python's base64 module.
  CHECK(get("Authorization: Basic YWxpY2U6czNjcmV0\r\n").rfind("HTTP/1.1 200 ", 0) == 0);
  std::string r = get("");
  CHECK(r.rfind("HTTP/1.1 401 ", 0) == 0);
  CHECK(r.find("WWW-Authenticate: Basic realm=\"eddy\"") != std::string::npos);
  CHECK(Body(r) == R"({"@type":"generic_error","error_code":40100,"message":"Unauthorized"})");
  CHECK(get("Authorization: Basic YWxpY2U6czNjcmVz\r\n").rfind("HTTP/1.1 401 ", 0) == 0);
  CHECK(get("Authorization: Basic Ym9iOnMzY3JldA==\r\n").rfind("HTTP/1.1 401 ", 0) == 0);
  CHECK(get("Authorization: Basic !!!\r\n").rfind("HTTP/1.1 401 ", 0) == 0);
  server.Stop();
}

TEST_CASE("engine loop: work runs on the engine's thread; closed, it is refused", "[server]") {
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  Engine engine(eo);
  EngineLoop loop(engine);
  std::atomic<bool> stop{false};
  std::thread::id engine_thread;
  std::thread runner([&] {
    engine_thread = std::this_thread::get_id();
    while (!stop.load()) {
      loop.RunPending();
      loop.Wait(20);
    }
  });
  std::thread::id ran_on;
  CHECK(loop.Call([&](Engine&) { ran_on = std::this_thread::get_id(); }));
  CHECK(ran_on == engine_thread);
  loop.Close();
  bool ran = false;
  CHECK_FALSE(loop.Call([&](Engine&) { ran = true; }));
  CHECK_FALSE(ran);
  stop.store(true);
  runner.join();
}

TEST_CASE("rest api: statements, a pull query, a push query to its limit, errors", "[server]") {
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  Engine engine(eo);
  EngineLoop loop(engine);
  engine.set_row_callback(loop.Dispatcher(nullptr));
  KsqlApi api(loop, ApiOptions{});
  HttpServerOptions o;
  o.port = 0;
  HttpServer server(o);
  REQUIRE(server.Listen().ok());
  server.Start([&](const HttpRequest& req, HttpResponse& resp) { api.Handle(req, resp); });
  std::atomic<bool> stop{false}, engine_failed{false};
  std::thread runner([&] {  // Catch2's assertions are for the test's own thread only
    while (!stop.load()) {
      loop.RunPending();
      if (!engine.RunUntilIdle(loop.interrupt()).ok()) engine_failed.store(true);
      loop.Wait(20);
    }
  });
  const int port = server.port();

  std::string r = Post(port, "/ksql",
                       R"({"ksql": "CREATE STREAM S (K VARCHAR KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1); )"
                       R"(INSERT INTO S (K, V) VALUES ('a', 1); INSERT INTO S (K, V) VALUES ('b', 2); INSERT INTO S (K, V) VALUES ('a', 4); )"
                       R"(CREATE TABLE T AS SELECT K, SUM(V) AS TOTAL FROM S GROUP BY K;"})");
  Result<JsonValue> j = ParseJson(Body(r));
  REQUIRE(j.ok());
  REQUIRE(j.value().items().size() == 2);  // INSERT ... VALUES answers with no entity
  CHECK(j.value().items()[0].Find("commandStatus")->Find("message")->as_string() == "Stream created");
  CHECK(j.value().items()[0].Find("commandId")->as_string() == "stream/`S`/create");
  CHECK(j.value().items()[1].Find("commandStatus")->Find("queryId")->as_string().rfind("CTAS_T_", 0) == 0);

  // Pull: a = 1 + 4, b = 2; the key is marked KEY over a table.
  r = Post(port, "/query", R"({"ksql": "SELECT * FROM T;"})");
  j = ParseJson(Body(r));
  REQUIRE(j.ok());
  REQUIRE(j.value().items().size() == 3);
  CHECK(j.value().items()[0].Find("header")->Find("schema")->as_string() == "`K` STRING KEY, `TOTAL` INTEGER");
  CHECK(WriteJson(j.value().items()[1]) == R"({"row":{"columns":["a",5]}})");
  CHECK(WriteJson(j.value().items()[2]) == R"({"row":{"columns":["b",2]}})");

  // Push from the earliest offset, columns in SELECT order, to its LIMIT.
  r = Post(port, "/query-stream",
           R"({"sql": "SELECT V, K FROM S EMIT CHANGES LIMIT 2;", "properties": {"auto.offset.reset": "earliest"}})");
  CHECK(r.find("\"columnNames\":[\"V\",\"K\"]") != std::string::npos);
  CHECK(r.find("[1,\"a\"]\n") != std::string::npos);
  CHECK(r.find("[2,\"b\"]\n") != std::string::npos);
  CHECK(r.find("[4,\"a\"]") == std::string::npos);

  // Errors in ksqlDB's shape.
  r = Post(port, "/ksql", R"({"ksql": "SELECT * FROM S;"})");
  CHECK(r.rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(Body(r).find("\"error_code\":40002") != std::string::npos);
  r = Post(port, "/ksql", R"({"ksql": "DESCRIBE NOPE;"})");
  CHECK(Body(r).find("\"@type\":\"statement_error\",\"error_code\":40001") != std::string::npos);
  CHECK(Body(r).find("Could not find STREAM/TABLE 'NOPE' in the Metastore") != std::string::npos);
  r = Post(port, "/ksql", "not json");
  CHECK(Body(r).find("\"error_code\":40000") != std::string::npos);
  r = Exchange(port, "GET /nowhere HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(r.rfind("HTTP/1.1 404 ", 0) == 0);

  // Rows written through /inserts-stream reach the table.
  r = Post(port, "/inserts-stream", "{\"target\": \"S\"}\n{\"K\": \"b\", \"V\": 10}\n{\"k\": \"c\", \"v\": 3}\n");
  CHECK(Body(r) == "{\"status\":\"ok\",\"seq\":0}\n{\"status\":\"ok\",\"seq\":1}\n");
  r = Post(port, "/query", R"({"ksql": "SELECT TOTAL FROM T WHERE K = 'b';"})");
  CHECK(Body(r).find("{\"row\":{\"columns\":[12]}}") != std::string::npos);

  loop.Close();
  server.Stop();
  stop.store(true);
  runner.join();
  CHECK_FALSE(engine_failed.load());
}
