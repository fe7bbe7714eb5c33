//===- LanguageModel.cpp - token sequences: any length, one at a time -----===//
//
// The crate_rt_* functions of ModelABI.h for language models: a forward over
// sequences shorter than the compiled length (by padding, for models that
// crate-mark-causal proved causal), and decoders, each one sequence decoded
// token by token by a library compiled with --decode-step, with greedy and
// seeded temperature sampling. Like the rest of the runtime: no exceptions,
// every failure a status and a message.
//
//===----------------------------------------------------------------------===//

#include "Model.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

using crate::rt::fail;
using crate::rt::forwardInScope;
using crate::rt::Input;
using crate::rt::mulNonNeg;
using crate::rt::String;
using crate::rt::succeed;
using crate::rt::toString;
template <typename T> using Vector = crate::rt::Vector<T>;

namespace {
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
} // namespace

extern "C" {

int crate_rt_forward_tokens(crate_rt_model *model, const int64_t *ids,
                            int64_t batch, int64_t length, float *logits) {
  if (!model || !ids || !logits)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_forward_tokens: model, ids or logits is null");
  const Input &in = model->inputs[0];
  const Vector<int64_t> &out = model->outputs[0].shape;
  if (model->inputs.size() != 1 || !in.indices || in.shape.size() != 2 ||
      out.size() != 3 || out[1] != in.shape[1])
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name +
                    ": forward_tokens is for language models whose "
                    "one input is token ids (batch, tokens) and "
                    "whose output is logits (batch, tokens, "
                    "vocabulary); call " +
                    model->name + "_forward_inputs");
  int64_t tokens = in.shape[1], vocab = out[2];
  if (length < 1 || length > tokens)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": length " + toString(length) +
                    " is outside [1, " + toString(tokens) +
                    "], the compiled maximum");
  if (batch < 1)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": batch must be >= 1, got " + toString(batch));
  const void *inputs[] = {ids};
  if (length == tokens)
    return forwardInScope(model, inputs, batch, &logits, 1);
  if (!model->causal)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name +
                    ": the model is not causal (a position's "
                    "logits may read later tokens), so it runs "
                    "sequences of exactly " +
                    toString(tokens) + " tokens, got length " +
                    toString(length));
  // Padding after the last token leaves every position before it as it is
  // (crate-mark-causal proved it): run the compiled length, keep the prefix.
  int64_t idCount = 0, logitCount = 0;
  if (!mulNonNeg(batch, tokens, idCount) ||
      !mulNonNeg(idCount, vocab, logitCount) ||
      uint64_t(logitCount) > uint64_t(kInt64Max) / sizeof(float))
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": batch " + toString(batch) + " is too large");
  auto *padded = static_cast<int64_t *>(
      crate::rt::tryAllocate(uint64_t(idCount) * sizeof(int64_t), 64));
  auto *full = static_cast<float *>(
      crate::rt::tryAllocate(uint64_t(logitCount) * sizeof(float), 64));
  if (!padded || !full) {
    crate::rt::deallocate(padded);
    crate::rt::deallocate(full);
    return fail(CRATE_ERROR_OUT_OF_MEMORY, model->name + ": out of memory");
  }
  for (int64_t b = 0; b < batch; ++b) {
    std::memcpy(padded + b * tokens, ids + b * length,
                size_t(length) * sizeof(int64_t));
    std::memset(padded + b * tokens + length, 0,
                size_t(tokens - length) * sizeof(int64_t));
  }
  const void *paddedInputs[] = {padded};
  int status = forwardInScope(model, paddedInputs, batch, &full, 1);
  if (status == CRATE_OK)
    for (int64_t b = 0; b < batch; ++b)
      std::memcpy(logits + b * length * vocab, full + b * tokens * vocab,
                  size_t(length * vocab) * sizeof(float));
  crate::rt::deallocate(padded);
  crate::rt::deallocate(full);
  return status;
}

} // extern "C"

/// A sequence being decoded by a library compiled with --decode-step: its
/// next position and the running state every layer keeps of the tokens
/// before it (the entry's inputs `state.*`, which its outputs of the same
/// names update).
struct crate_rt_decoder {
  const crate_rt_model *model = nullptr;
  char modelName[128] = {}; // for messages, without reading `model`
  int64_t position = 0;
  int64_t maxPositions = 0;   // the bound of the `position` input
  size_t states = 0;          // inputs 2 .. 2 + states
  float **state = nullptr;    // per state input, its buffer
  float **next = nullptr;     // per state input, the step's output buffer
  size_t *outputOf = nullptr; // per state input, the index of its output
  // Per state input, 0 when its output replaces it (swapped in), or the
  // width of the row its output `<name>.row` is, written at the position
  // (MSSA's cache: a step writes one row, not the cache).
  int64_t *rowWidth = nullptr;
};

