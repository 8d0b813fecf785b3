// The inventory parsers read /proc and /sys texts that differ across kernels, distros
// and odd hardware: any input must parse or be skipped, never crash.
#include <cstdint>
#include <string_view>

#include "agent/inventory/parsers.h"

using namespace floe::agent::parsers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parseCpuinfoBlocks(text);
  auto meminfo = parseMeminfo(text);
  (void)meminfoBytes(meminfo, "MemTotal");
  (void)parseOsRelease(text);
  (void)parseProcMounts(text);
  (void)parseMountinfo(text);
  (void)unescapeMountField(text);
  (void)parseSwaps(text);
  (void)parseIpv4Routes(text);
  (void)parseIfInet6(text);
  if (auto cpus = parseCpuList(text)) (void)formatCpuList(*cpus);
  (void)parseProcCgroups(text);
  (void)parseNvidiaDriverVersion(text);
  if (size > 8) (void)lookupPciNames(text, text.substr(0, 4), text.substr(4, 4));
  return 0;
}
