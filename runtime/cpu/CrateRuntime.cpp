//===- CrateRuntime.cpp - CPU runtime behind crate-compile's C API --------===//
//
// Implements the crate_rt_* functions of ModelABI.h (but those for token
// sequences, in LanguageModel.cpp): an instance parses and
// validates the model's JSON manifest, loads its weights (embedded in the
// library, or from a .safetensors file) into 64-byte aligned buffers, builds
// one memref descriptor per weight, and runs the packed entry function on
// caller-owned input and output arrays.
//
// Like everything under runtime/, this depends on neither LLVM nor MLIR. It is
// compiled with -fno-exceptions and never throws or aborts on bad input: each
// failure returns a status code and sets the calling thread's error message.
// (Only a failing small allocation inside the standard library, which has no
// non-throwing form, can still terminate the process.)
//
//===----------------------------------------------------------------------===//

#include "Allocator.h"
#include "Model.h"
#include "ModelABI.h"
#include "Parallel.h"

#include "gpu/CudaDriver.h"

#include "safetensors/SafeTensors.h"
#include "weights/DerivedWeights.h"

#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

// Make nlohmann abort instead of throw on misuse. The code below only calls
// accessors after checking the JSON type, so that abort is unreachable.
#ifndef JSON_NOEXCEPTION
#define JSON_NOEXCEPTION 1
#endif
#include <nlohmann/json.hpp>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the embedded weights are little-endian float32; add byte swapping"
#endif

static_assert(sizeof(void *) == sizeof(int64_t),
              "descriptors store pointers in int64-sized words");
static_assert(sizeof(float) == 4, "the ABI's tensors are float32");

// Every container of the runtime allocates through crate::rt (Allocator.h),
// so that an allocation failure in create or forward ends the call cleanly:
// the manifest's JSON tree too.
using crate::rt::Input;
using crate::rt::Output;
using crate::rt::String;
using crate::rt::Weight;
template <typename T> using Vector = crate::rt::Vector<T>;
using crate::rt::fail;
using crate::rt::setLastError;
using crate::rt::forwardInScope;
using crate::rt::mulNonNeg;
using crate::rt::succeed;
using crate::rt::toString;
using json = nlohmann::basic_json<std::map, std::vector, String, bool,
                                  std::int64_t, std::uint64_t, double,
                                  crate::rt::Allocator>;

namespace {
/// The calling thread's last error: a fixed buffer, so that reporting an
/// error (out of memory included) never allocates. Longer messages are cut.
thread_local char lastError[1024];
} // namespace

// The helpers shared with LanguageModel.cpp (Model.h).
namespace crate::rt {

void setLastError(const char *message) {
  std::snprintf(lastError, sizeof lastError, "%s", message);
}

int fail(int code, const String &message) {
  setLastError(message.c_str());
  return code;
}

int succeed() {
  lastError[0] = '\0';
  return CRATE_OK;
}

String toString(int64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "%lld", static_cast<long long>(v));
  return String(text);
}
String toString(uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(v));
  return String(text);
}
String toString(int v) { return toString(static_cast<int64_t>(v)); }

/// a * b, or false if it overflows int64 (a, b >= 0).
bool mulNonNeg(int64_t a, int64_t b, int64_t &out) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a)
    return false;
  out = a * b;
  return true;
}

} // namespace crate::rt

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr size_t kWeightAlignment = 64;


} // namespace

namespace {

/// "[1, 2, 3]", as crate::st::formatShape writes shapes.
String formatShape(const Vector<int64_t> &shape) {
  String s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += toString(shape[i]);
  }
  return s + "]";
}

/// `v` as JSON text, cut short so a corrupt manifest cannot flood a message.
String brief(const json &v) {
  String s = v.dump();
  if (s.size() > 60)
    s = s.substr(0, 57) + "...";
  return s;
}

/// Row-major strides of `sizes`.
Vector<int64_t> rowMajorStrides(const Vector<int64_t> &sizes) {
  Vector<int64_t> strides(sizes.size());
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= sizes[i] == 0 ? 1 : sizes[i];
  }
  return strides;
}

/// Fills `words` with the descriptor of a contiguous row-major array.
void buildDescriptor(Vector<int64_t> &words, void *data,
                     const Vector<int64_t> &sizes) {
  size_t rank = sizes.size();
  words.assign(3 + 2 * rank, 0);
  std::memcpy(&words[0], &data, sizeof data); // allocated
  std::memcpy(&words[1], &data, sizeof data); // aligned
  words[2] = 0;                               // offset
  Vector<int64_t> strides = rowMajorStrides(sizes);
  for (size_t i = 0; i < rank; ++i) {
    words[3 + i] = sizes[i];
    words[3 + rank + i] = strides[i];
  }
}

float *descriptorPointer(const int64_t *words, int index) {
  float *p;
  std::memcpy(&p, &words[index], sizeof p);
  return p;
}

