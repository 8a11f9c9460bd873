// HttpServer: Bulwark's HTTP/1.1 server (Boost.Beast), plain or TLS, serving a Router.
//
// Connections are asynchronous, kept alive between requests, and each runs on its own strand
// of an io_context served by `io_threads` threads. Handlers may block (database calls), so they
// run on a separate pool of `worker_threads`, and the response is handed back to the
// connection's strand to be written. Routes marked Execution::kBlocking (password hashing) run
// on a pool of their own, `blocking_threads`, so they cannot occupy the request workers. The
// worker pool is best sized to the cores when the database is local (bench/api: more threads
// only add context switches); a remote PostgreSQL, where handlers wait on the network, wants
// more. Routes marked Execution::kLongRunning (the model gateway, which waits on
// a lab's API) run on a large pool of their own, `long_running_threads`; their handlers may
// stream the response body (HttpResponse::stream): the status and headers go out first, then
// each chunk as the handler writes it, with Transfer-Encoding: chunked; a client that goes away
// meanwhile is noticed at once (BodyWriter::OnClientGone). Slow clients cannot hold the server:
// reading a header, reading a body, writing a response or a chunk and waiting between
// keep-alive requests each have a timeout.
//
// For every request the server
//   - answers 404 / 405 (with Allow) itself when no route matches, 413 when the body is larger
//     than `body_limit`, and 400 for malformed HTTP, all in the JSON error envelope;
//   - sets X-Request-Id (the client's own when it is sane, see IsSaneRequestId, else "req_..."),
//     X-Content-Type-Options: nosniff and, unless the handler set one, Cache-Control: no-store;
//   - answers HEAD like GET without the body;
//   - writes one JSON access-log line (when `access_log`) and records the
//     bulwark_http_requests_total, bulwark_http_request_duration_seconds,
//     bulwark_http_connections_open and bulwark_http_requests_in_flight metrics, labelled by route
//     pattern ("unmatched" when none matched).
//
// Shutdown() drains: it stops accepting, closes idle connections, lets requests in flight finish
// and be written (with Connection: close) for up to `drain_timeout`, then stops.
//
// Thread-safety: Start, Shutdown, Wait and RunUntilSignal may be called from any thread; the
// Router and Metrics must outlive the server, and the Router must not change after Start.
//
// Example:
//   Router router;
//   router.Add("GET", "/healthz", [](HttpRequest&) { return JsonResponse(200, {{"ok", true}}); });
//   Metrics metrics;
//   HttpServer server({.address = "0.0.0.0", .port = 8080}, router, metrics);
//   BW_RETURN_IF_ERROR(server.Start());
//   server.RunUntilSignal();  // returns after SIGTERM/SIGINT and a drained shutdown
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/metrics.h"
#include "api/router.h"
#include "base/clock.h"
#include "base/status.h"

namespace bulwark::api {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; see HttpServer::port()
  int io_threads = 2;
  int worker_threads = 2;
  int blocking_threads = 2;                // for Execution::kBlocking routes
  int long_running_threads = 64;           // for Execution::kLongRunning routes
  size_t body_limit = 10 * 1024 * 1024;    // bytes, Content-Length or chunked
  size_t header_limit = 16 * 1024;         // bytes of request line and headers; larger is 431
  Duration header_timeout = Seconds(30);   // from the first byte of a request to its last header
  Duration idle_timeout = Seconds(60);     // between requests on a kept-alive connection
  Duration request_timeout = Seconds(60);  // to read a body, and again to write a response
  // TLS when both are set: PEM certificate chain and PEM private key.
  std::string tls_cert_file{};
  std::string tls_key_file{};
  Duration drain_timeout = Seconds(30);  // how long Shutdown() waits for requests in flight
  bool access_log = true;
};

class HttpServer {
 public:
  // REQUIRES: `router` and `metrics` outlive the server.
  HttpServer(HttpServerOptions options, Router& router, Metrics& metrics);
  // Shuts down (draining) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts serving. Raises the RLIMIT_NOFILE soft limit to the hard limit.
  // Errors: InvalidArgument for a bad address or unreadable / mismatched TLS files, Unavailable
  // when the address is in use, FailedPrecondition when called twice.
  Status Start();

  // The port actually bound (useful with options.port == 0). REQUIRES: Start() succeeded.
  uint16_t port() const;

  // Stops accepting, closes idle connections, waits up to drain_timeout for requests in flight
  // to be answered, closes whatever remains and stops all threads. Logs "shutting down" and
  // "stopped". Idempotent; concurrent callers all return once the server has stopped.
  void Shutdown();

  // Blocks until the server has stopped (after Shutdown() from another thread). Returns at once
  // if the server was never started.
  void Wait();

  // Blocks until SIGTERM or SIGINT arrives (then shuts down) or until Shutdown() is called
  // elsewhere, and returns once the server has stopped. For the CLI's serve command.
  void RunUntilSignal();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulwark::api
