#pragma once

#include <string>

namespace podshare::http {

/// The web page of a pod (`page/index.html`, built in): one self-contained
/// file that talks to the store API and loads nothing from the internet.
const std::string& web_page();

} // namespace podshare::http