/// Reads an input/output shape ([-1, d1, ...], each di >= 0) from
/// manifest[key]["shape"] and its per-sample element count.
bool parseIOShape(const json &manifest, const char *key,
                  Vector<int64_t> &shape, int64_t &sampleElements,
                  String &error) {
  auto it = manifest.find(key);
  if (it == manifest.end() || !it->is_object()) {
    error = String("manifest lacks an object '") + key + "'";
    return false;
  }
  auto s = it->find("shape");
  if (s == it->end() || !s->is_array()) {
    error = String("manifest '") + key + "' lacks a 'shape' array";
    return false;
  }
  if (s->empty()) {
    error = String("manifest '") + key +
            "' shape is empty; it needs at least the batch dimension -1";
    return false;
  }
  shape.clear();
  sampleElements = 1;
  for (size_t i = 0; i < s->size(); ++i) {
    const json &d = (*s)[i];
    if (!d.is_number_integer()) {
      error = String("manifest '") + key + "' shape " + brief(*s) +
              " has a non-integer dimension";
      return false;
    }
    int64_t v = d.is_number_unsigned() &&
                        d.get<uint64_t>() > static_cast<uint64_t>(kInt64Max)
                    ? -2 // Out of range: report as an invalid dimension.
                    : d.get<int64_t>();
    if (i == 0 && v != -1) {
      error = String("manifest '") + key + "' shape " + brief(*s) +
              " must start with the batch dimension -1";
      return false;
    }
    if (i > 0 && v < 0) {
      error = String("manifest '") + key + "' shape " + brief(*s) +
              " has dimension " + brief(d) + " at index " + toString(i) +
              " (only dimension 0 may be -1)";
      return false;
    }
    shape.push_back(v);
    if (i > 0 && !mulNonNeg(sampleElements, v, sampleElements)) {
      error = String("manifest '") + key + "' shape " + brief(*s) +
              " has an element count that overflows int64";
      return false;
    }
  }
  return true;
}

/// Reads the optional "extra_outputs": [{"name": ..., "shape": [...]}, ...]
/// (more results of the entry, after the main output).
bool parseExtraOutputs(const json &manifest, Vector<Output> &outputs,
                       String &error) {
  auto extras = manifest.find("extra_outputs");
  if (extras == manifest.end())
    return true;
  if (!extras->is_array()) {
    error = "manifest 'extra_outputs' is not an array";
    return false;
  }
  for (const json &e : *extras) {
    auto name = e.is_object() ? e.find("name") : e.end();
    if (!e.is_object() || name == e.end() || !name->is_string()) {
      error = "manifest 'extra_outputs' entry " + brief(e) +
              " lacks a string 'name'";
      return false;
    }
    Output out{name->get<String>(), {}, 0};
    json holder = json::object();
    holder[out.name] = e;
    if (!parseIOShape(holder, out.name.c_str(), out.shape, out.sampleElements,
                      error))
      return false;
    outputs.push_back(std::move(out));
  }
  return true;
}

/// Reads input `key` of `holder` ({shape, dtype?, bound?}): dtype "f32"
/// (the default) or "i64" with a positive bound.
bool parseInput(const json &holder, const char *key, Input &in,
                String &error) {
  if (!parseIOShape(holder, key, in.shape, in.sampleElements, error))
    return false;
  const json &e = *holder.find(key);
  auto dtype = e.find("dtype");
  if (dtype != e.end() &&
      (!dtype->is_string() ||
       (*dtype != "f32" && *dtype != "i64"))) {
    error = String("manifest input '") + key + "' has dtype " + brief(*dtype) +
            ", expected \"f32\" or \"i64\"";
    return false;
  }
  in.indices = dtype != e.end() && *dtype == "i64";
  auto bound = e.find("bound");
  if (in.indices &&
      (bound == e.end() || !bound->is_number_integer() ||
       bound->get<int64_t>() <= 0)) {
    error = String("manifest input '") + key +
            "' holds indices but no positive integer 'bound'";
    return false;
  }
  if (in.indices)
    in.bound = bound->get<int64_t>();
  return true;
}

/// The inputs: "input", then "extra_inputs" [{name, shape, dtype, bound}].
bool parseInputs(const json &manifest, Vector<Input> &inputs, String &error) {
  inputs.assign(1, Input{"input", {}, 0});
  if (!parseInput(manifest, "input", inputs[0], error))
    return false;
  // The main input's name, when it has one of its own.
  auto mainName = manifest.find("input")->find("name");
  if (mainName != manifest.find("input")->end()) {
    if (!mainName->is_string() || mainName->get<String>().empty()) {
      error = "manifest 'input' has name " + brief(*mainName) +
              ", expected a non-empty string";
      return false;
    }
    inputs[0].name = mainName->get<String>();
  }
  auto extras = manifest.find("extra_inputs");
  if (extras == manifest.end())
    return true;
  if (!extras->is_array()) {
    error = "manifest 'extra_inputs' is not an array";
    return false;
  }
  for (const json &e : *extras) {
    auto name = e.is_object() ? e.find("name") : e.end();
    if (!e.is_object() || name == e.end() || !name->is_string()) {
      error = "manifest 'extra_inputs' entry " + brief(e) +
              " lacks a string 'name'";
      return false;
    }
    Input in{name->get<String>(), {}, 0};
    json holder = json::object();
    holder[in.name] = e;
    if (!parseInput(holder, in.name.c_str(), in, error))
      return false;
    inputs.push_back(std::move(in));
  }
  return true;
}

