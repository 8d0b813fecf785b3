#include "floe/k8s/line_splitter.h"

namespace floe::k8s {
namespace {

std::string_view withoutCarriageReturn(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

Status LineSplitter::feed(std::string_view chunk, const LineHandler& onLine, bool& stopped) {
  stopped = false;
  while (!chunk.empty()) {
    size_t newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (partial_.size() + chunk.size() > maxLine_) {
        return resourceExhausted("a streamed line exceeds " + std::to_string(maxLine_) + " bytes");
      }
      partial_.append(chunk);
      return Status::ok();
    }
    std::string_view piece = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    std::string_view line;
    if (partial_.empty()) {
      line = piece;  // the common case: no copy
    } else {
      partial_.append(piece);
      line = partial_;
    }
    if (line.size() > maxLine_) {
      return resourceExhausted("a streamed line exceeds " + std::to_string(maxLine_) + " bytes");
    }
    line = withoutCarriageReturn(line);
    bool keepGoing = line.empty() || onLine(line);
    partial_.clear();
    if (!keepGoing) {
      stopped = true;
      return Status::ok();
    }
  }
  return Status::ok();
}

void LineSplitter::finish(const LineHandler& onLine) {
  std::string_view line = withoutCarriageReturn(partial_);
  if (!line.empty()) onLine(line);
  partial_.clear();
}

}  // namespace floe::k8s
