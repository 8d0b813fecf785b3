#include "bootstrap/checksums.h"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <fstream>
#include <memory>

#include "floe/common/crypto.h"

namespace floe::bootstrap {
namespace {

constexpr size_t kDigestHexLength = 64;
constexpr size_t kReadChunk = 1 << 20;

bool isLowerHex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> parseChecksumList(std::string_view text) {
  std::map<std::string, std::string> out;
  size_t lineNumber = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++lineNumber;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](std::string_view why) {
      return invalidArgument("line " + std::to_string(lineNumber) + ": " + std::string(why) +
                             " (expected '<sha256 hex>  <file name>')");
    };
    if (line.size() < kDigestHexLength + 2 || !isLowerHex(line.substr(0, kDigestHexLength)) ||
        line[kDigestHexLength] != ' ') {
      return bad("not a SHA-256 checksum line");
    }
    std::string_view name = line.substr(kDigestHexLength + 1);
    // sha256sum writes "  name" (text mode) or " *name" (binary mode).
    if (!name.empty() && (name.front() == ' ' || name.front() == '*')) name.remove_prefix(1);
    if (name.empty()) return bad("no file name");
    if (name.front() == '/' || name.find("..") != std::string_view::npos) {
      return bad("file name '" + std::string(name) + "' leaves the bundle directory");
    }
    if (!out.emplace(std::string(name), lower(line.substr(0, kDigestHexLength))).second) {
      return bad("'" + std::string(name) + "' is listed twice");
    }
  }
  return out;
}

Result<std::string> sha256OfFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ioError("cannot open " + file.string() + " to check its checksum");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return internalError("OpenSSL could not start a SHA-256 digest");
  }
  std::string buffer(kReadChunk, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    auto got = static_cast<size_t>(in.gcount());
    if (got > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), got) != 1) {
      return internalError("OpenSSL SHA-256 update failed");
    }
  }
  if (in.bad()) return ioError("reading " + file.string() + " failed");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1) return internalError("OpenSSL SHA-256 final failed");
  return toHex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

Status verifyChecksum(const std::filesystem::path& file, std::string_view expectedHex) {
  FLOE_ASSIGN_OR_RETURN(std::string actual, sha256OfFile(file));
  if (actual != lower(expectedHex)) {
    return failedPrecondition("checksum mismatch for " + file.string() + ": expected " + std::string(expectedHex) +
                              ", found " + actual + "; the file is corrupt or was replaced, fetch it again");
  }
  return Status::ok();
}

}  // namespace floe::bootstrap