/// Parses and validates the manifest into `m` (all but the weight data).
/// `embedded` says whether weight offsets are required.
bool parseManifest(const char *text, bool embedded, crate_rt_model &m,
                   String &error) {
  json manifest;
  {
    // The parser's own scratch buffers use the standard allocator: no
    // jump out of it (Allocator.h). The tree it builds is tracked.
    crate::rt::NoJump noJump;
    manifest = json::parse(text, text + std::strlen(text), nullptr,
                           /*allow_exceptions=*/false);
  }
  if (manifest.is_discarded()) {
    error = "manifest is not valid JSON";
    return false;
  }
  if (!manifest.is_object()) {
    error = "manifest is a JSON " + String(manifest.type_name()) +
            ", expected an object";
    return false;
  }
  // Take the name first (if usable) so that every later message names the
  // model, but check the ABI before relying on anything else.
  auto name = manifest.find("name");
  bool nameOk = name != manifest.end() && name->is_string() &&
                !name->get_ref<const String &>().empty();
  if (nameOk)
    m.name = name->get<String>();

  auto abi = manifest.find("abi");
  if (abi == manifest.end()) {
    error = "manifest lacks 'abi'";
    return false;
  }
  if (!abi->is_number_integer() ||
      abi->get<int64_t>() != CRATE_MODEL_ABI_VERSION) {
    error = "manifest has abi " + brief(*abi) + ", but this runtime implements "
            "abi " + toString(CRATE_MODEL_ABI_VERSION) +
            "; rebuild the model with a matching crate-compile";
    return false;
  }
  if (!nameOk) {
    error = "manifest lacks a non-empty string 'name'";
    return false;
  }

  m.outputs.assign(1, Output{"output", {}, 0});
  if (!parseInputs(manifest, m.inputs, error) ||
      !parseIOShape(manifest, "output", m.outputs[0].shape,
                    m.outputs[0].sampleElements, error))
    return false;
  if (!parseExtraOutputs(manifest, m.outputs, error))
    return false;
  // Optional: the entry was compiled for this many images per call.
  if (auto eb = manifest.find("entry_batch"); eb != manifest.end()) {
    if (!eb->is_number_integer() || eb->get<int64_t>() < 0 ||
        eb->get<int64_t>() > 1024) {
      error = "manifest has entry_batch " + brief(*eb) +
              ", expected an integer in [0, 1024]";
      return false;
    }
    m.entryBatch = eb->get<int64_t>();
  }

  // Optional: the logits at a position read only the tokens up to it.
  m.causal = false;
  if (auto c = manifest.find("causal"); c != manifest.end()) {
    if (!c->is_boolean()) {
      error = "manifest has causal " + brief(*c) + ", expected true or false";
      return false;
    }
    m.causal = c->get<bool>();
  }

  // Optional: the code's target, "cpu" (the default) or "nvptx".
  if (auto t = manifest.find("target"); t != manifest.end()) {
    if (!t->is_string() ||
        (t->get<String>() != "cpu" && t->get<String>() != "nvptx")) {
      error = "manifest has target " + brief(*t) +
              ", expected \"cpu\" or \"nvptx\"";
      return false;
    }
    m.gpu = t->get<String>() == "nvptx";
  }
  // Optional: CPU features the code needs beyond its target's baseline.
  if (auto r = manifest.find("requires"); r != manifest.end()) {
    bool ok = r->is_array();
    for (size_t i = 0; ok && i < r->size(); ++i)
      ok = (*r)[i].is_string() && (*r)[i].get<String>() == "avx512bf16";
    if (!ok) {
      error = "manifest has requires " + brief(*r) +
              ", expected an array of known CPU features (\"avx512bf16\")";
      return false;
    }
    m.needsBF16 = !r->empty();
  }
  // Optional: the blocks timed by crate_rt_profile_block, in index order.
  m.profileBlocks.clear();
  if (auto pb = manifest.find("profile"); pb != manifest.end()) {
    if (!pb->is_array() || pb->empty() ||
        pb->size() > crate_rt_model::kMaxProfileBlocks) {
      error = "manifest has profile " + brief(*pb) +
              ", expected an array of 1 to " +
              toString(int64_t(crate_rt_model::kMaxProfileBlocks)) +
              " block names";
      return false;
    }
    for (const json &block : *pb) {
      if (!block.is_string()) {
        error = "manifest has profile block " + brief(block) +
                ", expected a name";
        return false;
      }
      m.profileBlocks.push_back(block.get<String>());
    }
  }

  auto weights = manifest.find("weights");
  if (weights == manifest.end() || !weights->is_array()) {
    error = "manifest lacks a 'weights' array";
    return false;
  }
  m.weights.clear();
  m.weights.reserve(weights->size());
  for (size_t i = 0; i < weights->size(); ++i) {
    const json &entry = (*weights)[i];
    String where = "manifest weight " + toString(i);
    if (!entry.is_object()) {
      error = where + " is not an object";
      return false;
    }
    Weight w;
    auto wn = entry.find("name");
    if (wn == entry.end() || !wn->is_string() ||
        wn->get_ref<const String &>().empty()) {
      error = where + " lacks a non-empty string 'name'";
      return false;
    }
    w.name = wn->get<String>();
    where += " ('" + w.name + "')";
    bool repeated = false;
    for (const Weight &earlier : m.weights)
      repeated = repeated || earlier.name == w.name;
    if (repeated) {
      error = where + " repeats the name of an earlier weight";
      return false;
    }
    auto ws = entry.find("shape");
    if (ws == entry.end() || !ws->is_array()) {
      error = where + " lacks a 'shape' array";
      return false;
    }
    w.numel = 1;
    for (const json &d : *ws) {
      if (!d.is_number_unsigned() ||
          d.get<uint64_t>() > static_cast<uint64_t>(kInt64Max)) {
        error = where + " has shape " + brief(*ws) +
                ", expected non-negative integers";
        return false;
      }
      int64_t v = d.get<int64_t>();
      w.shape.push_back(v);
      if (!mulNonNeg(w.numel, v, w.numel) || w.numel > kInt64Max / 4) {
        error = where + " has shape " + brief(*ws) +
                " whose size in bytes overflows int64";
        return false;
      }
    }
    if (auto wd = entry.find("derive"); wd != entry.end()) {
      auto op = wd->is_object() ? wd->find("op") : wd->end();
      auto from = wd->is_object() ? wd->find("from") : wd->end();
      auto step = wd->is_object() ? wd->find("step") : wd->end();
      auto fromShape = wd->is_object() ? wd->find("from_shape") : wd->end();
      auto storage = wd->is_object() ? wd->find("storage") : wd->end();
      bool shapeOk = fromShape == wd->end() ||
                     (fromShape->is_array() && fromShape->size() <= 8);
      if (shapeOk && fromShape != wd->end())
        for (const json &v : *fromShape)
          shapeOk = shapeOk && v.is_number_integer() && v.get<int64_t>() > 0;
      if (embedded || op == wd->end() || !op->is_string() ||
          from == wd->end() || !from->is_string() ||
          (step != wd->end() && !step->is_number()) || !shapeOk ||
          (storage != wd->end() && !storage->is_string())) {
        error = where + " has 'derive' " + brief(*wd) +
                ", expected {op, from, step[, from_shape][, storage]} "
                "(weights loaded at run time)";
        return false;
      }
      if (fromShape != wd->end())
        for (const json &v : *fromShape)
          w.fromShape.push_back(v.get<int64_t>());
      w.derive = op->get_ref<const String &>();
      w.from = from->get_ref<const String &>();
      w.step = step != wd->end() ? step->get<double>() : 0.0;
      if (storage != wd->end())
        w.storage = storage->get_ref<const String &>();
    }
    auto wo = entry.find("offset");
    if (wo != entry.end()) {
      if (!wo->is_number_unsigned()) {
        error = where + " has offset " + brief(*wo) +
                ", expected a non-negative integer";
        return false;
      }
      w.offset = wo->get<uint64_t>();
    } else if (embedded) {
      error = where + " lacks 'offset' into the embedded weights";
      return false;
    }
    m.weights.push_back(std::move(w));
  }
  return true;
}

