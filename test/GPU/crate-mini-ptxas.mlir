// Every kernel of crate_mini assembles with ptxas for each supported
// architecture without local-memory spills (--no-spills fails otherwise);
// scripts/ptx-kernels.py prints each kernel's registers and shared memory.
// REQUIRES: ptxas, libdevice
//
// RUN: crate-opt %crate_src/examples/crate_mini.mlir --crate-to-linalg \
// RUN:   --crate-specialize-batch --canonicalize --cse \
// RUN:   --crate-pretranspose-weights --canonicalize \
// RUN:   --crate-weights-to-arguments -o %t.linalg.mlir
// RUN: crate-opt %t.linalg.mlir --crate-gpu-kernel-program -o %t.program.mlir
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_90a -o %t.90a.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.90a.mlir %t.90a --ptxas %ptxas --arch sm_90a --no-spills | FileCheck %s
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_90 -o %t.90.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.90.mlir %t.90 --ptxas %ptxas --arch sm_90 --no-spills | FileCheck %s
// RUN: crate-opt %t.program.mlir --crate-gpu-to-ptx=gpu-arch=sm_80 -o %t.80.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.80.mlir %t.80 --ptxas %ptxas --arch sm_80 --no-spills | FileCheck %s
// CHECK: crate_mini_kernel: registers={{[0-9]+}} smem=0 spill_stores=0 spill_loads=0
// CHECK: 226 kernels, 0 with tensor-core instructions in the PTX
//
// With f16 products the 25 full-tile products of crate_mini (patch
// embedding, and per layer the projection, the output map and the two
// products of ISTA; the 10-class head has no full 16 x 8 tile, and the
// attention products' rows of 65 are not aligned for paired loads) are
// mma.sync kernels. ptxas turns each into HMMA.16816.F32 on sm_80, with no
// spills; cuobjdump (pip: nvidia-cuda-cuobjdump) shows it.
// RUN: crate-opt %t.linalg.mlir --crate-gpu-kernel-program=precision=f16 -o %t.f16.mlir
// RUN: crate-opt %t.f16.mlir --crate-gpu-to-ptx=gpu-arch=sm_80 -o %t.f16.80.mlir
// RUN: %if cuobjdump %{ %python %crate_src/scripts/ptx-kernels.py %t.f16.80.mlir %t.f16.80 --ptxas %ptxas --cuobjdump %cuobjdump --arch sm_80 --no-spills | FileCheck %s --check-prefix=F16-SASS %}
// F16-SASS: spill_stores=0 spill_loads=0 hmma={{[1-9][0-9]*}} hgmma=0
// F16-SASS: 314 kernels, 25 with tensor-core instructions in the PTX
// F16-SASS: 25 kernels with HMMA/HGMMA in the SASS
//
// On sm_90a (the program crate-compile builds for it, warpgroup-tiles) the
// same 25 products come in whole 64 x 64 blocks: each block is a warpgroup
// loading A and B by TMA (UTMALDG) and multiplying with wgmma (HGMMA), 12
// per kernel (three k steps of four). Each uses 16 KiB of shared memory
// (the two boxes, then the f32 block) plus its mbarrier, and no spills.
// RUN: crate-opt %t.linalg.mlir --crate-gpu-kernel-program="precision=f16 warpgroup-tiles=true" -o %t.f16wg.mlir
// RUN: crate-opt %t.f16wg.mlir --crate-gpu-to-ptx=gpu-arch=sm_90a -o %t.f16.90a.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.f16.90a.mlir %t.f16.90a --ptxas %ptxas --arch sm_90a --no-spills | FileCheck %s --check-prefix=WG
// WG: registers={{[0-9]+}} smem=17408 spill_stores=0 spill_loads=0
// WG: 314 kernels, 25 with tensor-core instructions in the PTX
// RUN: cat %t.f16.90a/*.ptx | FileCheck %s --check-prefix=WG-PTX
// WG-PTX: .shared .align 1024 .b8 crate_warpgroup_tiles[16384];
// WG-PTX: mbarrier.init.shared.b64
// WG-PTX: fence.proxy.async.shared::cta;
// WG-PTX: cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes
// WG-PTX: mbarrier.try_wait.parity.shared.b64
// WG-PTX: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// WG-PTX: wgmma.wait_group.sync.aligned 0;
// RUN: %if cuobjdump %{ %python %crate_src/scripts/ptx-kernels.py %t.f16.90a.mlir %t.f16.90a --ptxas %ptxas --cuobjdump %cuobjdump --arch sm_90a --no-spills | FileCheck %s --check-prefix=WG-SASS %}
// WG-SASS: smem=17408 spill_stores=0 spill_loads=0 hmma=0 hgmma=12
// WG-SASS: 25 kernels with HMMA/HGMMA in the SASS
// RUN: %if cuobjdump %{ %cuobjdump -sass %t.f16.90a/*.sm_90a.cubin | FileCheck %s --check-prefix=WG-TMA %}
// WG-TMA: UTMALDG.2D
// WG-TMA: HGMMA.64x64x16.F32
// The host creates the TMA descriptors (the library's runtime implements
// mgpuTensorMapEncodeTiledMemref on the driver).
// RUN: FileCheck %s --check-prefix=WG-HOST < %t.f16.90a.mlir
// WG-HOST: llvm.call @mgpuTensorMapEncodeTiledMemref(
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.f16.80.mlir %t.f16.80p --ptxas %ptxas --arch sm_80 --no-spills | FileCheck %s --check-prefix=F16
// F16: 314 kernels, 25 with tensor-core instructions in the PTX
//
// --allow-tf32 (f32 precision): the same 25 products as tf32 tiles of
// 16 x 8 x 8, mma.sync.m16n8k8 on tf32 and HMMA.1688.F32.TF32 in the SASS;
// nothing is rounded to f16, so there are no rounding kernels (244).
// RUN: crate-opt %t.linalg.mlir --crate-gpu-kernel-program=allow-tf32=true -o %t.tf32.mlir
// RUN: crate-opt %t.tf32.mlir --crate-gpu-to-ptx=gpu-arch=sm_80 -o %t.tf32.80.mlir
// RUN: %python %crate_src/scripts/ptx-kernels.py %t.tf32.80.mlir %t.tf32.80 --ptxas %ptxas --arch sm_80 --no-spills | FileCheck %s --check-prefix=TF32
// TF32: 244 kernels, 25 with tensor-core instructions in the PTX
// RUN: cat %t.tf32.80/*.ptx | FileCheck %s --check-prefix=TF32-PTX
// TF32-PTX: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// RUN: %if cuobjdump %{ %cuobjdump -sass %t.tf32.80/*.sm_80.cubin | FileCheck %s --check-prefix=TF32-SASS %}
// TF32-SASS: HMMA.1688.F32.TF32