namespace {
void freeDecoder(crate_rt_decoder *d) {
  if (!d)
    return;
  for (size_t i = 0; i < d->states; ++i) {
    if (d->state)
      crate::rt::deallocate(d->state[i]);
    if (d->next)
      crate::rt::deallocate(d->next[i]);
  }
  crate::rt::deallocate(d->state);
  crate::rt::deallocate(d->next);
  crate::rt::deallocate(d->outputOf);
  crate::rt::deallocate(d->rowWidth);
  crate::rt::deallocate(d);
}

void zeroState(crate_rt_decoder *d) {
  for (size_t i = 0; i < d->states; ++i)
    std::memset(d->state[i], 0,
                d->model->inputs[2 + i].sampleElements * sizeof(float));
  d->position = 0;
}
} // namespace

extern "C" {

int crate_rt_decoder_create(crate_rt_model *model, crate_rt_decoder **out) {
  if (!model || !out)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_decoder_create: model or out is null");
  *out = nullptr;
  const Vector<Input> &in = model->inputs;
  bool decodes = in.size() >= 2 && in[0].indices && in[1].indices &&
                 in[1].name == "position" && in[0].sampleElements == 1;
  for (size_t i = 2; decodes && i < in.size(); ++i)
    decodes = !in[i].indices && in[i].name.compare(0, 6, "state.") == 0;
  if (!decodes)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": the library was not compiled with "
                              "--decode-step: it has no decoding state");
  size_t states = in.size() - 2;
  auto *d = static_cast<crate_rt_decoder *>(crate::rt::tryAllocate(
      sizeof(crate_rt_decoder), alignof(crate_rt_decoder)));
  if (!d)
    return fail(CRATE_ERROR_OUT_OF_MEMORY, model->name + ": out of memory");
  new (d) crate_rt_decoder();
  d->model = model;
  std::snprintf(d->modelName, sizeof d->modelName, "%s", model->name.c_str());
  d->maxPositions = in[1].bound;
  d->states = states;
  size_t n = states ? states : 1;
  d->state =
      static_cast<float **>(crate::rt::tryAllocate(n * sizeof(float *), 16));
  d->next =
      static_cast<float **>(crate::rt::tryAllocate(n * sizeof(float *), 16));
  d->outputOf =
      static_cast<size_t *>(crate::rt::tryAllocate(n * sizeof(size_t), 16));
  d->rowWidth =
      static_cast<int64_t *>(crate::rt::tryAllocate(n * sizeof(int64_t), 16));
  if (!d->state || !d->next || !d->outputOf || !d->rowWidth) {
    d->states = 0;
    freeDecoder(d);
    return fail(CRATE_ERROR_OUT_OF_MEMORY, model->name + ": out of memory");
  }
  for (size_t i = 0; i < states; ++i) {
    d->state[i] = d->next[i] = nullptr;
  }
  for (size_t i = 0; i < states; ++i) {
    const Input &s = in[2 + i];
    // Its update: an output of its name and size, or `<name>.row`, one row
    // of a (positions, width) state written at the position.
    size_t found = 0;
    int64_t row = 0;
    for (size_t o = 1; o < model->outputs.size(); ++o) {
      const auto &out = model->outputs[o];
      if (out.name == s.name && out.sampleElements == s.sampleElements) {
        found = o;
        row = 0;
      } else if (out.name == s.name + ".row" && s.shape.size() == 3 &&
                 s.shape[1] == d->maxPositions &&
                 out.sampleElements == s.shape[2]) {
        found = o;
        row = s.shape[2];
      }
    }
    if (!found) {
      freeDecoder(d);
      return fail(CRATE_ERROR_INTERNAL,
                  model->name + ": state input '" + s.name +
                      "' has no output of its name and size, nor a row '" +
                      s.name + ".row', to update it");
    }
    d->outputOf[i] = found;
    d->rowWidth[i] = row;
    uint64_t bytes = uint64_t(s.sampleElements) * sizeof(float);
    uint64_t nextBytes = row ? uint64_t(row) * sizeof(float) : bytes;
    d->state[i] = static_cast<float *>(crate::rt::tryAllocate(bytes, 64));
    d->next[i] = static_cast<float *>(crate::rt::tryAllocate(nextBytes, 64));
    if (!d->state[i] || !d->next[i]) {
      freeDecoder(d);
      return fail(CRATE_ERROR_OUT_OF_MEMORY, model->name + ": out of memory");
    }
  }
  zeroState(d);
  *out = d;
  return succeed();
}