/// Allocates a 64-byte aligned buffer for `numel` floats (never null on
/// success, even for an empty tensor).
float *allocateWeight(int64_t numel) {
  size_t bytes = static_cast<size_t>(numel) * sizeof(float);
  bytes = (bytes + kWeightAlignment - 1) / kWeightAlignment * kWeightAlignment;
  if (bytes == 0)
    bytes = kWeightAlignment;
  // A checked allocation: never jumps, so callers handle null.
  return static_cast<float *>(crate::rt::tryAllocate(bytes, kWeightAlignment));
}

int createImpl(const crate_model_static *model, const char *weightsPath,
               crate_rt_model **out) {
  if (!out)
    return fail(CRATE_ERROR_INVALID_ARGUMENT, "crate_rt_create: out is null");
  *out = nullptr;
  if (!model)
    return fail(CRATE_ERROR_INVALID_ARGUMENT, "crate_rt_create: model is null");
  if (!model->manifest)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_create: model->manifest is null");

  std::unique_ptr<crate_rt_model> m(new (std::nothrow) crate_rt_model);
  if (!m)
    return fail(CRATE_ERROR_OUT_OF_MEMORY, "crate_rt_create: out of memory");
  bool embedded = model->weights != nullptr;
  String error;
  if (!parseManifest(model->manifest, embedded, *m, error)) {
    // The name may not have been parsed; name the function then.
    String who = m->name.empty() ? "crate_rt_create" : m->name;
    return fail(CRATE_ERROR_INTERNAL, who + ": " + error);
  }
  const String &name = m->name;
  if (!model->entry)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                name + ": model->entry is null");
  m->entry = model->entry;
  m->threads = crate::rt::defaultThreads();
  if (m->needsBF16 && !__builtin_cpu_supports("avx512bf16"))
    return fail(CRATE_ERROR_NO_DEVICE,
                name + ": compiled with --precision=bf16, which needs a CPU "
                       "with AVX512-BF16; this one has none (compile with "
                       "--precision=f32 for it)");
  if (m->gpu) {
    if (const char *why = crate::rt::cuda::init())
      return fail(CRATE_ERROR_NO_DEVICE, name + ": " + why);
    if (!(m->lanes = crate::rt::cuda::newLanes()))
      return fail(CRATE_ERROR_OUT_OF_MEMORY, name + ": out of memory");
  }

  if (embedded) {
    if (weightsPath)
      return fail(CRATE_ERROR_INVALID_ARGUMENT,
                  name + ": weights are embedded in this library; pass NULL "
                         "to create");
    for (Weight &w : m->weights) {
      uint64_t bytes = static_cast<uint64_t>(w.numel) * sizeof(float);
      if (bytes > model->weights_size ||
          w.offset > model->weights_size - bytes)
        return fail(CRATE_ERROR_INTERNAL,
                    name + ": embedded weight '" + w.name + "' at offset " +
                        toString(w.offset) + " with " +
                        toString(bytes) +
                        " bytes lies outside the embedded weights (" +
                        toString(model->weights_size) + " bytes)");
      w.data = allocateWeight(w.numel);
      if (!w.data)
        return fail(CRATE_ERROR_OUT_OF_MEMORY,
                    name + ": out of memory for weight '" + w.name + "' (" +
                        toString(bytes) + " bytes)");
      if (bytes)
        std::memcpy(w.data, model->weights + w.offset, bytes);
    }
  } else {
    if (!weightsPath)
      return fail(CRATE_ERROR_INVALID_ARGUMENT,
                  name + ": weights are not embedded in this library; pass "
                         "the path of a .safetensors file to create");
    // The safetensors reader uses the standard allocator: while its
    // objects live, nothing may jump (Allocator.h); the weight buffers are
    // checked allocations.
    int status = CRATE_OK;
    String message;
    {
      crate::rt::NoJump noJump;
      crate::st::SafeTensorsFile file;
      std::string readError;
      std::vector<float> values;
      if (!crate::st::SafeTensorsFile::open(weightsPath, file, readError)) {
        status = CRATE_ERROR_WEIGHTS;
        message = name + ": " + readError.c_str();
      }
      for (Weight &w : m->weights) {
        if (status != CRATE_OK)
          break;
        std::vector<int64_t> shape(w.shape.begin(), w.shape.end());
        bool read;
        if (w.derive.empty()) {
          read = file.readF32(std::string(w.name.c_str()), shape, values,
                              readError);
        } else {
          crate::weights::Derivation d{
              w.derive.c_str(), w.from.c_str(), w.step,
              std::vector<int64_t>(w.fromShape.begin(), w.fromShape.end()),
              w.storage.c_str()};
          std::vector<int64_t> sourceShape;
          std::vector<float> source;
          read = crate::weights::sourceShape(d, shape, sourceShape,
                                             readError) &&
                 file.readF32(d.from, sourceShape, source, readError) &&
                 crate::weights::derive(d, shape, source, values, readError);
        }
        if (!read) {
          status = CRATE_ERROR_WEIGHTS;
          message = name + ": " + readError.c_str();
          break;
        }
        w.data = allocateWeight(w.numel);
        if (!w.data) {
          status = CRATE_ERROR_OUT_OF_MEMORY;
          message = name + ": out of memory for weight '" + w.name + "' (" +
                    toString(w.numel * 4) + " bytes)";
          break;
        }
        if (!values.empty())
          std::memcpy(w.data, values.data(), values.size() * sizeof(float));
      }
    }
    if (status != CRATE_OK)
      return fail(status, message);
  }

  for (Weight &w : m->weights) {
    if (m->gpu) {
      // The kernels read the weights in GPU memory; the host copy goes.
      size_t bytes = size_t(w.numel) * sizeof(float);
      const char *why = crate::rt::cuda::allocate(bytes, &w.device);
      if (!why)
        why = crate::rt::cuda::copyToDevice(w.device, w.data, bytes);
      if (why)
        return fail(CRATE_ERROR_DEVICE, name + ": weight '" + w.name +
                                            "' to the GPU: " + why);
      crate::rt::deallocate(w.data);
      w.data = nullptr;
    }
    buildDescriptor(w.descriptor, m->gpu ? static_cast<float *>(w.device)
                                         : w.data,
                    w.shape);
  }
  *out = m.release();
  return succeed();
}

