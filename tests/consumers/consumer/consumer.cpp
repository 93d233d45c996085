// The program both consumer projects build, once against hanabi::hanabi and
// once against hanabi::header_only: it decodes a track blob and checks what it
// reads, so a consumer that compiles but links the wrong definitions fails.
#include <hanabi/error.hpp>
#include <hanabi/protocol/track_codec.hpp>

#include <cstdio>

int main() {
  const char* blob =
      "QAAAjQIAJVJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAADlJpY2tBc3RsZXlWRVZPAAAAAAADPCAAC2RRdzR3OVdn"
      "WGNRAAEAK2h0dHBzOi8vd3d3LnlvdXR1YmUuY29tL3dhdGNoP3Y9ZFF3NHc5V2dYY1EAB3lvdXR1YmUAAAAAAAAAAA==";
  const auto track = hanabi::protocol::decode_track(blob);
  if (!track || track->info.author != "RickAstleyVEVO" || track->info.length != 212000) {
    std::puts("decode_track gave the wrong track");
    return 1;
  }
  const hanabi::error_code ec = hanabi::error::invalid_base64;
  if (ec.category().name() != std::string_view("hanabi") || ec != hanabi::condition::decode_failure) {
    std::puts("the hanabi error category is wrong");
    return 1;
  }
  std::printf("%s by %s\n", track->info.title.c_str(), track->info.author.c_str());
  return 0;
}
