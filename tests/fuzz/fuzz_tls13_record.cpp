// The head's TLS 1.3 record decoder (common/src/http/tls13_record_layer.h) on bytes a
// client controls. Most random bytes fail authentication at once, so the harness also
// seals what the input says with the peer's real keys: the decoder then sees
// authentic records with any inner plaintext (content types, padding, alerts, KeyUpdate
// and other handshake messages), next to raw ones, fed in pieces of any size.
//
// Input: byte 0 picks the suite and the feeding step; then chunks of
//   [kind][length: 2 bytes][body]
// kind even: body is a TLSInnerPlaintext, sealed as the peer would (next sequence);
// kind odd: body goes on the wire as it is.
// Invariants: no crash or sanitizer report; a record is never larger than its bounds;
// the layer can always seal an answer afterwards unless it refused a record.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "http/tls13_keys.h"
#include "http/tls13_record_layer.h"

namespace {

using namespace floe::http;
using Kind = Tls13RecordLayer::Decoded::Kind;

constexpr uint8_t kClientSecret[48] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                                       33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48};
constexpr uint8_t kServerSecret[48] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
                                       0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
                                       0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
                                       0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf};

// Seals `inner` (content, type, padding) as the client would, and follows its own
// KeyUpdate so later records stay authentic.
void appendSealed(Tls13Suite suite, Tls13TrafficKeys& client, std::span<const uint8_t> inner,
                  std::vector<uint8_t>& wire) {
  size_t length = inner.size() + Tls13RecordLayer::kTagBytes;
  if (length > 0xffff) return;
  size_t start = wire.size();
  wire.insert(wire.end(), {23, 3, 3, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)});
  wire.insert(wire.end(), inner.begin(), inner.end());
  wire.resize(wire.size() + Tls13RecordLayer::kTagBytes);
  uint8_t* record = wire.data() + start;
  if (!tls13::sealRecord(suite, client, std::span<const uint8_t>(record, 5),
                         std::span<uint8_t>(record + 5, inner.size()), record + 5 + inner.size())) {
    std::abort();
  }
  ++client.sequence;
  size_t end = inner.size();
  while (end > 0 && inner[end - 1] == 0) --end;
  bool keyUpdate = end == 6 && inner[5] == 22 && inner[0] == 24 && inner[1] == 0 && inner[2] == 0 &&
                   inner[3] == 1 && inner[4] <= 1;
  if (keyUpdate && !tls13::nextGeneration(suite, client)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Tls13Suite suite = (data[0] & 1) ? Tls13Suite::kAes256GcmSha384 : Tls13Suite::kAes128GcmSha256;
  size_t step = (data[0] >> 1) == 0 ? size_t{1} << 20 : static_cast<size_t>(data[0] >> 1);
  size_t secretLength = tls13::hashLength(suite);
  auto layer = Tls13RecordLayer::create(suite, std::span(kClientSecret, secretLength),
                                        std::span(kServerSecret, secretLength));
  Tls13TrafficKeys client;
  if (!layer.isOk() || !tls13::installSecret(suite, std::span(kClientSecret, secretLength), client)) std::abort();

  std::vector<uint8_t> wire;
  for (size_t offset = 1; offset + 3 <= size;) {
    uint8_t kind = data[offset];
    size_t length = std::min<size_t>((size_t{data[offset + 1]} << 8) | data[offset + 2], size - offset - 3);
    std::span<const uint8_t> body(data + offset + 3, length);
    offset += 3 + length;
    if (kind % 2 == 0) {
      appendSealed(suite, client, body, wire);
    } else {
      wire.insert(wire.end(), body.begin(), body.end());
    }
  }

  // Feed it as a socket would: `step` bytes at a time, decoding whatever is complete.
  std::vector<uint8_t> pending;
  for (size_t fed = 0; fed < wire.size();) {
    size_t take = std::min(step, wire.size() - fed);
    pending.insert(pending.end(), wire.begin() + static_cast<std::ptrdiff_t>(fed),
                   wire.begin() + static_cast<std::ptrdiff_t>(fed + take));
    fed += take;
    for (;;) {
      auto decoded = layer->decode(pending);
      if (decoded.kind == Kind::kNeedMore) break;
      if (decoded.kind == Kind::kError || decoded.kind == Kind::kCloseNotify) return 0;
      if (decoded.consumed > pending.size() || decoded.consumed > Tls13RecordLayer::kMaxRecordBytes) std::abort();
      if (decoded.plaintext.size() > Tls13RecordLayer::kMaxPlaintext) std::abort();
      if (!decoded.plaintext.empty() &&
          (decoded.plaintext.data() < pending.data() ||
           decoded.plaintext.data() + decoded.plaintext.size() > pending.data() + decoded.consumed)) {
        std::abort();
      }
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(decoded.consumed));
      // Answer as the server would: our KeyUpdate first when one is owed.
      std::vector<uint8_t> answer;
      const uint8_t byte = 'k';
      const std::span<const uint8_t> pieces[] = {std::span(&byte, 1)};
      if (!layer->sealApplicationData(pieces, answer) || layer->owesKeyUpdate()) std::abort();
    }
  }
  return 0;
}
