// File helpers that return errors as values and never leave half-written files.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "floe/common/status.h"

namespace floe {

Result<std::string> readFile(const std::filesystem::path& path);

// Writes to a temporary file in the same directory, fsyncs it, sets `mode`, then renames
// it over `path` and fsyncs the directory: a crash leaves either the old or the new file.
Status writeFileAtomically(const std::filesystem::path& path, std::string_view content,
                           std::filesystem::perms mode);

// Creates `dir` (and parents) if missing and sets its mode.
Status ensureDirectory(const std::filesystem::path& dir, std::filesystem::perms mode);

}  // namespace floe
