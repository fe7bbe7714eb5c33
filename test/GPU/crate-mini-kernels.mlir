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
// LayerNorm, which has no parallel dimension), all in one module
// (crate-gpu-one-module), PTX for sm_90a by default, no malloc in any kernel (a workgroup alloc would silently become
// one). No kernel uses shared memory yet. The host code allocates every
// buffer in device memory (mgpuMemAlloc), never with malloc.
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx -o %t.ptx.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.ptx.mlir %t.ptx | FileCheck %s --check-prefix=COUNT
// COUNT: 226 kernels, 0 with tensor-core instructions in the PTX
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
//
// --precision=f16: every product reads f16 operands (weights and
// activations rounded by their own kernels) and accumulates in f32; the
// ones with full 16 x 8 x 16 tiles become tile loops of vector.contract on
// the f16 values widened, and what the tiles leave stays a linalg op on
// subviews. The program still runs on the CPU; mapped, each tile is one
// warp (32 threads) and its contraction an mma.sync.m16n8k16 with f16
// inputs and f32 accumulation.
// RUN: crate-opt %t.linalg.mlir --crate-gpu-kernel-program=precision=f16 -o %t.f16.mlir
// RUN: FileCheck %s --check-prefix=F16 < %t.f16.mlir
// F16: arith.truncf {{.*}} : f32 to f16
// F16: scf.parallel
// F16: scf.for {{.*}} iter_args({{.*}}) -> (vector<16x8xf32>)
// F16: vector.transfer_read {{.*}} : memref<{{.*}}xf16{{.*}}>, vector<16x16xf16>
// F16: arith.extf {{.*}} : vector<16x16xf16> to vector<16x16xf32>
// F16: vector.contract {{.*}} : vector<16x16xf32>, vector<8x16xf32> into vector<16x8xf32>
// F16: vector.transfer_write {{.*}} : vector<16x8xf32>
// RUN: crate-opt %t.f16.mlir --crate-gpu-kernel-program-to-cpu | FileCheck %s --check-prefix=CPU \
// RUN:   --implicit-check-not=scf. --implicit-check-not=memref. --implicit-check-not=gpu. --implicit-check-not=" vector."
// RUN: crate-opt %t.f16.mlir --crate-gpu-to-ptx=gpu-arch=sm_80 -o %t.f16.ptx.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.f16.ptx.mlir %t.f16.ptx | FileCheck %s --check-prefix=F16-COUNT
// F16-COUNT: 314 kernels, 25 with tensor-core instructions in the PTX
// RUN: cat %t.f16.ptx/*.ptx | FileCheck %s --check-prefix=F16-PTX --implicit-check-not=malloc
// F16-PTX: .target sm_80
// F16-PTX: mov.u32 {{.*}}%laneid
// F16-PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
