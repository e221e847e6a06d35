# Writes a C++ source that returns the contents of IN as a string, for files
# served from memory (the web page): cmake -DIN=file -DOUT=source.cpp
# -DFUNCTION=qualified::name -DHEADER=header.hpp -P PodshareEmbed.cmake
file(READ "${IN}" content)
string(REPLACE ")PODSHARE_EMBED\"" "" content "${content}")
file(WRITE "${OUT}"
  "// Generated from ${IN} by cmake/PodshareEmbed.cmake: do not edit.\n"
  "#include \"${HEADER}\"\n\n"
  "const std::string& ${FUNCTION}() {\n"
  "  static const std::string content = R\"PODSHARE_EMBED(${content})PODSHARE_EMBED\";\n"
  "  return content;\n"
  "}\n")
