// A pod in its own process for the multi-process p2p tests: opens one topic
// on a p2p transport and answers line commands on stdin, one reply line
// each, so a test can drive it, kill it and start it again.
//
//   p2p_pod NAME PORT TOPIC [PEER,PEER...] [CA CERT KEY]
//
//   prints "ready PORT CLIENT_PORT" (the port peers dial and the one remote
//   CAF clients use), then answers:
//
//   set K V     -> ok | error ...
//   erase K     -> ok | error ...
//   get K       -> value V | none
//   dump        -> dump K=V;K=V;...   (sorted)
//   peers       -> peers NAME,NAME... (connected)
//   quit        -> bye, then exits
//
//   p2p_pod --client PORT TOPIC   a CAF client that is not a pod: it
//                                 fetches a typed handle to the store of
//                                 TOPIC at the client port 127.0.0.1:PORT
//
//   get K       -> value V | none
//   set K V     -> ok | error ...
//   watch P     -> ok             (events of keys with prefix P)
//   seen        -> seen K,K,...   (keys of the events watched so far)
//   quit        -> bye, then exits

#include "podshare/net/close_transport.hpp"
#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/spawn.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

using namespace podshare;

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty())
      out.push_back(item);
  return out;
}

struct pod_config : caf::actor_system_config {
  caf::error error;
};

std::string decode(const bytes& x) {
  auto v = msgpack_codec<std::string>::decode(x.data(), x.size());
  return v ? *v : std::string{"<undecodable>"};
}

// The client mode: the store interface over the network, no pod here.
int client(uint16_t port, const std::string& topic) {
  pod_config cfg;
  net::add_p2p_types(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto entry
    = sys.middleman().remote_actor<net::p2p_entry_actor>("127.0.0.1", port);
  if (!entry) {
    std::cerr << sys.render(entry.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  store_actor remote;
  self
    ->request(*entry, std::chrono::seconds{10}, net::get_store_atom::value,
              topic)
    .receive([&](store_actor& x) { remote = std::move(x); },
             [&](caf::error& err) { std::cerr << describe(err) << "\n"; });
  if (!remote)
    return 1;
  auto seen_mtx = std::make_shared<std::mutex>();
  auto seen = std::make_shared<std::vector<std::string>>();
  auto watcher = sys.spawn([=]() -> watcher_actor::behavior_type {
    return {
      [=](event_atom, watch_id, const event_batch& xs) {
        std::lock_guard<std::mutex> guard{*seen_mtx};
        for (auto& x : xs.events())
          seen->push_back(x.key);
      },
      [](watch_end_atom, watch_id, watch_end) {},
    };
  });
  std::cout << "ready" << std::endl;
  std::string line;
  auto timeout = std::chrono::seconds{10};
  while (std::getline(std::cin, line)) {
    auto words = split(line, ' ');
    if (words.empty())
      continue;
    std::string out = "error bad command";
    if (words[0] == "get" && words.size() == 2) {
      self->request(remote, timeout, get_atom::value, words[1])
        .receive(
          [&](podshare::entry& x) {
            out = x.tombstone ? "none" : "value " + decode(x.value);
          },
          [&](caf::error& err) { out = "error " + describe(err); });
    } else if (words[0] == "set" && words.size() == 3) {
      auto v = msgpack_codec<std::string>::encode(words[2]);
      self
        ->request(remote, timeout, set_atom::value,
                  write_item{words[1], *v, nullptr})
        .receive([&](version&) { out = "ok"; },
                 [&](caf::error& err) { out = "error " + describe(err); });
    } else if (words[0] == "watch" && words.size() == 2) {
      self
        ->request(remote, timeout, watch_atom::value,
                  watch_filter::prefix(words[1]), watcher)
        .receive([&](watch_id) { out = "ok"; },
                 [&](caf::error& err) { out = "error " + describe(err); });
    } else if (words[0] == "seen") {
      std::lock_guard<std::mutex> guard{*seen_mtx};
      out = "seen ";
      for (auto& k : *seen)
        out += k + ",";
    } else if (words[0] == "quit") {
      break;
    }
    std::cout << out << std::endl;
  }
  // The pod knows the watcher: only an exit lets this system shut down.
  self->send_exit(watcher, caf::exit_reason::user_shutdown);
  std::cout << "bye" << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string{argv[1]} == "--client")
    return client(static_cast<uint16_t>(std::stoi(argv[2])), argv[3]);
  if (argc != 4 && argc != 5 && argc != 8) {
    std::cerr << "usage: p2p_pod NAME PORT TOPIC [PEERS] [CA CERT KEY]\n";
    return 2;
  }
  // Logs go to stderr: stdout carries the replies.
  spdlog::set_default_logger(spdlog::stderr_color_mt("p2p_pod"));
  net::p2p_tls tls;
  if (argc == 8)
    tls = {argv[5], argv[6], argv[7], {}};
  pod_config cfg;
  if (auto err = net::configure_p2p(cfg, tls)) {
    std::cerr << describe(err) << "\n";
    return 1;
  }
  caf::actor_system sys{cfg};
  net::p2p_config pcfg;
  pcfg.name = argv[1];
  pcfg.port = static_cast<uint16_t>(std::stoi(argv[2]));
  pcfg.backoff_min = std::chrono::milliseconds{50};
  pcfg.backoff_max = std::chrono::milliseconds{500};
  pcfg.client_port = 0;
  if (argc >= 5)
    pcfg.peers = split(argv[4], ',');
  auto transport = net::spawn_p2p_transport(sys, pcfg);
  if (!transport) {
    std::cerr << describe(transport.error()) << "\n";
    return 1;
  }
  options opts;
  opts.node_id = pcfg.name;
  auto s = store<std::string>::open(sys, argv[3], transport->transport(), opts);
  if (!s) {
    std::cerr << describe(s.error()) << "\n";
    return 1;
  }
  std::cout << "ready " << transport->port << " " << transport->client_port
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    auto words = split(line, ' ');
    if (words.empty())
      continue;
    auto& cmd = words[0];
    if (cmd == "set" && words.size() == 3) {
      auto res = s->set(words[1], words[2]);
      std::cout << (res ? "ok" : "error " + describe(res.error())) << std::endl;
    } else if (cmd == "erase" && words.size() == 2) {
      auto res = s->erase(words[1]);
      std::cout << (res ? "ok" : "error " + describe(res.error())) << std::endl;
    } else if (cmd == "get" && words.size() == 2) {
      auto x = s->get(words[1]);
      std::cout << (x ? "value " + *x : std::string{"none"}) << std::endl;
    } else if (cmd == "dump") {
      auto snap = s->snapshot();
      std::map<std::string, std::string> sorted(snap.begin(), snap.end());
      std::string out = "dump ";
      for (auto& [k, v] : sorted)
        out += k + "=" + v + ";";
      std::cout << out << std::endl;
    } else if (cmd == "peers") {
      caf::scoped_actor self{sys};
      std::string out = "peers ";
      self
        ->request(transport->actor, std::chrono::seconds{10},
                  net::peers_atom::value)
        .receive(
          [&](std::vector<net::p2p_peer>& xs) {
            for (auto& x : xs)
              if (x.connected)
                out += x.name + ",";
          },
          [&](caf::error& err) { out += "error " + describe(err); });
      std::cout << out << std::endl;
    } else if (cmd == "quit") {
      break;
    } else {
      std::cout << "error unknown command" << std::endl;
    }
  }
  s->close();
  net::close_transport(sys, transport->transport());
  std::cout << "bye" << std::endl;
  return 0;
}
