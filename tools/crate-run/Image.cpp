//===- Image.cpp - decoding, encoding and resampling for crate-run --------===//

#include "Image.h"

#include "safetensors/SafeTensors.h"

#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

namespace crate::run {

namespace {

bool readBytes(const std::string &path, std::vector<uint8_t> &bytes,
               std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  bytes.assign(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
  return true;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Images larger than this (8192 x 8192) are refused before decoding: a
/// few hundred bytes of JPEG header can claim gigapixels, which libjpeg
/// would allocate and fill for seconds.
constexpr uint64_t kMaxPixels = uint64_t(1) << 26;

bool tooLarge(uint64_t width, uint64_t height, const std::string &path,
              const char *kind, std::string &error) {
  if (width * height <= kMaxPixels)
    return false;
  error = path + " is a " + kind + " of " + std::to_string(width) + "x" +
          std::to_string(height) + " pixels, more than the " +
          std::to_string(kMaxPixels) + " crate-run reads";
  return true;
}

bool readPng(const std::string &path, Image &out, std::string &error) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    error = path + " is not a readable PNG: " + image.message;
    return false;
  }
  if (tooLarge(image.width, image.height, path, "PNG", error)) {
    png_image_free(&image);
    return false;
  }
  bool color = image.format & PNG_FORMAT_FLAG_COLOR;
  // Without alpha in the requested format, libpng composites transparent
  // pixels onto black.
  image.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) {
    error = path + " is not a readable PNG (corrupt or truncated): " +
            image.message;
    png_image_free(&image);
    return false;
  }
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.channels = color ? 3 : 1;
  out.pixels = std::move(pixels);
  return true;
}

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpegExit(j_common_ptr cinfo) {
  auto *err = reinterpret_cast<JpegError *>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void jpegQuiet(j_common_ptr, int) {} // warnings (e.g. extraneous data)

bool readJpeg(const std::vector<uint8_t> &bytes, const std::string &path,
              Image &out, std::string &error) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpegExit;
  err.mgr.emit_message = jpegQuiet;
  // Locals modified after setjmp must not live in registers.
  std::vector<uint8_t> pixels;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    error = path + " is not a readable JPEG: " + err.message;
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  if (tooLarge(cinfo.image_width, cinfo.image_height, path, "JPEG", error)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  bool grey = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  size_t stride = size_t(cinfo.output_width) * cinfo.output_components;
  pixels.resize(stride * cinfo.output_height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels.data() + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  out.width = static_cast<int>(cinfo.output_width);
  out.height = static_cast<int>(cinfo.output_height);
  out.channels = cinfo.output_components;
  jpeg_destroy_decompress(&cinfo);
  out.pixels = std::move(pixels);
  return true;
}

/// Binary PGM (P5) or PPM (P6).
bool readPnm(const std::vector<uint8_t> &bytes, const std::string &path,
             Image &out, std::string &error) {
  size_t pos = 2;
  auto fail = [&](const std::string &what) {
    error = path + " is not a readable PPM/PGM: " + what;
    return false;
  };
  // Three decimal fields separated by whitespace and # comments.
  auto field = [&](long &value) {
    while (pos < bytes.size()) {
      if (bytes[pos] == '#')
        while (pos < bytes.size() && bytes[pos] != '\n')
          ++pos;
      else if (std::isspace(bytes[pos]))
        ++pos;
      else
        break;
    }
    if (pos >= bytes.size() || !std::isdigit(bytes[pos]))
      return false;
    value = 0;
    while (pos < bytes.size() && std::isdigit(bytes[pos])) {
      value = value * 10 + (bytes[pos++] - '0');
      if (value > 1000000)
        return false;
    }
    return true;
  };
  long width, height, maxval;
  if (!field(width) || !field(height) || !field(maxval))
    return fail("bad header (expected width, height and maxval)");
  if (width <= 0 || height <= 0 || maxval <= 0 || maxval > 65535)
    return fail("bad header values " + std::to_string(width) + "x" +
                std::to_string(height) + ", maxval " + std::to_string(maxval));
  if (pos >= bytes.size() || !std::isspace(bytes[pos]))
    return fail("no whitespace after the header");
  ++pos;
  int channels = bytes[1] == '6' ? 3 : 1;
  size_t sampleBytes = maxval > 255 ? 2 : 1;
  size_t count = size_t(width) * height * channels;
  if (bytes.size() - pos < count * sampleBytes)
    return fail("truncated pixel data (" + std::to_string(bytes.size() - pos) +
                " bytes, expected " + std::to_string(count * sampleBytes) + ")");
  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  out.channels = channels;
  out.pixels.resize(count);
  for (size_t i = 0; i < count; ++i) {
    unsigned v = sampleBytes == 2
                     ? (unsigned(bytes[pos + 2 * i]) << 8) | bytes[pos + 2 * i + 1]
                     : bytes[pos + i];
    out.pixels[i] = static_cast<uint8_t>(
        std::lround(std::min<double>(v, maxval) * 255.0 / maxval));
  }
  return true;
}

} // namespace

FileKind sniff(const std::string &path, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return FileKind::unknown;
  }
  unsigned char head[8] = {0};
  in.read(reinterpret_cast<char *>(head), sizeof(head));
  size_t got = static_cast<size_t>(in.gcount());
  if (got >= 8 && std::memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return FileKind::png;
  if (got >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
    return FileKind::jpeg;
  if (got >= 2 && head[0] == 'P' && (head[1] == '5' || head[1] == '6'))
    return FileKind::pnm;
  if (got >= 6 && std::memcmp(head, "\x93NUMPY", 6) == 0)
    return FileKind::npy;
  if (endsWith(path, ".safetensors"))
    return FileKind::safetensors;
  error = path + " is neither an image (PNG, JPEG, binary PPM/PGM) nor a "
                 "tensor (.npy, .safetensors)";
  return FileKind::unknown;
}

bool readImage(const std::string &path, FileKind kind, Image &out,
               std::string &error) {
  if (kind == FileKind::png)
    return readPng(path, out, error);
  std::vector<uint8_t> bytes;
  if (!readBytes(path, bytes, error))
    return false;
  if (kind == FileKind::jpeg)
    return readJpeg(bytes, path, out, error);
  return readPnm(bytes, path, out, error);
}

bool readNpy(const std::string &path, Tensor &out, std::string &error) {
  std::vector<uint8_t> bytes;
  if (!readBytes(path, bytes, error))
    return false;
  auto fail = [&](const std::string &what) {
    error = path + " is not a readable .npy file: " + what;
    return false;
  };
  if (bytes.size() < 10)
    return fail("too short");
  int major = bytes[6];
  size_t headerLen, start;
  if (major == 1) {
    headerLen = bytes[8] | (size_t(bytes[9]) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("too short");
    headerLen = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) |
                (size_t(bytes[11]) << 24);
    start = 12;
  } else {
    return fail("unknown format version " + std::to_string(major));
  }
  if (bytes.size() - start < headerLen)
    return fail("truncated header");
  std::string header(bytes.begin() + start, bytes.begin() + start + headerLen);
  auto value = [&](const std::string &key) -> std::string {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos)
      return "";
    size_t colon = header.find(':', k);
    if (colon == std::string::npos)
      return "";
    size_t b = header.find_first_not_of(" ", colon + 1);
    if (b == std::string::npos)
      return "";
    if (header[b] == '(') {
      size_t e = header.find(')', b);
      return e == std::string::npos ? "" : header.substr(b, e - b + 1);
    }
    size_t e = header.find_first_of(",}", b);
    return header.substr(b, e == std::string::npos ? e : e - b);
  };
  std::string descr = value("descr"), fortran = value("fortran_order"),
              shape = value("shape");
  size_t elemSize;
  if (descr == "'<f4'")
    elemSize = 4;
  else if (descr == "'<f8'")
    elemSize = 8;
  else
    return fail("dtype " + (descr.empty() ? std::string("(none)") : descr) +
                " is not little-endian float32 or float64");
  if (fortran != "False")
    return fail("Fortran (column-major) order is not supported");
  if (shape.size() < 2 || shape.front() != '(')
    return fail("no shape");
  out.shape.clear();
  int64_t count = 1;
  for (size_t i = 1; i < shape.size();) {
    while (i < shape.size() && (shape[i] == ' ' || shape[i] == ','))
      ++i;
    if (i >= shape.size() || shape[i] == ')')
      break;
    if (!std::isdigit(static_cast<unsigned char>(shape[i])))
      return fail("bad shape " + shape);
    int64_t dim = 0;
    while (i < shape.size() && std::isdigit(static_cast<unsigned char>(shape[i]))) {
      dim = dim * 10 + (shape[i++] - '0');
      if (dim > (int64_t(1) << 40))
        return fail("bad shape " + shape);
    }
    out.shape.push_back(dim);
    count *= dim;
    if (count > (int64_t(1) << 34))
      return fail("shape " + shape + " is too large");
  }
  size_t data = start + headerLen;
  if ((bytes.size() - data) / elemSize < size_t(count))
    return fail("truncated data (" + std::to_string(bytes.size() - data) +
                " bytes for " + std::to_string(count) + " values of " +
                std::to_string(elemSize) + " bytes)");
  out.values.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    if (elemSize == 4) {
      std::memcpy(&out.values[i], &bytes[data + 4 * i], 4);
    } else {
      double v;
      std::memcpy(&v, &bytes[data + 8 * i], 8);
      out.values[i] = static_cast<float>(v);
    }
  }
  return true;
}

bool readSafeTensor(const std::string &path, const std::string &name,
                    Tensor &out, std::string &error) {
  crate::st::SafeTensorsFile file;
  if (!crate::st::SafeTensorsFile::open(path, file, error))
    return false;
  const crate::st::TensorInfo *info = nullptr;
  if (!name.empty()) {
    info = file.find(name);
    if (!info) {
      error = path + " has no tensor '" + name + "'";
      return false;
    }
  } else if (file.tensors().size() == 1) {
    info = &file.tensors()[0];
  } else if (!(info = file.find("input"))) {
    error = path + " holds " + std::to_string(file.tensors().size()) +
            " tensors and none is called 'input': choose one with --tensor";
    return false;
  }
  out.shape = info->shape;
  return file.readF32(info->name, info->shape, out.values, error);
}

bool writePng(const std::string &path, const Image &image, std::string &error) {
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = image.width;
  png.height = image.height;
  png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.pixels.data(), 0,
                               nullptr)) {
    error = "cannot write " + path + ": " + png.message;
    return false;
  }
  return true;
}