/// Copies the strided result `desc` of shape `sizes` to contiguous `dst`.
void copyStrided(const int64_t *desc, const Vector<int64_t> &sizes,
                 int64_t elements, float *dst) {
  size_t rank = sizes.size();
  const float *base = descriptorPointer(desc, 1) + desc[2];
  const int64_t *strides = desc + 3 + rank;
  // Contiguous row-major (ignoring the strides of size-1 dimensions): one
  // memcpy.
  bool contiguous = true;
  int64_t expected = 1;
  for (size_t i = rank; i-- > 0;) {
    if (sizes[i] != 1 && strides[i] != expected)
      contiguous = false;
    expected *= sizes[i];
  }
  if (contiguous) {
    std::memcpy(dst, base, static_cast<size_t>(elements) * sizeof(float));
    return;
  }
  // General case: walk the index space in row-major order, innermost
  // dimension in a tight loop.
  Vector<int64_t> index(rank, 0);
  int64_t inner = sizes[rank - 1];
  int64_t innerStride = strides[rank - 1];
  for (int64_t done = 0; done < elements; done += inner) {
    int64_t off = 0;
    for (size_t i = 0; i + 1 < rank; ++i)
      off += index[i] * strides[i];
    const float *src = base + off;
    for (int64_t k = 0; k < inner; ++k)
      dst[done + k] = src[k * innerStride];
    for (size_t i = rank - 1; i-- > 0;) {
      if (++index[i] < sizes[i])
        break;
      index[i] = 0;
    }
  }
}

/// Where the calling thread's crate_rt_profile_block calls are charged:
/// set around an entry call of a model compiled with --profile.
struct ProfileSink {
  std::atomic<uint64_t> *nanos = nullptr;
  int32_t blocks = 0;
  int32_t current = -1; // the block running since `since`, or none
  std::chrono::steady_clock::time_point since;
};
thread_local ProfileSink profileSink;

/// Charges the time since the last mark to the block running then.
void chargeProfile(std::chrono::steady_clock::time_point now) {
  ProfileSink &sink = profileSink;
  if (sink.nanos && sink.current >= 0 && sink.current < sink.blocks)
    sink.nanos[sink.current].fetch_add(
        uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                     now - sink.since)
                     .count()),
        std::memory_order_relaxed);
}

