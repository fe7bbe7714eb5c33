// Every kernel of crate_mini assembles with ptxas for each supported
// architecture without local-memory spills (--no-spills fails otherwise). The per-kernel registers and
// shared memory are printed by scripts/ptx-kernels.py (see docs).
// REQUIRES: ptxas, libdevice
//
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg \
// RUN:   --crate-specialize-batch --canonicalize --cse \
// RUN:   --crate-pretranspose-weights --canonicalize \
// RUN:   --crate-weights-to-arguments --crate-gpu-kernel-program -o %t.program.mlir
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_90a -o %t.90a.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.90a.mlir %t.90a --ptxas %ptxas --arch sm_90a --no-spills | FileCheck %s
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_90 -o %t.90.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.90.mlir %t.90 --ptxas %ptxas --arch sm_90 --no-spills | FileCheck %s
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_80 -o %t.80.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.80.mlir %t.80 --ptxas %ptxas --arch sm_80 --no-spills | FileCheck %s
// CHECK: crate_mini_kernel: registers={{[0-9]+}} smem=0 spill_stores=0 spill_loads=0
// CHECK: 226 kernels
