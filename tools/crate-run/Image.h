//===- Image.h - images and tensors crate-run reads and writes --*- C++ -*-===//
//
// Decoding goes through Debian's libpng (PNG) and libjpeg-turbo (JPEG);
// binary PPM/PGM is parsed here (the format is a text header and raw
// bytes). Tensors come from .npy (float32/float64, C order) or
// .safetensors (F32/F16/BF16, through the project's reader).
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TOOLS_CRATE_RUN_IMAGE_H
#define CRATE_TOOLS_CRATE_RUN_IMAGE_H

#include <cstdint>
#include <string>
#include <vector>

namespace crate::run {

/// An 8-bit image, rows top to bottom, channels interleaved (1 grey or 3 RGB).
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

/// A float32 tensor, row-major.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

/// What a file holds, from its first bytes (and, for safetensors, its name).
enum class FileKind { png, jpeg, pnm, npy, safetensors, unknown };
FileKind sniff(const std::string &path, std::string &error);

/// Decodes a PNG, JPEG or binary PPM/PGM (P6/P5, maxval <= 255) file.
/// Alpha is dropped, 16-bit samples are reduced to 8 bits.
bool readImage(const std::string &path, FileKind kind, Image &out,
               std::string &error);

/// Reads a float tensor from a .npy file (<f4 or <f8, C order).
bool readNpy(const std::string &path, Tensor &out, std::string &error);

/// Reads tensor `name` of a .safetensors file (empty name: the only tensor,
/// or the one called "input").
bool readSafeTensor(const std::string &path, const std::string &name,
                    Tensor &out, std::string &error);

/// Writes an 8-bit grey or RGB PNG.
bool writePng(const std::string &path, const Image &image, std::string &error);

/// Resampling of a float image (channels-first planes) to another size.
enum class Resize { area, bilinear, none };

/// in: C x h x w planes; returns C x H x W. `area` averages the source
/// pixels each target pixel covers (weighted by the covered fraction);
/// `bilinear` samples at pixel centres (half-pixel offsets, edges clamped),
/// as PIL's and OpenCV's defaults do for upscaling.
std::vector<float> resample(const std::vector<float> &in, int channels, int h,
                            int w, int H, int W, Resize how);

} // namespace crate::run

#endif // CRATE_TOOLS_CRATE_RUN_IMAGE_H