/// Runs the entry once on `batch` consecutive images; outputs[i] receives
/// result i when non-null.
int runEntry(crate_rt_model *model, const void *const *inputs, int64_t batch,
             float *const *outputs, size_t count, bool deviceIO) {
  const String &name = model->name;
  const size_t numOutputs = model->outputs.size();
  Vector<int64_t> outElements(numOutputs);
  for (size_t i = 0; i < numOutputs; ++i)
    outElements[i] = batch * model->outputs[i].sampleElements;
  // Per-call descriptors: nothing shared is written, so concurrent calls on
  // one instance are safe. The results are consecutive descriptors (one
  // result: its descriptor; several: MLIR's struct of descriptors).
  const size_t numInputs = model->inputs.size();
  Vector<Vector<int64_t>> inDescs(numInputs);
  // A GPU model runs on a lane (one stream, its buffers kept) from here to
  // the return.
  struct Lane {
    bool on = false;
    ~Lane() {
      if (on)
        crate::rt::cuda::endForward();
    }
  } lane;
  if (model->gpu) {
    if (const char *why = crate::rt::cuda::beginForward(model->lanes))
      return fail(CRATE_ERROR_DEVICE, name + ": " + why);
    lane.on = true;
  }
  // A GPU model reads its inputs from GPU memory: copies, given back to
  // the lane at the end.
  Vector<void *> deviceInputs(numInputs, nullptr);
  auto releaseInputs = [&] {
    for (void *p : deviceInputs)
      crate::rt::cuda::releaseTemporary(p);
  };
  for (size_t i = 0; i < numInputs; ++i) {
    Vector<int64_t> sizes = model->inputs[i].shape;
    sizes[0] = batch;
    void *data = const_cast<void *>(inputs[i]);
    if (model->gpu && !deviceIO) {
      size_t bytes = size_t(batch * model->inputs[i].sampleElements) *
                     model->inputs[i].elementBytes();
      const char *why =
          crate::rt::cuda::allocateTemporary(bytes, &deviceInputs[i]);
      if (!why)
        why = crate::rt::cuda::copyToDeviceInOrder(deviceInputs[i], data,
                                                   bytes);
      if (why) {
        releaseInputs();
        return fail(CRATE_ERROR_DEVICE,
                    name + ": input to the GPU: " + why);
      }
      data = deviceInputs[i];
    }
    buildDescriptor(inDescs[i], data, sizes);
  }
  Vector<size_t> outAt(numOutputs);
  size_t outWords = 0;
  for (size_t i = 0; i < numOutputs; ++i) {
    outAt[i] = outWords;
    outWords += 3 + 2 * model->outputs[i].shape.size();
  }
  Vector<int64_t> outDesc(outWords, 0);

  size_t weightWords = 0;
  for (const Weight &w : model->weights)
    weightWords += w.descriptor.size();
  Vector<int64_t> weightDescs;
  weightDescs.reserve(weightWords);
  Vector<void *> args;
  args.reserve(1 + numInputs + model->weights.size());
  args.push_back(outDesc.data());
  for (Vector<int64_t> &desc : inDescs)
    args.push_back(desc.data());
  for (const Weight &w : model->weights)
    weightDescs.insert(weightDescs.end(), w.descriptor.begin(),
                       w.descriptor.end());
  size_t at = 0;
  for (const Weight &w : model->weights) {
    args.push_back(weightDescs.data() + at);
    at += w.descriptor.size();
  }

  const bool profiled = !model->profileBlocks.empty();
  if (profiled)
    profileSink = {model->profileNanos, int32_t(model->profileBlocks.size()),
                   -1, std::chrono::steady_clock::now()};
  model->entry(args.data());
  if (profiled) {
    chargeProfile(std::chrono::steady_clock::now());
    profileSink = {};
  }
  // The kernels were queued on the lane's stream: all done here.
  if (model->gpu)
    crate::rt::cuda::waitForward();
  const char *deviceError = model->gpu ? crate::rt::cuda::takeError() : nullptr;

  // Free every result buffer once, unless it aliases memory we do not own.
  Vector<float *> freed;
  auto release = [&](float *allocated) {
    if (!allocated)
      return;
    for (size_t i = 0; i < numInputs; ++i)
      if (allocated == inputs[i] || allocated == deviceInputs[i])
        return;
    for (const Weight &w : model->weights)
      if (allocated == w.data || (w.device && allocated == w.device))
        return;
    for (float *p : freed)
      if (p == allocated)
        return;
    freed.push_back(allocated);
    if (model->gpu)
      crate::rt::cuda::releaseTemporary(allocated);
    else
      _mlir_memref_to_llvm_free(allocated);
  };
  int status = CRATE_OK;
  String message;
  if (deviceError) {
    status = CRATE_ERROR_DEVICE;
    message = name + ": on the GPU: " + deviceError;
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    const int64_t *desc = outDesc.data() + outAt[i];
    Vector<int64_t> sizes = model->outputs[i].shape;
    sizes[0] = batch;
    Vector<int64_t> got(desc + 3, desc + 3 + sizes.size());
    const float *aligned = descriptorPointer(desc, 1);
    String what =
        i == 0 ? "an output" : "its '" + model->outputs[i].name + "' output";
    if (status == CRATE_OK && got != sizes) {
      status = CRATE_ERROR_INTERNAL;
      message = name + ": the model returned " + what + " of shape " +
                formatShape(got) + ", expected " +
                formatShape(sizes);
    } else if (status == CRATE_OK && outElements[i] > 0 && !aligned) {
      status = CRATE_ERROR_INTERNAL;
      message = name + ": the model returned " + what + " in a null buffer";
    } else if (status == CRATE_OK && i < count && outputs[i] &&
               outElements[i] > 0) {
      if (model->gpu) {
        // The kernels write identity-layout buffers (bufferized function
        // boundaries): one copy to the host, or within the GPU.
        const float *base = aligned + desc[2];
        size_t bytes = size_t(outElements[i]) * sizeof(float);
        if (const char *why =
                deviceIO
                    ? crate::rt::cuda::copyOnDevice(outputs[i], base, bytes)
                    : crate::rt::cuda::copyToHost(outputs[i], base, bytes)) {
          status = CRATE_ERROR_DEVICE;
          message = name + ": result from the GPU: " + why;
        }
      } else {
        copyStrided(desc, sizes, outElements[i], outputs[i]);
      }
    }
    release(descriptorPointer(desc, 0));
  }
  releaseInputs();
  if (status != CRATE_OK)
    return fail(status, message);
  return CRATE_OK;
}


/// The images of one forward call, cut into chunks of the entry's batch.
struct ChunkWork {
  crate_rt_model *model;
  const void *const *inputs;
  float *const *outputs;
  size_t count;
  bool deviceIO; // inputs and outputs are GPU memory (forward_device)
  int64_t chunk;
  std::atomic<int> status{CRATE_OK}; // the first failure
  char message[1024] = "";
};

