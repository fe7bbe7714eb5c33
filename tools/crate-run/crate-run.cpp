//===- crate-run.cpp - run a compiled crate model on an image or tensor ---===//
//
//   crate-run libNAME.so INPUT [--top=5] [--labels=FILE] [--diagnostics]
//   crate-run libNAME.so --prompt=TEXT --vocab=FILE [--generate=N]
//
// loads a library written by crate-compile with dlopen, reads INPUT (a PNG,
// JPEG or binary PPM/PGM image, resized and normalised to the model's input,
// or a .npy / .safetensors tensor of the input's shape), runs the model and
// prints the top classes; with --prompt, it generates text with a language
// model compiled with --decode-step (Text.cpp). With --diagnostics (a library compiled with
// --diagnostics, and --attention-maps for the heatmaps) it prints the
// per-layer white-box measurements and writes layers.svg and attention.png.
//
//===----------------------------------------------------------------------===//

#include "Image.h"
#include "Plot.h"
#include "Text.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <nlohmann/json.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

namespace cl = llvm::cl;
using namespace crate::run;

namespace {
cl::OptionCategory category("crate-run options");

cl::opt<std::string> libraryPath(cl::Positional, cl::desc("<libNAME.so>"),
                                 cl::Required, cl::cat(category));
cl::opt<std::string> inputPath(
    cl::Positional,
    cl::desc("<input: image (.png, .jpg, .ppm/.pgm) or tensor (.npy, "
             ".safetensors); none with --prompt>"),
    cl::Optional, cl::cat(category));
cl::opt<std::string> modelName(
    "name",
    cl::desc("the API prefix (crate-compile --name; default: the library's "
             "file name without lib and .so)"),
    cl::cat(category));
cl::opt<std::string> weightsPath(
    "weights",
    cl::desc("weights (.safetensors) for a library compiled with "
             "--weights-at-runtime"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> promptText(
    "prompt",
    cl::desc("generate text from this prompt (a library compiled with "
             "--decode-step; needs --vocab)"),
    cl::value_desc("text"), cl::cat(category));
cl::opt<std::string> vocabPath(
    "vocab",
    cl::desc("the tokens of a language model: a JSON array of strings in id "
             "order"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<int64_t> generateCount(
    "generate",
    cl::desc("how many tokens --prompt generates (default: up to the compiled "
             "maximum length)"),
    cl::init(-1), cl::cat(category));
cl::opt<double> temperature(
    "temperature",
    cl::desc("sampling temperature for --prompt (default 0: greedy)"),
    cl::init(0.0), cl::cat(category));
cl::opt<uint64_t> seed("seed",
                       cl::desc("the seed of --prompt's sampling generator"),
                       cl::init(0), cl::cat(category));
cl::opt<int> topK("top", cl::desc("how many classes to print per input"),
                  cl::init(5), cl::cat(category));
cl::opt<std::string> labelsPath(
    "labels", cl::desc("class names, one per line, in class order"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<Resize> resizeMode(
    "resize", cl::desc("how an image is brought to the model's input size"),
    cl::values(clEnumValN(Resize::area, "area",
                          "average of the covered source pixels (default)"),
               clEnumValN(Resize::bilinear, "bilinear",
                          "bilinear at pixel centres"),
               clEnumValN(Resize::none, "none",
                          "no resizing: the image must have the input's size")),
    cl::init(Resize::area), cl::cat(category));
cl::opt<std::string> meanOpt(
    "mean",
    cl::desc("per-channel mean subtracted from pixels in [0, 1] (one value, "
             "or one per channel; default: CRATE's ImageNet 0.485,0.456,0.406 "
             "for 3 channels, 0.5 for 1)"),
    cl::cat(category));
cl::opt<std::string> stdOpt(
    "std",
    cl::desc("per-channel standard deviation pixels are divided by (default: "
             "CRATE's ImageNet 0.229,0.224,0.225 for 3 channels, 0.5 for 1)"),
    cl::cat(category));
cl::opt<std::string> tensorName(
    "tensor",
    cl::desc("the tensor of a .safetensors input (default: the only one, or "
             "'input')"),
    cl::cat(category));
cl::opt<bool> diagnostics(
    "diagnostics",
    cl::desc("print the per-layer measurements and write layers.svg (and "
             "attention.png when the library has attention maps)"),
    cl::cat(category));
cl::opt<std::string> outDir("o",
                            cl::desc("directory for the --diagnostics plots "
                                     "(created if missing)"),
                            cl::value_desc("dir"), cl::init("."),
                            cl::cat(category));
cl::opt<int> heatmapInput(
    "heatmap-input",
    cl::desc("which input of a batch the attention heatmaps show"),
    cl::init(0), cl::cat(category));

int fail(const std::string &message) {
  std::fprintf(stderr, "crate-run: error: %s\n", message.c_str());
  return 1;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") +
         (i == 0 && shape[i] < 0 ? std::string("batch") : std::to_string(shape[i]));
  return s + "]";
}

int64_t perItem(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    n *= shape[i];
  return n;
}

/// "libcrate_mini.so" -> "crate_mini".
std::string nameFromPath(const std::string &path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  size_t so = base.find(".so");
  if (so != std::string::npos)
    base = base.substr(0, so);
  if (base.rfind("lib", 0) == 0 && base.size() > 3)
    base = base.substr(3);
  return base;
}

/// "0.5" or "0.485,0.456,0.406" -> values; false on anything else.
bool parseFloats(const std::string &text, std::vector<float> &out) {
  out.clear();
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char *end = nullptr;
    float v = std::strtof(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !std::isfinite(v))
      return false;
    out.push_back(v);
  }
  return !out.empty();
}

/// The C API of one library.
struct Api {
  using Create = int (*)(const char *, void **);
  using Forward = int (*)(void *, const float *, int64_t, float *const *);
  using Destroy = void (*)(void *);
  using LastError = const char *(*)(const void *);
  using Text = const char *(*)();
  Create create = nullptr;
  Forward forwardOutputs = nullptr;
  Destroy destroy = nullptr;
  LastError lastError = nullptr;
  Text manifest = nullptr, version = nullptr;
};

struct Output {
  std::string name;
  std::vector<int64_t> shape;
};

/// Reads the outputs from the library's manifest.
bool parseManifest(const char *text, std::vector<int64_t> &input,
                   std::vector<Output> &outputs, std::string &error) {
  nlohmann::json m = nlohmann::json::parse(text, nullptr, false);
  auto shapeOf = [&](const nlohmann::json &j, std::vector<int64_t> &shape) {
    if (!j.is_object() || !j.contains("shape") || !j["shape"].is_array())
      return false;
    shape.clear();
    for (const auto &d : j["shape"]) {
      if (!d.is_number_integer())
        return false;
      shape.push_back(d.get<int64_t>());
    }
    return !shape.empty();
  };
  if (m.is_discarded() || !m.is_object() || !m.contains("input") ||
      !m.contains("output") || !shapeOf(m["input"], input)) {
    error = "its manifest is not valid";
    return false;
  }
  // crate-run feeds one float32 tensor (an image or an array).
  bool indices = m["input"].contains("dtype") && m["input"]["dtype"] != "f32";
  if (indices || (m.contains("extra_inputs") && m["extra_inputs"].is_array() &&
                  !m["extra_inputs"].empty())) {
    error = "it takes " +
            std::string(indices ? "integer indices (token ids)"
                                : "more than one input") +
            "; crate-run feeds one float32 input: call " +
            m.value("name", std::string("NAME")) +
            "_forward_inputs from C instead" +
            (indices ? ", or compile it with --decode-step and generate text "
                       "with --prompt"
                     : "");
    return false;
  }
  outputs.assign(1, {"output", {}});
  if (!shapeOf(m["output"], outputs[0].shape)) {
    error = "its manifest has no valid output shape";
    return false;
  }
  if (m.contains("extra_outputs") && m["extra_outputs"].is_array())
    for (const auto &e : m["extra_outputs"]) {
      Output o;
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string() ||
          !shapeOf(e, o.shape)) {
        error = "its manifest has an invalid extra output";
        return false;
      }
      o.name = e["name"].get<std::string>();
      outputs.push_back(o);
    }
  return true;
}

/// The model input as a float tensor of `batch` items, from an image or a
/// tensor file; `shown` receives the image the heatmaps are drawn over
/// (the model's view of input `heatmapInput`, de-normalised).
int readInput(const std::vector<int64_t> &modelShape, std::vector<float> &data,
              int64_t &batch, Image &shown, std::string &description) {
  std::string error;
  FileKind kind = sniff(inputPath, error);
  if (kind == FileKind::unknown)
    return fail(error);
  bool isImageModel = modelShape.size() == 4 &&
                      (modelShape[1] == 1 || modelShape[1] == 3);
  int channels = isImageModel ? static_cast<int>(modelShape[1]) : 0;
  std::vector<float> mean, stdev;
  if (isImageModel) {
    if (meanOpt.empty())
      mean = channels == 3 ? std::vector<float>{0.485f, 0.456f, 0.406f}
                           : std::vector<float>{0.5f};
    else if (!parseFloats(meanOpt, mean))
      return fail("--mean: expected one number or " + std::to_string(channels) +
                  " comma-separated numbers, got '" + meanOpt + "'");
    if (stdOpt.empty())
      stdev = channels == 3 ? std::vector<float>{0.229f, 0.224f, 0.225f}
                            : std::vector<float>{0.5f};
    else if (!parseFloats(stdOpt, stdev))
      return fail("--std: expected one number or " + std::to_string(channels) +
                  " comma-separated numbers, got '" + stdOpt + "'");
    for (auto *v : {&mean, &stdev}) {
      if (v->size() == 1)
        v->resize(channels, (*v)[0]);
      if (static_cast<int>(v->size()) != channels)
        return fail(std::string(v == &mean ? "--mean" : "--std") + " has " +
                    std::to_string(v->size()) + " values, the model's input has " +
                    std::to_string(channels) + " channels");
    }
    for (float s : stdev)
      if (!(s > 0))
        return fail("--std values must be > 0");
  }

  if (kind == FileKind::png || kind == FileKind::jpeg || kind == FileKind::pnm) {
    if (!isImageModel)
      return fail("the model's input " + shapeText(modelShape) +
                  " is not an image (batch, 1 or 3 channels, height, width): "
                  "give a .npy or .safetensors tensor");
    Image img;
    if (!readImage(inputPath, kind, img, error))
      return fail(error);
    int H = static_cast<int>(modelShape[2]), W = static_cast<int>(modelShape[3]);
    if (resizeMode == Resize::none && (img.height != H || img.width != W))
      return fail(inputPath + " is " + std::to_string(img.width) + "x" +
                  std::to_string(img.height) + " (width x height), the model "
                  "takes " + std::to_string(W) + "x" + std::to_string(H) +
                  " and --resize=none forbids resizing");
    // Channels-first planes in [0, 1], converted to the model's channels.
    std::vector<float> planes(size_t(channels) * img.height * img.width);
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x) {
        const uint8_t *p = &img.pixels[(size_t(y) * img.width + x) * img.channels];
        for (int c = 0; c < channels; ++c) {
          float v;
          if (img.channels == channels)
            v = p[c];
          else if (channels == 3)
            v = p[0]; // grey to RGB
          else
            v = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; // RGB to grey
          planes[(size_t(c) * img.height + y) * img.width + x] = v / 255.0f;
        }
      }
    std::vector<float> resized =
        resample(planes, channels, img.height, img.width, H, W, resizeMode);
    data.resize(resized.size());
    for (size_t i = 0; i < resized.size(); ++i) {
      size_t c = i / (size_t(H) * W);
      data[i] = (resized[i] - mean[c]) / stdev[c];
    }
    batch = 1;
    char what[160];
    std::snprintf(what, sizeof(what), "%s image %dx%d, %d channel%s",
                  kind == FileKind::png    ? "PNG"
                  : kind == FileKind::jpeg ? "JPEG"
                                           : "PNM",
                  img.width, img.height, img.channels,
                  img.channels == 1 ? "" : "s");
    description = what;
    if (img.width != W || img.height != H)
      description += std::string(", ") +
                     (resizeMode == Resize::area ? "area" : "bilinear") +
                     "-resized to " + std::to_string(W) + "x" + std::to_string(H);
  } else {
    Tensor t;
    bool ok = kind == FileKind::npy ? readNpy(inputPath, t, error)
                                    : readSafeTensor(inputPath, tensorName, t, error);
    if (!ok)
      return fail(error);
    std::vector<int64_t> item(modelShape.begin() + 1, modelShape.end());
    bool batched = t.shape.size() == modelShape.size() &&
                   std::equal(item.begin(), item.end(), t.shape.begin() + 1);
    bool single = t.shape == item;
    if ((!batched && !single) || (batched && t.shape[0] < 1))
      return fail(inputPath + " holds a tensor of shape " + shapeText(t.shape) +
                  ", the model takes " + shapeText(modelShape) + " (or one " +
                  shapeText(item) + ")");
    batch = batched ? t.shape[0] : 1;
    data = std::move(t.values);
    description = std::string(kind == FileKind::npy ? ".npy" : ".safetensors") +
                  " tensor " + shapeText(t.shape);
  }

  if (diagnostics && (heatmapInput < 0 || heatmapInput >= batch))
    return fail("--heatmap-input=" + std::to_string(heatmapInput) +
                ": the input holds " + std::to_string(batch) + " item" +
                (batch == 1 ? "" : "s") + " (0 to " + std::to_string(batch - 1) +
                ")");
  // The image the heatmaps are drawn over: the model's input de-normalised.
  if (isImageModel && diagnostics) {
    int H = static_cast<int>(modelShape[2]), W = static_cast<int>(modelShape[3]);
    int64_t which = heatmapInput;
    const float *src = data.data() + which * perItem(modelShape);
    // Upscale small inputs (nearest) so a cell is at least 128 pixels.
    int scale = std::max(1, (128 + std::max(H, W) - 1) / std::max(H, W));
    shown.width = W * scale;
    shown.height = H * scale;
    shown.channels = channels;
    shown.pixels.resize(size_t(shown.width) * shown.height * channels);
    for (int y = 0; y < shown.height; ++y)
      for (int x = 0; x < shown.width; ++x)
        for (int c = 0; c < channels; ++c) {
          float v = src[(size_t(c) * H + y / scale) * W + x / scale] * stdev[c] +
                    mean[c];
          shown.pixels[(size_t(y) * shown.width + x) * channels + c] =
              static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255));
        }
  }
  return 0;
}

int printDiagnostics(const std::vector<Output> &outputs,
                     const std::vector<std::vector<float>> &results,
                     int64_t batch, const std::vector<int64_t> &inputShape,
                     const Image &shown, const std::string &name) {
  int statsIndex = -1, attnIndex = -1;
  for (size_t i = 1; i < outputs.size(); ++i) {
    if (outputs[i].name == "layer_stats")
      statsIndex = static_cast<int>(i);
    if (outputs[i].name == "attention_maps")
      attnIndex = static_cast<int>(i);
  }
  const std::vector<int64_t> &ss = outputs[statsIndex].shape;
  if (ss.size() != 3 || ss[2] != 5)
    return fail("layer_stats has shape " + shapeText(ss) +
                ", expected [batch, layers, 5]");
  int64_t layers = ss[1];
  const std::vector<float> &stats = results[statsIndex];
  auto stat = [&](int64_t b, int64_t l, int c) {
    return double(stats[(b * layers + l) * 5 + c]);
  };
  std::printf("\nper-layer measurements (%s)\n",
              batch == 1 ? "the input"
                         : ("mean of " + std::to_string(batch) + " inputs").c_str());
  std::printf("layer  R^c(Z^{l+1/2})  R^c normalised  R(Z^{l+1})  "
              "||Z^{l+1}||_0/(N d)  ||Z^{l+1}||_1\n");
  Panel textbook{"compression: R^c(Z^{l+1/2}) (the objective's eps)",
                 "R^c", {}};
  Panel compression{"compression: R^c(Z^{l+1/2}) normalised (eps 0.01)",
                    "R^c (normalised)", {}};
  Panel sparsity{"sparsity: ||Z^{l+1}||_0 / (N d)", "fraction of non-zeros",
                 {}};
  for (int64_t b = 0; b < batch; ++b) {
    textbook.series.emplace_back();
    compression.series.emplace_back();
    sparsity.series.emplace_back();
    for (int64_t l = 0; l < layers; ++l) {
      textbook.series.back().push_back(stat(b, l, 0));
      compression.series.back().push_back(stat(b, l, 1));
      sparsity.series.back().push_back(stat(b, l, 3));
    }
  }
  for (int64_t l = 0; l < layers; ++l) {
    double m[5] = {0, 0, 0, 0, 0};
    for (int64_t b = 0; b < batch; ++b)
      for (int c = 0; c < 5; ++c)
        m[c] += stat(b, l, c) / batch;
    std::printf("%5lld  %14.4f  %14.4f  %10.4f  %19.4f  %13.2f\n",
                (long long)l + 1, m[0], m[1], m[2], m[3], m[4]);
  }
  std::error_code ec;
  std::filesystem::create_directories(outDir.getValue(), ec);
  if (ec)
    return fail("cannot create the directory " + outDir + ": " + ec.message());
  std::string svgPath = outDir + "/layers.svg";
  std::ofstream svg(svgPath);
  svg << layerwiseSvg(name + ": compression and sparsity across layers",
                      {textbook, compression, sparsity});
  svg.close();
  if (!svg)
    return fail("cannot write " + svgPath);
  std::printf("crate-run: wrote %s\n", svgPath.c_str());

  if (attnIndex < 0) {
    std::printf("crate-run: no attention maps in this library (compile it with "
                "crate-compile --attention-maps for heatmaps)\n");
    return 0;
  }
  const std::vector<int64_t> &as = outputs[attnIndex].shape;
  if (shown.pixels.empty()) {
    std::printf("crate-run: the input is not an image: no heatmaps\n");
    return 0;
  }
  int64_t heads = as.size() >= 4 ? as[2] : 0, n = as.size() >= 4 ? as[3] : 0;
  bool full = as.size() == 5;
  if ((as.size() != 4 && !full) || as[1] != layers || n < 2)
    return fail("attention_maps has shape " + shapeText(as) +
                ", expected [batch, layers, heads, N(, N)]");
  // The patch grid: N - 1 patches of P x P over H x W.
  int64_t H = inputShape[2], W = inputShape[3];
  double p = std::sqrt(double(H * W) / double(n - 1));
  int64_t P = std::llround(p);
  if (P < 1 || H % P || W % P || (H / P) * (W / P) != n - 1)
    return fail("cannot lay the " + std::to_string(n - 1) +
                " non-class tokens of the attention maps on the " +
                std::to_string(H) + "x" + std::to_string(W) + " input as square patches");
  int gh = static_cast<int>(H / P), gw = static_cast<int>(W / P);
  int64_t which = heatmapInput;
  std::vector<std::vector<std::vector<float>>> maps(layers);
  const std::vector<float> &attn = results[attnIndex];
  int64_t rowLen = full ? n * n : n;
  for (int64_t l = 0; l < layers; ++l)
    for (int64_t k = 0; k < heads; ++k) {
      // Row 0 (the class token) over tokens 1.. (the patches), scaled so
      // the most attended patch is 1.
      const float *row = &attn[((which * layers + l) * heads + k) * rowLen];
      std::vector<float> m(row + 1, row + n);
      float top = *std::max_element(m.begin(), m.end());
      for (float &v : m)
        v = top > 0 ? v / top : 0;
      maps[l].push_back(std::move(m));
    }
  Image grid = heatmapGrid(shown, maps, gh, gw);
  std::string pngPath = outDir + "/attention.png", error;
  if (!writePng(pngPath, grid, error))
    return fail(error);
  std::printf("crate-run: wrote %s (%dx%d: rows layers 1-%lld, columns the "
              "input then heads 1-%lld; the class token's attention over the "
              "%dx%d patches of input %lld)\n",
              pngPath.c_str(), grid.width, grid.height, (long long)layers,
              (long long)heads, gh, gw, (long long)which);
  return 0;
}

int run() {
  if (topK < 1)
    return fail("--top must be at least 1, got " + std::to_string(topK));
  std::string name = modelName.empty() ? nameFromPath(libraryPath) : modelName;
  // dlopen looks a bare name up on the library path: name the file itself.
  std::string path = libraryPath.getValue();
  if (path.find('/') == std::string::npos)
    path = "./" + path;
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail("cannot load " + libraryPath.getValue() + ": " + dlerror());
  if (promptText.getNumOccurrences()) {
    if (!inputPath.empty())
      return fail("--prompt generates text; it takes no input file (got " +
                  inputPath + ")");
    TextOptions text{promptText, vocabPath, generateCount, temperature, seed};
    return generateText(handle, libraryPath, name,
                        weightsPath.empty() ? nullptr : weightsPath.c_str(),
                        text);
  }
  if (inputPath.empty())
    return fail("no input: give an image or a tensor file (or --prompt TEXT "
                "for a language model compiled with --decode-step)");
  Api api;
  auto sym = [&](const char *fn, auto &slot) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(
        dlsym(handle, (name + "_" + fn).c_str()));
    return slot != nullptr;
  };
  if (!sym("create", api.create) || !sym("forward_outputs", api.forwardOutputs) ||
      !sym("destroy", api.destroy) || !sym("last_error", api.lastError))
    return fail(libraryPath + " is not a crate model library named '" + name +
                "': it does not export " + name + "_create, " + name +
                "_forward_outputs, " + name + "_destroy and " + name +
                "_last_error (choose the name with --name)");
  if (!sym("manifest", api.manifest))
    return fail(libraryPath + " exports no " + name +
                "_manifest: it was written by an older crate-compile; "
                "compile it again");
  sym("version", api.version);
  std::vector<int64_t> inputShape;
  std::vector<Output> outputs;
  std::string error;
  if (!parseManifest(api.manifest(), inputShape, outputs, error))
    return fail(libraryPath + ": " + error);
  // Classifiers get their top classes printed; other models their output
  // shape (and, with --diagnostics, the measurements).
  bool classifier = outputs[0].shape.size() == 2;
  if (!classifier && !labelsPath.empty())
    return fail("--labels: the model's output " + shapeText(outputs[0].shape) +
                " is not (batch, classes)");
  bool hasStats = std::any_of(outputs.begin(), outputs.end(), [](const Output &o) {
    return o.name == "layer_stats";
  });
  if (diagnostics && !hasStats)
    return fail(libraryPath + " was compiled without --diagnostics (it has no "
                "layer_stats output): compile it with crate-compile "
                "--diagnostics (and --attention-maps for heatmaps)");

  std::vector<std::string> labels;
  if (!labelsPath.empty()) {
    std::ifstream in(labelsPath);
    if (!in)
      return fail("cannot open the labels file " + labelsPath + ": " +
                  std::strerror(errno));
    for (std::string line; std::getline(in, line);)
      labels.push_back(line);
    if (static_cast<int64_t>(labels.size()) < outputs[0].shape[1])
      return fail("the labels file " + labelsPath + " has " +
                  std::to_string(labels.size()) + " lines, the model has " +
                  std::to_string(outputs[0].shape[1]) + " classes");
  }

  std::vector<float> input;
  int64_t batch = 0;
  Image shown;
  std::string description;
  if (int rc = readInput(inputShape, input, batch, shown, description))
    return rc;

  void *model = nullptr;
  const char *weights = weightsPath.empty() ? nullptr : weightsPath.c_str();
  if (api.create(weights, &model) != 0)
    return fail("cannot create the model: " + std::string(api.lastError(nullptr)) +
                (weights ? "" : " (a library compiled with --weights-at-runtime "
                                "needs --weights FILE)"));
  std::vector<std::vector<float>> results(outputs.size());
  std::vector<float *> pointers;
  for (size_t i = 0; i < outputs.size(); ++i) {
    results[i].resize(batch * perItem(outputs[i].shape));
    pointers.push_back(results[i].data());
  }
  if (api.forwardOutputs(model, input.data(), batch, pointers.data()) != 0) {
    std::string message = api.lastError(model);
    api.destroy(model);
    return fail("the model failed: " + message);
  }
  api.destroy(model);

  std::printf("%s%s%s: %lld input%s from %s (%s)\n", name.c_str(),
              api.version ? ", " : "", api.version ? api.version() : "",
              (long long)batch, batch == 1 ? "" : "s", inputPath.c_str(),
              description.c_str());
  if (!classifier)
    std::printf("output: %s per input (not classes: no top-k)\n",
                shapeText(outputs[0].shape).c_str());
  int64_t classes = classifier ? outputs[0].shape[1] : 0;
  int k = static_cast<int>(std::min<int64_t>(topK, classes));
  for (int64_t b = 0; classifier && b < batch; ++b) {
    const float *logits = &results[0][b * classes];
    std::vector<int> order(classes);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int x, int y) { return logits[x] > logits[y]; });
    double top = logits[order[0]], sum = 0;
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(double(logits[c]) - top);
    std::printf("input %lld:", (long long)b);
    for (int i = 0; i < k; ++i) {
      int c = order[i];
      std::printf("  %d%s%s (logit %.4f, p %.4f)", c, labels.empty() ? "" : " ",
                  labels.empty() ? "" : labels[c].c_str(), logits[c],
                  std::exp(double(logits[c]) - top) / sum);
    }
    std::printf("\n");
  }
  if (diagnostics)
    return printDiagnostics(outputs, results, batch, inputShape, shown, name);
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "crate-run: run a model compiled by crate-compile on an image or a "
      "tensor.\n\n"
      "  crate-run out/libcrate_mini.so cat.png --top=5\n"
      "  crate-run out/libdigits.so digit.png --mean=0.5 --std=0.5 "
      "--diagnostics -o plots/\n"
      "  crate-run out/libgpl3_chars.so --prompt='This License' "
      "--vocab=vocab.json\n\n"
      "Images (PNG, JPEG, binary PPM/PGM) are converted to the model's "
      "channels (grey <-> RGB), resized to its input (--resize, default area "
      "averaging), scaled to [0, 1] and normalised with --mean/--std. "
      "Tensors (.npy float32/float64, .safetensors) are used as they are: "
      "shape [batch, ...input] or [...input].\n\n"
      "--diagnostics needs a library compiled with --diagnostics; it prints "
      "the per-layer measurements (mean over the inputs) and writes "
      "DIR/layers.svg (R^c, textbook and normalised, and sparsity across "
      "layers) and, for "
      "a library compiled with --attention-maps too, DIR/attention.png (per "
      "layer and head, the class token's attention over the patches, "
      "overlaid on the input).\n\n"
      "--prompt needs a language model compiled with --decode-step and its "
      "vocabulary (--vocab): the prompt is split into the vocabulary's "
      "tokens, fed to a decoder, and --generate tokens follow, greedily or "
      "sampled at --temperature with --seed; the text is printed.\n");
  return run();
}
