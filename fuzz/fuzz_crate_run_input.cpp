//===- fuzz_crate_run_input.cpp - libFuzzer target: crate-run's inputs ----===//
//
// Arbitrary bytes as a file given to crate-run (tools/crate-run/Image.h):
// sniffed, then decoded as what the sniffing says -- PNG (libpng), JPEG
// (libjpeg-turbo), PGM/PPM, .npy -- and, when accepted, resampled to 64x64
// both ways, as crate-run does before calling a model. Checks the decoders'
// contracts (pixel and value counts match the reported shape). libpng and
// libjpeg are Debian's, uninstrumented: the findings are in crate-run's use
// of them (error handling through setjmp, sizes) and its own parsing. Large
// images are refused up front (-rss_limit_mb catches the rest).
//
//===----------------------------------------------------------------------===//

#include "Image.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace crate::run;

namespace {

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "fuzz-crate-run-input: contract broken: %s\n",
               what.c_str());
  std::abort();
}

/// The file the bytes are written to, one per process.
const std::string &scratchPath() {
  static const std::string path = [] {
    char name[] = "/tmp/fuzz-crate-run-input-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0)
      fail("cannot create a scratch file");
    close(fd);
    return std::string(name);
  }();
  return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path = scratchPath();
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    fail("cannot write the scratch file");
  if (size && std::fwrite(data, 1, size, f) != size)
    fail("short write");
  std::fclose(f);

  std::string error;
  FileKind kind = sniff(path, error);
  if (kind == FileKind::png || kind == FileKind::jpeg ||
      kind == FileKind::pnm) {
    Image image;
    if (!readImage(path, kind, image, error)) {
      if (error.empty())
        fail("readImage failed without a message");
      return 0;
    }
    if (image.width <= 0 || image.height <= 0 ||
        (image.channels != 1 && image.channels != 3))
      fail("accepted an image of " + std::to_string(image.width) + "x" +
           std::to_string(image.height) + "x" +
           std::to_string(image.channels));
    size_t count = size_t(image.width) * image.height * image.channels;
    if (image.pixels.size() != count)
      fail("pixel count " + std::to_string(image.pixels.size()) +
           " != w*h*c " + std::to_string(count));
    if (count > (size_t(1) << 22))
      return 0; // Resampling a huge image only costs time.
    // Planar floats, as crate-run hands them to resample.
    std::vector<float> planar(count);
    for (size_t i = 0; i < count; ++i)
      planar[i] = image.pixels[i] / 255.0f;
    for (Resize how : {Resize::area, Resize::bilinear}) {
      std::vector<float> out = resample(planar, image.channels, image.height,
                                        image.width, 64, 64, how);
      if (out.size() != size_t(image.channels) * 64 * 64)
        fail("resample returned " + std::to_string(out.size()) + " values");
    }
  } else if (kind == FileKind::npy) {
    Tensor t;
    if (!readNpy(path, t, error)) {
      if (error.empty())
        fail("readNpy failed without a message");
      return 0;
    }
    size_t count = 1;
    for (int64_t d : t.shape) {
      if (d < 0)
        fail("negative dimension");
      count *= size_t(d);
    }
    if (t.values.size() != count)
      fail("value count " + std::to_string(t.values.size()) +
           " != product of the shape " + std::to_string(count));
  }
  return 0;
}