/// Runs chunk `index` of a call (on the caller or a helper thread).
void runChunk(void *ctx, int64_t index) {
  auto *work = static_cast<ChunkWork *>(ctx);
  if (work->status.load() != CRATE_OK)
    return;
  const crate_rt_model *model = work->model;
  int64_t first = index * work->chunk;
  Vector<float *> chunkOutputs(work->count);
  for (size_t i = 0; i < work->count; ++i)
    chunkOutputs[i] =
        work->outputs[i]
            ? work->outputs[i] + first * model->outputs[i].sampleElements
            : nullptr;
  Vector<const void *> chunkInputs(model->inputs.size());
  for (size_t i = 0; i < chunkInputs.size(); ++i)
    chunkInputs[i] = static_cast<const char *>(work->inputs[i]) +
                     first * model->inputs[i].sampleElements *
                         model->inputs[i].elementBytes();
  int status = runEntry(work->model, chunkInputs.data(), work->chunk,
                        chunkOutputs.data(), work->count, work->deviceIO);
  int expected = CRATE_OK;
  if (status != CRATE_OK && work->status.compare_exchange_strong(expected, status))
    std::snprintf(work->message, sizeof work->message, "%s",
                  lastError);
}

/// Runs the entry; outputs[i] receives result i when non-null (`count`
/// pointers are given; results past them are computed and dropped).
int forwardImpl(crate_rt_model *model, const void *const *inputs,
                int64_t batch, float *const *outputs, size_t count,
                bool deviceIO) {
  if (!model)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_forward: model is null");
  const String &name = model->name;
  if (!inputs)
    return fail(CRATE_ERROR_INVALID_ARGUMENT, name + ": inputs is null");
  for (size_t i = 0; i < model->inputs.size(); ++i)
    if (!inputs[i])
      return fail(CRATE_ERROR_INVALID_ARGUMENT,
                  model->inputs[i].name == "input"
                      ? name + ": input is null"
                      : name + ": input '" + model->inputs[i].name +
                            "' is null");
  if (!outputs)
    return fail(CRATE_ERROR_INVALID_ARGUMENT, name + ": outputs is null");
  if (batch <= 0)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                name + ": batch is " + toString(batch) +
                    ", expected a positive count");
  const size_t numOutputs = model->outputs.size();
  Vector<int64_t> outElements(numOutputs);
  bool fits = true;
  for (const Input &in : model->inputs) {
    int64_t inElements;
    fits = fits && mulNonNeg(batch, in.sampleElements, inElements) &&
           inElements <= kInt64Max / 8;
  }
  for (size_t i = 0; i < numOutputs && fits; ++i)
    fits = mulNonNeg(batch, model->outputs[i].sampleElements, outElements[i]) &&
           outElements[i] <= kInt64Max / 4;
  if (!fits)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                name + ": batch " + toString(batch) +
                    " is too large: the input or output size overflows int64");

  // Indices are read by the model as they are: one out of range would read
  // outside a table. Check every one first.
  for (size_t i = 0; i < model->inputs.size(); ++i) {
    const Input &in = model->inputs[i];
    if (!in.indices)
      continue;
    const auto *values = static_cast<const int64_t *>(inputs[i]);
    for (int64_t k = 0; k < batch * in.sampleElements; ++k)
      if (values[k] < 0 || values[k] >= in.bound)
        return fail(CRATE_ERROR_INVALID_ARGUMENT,
                    name + ": input '" + in.name + "' holds " +
                        toString(values[k]) + " at batch " +
                        toString(k / in.sampleElements) + ", element " +
                        toString(k % in.sampleElements) +
                        ", expected an index in [0, " + toString(in.bound) +
                        ")");
  }

  // The entry computes `entryBatch` images per call (0: any number); the
  // images are handed to it in chunks of that size, spread over the cores.
  ChunkWork work;
  work.model = model;
  work.inputs = inputs;
  work.outputs = outputs;
  work.count = count;
  work.deviceIO = deviceIO;
  work.chunk = model->entryBatch ? model->entryBatch : batch;
  int64_t chunks = (batch + work.chunk - 1) / work.chunk;
  crate::rt::parallelFor(chunks, model->threads, runChunk, &work);
  crate::rt::checkWorkerFailure();
  if (work.status.load() != CRATE_OK)
    return fail(work.status.load(), String(work.message));
  return succeed();
}

int shapeImpl(const crate_rt_model *model, int64_t *dims, bool input) {
  if (!model) {
    fail(CRATE_ERROR_INVALID_ARGUMENT,
         input ? "crate_rt_input_shape: model is null"
               : "crate_rt_output_shape: model is null");
    return -1;
  }
  const Vector<int64_t> &shape =
      input ? model->inputs[0].shape : model->outputs[0].shape;
  if (dims)
    for (size_t i = 0; i < shape.size(); ++i)
      dims[i] = shape[i];
  succeed();
  return static_cast<int>(shape.size());
}

// create and forward run in a call scope (Allocator.h): if an allocation
// fails, everything the call allocated is freed and the call returns
// CRATE_ERROR_OUT_OF_MEMORY; the model object, if any, is untouched.

struct CreateCall {
  const crate_model_static *model;
  const char *weightsPath;
  crate_rt_model **out;
};

int createBody(void *p) {
  auto *call = static_cast<CreateCall *>(p);
  return createImpl(call->model, call->weightsPath, call->out);
}

struct ForwardCall {
  crate_rt_model *model;
  const void *const *inputs;
  int64_t batch;
  float *const *outputs;
  size_t count;
  bool deviceIO;
};

int forwardBody(void *p) {
  auto *call = static_cast<ForwardCall *>(p);
  return forwardImpl(call->model, call->inputs, call->batch, call->outputs,
                     call->count, call->deviceIO);
}

/// forward and forward_outputs take one float32 input; a model with
/// indices or several inputs says to call forward_inputs instead.
bool singleInputRefused(const crate_rt_model *model) {
  if (model->inputs.size() == 1 && !model->inputs[0].indices)
    return false;
  char message[512];
  std::snprintf(message, sizeof message,
                "%s takes %zu input(s), '%s' of %s: call %s_forward_inputs",
                model->name.c_str(), model->inputs.size(),
                model->inputs[0].name.c_str(),
                model->inputs[0].indices ? "int64 indices" : "float32",
                model->name.c_str());
  setLastError(message);
  return true;
}

} // namespace

