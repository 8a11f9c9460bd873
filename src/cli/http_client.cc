#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace bulwark::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

StatusOr<Url> ParseUrl(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
    u.port = "80";
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
    u.tls = true;
    u.port = "443";
  } else {
    return InvalidArgumentError("'" + url + "' must start with http:// or https://");
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.port = authority.substr(colon + 1);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return InvalidArgumentError("'" + url + "' has no host");
  u.host = authority;
  return u;
}

template <typename Stream>
StatusOr<HttpReply> Exchange(Stream& stream, const Url& u,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::empty_body> req(http::verb::get, u.target, 11);
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "bulwark");
  for (const auto& [name, value] : headers) req.set(name, value);
  beast::error_code ec;
  http::write(stream, req, ec);
  if (ec) return UnavailableError("sending to " + u.host + ": " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(stream, buffer, parser, ec);
  if (ec) return UnavailableError("reading from " + u.host + ": " + ec.message());
  return HttpReply{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

}  // namespace

StatusOr<HttpReply> HttpGet(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
  BW_ASSIGN_OR_RETURN(Url u, ParseUrl(url));
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return UnavailableError("cannot resolve " + u.host + ": " + ec.message());
  if (!u.tls) {
    beast::tcp_stream stream(io);
    stream.connect(endpoints, ec);
    if (ec)
      return UnavailableError("cannot connect to " + u.host + ":" + u.port + ": " + ec.message());
    return Exchange(stream, u, headers);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths(ec);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str())) {
    return UnavailableError("cannot set the TLS server name for " + u.host);
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(u.host));
  beast::get_lowest_layer(stream).connect(endpoints, ec);
  if (ec)
    return UnavailableError("cannot connect to " + u.host + ":" + u.port + ": " + ec.message());
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return UnavailableError("TLS with " + u.host + " failed: " + ec.message());
  return Exchange(stream, u, headers);
}

}  // namespace bulwark::cli
