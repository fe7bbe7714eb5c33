//===- Allocator.cpp - where the model code's buffers come from -----------===//
//
// The generated code allocates its intermediate and result buffers through
// the three functions MLIR's memref lowering calls with
// `use-generic-functions` (FunctionCallUtils in MLIR), so that the runtime,
// not libc directly, owns the model's allocations.
//
//===----------------------------------------------------------------------===//

#include "Allocator.h"
#include "ModelABI.h"

#include <cstdint>
#include <cstdlib>

extern "C" {

void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return std::malloc(size ? size : 1);
}

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  uint64_t rounded = (size + alignment - 1) / alignment * alignment;
  return std::aligned_alloc(alignment, rounded ? rounded : alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) { std::free(ptr); }

} // extern "C"