// Shared with LanguageModel.cpp (Model.h).
namespace crate::rt {

int forwardInScope(crate_rt_model *model, const void *const *inputs,
                   int64_t batch, float *const *outputs, size_t count,
                   bool deviceIO) {
  ForwardCall call{model, inputs, batch, outputs, count, deviceIO};
  return crate::rt::runInScope(forwardBody, &call, crate::rt::OnReturn::FreeAll,
                               model ? model->name.c_str() : "crate_rt_forward",
                               setLastError);
}

} // namespace crate::rt

crate_rt_model::~crate_rt_model() {
  crate::rt::cuda::deleteLanes(lanes);
  for (Weight &w : weights) {
    crate::rt::deallocate(w.data);
    crate::rt::cuda::release(w.device);
  }
}

extern "C" {

int crate_rt_create(const crate_model_static *model, const char *weights_path,
                    crate_rt_model **out) {
  CreateCall call{model, weights_path, out};
  // The model's name is not known before its manifest is parsed, and what
  // was parsed is gone after a failure: name the model static's entry then.
  int status = crate::rt::runInScope(createBody, &call,
                                     crate::rt::OnReturn::KeepOnSuccess,
                                     "crate_rt_create", setLastError);
  if (status != CRATE_OK && out)
    *out = nullptr;
  return status;
}

int crate_rt_forward(crate_rt_model *model, const float *input, int64_t batch,
                     float *output) {
  if (model && !output) {
    char message[256];
    std::snprintf(message, sizeof message, "%s: output is null",
                  model->name.c_str());
    setLastError(message);
    return CRATE_ERROR_INVALID_ARGUMENT;
  }
  if (model && singleInputRefused(model))
    return CRATE_ERROR_INVALID_ARGUMENT;
  const void *inputs[] = {input};
  return forwardInScope(model, inputs, batch, &output, 1);
}

int crate_rt_forward_outputs(crate_rt_model *model, const float *input,
                             int64_t batch, float *const *outputs) {
  if (model && singleInputRefused(model))
    return CRATE_ERROR_INVALID_ARGUMENT;
  const void *inputs[] = {input};
  return forwardInScope(model, inputs, batch, outputs,
                        model ? model->outputs.size() : 0);
}

int crate_rt_forward_inputs(crate_rt_model *model, const void *const *inputs,
                            int64_t batch, float *const *outputs) {
  return forwardInScope(model, inputs, batch, outputs,
                        model ? model->outputs.size() : 0);
}

int crate_rt_forward_device(crate_rt_model *model, const float *input,
                            int64_t batch, float *output, void *stream) {
  if (!model)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_forward_device: model is null");
  if (!model->gpu)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": forward_device takes GPU memory and is for "
                              "libraries compiled with --target=nvptx; use " +
                    model->name + "_forward");
  if (singleInputRefused(model))
    return CRATE_ERROR_INVALID_ARGUMENT;
  // The kernels run on a stream of the model's, waited for before the
  // call returns: work queued on the caller's stream (the input being
  // written) finishes first, and the output is complete at the return.
  if (const char *why = crate::rt::cuda::synchronize(stream))
    return fail(CRATE_ERROR_DEVICE, model->name + ": " + why);
  const void *inputs[] = {input};
  return forwardInScope(model, inputs, batch, &output, 1, /*deviceIO=*/true);
}

} // extern "C"

extern "C" {

void crate_rt_destroy(crate_rt_model *model) {
  delete model;
  // The buffers kept for this model's next call are not needed any more.
  crate::rt::releaseCachedBlocks();
}

const char *crate_rt_last_error(void) { return lastError; }

void crate_rt_profile_block(int32_t block) {
  auto now = std::chrono::steady_clock::now();
  chargeProfile(now);
  profileSink.current = block;
  profileSink.since = now;
}

int crate_rt_profile(crate_rt_model *model, double *seconds, int64_t capacity,
                     int reset) {
  if (!model) {
    fail(CRATE_ERROR_INVALID_ARGUMENT, "crate_rt_profile: model is null");
    return -1;
  }
  const int blocks = int(model->profileBlocks.size());
  if (blocks == 0) {
    fail(CRATE_ERROR_INVALID_ARGUMENT,
         model->name + ": the library was compiled without --profile");
    return -1;
  }
  if (capacity < 0 || (capacity > 0 && !seconds)) {
    fail(CRATE_ERROR_INVALID_ARGUMENT,
         model->name + ": crate_rt_profile: seconds is null or capacity " +
             toString(capacity) + " is negative");
    return -1;
  }
  for (int i = 0; i < blocks; ++i) {
    uint64_t nanos = reset ? model->profileNanos[i].exchange(0)
                           : model->profileNanos[i].load();
    if (i < capacity)
      seconds[i] = double(nanos) * 1e-9;
  }
  succeed();
  return blocks;
}

const char *crate_rt_profile_block_name(const crate_rt_model *model,
                                        int64_t index) {
  if (!model || index < 0 ||
      index >= int64_t(model->profileBlocks.size()))
    return nullptr;
  return model->profileBlocks[size_t(index)].c_str();
}

int crate_rt_input_shape(const crate_rt_model *model, int64_t *dims) {
  return shapeImpl(model, dims, /*input=*/true);
}

int crate_rt_output_shape(const crate_rt_model *model, int64_t *dims) {
  return shapeImpl(model, dims, /*input=*/false);
}

#define CRATE_RT_STRINGIFY2(x) #x
#define CRATE_RT_STRINGIFY(x) CRATE_RT_STRINGIFY2(x)

const char *crate_rt_version(void) {
  return "crate 0.1.0 (abi " CRATE_RT_STRINGIFY(CRATE_MODEL_ABI_VERSION) ")";
}

} // extern "C"
