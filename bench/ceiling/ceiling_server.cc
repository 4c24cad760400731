// ceiling_server: the "minimal HTTP server" that bench/http/run.sh puts beside `tessera serve`.
//
// It is built on the stack Tessera's server uses (Boost.Beast HTTP/1.1 over Asio C++20
// coroutines, one io_context run by N threads, one strand per connection, a reused flat_buffer
// and a request_parser with the same header/body limits per request, keep-alive as the client
// asks), and does no work at all: every request gets the same prebuilt 200 response
// (`{"status":"ok"}`, the body of Tessera's /healthz), written by const reference, so nothing
// is built, routed, logged or counted per request. Its req/s is the limit of this stack on
// this machine: Tessera's figures are read as a fraction of it.
//
// Deliberately absent (each would cost something Tessera pays): timeouts, connection limits,
// graceful drain, Date/Cache-Control headers, routing, metrics, error responses (a malformed
// request just closes the connection). Never expose it: it is a benchmark fixture.
//
//   ceiling_server [--listen ADDR:PORT] [--threads N] [--per-thread-contexts] [--timeouts]
//                  [--raw-write] [--sign-es256]
//     --listen               default 127.0.0.1:0 (port 0: the kernel picks a free one)
//     --threads              I/O threads; default 0 = std::thread::hardware_concurrency(),
//                            the same default as `tessera serve --threads`
//   Ablations (off for the ceiling; each shows what one choice costs, see bench/README.md):
//     --per-thread-contexts  one io_context per thread (sockets dealt round-robin, no strands)
//                            instead of Tessera's one shared io_context
//     --timeouts             per-operation timeouts, as Tessera had them before its deadline
//                            sweep: a beast::tcp_stream with expires_after() before every
//                            read and write
//     --raw-write            the response as bytes serialized once at start, written with
//                            asio::async_write, instead of Beast's serializer per request
//   A second limit (not an ablation):
//     --sign-es256           before each answer, one raw ES256 signature (SHA-256 + ECDSA
//                            P-256 with OpenSSL's EVP_PKEY_sign on a context each thread
//                            initialises once: jose_bench's BM_Raw_Sign/ES256/EVP_kept) of a
//                            fixed access-token-sized signing input; the signature is dropped
//                            and the same prebuilt answer written. Its req/s is what this stack
//                            reaches on an endpoint whose only work is one signature: the limit
//                            of the OAuth token endpoint in the same process and on the same
//                            cores, where the ES256 sign limit alone leaves the HTTP work out.
//
// Prints "listening on http://ADDR:PORT" (flushed) once it accepts, like `tessera serve`, and
// runs until SIGINT/SIGTERM.
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

// Errors come back as values, never as exceptions (as in src/http).
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// The limits Tessera's server applies per request (src/http/limits.h defaults).
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 64 * 1024;

using Response = bhttp::response<bhttp::string_body>;

struct Mode {
  bool timeouts = false;     // --timeouts
  bool raw_write = false;    // --raw-write
  EVP_PKEY* sign = nullptr;  // --sign-es256: the P-256 key every answer signs with, else null
};

// --sign-es256: an access-token-sized JWS signing input (base64url header "." payload): 330
// bytes, about what jose_bench's sign limit signs; Tessera's client_credentials token signs
// about 430 (one SHA-256 block more, a fraction of a microsecond).
const std::string kSigningInput(330, 'e');

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

// One raw ES256 signature of kSigningInput with `key`, on this thread's context (initialised
// on its first call). Exits on failure: a fixture that cannot sign measures nothing.
void sign_once(EVP_PKEY* key) {
  thread_local std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx;
  if (!ctx) {
    ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) {
      std::cerr << "ceiling_server: cannot initialise the ES256 signing context\n";
      std::_Exit(1);
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  unsigned char signature[80];  // DER ECDSA P-256: at most 72 bytes
  std::size_t signature_len = sizeof signature;
  if (EVP_Digest(kSigningInput.data(), kSigningInput.size(), digest, &digest_len, EVP_sha256(),
                 nullptr) != 1 ||
      EVP_PKEY_sign(ctx.get(), signature, &signature_len, digest, digest_len) != 1) {
    std::cerr << "ceiling_server: ES256 signature failed\n";
    std::_Exit(1);
  }
}

// The two answers, built once: one that keeps the connection, one that closes it; also as
// the bytes Beast would write for them (for --raw-write).
struct Answers {
  Response keep_alive;
  Response close;
  std::string keep_alive_bytes;
  std::string close_bytes;
};

Response make_answer(bool keep_alive) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = R"({"status":"ok"})";
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

std::string serialized(const Response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

// Tessera's timeout values (src/http/limits.h defaults), for the --timeouts ablation.
constexpr std::chrono::seconds kReadTimeout{30};
constexpr std::chrono::seconds kWriteTimeout{30};

// One connection: read a request (Beast's parser, the same limits as Tessera), write the
// prebuilt answer, repeat while the client keeps the connection alive. Stream is the plain
// socket, or a beast::tcp_stream for --timeouts.
template <class Stream>
asio::awaitable<void> serve_on(Stream& stream, const Answers& answers, Mode mode) {
  constexpr bool kTimed = std::is_same_v<Stream, beast::tcp_stream>;
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    if constexpr (kTimed) stream.expires_after(kReadTimeout);
    auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
    if (ec) break;  // peer closed, or not HTTP: nothing to answer in a fixture
    const bool keep_alive = parser.get().keep_alive();
    if (mode.sign != nullptr) sign_once(mode.sign);
    if constexpr (kTimed) stream.expires_after(kWriteTimeout);
    if (mode.raw_write) {
      const std::string& bytes = keep_alive ? answers.keep_alive_bytes : answers.close_bytes;
      std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(bytes), kNoThrow);
    } else {
      std::tie(ec, n) = co_await bhttp::async_write(
          stream, keep_alive ? answers.keep_alive : answers.close, kNoThrow);
    }
    if (ec || !keep_alive) break;
  }
}

