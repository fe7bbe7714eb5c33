//===- Allocator.h - the allocator the model code calls ----------*- C++ -*-===//
//
// Buffers the generated code allocates (results included) come from these
// functions; the runtime frees result buffers with the matching free.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_CPU_ALLOCATOR_H
#define CRATE_RUNTIME_CPU_ALLOCATOR_H

#include <cstdint>

extern "C" {
void *_mlir_memref_to_llvm_alloc(uint64_t size);
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size);
void _mlir_memref_to_llvm_free(void *ptr);
}

#endif // CRATE_RUNTIME_CPU_ALLOCATOR_H