namespace {
/// The weights of the source pixels [0, n) that target pixel t of m covers.
void areaWeights(int n, int m, int t, std::vector<std::pair<int, double>> &w) {
  w.clear();
  double scale = double(n) / m, lo = t * scale, hi = (t + 1) * scale;
  for (int s = static_cast<int>(std::floor(lo)); s < n && s < hi; ++s) {
    double overlap = std::min<double>(hi, s + 1) - std::max<double>(lo, s);
    if (overlap > 0)
      w.push_back({s, overlap / scale});
  }
}

void bilinearWeights(int n, int m, int t,
                     std::vector<std::pair<int, double>> &w) {
  w.clear();
  double x = (t + 0.5) * double(n) / m - 0.5;
  x = std::clamp(x, 0.0, double(n - 1));
  int a = static_cast<int>(std::floor(x));
  int b = std::min(a + 1, n - 1);
  double f = x - a;
  w.push_back({a, 1.0 - f});
  if (b != a)
    w.push_back({b, f});
}
} // namespace

std::vector<float> resample(const std::vector<float> &in, int channels, int h,
                            int w, int H, int W, Resize how) {
  if (how == Resize::none || (h == H && w == W))
    return in;
  auto weights = how == Resize::area ? areaWeights : bilinearWeights;
  // Separable: rows first into (C, h, W), then columns into (C, H, W).
  std::vector<float> mid(size_t(channels) * h * W), out(size_t(channels) * H * W);
  std::vector<std::pair<int, double>> wt;
  for (int x = 0; x < W; ++x) {
    weights(w, W, x, wt);
    for (int c = 0; c < channels; ++c)
      for (int y = 0; y < h; ++y) {
        double s = 0;
        for (auto [src, f] : wt)
          s += f * in[(size_t(c) * h + y) * w + src];
        mid[(size_t(c) * h + y) * W + x] = static_cast<float>(s);
      }
  }
  for (int y = 0; y < H; ++y) {
    weights(h, H, y, wt);
    for (int c = 0; c < channels; ++c)
      for (int x = 0; x < W; ++x) {
        double s = 0;
        for (auto [src, f] : wt)
          s += f * mid[(size_t(c) * h + src) * W + x];
        out[(size_t(c) * H + y) * W + x] = static_cast<float>(s);
      }
  }
  return out;
}

} // namespace crate::run
