#include "base64.h"

#include <array>
#include <cstdint>

namespace floe::k8s {
namespace {

constexpr int kInvalid = -1;
constexpr int kPad = -2;

constexpr std::array<int, 256> makeTable() {
  std::array<int, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  table['='] = kPad;
  return table;
}

constexpr std::array<int, 256> kTable = makeTable();

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text) {
  std::string symbols;
  symbols.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r') symbols.push_back(c);
  }
  if (symbols.size() % 4 != 0) return std::nullopt;

  std::string out;
  out.reserve(symbols.size() / 4 * 3);
  for (size_t i = 0; i < symbols.size(); i += 4) {
    int v[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      v[j] = kTable[static_cast<unsigned char>(symbols[i + static_cast<size_t>(j)])];
      if (v[j] == kInvalid) return std::nullopt;
      if (v[j] == kPad) {
        // Padding only in the last two positions of the last quantum.
        if (j < 2 || i + 4 != symbols.size()) return std::nullopt;
        ++padding;
        v[j] = 0;
      } else if (padding > 0) {
        return std::nullopt;  // data after '='
      }
    }
    uint32_t quantum = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                       (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>((quantum >> 16) & 0xff));
    if (padding < 2) out.push_back(static_cast<char>((quantum >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(quantum & 0xff));
  }
  return out;
}

}  // namespace floe::k8s
