#include "podshare/net/redis/resp.hpp"

#include "podshare/error.hpp"

#include <hiredis/hiredis.h>

#include <cstdlib>
#include <initializer_list>
#include <new>

namespace podshare::net::redis {

namespace {

reply convert(const redisReply& in) {
  reply out;
  switch (in.type) {
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(in.str, in.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(in.str, in.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = in.integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(in.str, in.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(in.elements);
      for (size_t i = 0; i < in.elements; ++i)
        out.elements.push_back(convert(*in.element[i]));
      break;
    default: out.type = reply::kind::nil;
  }
  return out;
}

} // namespace

bool reply::is_push(std::string_view word) const {
  return type == kind::array && !elements.empty()
         && elements.front().type == kind::string
         && elements.front().str == word;
}

void append_command(bytes& out, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (auto arg : args) {
    argv.push_back(arg.data());
    argvlen.push_back(arg.size());
  }
  char* command = nullptr;
  auto len = redisFormatCommandArgv(&command, static_cast<int>(argv.size()),
                                    argv.data(), argvlen.data());
  if (len < 0)
    throw std::bad_alloc{};
  auto first = reinterpret_cast<const uint8_t*>(command);
  out.insert(out.end(), first, first + len);
  redisFreeCommand(command);
}

reply_reader::reply_reader() : reader_(redisReaderCreate()) {
  if (reader_ == nullptr)
    throw std::bad_alloc{};
  // `maxbuf` (hiredis's default, 16 KB) caps no message: it is how much
  // idle buffer the reader keeps once a reply is consumed.
}

void reply_reader::release_idle_buffer() {
  // hiredis frees an idle buffer only when more data comes; a snapshot's
  // GET on a quiet link would keep its megabytes until then.
  // Between replies a reader holds nothing else: a new one replaces it.
  if (reader_->len == 0 && reader_->ridx == -1
      && sdsavail(reader_->buf) > reader_->maxbuf) {
    auto* fresh = redisReaderCreate();
    if (fresh == nullptr)
      throw std::bad_alloc{};
    redisReaderFree(reader_);
    reader_ = fresh;
  }
}

reply_reader::~reply_reader() {
  redisReaderFree(reader_);
}

void reply_reader::feed(const char* data, size_t size) {
  redisReaderFeed(reader_, data, size);
}

caf::expected<std::unique_ptr<reply>> reply_reader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK)
    return caf::make_error(ec::transport_failed,
                           std::string{"redis protocol error: "}
                             + reader_->errstr);
  if (raw == nullptr) {
    release_idle_buffer();
    return std::unique_ptr<reply>{};
  }
  auto result
    = std::make_unique<reply>(convert(*static_cast<redisReply*>(raw)));
  freeReplyObject(raw);
  return result;
}

} // namespace podshare::net::redis
