//===- Text.cpp - text generation with a decoding library -----------------===//
//
// A library compiled with --decode-step decodes one token at a time; its
// NAME_decoder_generate feeds a prompt and samples the continuation. The
// tokens are strings from a vocabulary file (a JSON array in id order, as
// examples/crate_gpt/train.py writes it); the prompt is split into them by
// longest match.
//
//===----------------------------------------------------------------------===//

#include "Text.h"

#include <nlohmann/json.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace crate::run {
namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "crate-run: error: %s\n", message.c_str());
  return 1;
}

/// The vocabulary file: a JSON array of strings, token i = entry i.
bool readVocabulary(const std::string &path, std::vector<std::string> &vocab,
                    std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open the vocabulary " + path + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty()) {
    error = "the vocabulary " + path +
            " is not a non-empty JSON array of strings (token i is entry i)";
    return false;
  }
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string() || j[i].get<std::string>().empty()) {
      error = "the vocabulary " + path + " has entry " + std::to_string(i) +
              " = " + j[i].dump() + ", expected a non-empty string";
      return false;
    }
    vocab.push_back(j[i].get<std::string>());
  }
  return true;
}

/// The prompt as token ids, each the longest vocabulary entry that matches.
bool tokenize(const std::string &prompt, const std::vector<std::string> &vocab,
              std::vector<int64_t> &ids, std::string &error) {
  std::map<std::string, int64_t> index;
  size_t longest = 0;
  for (size_t i = 0; i < vocab.size(); ++i) {
    index.emplace(vocab[i], int64_t(i)); // the first of duplicates wins
    longest = std::max(longest, vocab[i].size());
  }
  for (size_t at = 0; at < prompt.size();) {
    size_t len = std::min(longest, prompt.size() - at);
    for (; len > 0; --len)
      if (auto it = index.find(prompt.substr(at, len)); it != index.end()) {
        ids.push_back(it->second);
        break;
      }
    if (len == 0) {
      error = "the prompt's byte " + std::to_string(at) + " ('" +
              prompt.substr(at, 1) + "') starts no token of the vocabulary";
      return false;
    }
    at += len;
  }
  return true;
}

} // namespace

int generateText(void *handle, const std::string &libraryPath,
                 const std::string &name, const char *weights,
                 const TextOptions &options) {
  using Create = int (*)(const char *, void **);
  using DecoderCreate = int (*)(void *, void **);
  using Generate = int (*)(void *, void *, const int64_t *, int64_t, int64_t,
                           double, uint64_t, int64_t *);
  using Destroy = void (*)(void *);
  using LastError = const char *(*)(const void *);
  using Text = const char *(*)();
  auto sym = [&](const char *fn) {
    return dlsym(handle, (name + "_" + fn).c_str());
  };
  auto create = reinterpret_cast<Create>(sym("create"));
  auto decoderCreate = reinterpret_cast<DecoderCreate>(sym("decoder_create"));
  auto generate = reinterpret_cast<Generate>(sym("decoder_generate"));
  auto decoderDestroy = reinterpret_cast<Destroy>(sym("decoder_destroy"));
  auto destroy = reinterpret_cast<Destroy>(sym("destroy"));
  auto lastError = reinterpret_cast<LastError>(sym("last_error"));
  auto manifest = reinterpret_cast<Text>(sym("manifest"));
  if (!create || !decoderCreate || !generate || !decoderDestroy || !destroy ||
      !lastError || !manifest)
    return fail(libraryPath + " does not export " + name +
                "_decoder_generate "
                "and the rest of a crate model's API: it was written by an "
                "older crate-compile, or is named otherwise (--name)");

  // The decoding step: ids (B, 1) and positions in, logits (B, 1, V) out.
  nlohmann::json m = nlohmann::json::parse(manifest(), nullptr, false);
  int64_t maxPositions = 0, vocabSize = 0;
  if (!m.is_discarded() && m.contains("extra_inputs") &&
      m["extra_inputs"].is_array())
    for (const auto &in : m["extra_inputs"])
      if (in.value("name", "") == "position")
        maxPositions = in.value("bound", int64_t(0));
  if (!m.is_discarded() && m.contains("output") &&
      m["output"].contains("shape") && m["output"]["shape"].is_array() &&
      m["output"]["shape"].size() == 3)
    vocabSize = m["output"]["shape"][2].get<int64_t>();
  if (maxPositions <= 0 || vocabSize <= 0)
    return fail(libraryPath +
                " was not compiled with --decode-step: text "
                "generation decodes one token at a time (compile the model "
                "with crate-compile --decode-step)");

  if (options.vocabPath.empty())
    return fail("--prompt needs --vocab FILE: the model's tokens as a JSON "
                "array of strings, in id order");
  std::vector<std::string> vocab;
  std::vector<int64_t> prompt;
  std::string error;
  if (!readVocabulary(options.vocabPath, vocab, error))
    return fail(error);
  if (int64_t(vocab.size()) != vocabSize)
    return fail("the vocabulary " + options.vocabPath + " has " +
                std::to_string(vocab.size()) + " tokens, the model " +
                std::to_string(vocabSize));
  if (options.prompt.empty())
    return fail("--prompt is empty: generation starts from at least one "
                "token");
  if (!tokenize(options.prompt, vocab, prompt, error))
    return fail(error);
  int64_t count = options.count;
  if (count < 0) // up to the compiled maximum
    count = std::max<int64_t>(0, maxPositions - int64_t(prompt.size()) + 1);

  void *model = nullptr;
  if (create(weights, &model) != 0)
    return fail("cannot create the model: " + std::string(lastError(nullptr)) +
                (weights ? ""
                         : " (a library compiled with --weights-at-runtime "
                           "needs --weights FILE)"));
  void *decoder = nullptr;
  std::vector<int64_t> tokens(count);
  int status = decoderCreate(model, &decoder);
  if (status == 0)
    status = generate(model, decoder, prompt.data(), int64_t(prompt.size()),
                      count, options.temperature, options.seed, tokens.data());
  std::string message = status == 0 ? "" : lastError(model);
  if (decoder)
    decoderDestroy(decoder);
  destroy(model);
  if (status != 0)
    return fail("generation failed: " + message);

  std::string text = options.prompt;
  for (int64_t t : tokens)
    text += vocab[t];
  std::fprintf(stderr,
               "crate-run: %zu prompt tokens, %lld generated (%s), %s\n",
               prompt.size(), (long long)count,
               options.temperature == 0
                   ? "greedy"
                   : ("temperature " + std::to_string(options.temperature) +
                      ", seed " + std::to_string(options.seed))
                         .c_str(),
               name.c_str());
  std::printf("%s\n", text.c_str());
  return 0;
}

} // namespace crate::run
