// Splits a byte stream into newline-terminated lines (a watch body is one JSON object
// per line, but network chunks cut anywhere).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "floe/common/status.h"
#include "floe/k8s/transport.h"

namespace floe::k8s {

class LineSplitter {
 public:
  // A line longer than maxLine is an error: it bounds memory against a broken server.
  explicit LineSplitter(size_t maxLine) : maxLine_(maxLine) {}

  // Passes each completed line (without "\n" or "\r\n"; empty lines skipped) to onLine.
  // Returns an error when a line is too long; sets `stopped` when onLine returned false.
  Status feed(std::string_view chunk, const LineHandler& onLine, bool& stopped);

  // The body ended: a final line without a newline still counts.
  void finish(const LineHandler& onLine);

 private:
  size_t maxLine_;
  std::string partial_;
};

}  // namespace floe::k8s
