// SHA-256 checksum lists in `sha256sum` format ("<64 hex>  <name>"), as shipped in the
// airgap bundle, and verification of files against them.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe::bootstrap {

// name -> lowercase hex digest. Rejects malformed lines, absolute or ".." names and
// duplicates, naming the line.
Result<std::map<std::string, std::string>> parseChecksumList(std::string_view text);

// Streams the file (images archives are gigabytes) through SHA-256.
Result<std::string> sha256OfFile(const std::filesystem::path& file);

// Ok when the file's digest equals `expectedHex`; otherwise says which file, what was
// expected and what was found.
Status verifyChecksum(const std::filesystem::path& file, std::string_view expectedHex);

}  // namespace floe::bootstrap
