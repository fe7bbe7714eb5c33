// The NVPTX route on the CRATE mini classifier (one image, weights as
// arguments).
//
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg \
// RUN:   --crate-specialize-batch --canonicalize --cse \
// RUN:   --crate-pretranspose-weights --canonicalize \
// RUN:   --crate-weights-to-arguments -o %t.linalg.mlir
//
// The tiled kernel program: bufferized, no linalg op or host copy left,
// every loop nest a grid loop (innermost dimension on block x) around a
// 32-thread block loop.
// RUN: crate-opt %t.linalg.mlir --crate-gpu-kernel-program -o %t.program.mlir
// RUN: FileCheck %s --check-prefix=PROGRAM --implicit-check-not=linalg. \
// RUN:   --implicit-check-not=memref.copy < %t.program.mlir
// PROGRAM-LABEL: func.func @crate_mini(
// PROGRAM:         %[[T:.*]] = arith.constant 32 : index
// PROGRAM:         %[[S:.*]] = arith.muli %{{.*}}, %[[T]] : index
// PROGRAM:         scf.parallel {{.*}} step ({{.*}}, %[[S]])
// PROGRAM:           scf.parallel {{.*}} to ({{.*}}, %[[S]])
// PROGRAM:           } {mapping = [{{.*}}processor = thread_x{{.*}}]}
// PROGRAM:         } {mapping = [{{.*}}processor = block_z{{.*}}processor = block_y{{.*}}processor = block_x{{.*}}]}
//
// The same program lowered for the host processor leaves only the LLVM
// dialect (the GPU mapping attributes go with the loops); its numbers are
// checked by test/Integration/GpuKernelProgramTest.cpp.
// RUN: crate-opt %t.program.mlir --crate-gpu-kernel-program-to-cpu | FileCheck %s --check-prefix=CPU \
// RUN:   --implicit-check-not=scf. --implicit-check-not=memref. --implicit-check-not=gpu.
// CPU: llvm.func @crate_mini(
// CPU: llvm.fmul
// CPU: llvm.return
//
// Mapped and compiled: one kernel per loop nest (224 for crate_mini, and
// two one-thread kernels for the statistics of the pooled token's
// LayerNorm, which has no parallel dimension), each PTX for sm_90a by
// default, no malloc in any kernel (a workgroup alloc would silently become
// one). No kernel uses shared memory yet. The host code allocates every
// buffer in device memory (mgpuMemAlloc), never with malloc.
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx -o %t.ptx.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.ptx.mlir %t.ptx | FileCheck %s --check-prefix=COUNT
// COUNT: 226 kernels
// RUN: FileCheck %s --check-prefix=HOST --implicit-check-not="llvm.call @malloc" < %t.ptx.mlir
// HOST: llvm.call @mgpuMemAlloc
// RUN: cat %t.ptx/*.ptx | FileCheck %s --check-prefix=PTX --implicit-check-not=malloc --implicit-check-not=.shared
// PTX: .target sm_90a
// PTX: .visible .entry crate_mini_kernel(
// PTX: mov.u32 {{.*}}%tid.x
// PTX: ld.global
// PTX: st.global
//
// --gpu-arch picks the target; anything else is refused with the choices.
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_80 | FileCheck %s --check-prefix=SM80
// SM80: #nvvm.target<chip = "sm_80"
// SM80: .target sm_80
// RUN: not crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_70 2>&1 | FileCheck %s --check-prefix=BADARCH
// BADARCH: Cannot find option named 'sm_70'
