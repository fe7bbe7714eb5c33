//===- Passes.td - crate transformation passes --------------*- tablegen -*-===//

#ifndef CRATE_TRANSFORMS_PASSES_TD
#define CRATE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CrateUnroll : Pass<"crate-unroll"> {
  let summary = "expand crate.unroll into L explicit layers";
  let description = [{
    Clones the body of every `crate.unroll` once per layer, chaining each
    layer's output into the next, and replaces `{layer}` in the names of the
    body's `crate.weight` ops by the layer index (0-based), so each layer
    reads its own weights. Step attributes are carried unchanged.

    `crate.layer_output` ops in the body hand values out of every layer:
    for each name, the L values are stacked into one tensor (batch, L, ...)
    returned from the enclosing function as an extra result named after it
    (result attribute `crate.output`); such an unroll must be directly in a
    function body.
  }];
  let dependentDialects = ["crate::CrateDialect", "mlir::tensor::TensorDialect"];
}

def CrateDeriveSteps : Pass<"crate-derive-steps"> {
  let summary = "turn optimisation steps into the network blocks they become";
  let description = [{
    One rewrite per (step kind, term kind), so new members of the family add
    rows rather than a second pipeline:

    * `crate.grad_step` on a compression term, with the pre-norm LayerNorm
      when `norm` is given (z = LN(x), as CRATE places it):
      `softmax`: x + step * MSSA(z) (`crate.mssa`, scores = softmax);
      `exact` / `neumann`: x - step * grad R^c(z) (`crate.compression_grad`,
      which needs a static token count since beta = p/(N eps^2)).
    * `crate.prox_step` on a sparsity term: `crate.ista` on y = LN(x) with
      lambda and the non-negativity of the term, in the reference form.
  }];
  let dependentDialects = ["crate::CrateDialect", "mlir::arith::ArithDialect"];
}

def CrateSimplify : Pass<"crate-simplify"> {
  let summary = "algebraic simplification of derived blocks";
  let description = [{
    * ISTA in the reference form (three d x d products: y D^T, (y D^T) D,
      y D) becomes the factored form (y - y D^T) D: two products.
    * A splat constant multiplying the result of `crate.mssa` or
      `crate.compression_grad` is folded into the op's `scale`.
    * An MSSA output map that is the identity with a zero bias (K = 1,
      p = d) is dropped.
  }];
  let dependentDialects = ["crate::CrateDialect", "mlir::arith::ArithDialect"];
}

