// A pod in its own process for the multi-process p2p tests: opens one topic
// on a p2p transport and answers line commands on stdin, one reply line
// each, so a test can drive it, kill it and start it again.
//
//   p2p_pod NAME PORT TOPIC [PEER,PEER...] [CA CERT KEY]
//
//   set K V     -> ok | error ...
//   erase K     -> ok | error ...
//   get K       -> value V | none
//   dump        -> dump K=V;K=V;...   (sorted)
//   peers       -> peers NAME,NAME... (connected)
//   quit        -> bye, then exits

#include "podshare/net/p2p/configure.hpp"
#include "podshare/net/p2p/transport.hpp"
#include "podshare/store.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>
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

} // namespace

int main(int argc, char** argv) {
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
  std::cout << "ready " << transport->port << std::endl;
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
  caf::anon_send(transport->actor, close_atom::value);
  std::cout << "bye" << std::endl;
  return 0;
}
