// The join token parser sees text pasted by people and sent by anyone who can reach
// the head: it must reject garbage without crashing, and round-trip what it accepts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "floe/token/join_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = floe::token::parseJoinToken(text);
  if (parsed.isOk()) {
    // What parses must format back to exactly the same text.
    if (parsed->format() != text) std::abort();
    // The secret never appears in the redacted form.
    if (parsed->redacted().find(parsed->secret) != std::string::npos) std::abort();
  } else if (parsed.status().message().rfind("malformed join token: ", 0) != 0) {
    // Refusals come from fixed templates that never echo the (possibly secret) input.
    std::abort();
  }
  return 0;
}