def CrateBindWeights : Pass<"crate-bind-weights", "mlir::ModuleOp"> {
  let summary = "replace crate.weight ops by constants from a .safetensors file";
  let description = [{
    Reads the weights file given by `file`, checks that every tensor the IR
    names is present with the declared shape (F32, F16 and BF16 are
    accepted and converted), and replaces each `crate.weight` by an
    `arith.constant`. Errors name the op, the tensor and the file.
  }];
  let options = [
    Option<"file", "file", "std::string", /*default=*/"\"\"",
           "the .safetensors file holding the weights">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def CrateExpandMemRefCopy : Pass<"crate-expand-memref-copy"> {
  let summary = "rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization emits memref.copy, which the LLVM lowering turns into a
    call to `memrefCopy` from MLIR's C runner utilities when the layouts
    are not both contiguous. Rewriting the copies as linalg.copy lets them
    lower to plain loops, so the generated code needs no runtime library.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CrateGpuTileLoops : Pass<"crate-gpu-tile-loops"> {
  let summary = "tile parallel loops into GPU grid and thread-block loops";
  let description = [{
    Tiles every outermost scf.parallel into a grid loop and a loop of
    `threads` iterations along its innermost (contiguous) dimension, so a
    warp's accesses coalesce, and records the GPU mapping of each loop
    dimension (grid x/y/z from the innermost dimension outwards, thread x on
    the innermost, the rest sequential). A loop of tensor-core tiles (one
    that holds vector.contract, from crate-gpu-mma-products) is only mapped
    to the grid: its iterations are warps' tiles. The loops stay plain IR
    that runs on the CPU; convert-parallel-loops-to-gpu reads the mapping.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", "32",
           "threads per block along the innermost dimension">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect",
                           "mlir::gpu::GPUDialect",
                           "mlir::scf::SCFDialect"];
}

def CrateGpuDeviceBuffers : Pass<"crate-gpu-device-buffers", "mlir::func::FuncOp"> {
  let summary = "the kernel program's buffers in device memory";
  let description = [{
    The entry of the NVPTX route runs on the host and launches every loop
    nest as a kernel, so the buffers it allocates are device memory: each
    memref.alloc / memref.dealloc outside the parallel loops becomes a
    gpu.alloc / gpu.dealloc on a stream of its own that is waited for at
    once (mgpuMemAlloc / mgpuMemFree of the GPU runtime after gpu-to-llvm,
    which lowers only stream-ordered allocations).
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def CrateProductPrecision : Pass<"crate-product-precision"> {
  let summary = "products with f16 operands and f32 accumulation";
  let description = [{
    Runs on linalg on tensors. Every contraction whose operands and result
    are f32 (the matrix products and the two products of attention) reads
    its operands rounded to `type` and still accumulates in f32: the inputs
    a tensor core multiplies. Constant operands are rounded at compile time;
    other values get one elementwise rounding op each, shared by the
    products that read them. The product becomes a linalg.generic whose
    body widens the operands. LayerNorm and softmax statistics, residuals
    and epilogues stay f32.
  }];
  let options = [
    Option<"type", "type", "std::string", "\"f16\"",
           "the operands' type (f16)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def CrateGpuMmaProducts : Pass<"crate-gpu-mma-products", "mlir::func::FuncOp"> {
  let summary = "f16 products as 16x8x16 tensor-core tiles (vector.contract)";
  let description = [{
    Runs on the bufferized kernel program. Every contraction with f16
    operands and an f32 result, static shapes, one m, n and k loop (others
    batch loops), A read with k contiguous and C with n contiguous, their
    rows aligned to 8 elements, becomes over its full tiles a grid loop
    (batch, 16-row and 8-column tiles): each tile of C is read once, a k
    loop of vector.contract steps of 16 x 8 x 16 on operands extended from
    f16 carries it, and it is written once. The rows, columns and k values
    past the full tiles stay the same linalg op on subviews. The result is
    plain vector code that runs on the CPU; crate-gpu-warp-mma maps each
    tile to a warp for mma.sync. With `tf32`, products on f32 operands are
    tiled too, in steps of 16 x 8 x 8 (mma.sync on tf32, which keeps 10
    bits of each operand's mantissa; the CPU computes them in f32).
  }];
  let options = [
    Option<"tf32", "tf32", "bool", "false",
           "also tile f32 products, for tf32 tensor cores">,
    Option<"warpgroup", "warpgroup", "bool", "false",
           "tile f16 products with no batch loop over whole 64x64x64 "
           "blocks, for warpgroup MMA on sm_90a (crate-gpu-warpgroup-mma)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def CrateGpuWarpMma : Pass<"crate-gpu-warp-mma", "mlir::func::FuncOp"> {
  let summary = "one warp per tensor-core tile, f16 operands into the mma";
  let description = [{
    The GPU half of crate-gpu-mma-products: the body of every outermost
    scf.parallel that holds vector.contract moves into a loop of 32
    iterations mapped to thread x (one warp per tile, as mma.sync needs;
    convert-vector-to-gpu then distributes the tile over the lanes), and
    the f16 -> f32 extensions of each contraction's operands fold into it.
    Not part of the kernel program: run on the CPU, the warp loop would
    apply each tile 32 times.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def CrateGpuWarpgroupMma : Pass<"crate-gpu-warpgroup-mma", "mlir::ModuleOp"> {
  let summary = "tensor-core tiles in whole 64x64 blocks as TMA loads and "
                "wgmma (sm_90a)";
  let description = [{
    A GPU mapping of crate-gpu-mma-products' tiles, run before the loops
    are mapped to GPU blocks (instead of crate-gpu-warp-mma for the loops
    it takes). A loop of 16 x 8 f16 tiles with no batch dimension whose
    rows, columns and k values come in whole blocks of 64, on buffers
    defined outside it, becomes a grid of 64 x 64 blocks, each one
    warpgroup (128 threads): the host creates a TMA descriptor of A and
    of B (128-byte swizzle, 64 x 64 boxes) before the loop; per k step of
    64 thread 0 loads both boxes into shared memory (nvgpu.tma.async.load
    on an mbarrier), and four nvgpu.warpgroup.mma (wgmma.m64n64k16)
    multiply them from shared-memory descriptors; the accumulator is
    stored to shared memory and added to C by all threads. B read (n, k)
    is K-major; B read (k, n) uses transposeB. The shared buffer is one
    private workgroup memref.global of 16 KiB.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::NVVM::NVVMDialect",
                           "mlir::nvgpu::NVGPUDialect",
                           "mlir::scf::SCFDialect"];
}

def CrateGpuOneModule : Pass<"crate-gpu-one-module", "mlir::ModuleOp"> {
  let summary = "move every outlined kernel into one gpu.module";
  let description = [{
    gpu-kernel-outlining gives each kernel a gpu.module of its own, so each
    is compiled by NVPTX, assembled by ptxas and loaded by the driver
    separately. This pass moves all kernels into the first gpu.module and
    points every gpu.launch_func at it: one compilation, one ptxas run, one
    module load.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def CrateGpuMmaLanes : Pass<"crate-gpu-mma-lanes", "mlir::gpu::GPUFuncOp"> {
  let summary = "spread each warp kernel's tile over its lanes (mma.sync)";
  let description = [{
    Runs on outlined kernels. In each kernel that holds a vector.contract
    (a warp's tile, crate-gpu-warp-mma), upstream's vector-to-nvgpu
    conversion turns the tile's transfers and contractions into per-lane
    loads and stores indexed by gpu.lane_id and nvgpu.mma.sync (marked
    tf32Enabled when its operands are f32). Other kernels are left alone: the upstream pass, run over them, claims their
    scalar arithmetic as matrix ops and fails.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::nvgpu::NVGPUDialect",
                           "mlir::vector::VectorDialect"];
}

def CrateGpuSerialKernels : Pass<"crate-gpu-serial-kernels", "mlir::func::FuncOp"> {
  let summary = "move host-side memory accesses into one-thread GPU kernels";
  let description = [{
    Runs on the bufferized kernel program after crate-gpu-tile-loops. Code
    with no parallel dimension (the statistics of a LayerNorm over the one
    pooled token, a scalar set in a buffer) is left as plain loads, stores
    and scf.for in the entry; on the GPU the entry runs on the host and its
    buffers are device memory. Each run of consecutive top-level ops with
    memory effects (other than allocations, views and the parallel loops)
    moves into an scf.parallel of one iteration mapped to GPU block x;
    memory-free ops between them move before it, or into it when they read
    a value of the run. A run whose values are read after it stays on the
    host with a warning.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def CrateReadOnlyInputs : Pass<"crate-readonly-inputs", "mlir::ModuleOp"> {
  let summary = "forbid bufferization from writing into function arguments";
  let description = [{
    Marks every argument of every func.func `bufferization.writable = false`.
    One-shot bufferization otherwise treats arguments as writable and may
    compute a result in place in the caller's input buffer, which the
    library's C API promises to leave untouched (`const float *`).
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def CrateResidualIntoProducts : Pass<"crate-residual-into-products", "mlir::func::FuncOp"> {
  let summary = "start a product from the residual it is added to";
  let description = [{
    Runs on tensors. An elementwise `z + P` (a linalg.generic over identity
    maps) where P, possibly through reshapes, is an f32 product that only
    adds onto its init (a linalg op with reduction loops whose body yields
    init + ...), becomes P started from `z + init`: one elementwise op in
    the shape of the init's source, which also takes in the bias broadcast
    or fill that made the init. The add and the broadcast's own pass over
    the output go away. The result is (z + b) + A W instead of
    z + (A W + b), the same terms rounded in another order. Products
    marked `crate.bf16_pairs` are left alone: there the other order measured
    a larger error against float64 on CRATE-tiny.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def CratePadSoftmaxRows : Pass<"crate-pad-softmax-rows", "mlir::func::FuncOp"> {
  let summary = "store softmax scores in rows padded to whole 16-lane vectors";
  let description = [{
    Runs on tensors, on static shapes. A row softmax (a row max reduction,
    an elementwise exp(c (s - max)) with c > 0, row sums of the result) over
    rows of N floats, N not a multiple of 16, whose scores come from an op
    writing into a fill of a fresh tensor: the scores get rows padded to a
    multiple of 16, which the producer leaves unwritten, and the max and the
    exp read columns N.. as -inf (a select on the column index). The max is
    unchanged, the exp of the padding is exactly 0 and adds nothing to the
    row sums, and the max, exp and sums run whole vectors (crate-reduction-
    loops then fuses them per row). The producer writes into the first N
    columns of the padded tensor; other readers of the exponentials read
    those columns.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def CratePrivateInits : Pass<"crate-private-inits"> {
  let summary = "give every destination-style op its own init tensor";
  let description = [{
    A `linalg.fill` or `tensor.empty` that is the init (outs) of several
    destination-style ops (CSE merges identical ones) is cloned right before
    each of them but the last, so each op has an init of its own. One-shot
    bufferization otherwise fills one buffer and copies it into a new buffer
    for each op that writes into it: for the attention scores of CRATE-tiny,
    an extra store of every head's N x N matrix per layer. Only uses as an
    init count: a tensor read by an extract_slice whose part is written back
    by one insert_slice keeps one buffer. Run it just before bufferization
    (CSE would merge the copies again).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def CrateDecodeStep : Pass<"crate-decode-step", "mlir::ModuleOp"> {
  let summary = "turn a derived causal language model into one decoding step";
  let description = [{
    For a function that embeds token ids (B, T) (`crate.token_embed`) and
    attends causally (`crate.tssa causal`, ToST's language model, or
    `crate.mssa ... scores = softmax causal`, CRATE-LM): the function
    becomes the step that decodes one more token of each sequence. Its
    inputs are the ids (B, 1), their positions `position` (B, 1), and every
    attention layer l's state of the tokens before: for TSSA the running
    sums `state.l.sum_s`, `state.l.sum_pi_s` (B, K, p) and `state.l.sum_pi`
    (B, K); for MSSA the cache of projections `state.l.cache` (B, P, K p),
    P the rows of the position table. Its outputs are the logits (B, 1, V)
    and the updated state: the TSSA sums under the same names, and for
    MSSA only the new row of the cache, `state.l.cache.row` (B, 1, K p),
    which the runtime's decoder writes into row `position` of its cache
    (so a step writes O(d) of state, not the whole cache). `crate.tssa` becomes
    `crate.tssa_step`, `crate.mssa` `crate.mssa_step`; every other block
    works on one token as it did on T. A step costs the same at every
    position. Runs after crate-derive-steps; attention that is not causal,
    identity scores, other token-mixing ops (pooling, the exact compression
    gradient) and extra outputs are refused by name.
  }];
}

def CrateMarkCausal : Pass<"crate-mark-causal", "mlir::ModuleOp"> {
  let summary = "mark a language model whose logits at a position read only its prefix";
  let description = [{
    A public function that embeds token ids (`crate.token_embed`) gets the
    unit attribute `crate.causal` when its first result at position t
    depends on the tokens 0..t only: every op it is computed from works on
    each token alone (LayerNorm, the sparse blocks, LayerScale, the MLP,
    the head, elementwise arith) or attends causally (`crate.mssa causal`,
    `crate.tssa causal`). Any other op (pooling, non-causal attention, an
    op it does not know) leaves the function unmarked. The emitted library
    then runs sequences shorter than the compiled length (NAME_forward_tokens)
    by padding them: padding after the last token changes nothing before it.
    Runs after crate-derive-steps.
  }];
}

def CrateInputBounds : Pass<"crate-input-bounds", "mlir::ModuleOp"> {
  let summary = "give each integer input of a function the bound of its values";
  let description = [{
    An integer argument of a public func.func holds indices into a table:
    token ids read by `crate.token_embed`. The pass gives it the argument
    attribute `crate.bound` = the number of rows of that table, which the
    emitted library checks every value against before the model runs (an
    out-of-range id would read outside the table). An integer argument that
    no such op reads, or that two tables of different sizes read, is an
    error.
  }];
}

def CrateWeightsToArguments : Pass<"crate-weights-to-arguments", "mlir::ModuleOp"> {
  let summary = "turn crate.weight ops into trailing function arguments";
  let description = [{
    For every func.func that reads weights: each distinct weight name
    becomes one more argument (in order of first use), every crate.weight
    of that name is replaced by it, and the names are recorded in the
    function's `crate.weights` attribute. The emitted library then passes
    the same code either embedded weights or weights loaded at run time.
    Names must be concrete (run crate-unroll first).
  }];
}

def CrateLayerOutputs : Pass<"crate-layer-outputs", "mlir::ModuleOp"> {
  let summary = "choose what every unrolled layer hands out of the network";
  let description = [{
    Adds `crate.layer_output` ops to each `crate.unroll` body directly in a
    function, so crate-unroll returns them as extra results:

    * `tokens`: the layer's output tokens, as `layer_tokens` (batch, L, N, d);
    * `stats`: the white-box measurements of each layer, as `layer_stats`
      (batch, L, 5): the compression term R^c(Z^{l+1/2}; U) of the tokens
      after the compression step against the step's own subspaces, in the
      textbook form and in the normalised form the CRATE authors plot
      (rows of Z U_k to unit length, eps = 0.01), then the coding rate
      R(Z^{l+1}), the sparsity ||Z^{l+1}||_0 / (N d) and ||Z^{l+1}||_1 of
      the layer's output. eps of R and R^c come from the objective.
      Sparse coding reports `lasso_stats` instead, (batch, L, 3): the LASSO
      objective 1/2 ||X - Z D^T||^2 + lambda ||Z||_1, ||Z||_0 / (N s) and
      ||Z||_1 of the codes after each learned step (LISTA, whose step names
      its `dictionary`), or after the whole solve (L = 1) for a
      `crate.prox_grad` on a `lasso` objective directly in a function.
    * `attention=cls|full`: the attention map of every head of the
      compression step, softmax(W_k W_k^T / sqrt(p)) with W_k = LN(Z^l) U_k
      (the step's pre-norm and subspaces), as `attention_maps`: `cls` keeps
      the class token's row (token 0), (batch, L, K, N); `full` every row,
      (batch, L, K, N, N).
  }];
  let options = [
    Option<"tokens", "tokens", "bool", /*default=*/"false",
           "hand out every layer's output tokens (layer_tokens)">,
    Option<"stats", "stats", "bool", /*default=*/"false",
           "hand out every layer's objective measurements (layer_stats)">,
    Option<"attention", "attention", "std::string", /*default=*/"\"\"",
           "hand out every head's attention map (attention_maps): 'cls' "
           "(the class token's row) or 'full'">
  ];
  let dependentDialects = ["crate::CrateDialect", "mlir::tensor::TensorDialect"];
}

def CrateFoldISTA : Pass<"crate-fold-ista", "mlir::ModuleOp"> {
  let summary = "the warm-started ISTA step as one product";
  let description = [{
    A proximal step that starts at its own input is linear in it before the
    prox: y + eta (y - y D^T) D = y M with M = I + eta (D - D^T D)
    (crate-math.md). Every `crate.ista` in the reference or factored form
    becomes the `folded` form reading `crate.ista_operator` of its
    dictionary: one d x d product per step instead of three (or two). With
    D a weight, M is a derived weight (crate-weights-to-arguments), computed
    once in float64.
  }];
  let dependentDialects = ["crate::CrateDialect"];
}

def CrateProfileBlocks : Pass<"crate-profile-blocks", "mlir::ModuleOp"> {
  let summary = "time each block of the network (crate-compile --profile)";
  let description = [{
    Runs on the derived network (crate ops, unrolled). In every public
    function, the ops on the data path from the inputs are grouped into
    blocks: `embedding` (patch, class/position and token embeddings,
    masking), `mssa` (crate.mssa), `compression` (crate.compression_grad),
    `ista` (crate.ista and the sparse-coding steps), `head` (pooling and the
    classifier or language-model head), `diagnostics` (objective
    measurements and attention maps); any other crate op is a block named
    after the op. A LayerNorm belongs to the block of the op that reads it;
    other ops (residual adds, ...) to the block before them. Where the block
    changes, a call `crate_rt_profile_block(i32 index)` goes in; the
    runtime charges the time since the previous call to the previous block.
    The function gets `crate.profile_blocks`, the blocks' names in index
    order (the manifest's "profile").
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect"];
}

def CrateSpecializeBatch : Pass<"crate-specialize-batch", "mlir::ModuleOp"> {
  let summary = "compile the entry for one image: a static batch of 1";
  let description = [{
    Gives the leading (batch) dimension of every input (the arguments
    before the weights named by `crate.weights`) and of every result of
    each public func.func the static size 1, with tensor.cast ops
    at the boundary; canonicalization then makes every shape inside static.
    Static shapes let tiling and vectorisation produce full register tiles
    without remainder loops over the batch; the runtime calls the entry
    once per image (and spreads images over its threads).
    Functions whose first argument has a static batch are left alone.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

def CratePretransposeWeights : Pass<"crate-pretranspose-weights", "mlir::ModuleOp"> {
  let summary = "hand products their weights already transposed";
  let description = [{
    Runs on linalg on tensors, after crate-weights-to-arguments. A weight
    product y W^T (`linalg.matmul` reading the weight argument W (n, k)
    through the map (m, n, k) -> (n, k)) streams W against its storage
    order. Each such weight gets one more argument W^T (k, n), recorded in
    the function's `crate.weights` as a derived weight
    `{name = "W#transpose", derive = "transpose", from = "W"}`, and the
    products read it through the plain map (m, n, k) -> (k, n). The weight
    is transposed once: by crate-compile when it embeds the weights, by the
    runtime at create time otherwise. W stays an argument only while
    something else reads it.
  }];
}

def CratePackWeightPanels : Pass<"crate-pack-weight-panels", "mlir::ModuleOp"> {
  let summary = "store the products' derived weights as column panels";
  let description = [{
    Runs on linalg on tensors, after crate-pretranspose-weights. A derived
    weight B (k, n) that only plain products C += A B read (`linalg.matmul`
    with the default maps), with n a multiple of `nr`, becomes an argument
    of shape (n / nr, k, nr): column panel p of B, row after row, is
    contiguous. Its `crate.weights` entry is the old derivation under the
    name "B#panels"; the derivation stores the result in panels
    (runtime/weights/DerivedWeights.h). Each product becomes a
    linalg.generic over loops (m, p, c, k) reading A (m, k) and the panels
    (p, k, c) into C viewed as (m, n / nr, nr); the arithmetic and its order
    are those of the matmul. crate-vectorize-products then keeps a slice of
    one panel in L1 while every row block of A passes over it.

    With `bf16-pairs` (--precision=bf16 on a CPU with AVX512-BF16), a
    product whose k is even reads its weight as bf16 pairs instead: an i32
    argument of shape (n / nr, k / 2, nr) whose words hold rows 2k (low
    half) and 2k + 1 (high half) of one column, rounded once from float64
    (derivation storage "bf16_pairs"), and A rounded to bf16 (an
    elementwise truncf) viewed as (m, k / 2, 2). The product is a
    linalg.generic over loops (m, p, c, k2, t), marked `crate.bf16_pairs`,
    whose body takes half t of the word, widens both factors to f32 and
    accumulates in f32: the arithmetic of vdpbf16ps, which
    crate-vectorize-products emits for it.
  }];
  let options = [
    Option<"nr", "nr", "int64_t", /*default=*/"64",
           "panel width: the columns of the products' register block">,
    Option<"bf16Pairs", "bf16-pairs", "bool", /*default=*/"false",
           "store the weights as bf16 pairs and round A to bf16 (products "
           "with an even k)">
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def CrateApproximateMath : Pass<"crate-approximate-math"> {
  let summary = "exp and erf as inline polynomials instead of libm calls";
  let description = [{
    Rewrites math.exp on f32 (scalars and vectors) into MLIR's polynomial
    approximation (range reduction to [-ln2/2, ln2/2], a degree-6
    polynomial, the exponent put back with bit operations): a few
    arithmetic instructions with no call, so the loops of the softmax can
    be vectorised and inlined. libm's expf was 10-13% of a CRATE-tiny
    forward. The approximation's error is a few ulp; the numeric tests
    hold it to the same 1e-5 as everything else. math.erf (the exact GELU
    of ToST's MLP) gets upstream's f32 approximation too: it has no LLVM
    intrinsic to lower to.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def CrateReductionLoops : Pass<"crate-reduction-loops"> {
  let summary = "lower linalg reductions with the accumulator carried in a register, and row-wise chains as one loop per row";
  let description = [{
    Runs on buffers. A linalg.generic on static buffers with one output,
    its parallel loops first and its reduction loops after them, becomes an
    scf.parallel over the parallel loops around an scf.for per reduction
    loop that carries the output element (loaded once before, stored once
    after) instead of loading and storing it on every iteration, which LLVM
    cannot undo once the buffers are plain pointers.

    Consecutive such reductions and elementwise generics over the same rows
    (the leading parallel loops; a map's last loop runs per row), where every
    buffer one of them writes is accessed by all of them at the current row
    only, become one scf.parallel over the rows that runs each op's per-row
    loop in turn: LayerNorm's mean, variance and normalisation (with the
    ReLU before it) in one pass over each row while it is in the cache, and
    one parallel region instead of three or four. Allocations, views,
    constants and fills of buffers the chain does not touch may sit between
    the ops. In a map, the inputs indexed by the row alone and what the body
    computes from them (1/sqrt(var + eps)) are computed once per row. Rows
    whose per-row loops do not fill whole vectors of 16 lanes are not fused:
    LLVM would leave a scalar tail in each. Same arithmetic in the same
    order: bit-identical results.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def CrateParallelRegions : Pass<"crate-parallel-regions", "mlir::ModuleOp"> {
  let summary = "spread the large parallel loop nests over the runtime's threads";
  let description = [{
    Runs on buffers, after the products are vectorised and the other linalg
    ops are parallel loops. Every outermost scf.parallel with static bounds
    and enough work (its iterations times the operations of one iteration,
    counting inner loops by their trip counts, at least `min-work`) becomes
    a call `crate_rt_parallel_region(n, @body, ctx)` to the runtime's thread
    pool (runtime/cpu/Parallel.h): n is the number of iterations of the
    linearised nest, `@body(ctx, begin, end)` a new internal function that
    runs iterations [begin, end), and `ctx` an array of 64-bit words on the
    caller's stack with what the body uses from outside: the aligned pointer
    of each buffer (static shapes and layouts: the pointer is all the body
    needs) and each scalar. Constants are cloned into the body. Smaller
    nests, and nests whose bounds, buffers or values do not fit this form,
    stay serial loops.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "the estimated operations a nest needs to be spread over threads">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::func::FuncDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def CrateVectorizeTransposes : Pass<"crate-vectorize-transposes", "mlir::func::FuncOp"> {
  let summary = "transposes that move the innermost dimension as 8x8 vector blocks";
  let description = [{
    Rewrites every linalg.transpose on static f32 buffers that moves the
    innermost dimension (the keys of attention, laid out as W^T per head
    for the score product) into one scf.parallel over the other dimensions
    and blocks of 8 rows: each 8x8 block is eight row loads, a transpose in
    24 two-source vector shuffles and eight row stores; the rows and
    columns that do not fill a block are copied element by element in the
    same loop. The scalar loops it replaces load or store across rows for
    every element.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect"];
}

def CrateVectorizeProducts : Pass<"crate-vectorize-products", "mlir::func::FuncOp"> {
  let summary = "register-blocked vector code for the static matrix products";
  let description = [{
    Runs on buffers (after bufferization). Every contraction C += A B
    (linalg.matmul, or a linalg.generic with batch loops such as the
    per-head products of attention) on static f32 buffers whose n loop runs
    along the innermost dimension of B and C becomes register blocks of
    `mr` rows x `nr` columns: the block of C is loaded into `mr` vector
    accumulators once, a k loop carries them while it loads a row of B as
    a vector and broadcasts one element of A per row into an FMA, and the
    block is stored once. Edge blocks take the static remainder sizes.
    When the last op to touch C before the product is a `linalg.fill` of
    it (the zero init), the accumulators start at the fill's value and the
    fill is dropped. A product C = A A^T (B written by a linalg.transpose
    of A just before it, C filled: the scores of attention with query =
    key) is symmetric: each block row computes the columns from the start
    of its diagonal tile of lcm(mr, 8) rows on (blocks of nr, of 8, then
    the edge), and one scf.parallel copies the columns left of it from the
    transposed 8x8 blocks (vector shuffles); the copies are bitwise the
    values the product computes. A product over weight panels C (m, p, c) += A (m, k)
    B (p, k, c) (crate-pack-weight-panels, c of extent `nr`) runs one panel
    per parallel iteration, its k loop in slices of `kc` rows: every row
    block of A passes over one slice (kc x nr floats, in L1) before the
    next. A product over bf16-pair panels (`crate.bf16_pairs`) does the
    same with AVX512-BF16 dot products (x86vector.avx512.dot, vdpbf16ps):
    per pair of k rows it broadcasts one 32-bit pair of A per row and loads
    the pair rows of B as 16-word vectors, each dot adding both products
    into 16 f32 accumulators. Other products are left to the generic
    lowering.
  }];
  let options = [
    Option<"mr", "mr", "int64_t", /*default=*/"6",
           "rows of the register block">,
    Option<"nr", "nr", "int64_t", /*default=*/"64",
           "columns of the register block (a multiple of the vector width)">,
    Option<"kc", "kc", "int64_t", /*default=*/"128",
           "rows of a weight panel slice kept in L1 (products over panels)">
  ];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::x86vector::X86VectorDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // CRATE_TRANSFORMS_PASSES_TD
