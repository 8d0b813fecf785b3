#include "agent/run/resident_trim.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace floe::agent {
namespace {

constexpr const char* kSelfSmaps = "/proc/self/smaps";

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool candidate = false;  // file-backed, private, not writable
  bool modified = false;   // any private dirty or anonymous page: must be kept
};

bool isMappingHeader(const std::string& line) {
  // Headers start with "start-end "; field lines start with a capitalised key.
  size_t dash = line.find('-');
  return dash != std::string::npos && dash > 0 && std::isxdigit(static_cast<unsigned char>(line[0])) &&
         line.find(':') > line.find(' ');
}

std::vector<Mapping> readMappings() {
  std::ifstream smaps(kSelfSmaps);
  std::vector<Mapping> mappings;
  std::string line;
  while (std::getline(smaps, line)) {
    if (isMappingHeader(line)) {
      std::istringstream fields(line);
      std::string range, perms, offset, device, inode, path;
      fields >> range >> perms >> offset >> device >> inode >> path;
      Mapping mapping;
      size_t dash = range.find('-');
      mapping.start = std::stoull(range.substr(0, dash), nullptr, 16);
      mapping.end = std::stoull(range.substr(dash + 1), nullptr, 16);
      mapping.candidate = !path.empty() && path.front() == '/' && perms.size() >= 4 && perms[1] == '-' &&
                          perms[3] == 'p';
      mappings.push_back(mapping);
      continue;
    }
    if (mappings.empty()) continue;
    // A read-only mapping can still hold private dirty pages: RELRO, the relocated
    // pointers made read-only after start-up. Dropping those would lose the relocations.
    for (const char* key : {"Private_Dirty:", "Anonymous:", "Shared_Dirty:"}) {
      if (line.rfind(key, 0) == 0) {
        std::istringstream value(line.substr(std::string(key).size()));
        uint64_t kilobytes = 0;
        value >> kilobytes;
        if (kilobytes != 0) mappings.back().modified = true;
      }
    }
  }
  return mappings;
}

}  // namespace

size_t trimResidentCode() {
  size_t advised = 0;
  for (const Mapping& mapping : readMappings()) {
    if (!mapping.candidate || mapping.modified) continue;
    void* address = reinterpret_cast<void*>(mapping.start);
    size_t length = mapping.end - mapping.start;
    madvise(address, length, MADV_RANDOM);
    // Clean private file pages: dropping them only unmaps; the next access re-reads
    // the page from the page cache.
    if (madvise(address, length, MADV_DONTNEED) == 0) advised += length;
  }
  malloc_trim(0);
  return advised;
}

}  // namespace floe::agent