int crate_rt_decoder_step(crate_rt_model *model, crate_rt_decoder *decoder,
                          int64_t token, float *logits) {
  if (!model || !decoder || !logits)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_decoder_step: model, decoder or logits is null");
  if (decoder->model != model)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": the decoder was created for another model (" +
                    String(decoder->modelName) +
                    " at another address): a decoder holds the state of one "
                    "model's layers");
  if (decoder->position >= decoder->maxPositions)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name +
                    ": the sequence is longer than the compiled "
                    "maximum of " +
                    toString(decoder->maxPositions) +
                    " tokens (decoder_reset starts a new one)");
  size_t inputs = 2 + decoder->states;
  const void *in[64];
  float *outs[64] = {};
  if (inputs > 64 || model->outputs.size() > 64)
    return fail(CRATE_ERROR_INTERNAL, model->name + ": too many state tensors");
  int64_t position = decoder->position;
  in[0] = &token;
  in[1] = &position;
  outs[0] = logits;
  for (size_t i = 0; i < decoder->states; ++i) {
    in[2 + i] = decoder->state[i];
    outs[decoder->outputOf[i]] = decoder->next[i];
  }
  int status = forwardInScope(model, in, 1, outs, model->outputs.size());
  if (status != CRATE_OK)
    return status; // the state is unchanged: the step may be retried
  for (size_t i = 0; i < decoder->states; ++i) {
    if (int64_t width = decoder->rowWidth[i])
      std::memcpy(decoder->state[i] + position * width, decoder->next[i],
                  size_t(width) * sizeof(float));
    else
      std::swap(decoder->state[i], decoder->next[i]);
  }
  ++decoder->position;
  return CRATE_OK;
}

int crate_rt_decoder_generate(crate_rt_model *model, crate_rt_decoder *decoder,
                              const int64_t *prompt, int64_t prompt_length,
                              int64_t count, double temperature, uint64_t seed,
                              int64_t *tokens) {
  if (!model || !decoder || (prompt_length > 0 && !prompt) ||
      (count > 0 && !tokens))
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                "crate_rt_decoder_generate: model, decoder, prompt or tokens "
                "is null");
  if (prompt_length < 1 || count < 0)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name +
                    ": generate needs a prompt of at least one token "
                    "and count >= 0, got prompt_length " +
                    toString(prompt_length) + ", count " + toString(count));
  if (!(temperature >= 0.0) || !std::isfinite(temperature))
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": temperature must be finite and >= 0 (0: "
                              "greedy)");
  if (decoder->position + prompt_length + count - 1 > decoder->maxPositions)
    return fail(CRATE_ERROR_INVALID_ARGUMENT,
                model->name + ": " + toString(prompt_length) +
                    " prompt tokens and " + toString(count) +
                    " new ones from position " + toString(decoder->position) +
                    " exceed the compiled maximum of " +
                    toString(decoder->maxPositions) + " tokens");
  int64_t vocab = model->outputs[0].sampleElements;
  auto *logits = static_cast<float *>(
      crate::rt::tryAllocate(uint64_t(vocab) * sizeof(float), 64));
  if (!logits)
    return fail(CRATE_ERROR_OUT_OF_MEMORY, model->name + ": out of memory");
  // splitmix64: a small generator whose sequence the seed fixes everywhere.
  uint64_t state = seed;
  auto uniform = [&state]() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-53; // [0, 1)
  };
  int status = CRATE_OK;
  for (int64_t i = 0; i < prompt_length && status == CRATE_OK; ++i)
    status = crate_rt_decoder_step(model, decoder, prompt[i], logits);
  for (int64_t n = 0; n < count && status == CRATE_OK; ++n) {
    // Greedy: the first largest logit. Otherwise softmax(logits / T).
    int64_t best = 0;
    for (int64_t v = 1; v < vocab; ++v)
      if (logits[v] > logits[best])
        best = v;
    int64_t next = best;
    if (temperature > 0.0) {
      double total = 0.0;
      for (int64_t v = 0; v < vocab; ++v)
        total += std::exp((double(logits[v]) - logits[best]) / temperature);
      double u = uniform() * total, acc = 0.0;
      next = vocab - 1;
      for (int64_t v = 0; v < vocab; ++v) {
        acc += std::exp((double(logits[v]) - logits[best]) / temperature);
        if (u < acc) {
          next = v;
          break;
        }
      }
    }
    tokens[n] = next;
    // The last token needs no step of its own (nothing reads its logits).
    if (n + 1 < count)
      status = crate_rt_decoder_step(model, decoder, next, logits);
  }
  crate::rt::deallocate(logits);
  return status == CRATE_OK ? succeed() : status;
}

int64_t crate_rt_decoder_position(const crate_rt_decoder *decoder) {
  return decoder ? decoder->position : -1;
}

void crate_rt_decoder_reset(crate_rt_decoder *decoder) {
  if (decoder)
    zeroState(decoder);
}

void crate_rt_decoder_destroy(crate_rt_decoder *decoder) {
  freeDecoder(decoder);
}

} // extern "C"