asio::awaitable<void> serve(tcp::socket socket, const Answers& answers, Mode mode) {
  beast::error_code ignored;
  if (mode.timeouts) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve_on(stream, answers, mode);
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
  } else {
    co_await serve_on(socket, answers, mode);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }
}

// Accepts forever; each connection runs on `pick()`'s executor.
template <class PickExecutor>
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Answers& answers, Mode mode,
                                  PickExecutor pick) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(pick(), kNoThrow);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. EMFILE under a connection storm: try the next one
    // No TCP_NODELAY: Tessera's server does not set it either (each response is one write).
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket), answers, mode), asio::detached);
  }
}

struct Args {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  unsigned threads = 0;
  bool per_thread_contexts = false;
  bool sign_es256 = false;
  Mode mode;
};

[[noreturn]] void usage(std::string_view error) {
  std::cerr << "ceiling_server: " << error << "\n"
            << "usage: ceiling_server [--listen ADDR:PORT] [--threads N] [--per-thread-contexts]"
               " [--timeouts] [--raw-write] [--sign-es256]\n";
  std::exit(2);
}

template <class T>
T parse_number(std::string_view s, std::string_view what) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) usage("bad " + std::string(what));
  return value;
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--listen") {
      std::string_view v = value();
      std::size_t colon = v.rfind(':');
      if (colon == std::string_view::npos) usage("--listen wants ADDR:PORT");
      std::string_view host = v.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      args.host = std::string(host);
      args.port = parse_number<std::uint16_t>(v.substr(colon + 1), "port");
    } else if (a == "--threads") {
      args.threads = parse_number<unsigned>(value(), "thread count");
    } else if (a == "--per-thread-contexts") {
      args.per_thread_contexts = true;
    } else if (a == "--timeouts") {
      args.mode.timeouts = true;
    } else if (a == "--raw-write") {
      args.mode.raw_write = true;
    } else if (a == "--sign-es256") {
      args.sign_es256 = true;
    } else {
      usage("unknown argument " + std::string(a));
    }
  }
  if (args.threads == 0) args.threads = std::max(1u, std::thread::hardware_concurrency());
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> sign_key(nullptr, &EVP_PKEY_free);
  if (args.sign_es256) {
    sign_key.reset(EVP_EC_gen("P-256"));
    if (!sign_key) {
      std::cerr << "ceiling_server: cannot generate a P-256 key\n";
      return 1;
    }
    args.mode.sign = sign_key.get();
  }
  Answers answers{make_answer(true), make_answer(false), {}, {}};
  answers.keep_alive_bytes = serialized(answers.keep_alive);
  answers.close_bytes = serialized(answers.close);

  // Shared model (Tessera's): one io_context, N threads, a strand per connection.
  // Per-thread model: N io_contexts with one thread each; the acceptor lives on the first.
  const std::size_t n_contexts = args.per_thread_contexts ? args.threads : 1;
  const int hint = args.per_thread_contexts ? 1 : static_cast<int>(args.threads);
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (std::size_t i = 0; i < n_contexts; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(hint));
  }
  asio::io_context& first = *contexts.front();

  beast::error_code ec;
  auto address = asio::ip::make_address(args.host, ec);
  if (ec) usage("--listen needs an IP address, not '" + args.host + "'");
  tcp::endpoint endpoint(address, args.port);
  tcp::acceptor acceptor(asio::make_strand(first));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  tcp::endpoint bound = ec ? tcp::endpoint{} : acceptor.local_endpoint(ec);
  if (ec) {
    std::cerr << "ceiling_server: cannot listen on " << args.host << ":" << args.port << ": "
              << ec.message() << "\n";
    return 2;
  }

  asio::signal_set signals(first, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code& error, int) {
    if (error) return;
    for (auto& c : contexts) c->stop();
  });

  if (args.per_thread_contexts) {
    std::size_t next = 0;
    asio::co_spawn(acceptor.get_executor(),
                   accept_loop(acceptor, answers, args.mode,
                               [&] { return contexts[next++ % contexts.size()]->get_executor(); }),
                   asio::detached);
  } else {
    asio::co_spawn(
        acceptor.get_executor(),
        accept_loop(acceptor, answers, args.mode, [&] { return asio::make_strand(first); }),
        asio::detached);
  }

  const auto& ip = bound.address();
  std::cout << "listening on http://" << (ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string())
            << ":" << bound.port() << std::endl;

  // Keep per-thread contexts alive while they have no connection yet.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.push_back(asio::make_work_guard(*c));

  std::vector<std::jthread> threads;
  for (unsigned i = 1; i < args.threads; ++i) {
    asio::io_context& c = *contexts[i % contexts.size()];
    threads.emplace_back([&c] { c.run(); });
  }
  first.run();
  for (auto& c : contexts) c->stop();
  return 0;
}
