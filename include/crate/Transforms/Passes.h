//===- Passes.h - crate transformation passes -------------------*- C++ -*-===//

#ifndef CRATE_TRANSFORMS_PASSES_H
#define CRATE_TRANSFORMS_PASSES_H

#include "crate/Dialect/Crate/CrateDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace crate {

#define GEN_PASS_DECL
#include "crate/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "crate/Transforms/Passes.h.inc"

} // namespace crate

#endif // CRATE_TRANSFORMS_PASSES_H
