#pragma once

// The page each pod serves at `/`: connect as a user, send to a user, see
// what arrives and which pod holds the socket.

namespace ws_routing {

inline constexpr const char* page = R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>podshare ws-routing</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 40em; }
#log { border: 1px solid #ccc; padding: .5em; height: 20em; overflow-y: auto;
       font-family: monospace; white-space: pre-wrap; }
input { margin: .2em; }
</style></head>
<body>
<h1>ws-routing</h1>
<p>Connect as a user; send a message to any user connected to any pod.</p>
<form id="connect">
  user <input id="user" value="alice" size="10">
  <button>connect</button> <span id="state">not connected</span>
</form>
<form id="send">
  to <input id="to" value="bob" size="10">
  text <input id="text" value="hello" size="20">
  <button>send</button>
</form>
<div id="log"></div>
<script>
let ws = null;
const log = (x) => {
  const line = document.createElement('div');
  line.textContent = x;
  document.getElementById('log').prepend(line);
};
document.getElementById('connect').onsubmit = (e) => {
  e.preventDefault();
  if (ws) ws.close();
  const user = document.getElementById('user').value;
  ws = new WebSocket(`ws://${location.host}/ws?user=${encodeURIComponent(user)}`);
  ws.onopen = () => { document.getElementById('state').textContent = 'connected as ' + user; };
  ws.onclose = () => { document.getElementById('state').textContent = 'closed'; };
  ws.onmessage = (m) => {
    const x = JSON.parse(m.data);
    if (x.type === 'hello') log(`connected to ${x.pod} as ${x.user}`);
    else if (x.type === 'message') log(`${x.from}: ${x.text}`);
    else if (x.type === 'sent') log(`-> ${x.to}: delivered`);
    else log(`-> ${x.to || ''}: ${x.outcome || 'error'} (${x.reason})`);
  };
};
document.getElementById('send').onsubmit = (e) => {
  e.preventDefault();
  if (!ws || ws.readyState !== 1) { log('connect first'); return; }
  ws.send(JSON.stringify({to: document.getElementById('to').value,
                          text: document.getElementById('text').value}));
};
</script>
</body></html>
)html";

} // namespace ws_routing
