//===- Text.h - text generation with a decoding library ------*- C++ -*-===//

#ifndef CRATE_RUN_TEXT_H
#define CRATE_RUN_TEXT_H

#include <cstdint>
#include <string>

namespace crate::run {

struct TextOptions {
  std::string prompt;
  std::string vocabPath;  // JSON array of the tokens' strings, in id order
  int64_t count = -1;     // tokens to generate; -1: up to the compiled maximum
  double temperature = 0; // 0: greedy
  uint64_t seed = 0;
};

/// Generates text from `options.prompt` with the library `handle` (dlopened,
/// API prefix `name`, compiled with --decode-step) and prints the prompt and
/// the continuation. Returns the process exit code; errors are printed.
int generateText(void *handle, const std::string &libraryPath,
                 const std::string &name, const char *weights,
                 const TextOptions &options);

} // namespace crate::run

#endif // CRATE_RUN_TEXT_H
