/*===- ModelABI.h - contract between crate-compile and the runtime -*- C -*-===*
 *
 * crate-compile emits, for a model NAME, one object file holding:
 *
 *   const char    crate_manifest_NAME[];   JSON text, NUL-terminated (below)
 *   const uint8_t crate_weights_NAME[];    embedded weights, little-endian
 *                                          float32, 64-byte aligned; absent
 *                                          (a null pointer is passed) when
 *                                          weights are loaded at run time
 *   void crate_entry_NAME(void **args);    the model, packed calling
 *                                          convention (below)
 *   the public C API of NAME.h (NAME_create, NAME_forward, ...), each a thin
 *   wrapper that passes a crate_model_static to the crate_rt_* function of
 *   the same name (declared at the end of this file), and
 *   const char *NAME_manifest(void), which returns crate_manifest_NAME.
 *
 * Manifest JSON:
 *   { "abi": 1, "name": "crate_mini", "version": "0.1.0",
 *     "input":  { "shape": [-1, 3, 64, 64] },   -1 = batch, chosen per call
 *     "extra_inputs": [ { "name": "ids_keep",          optional: more
 *                         "shape": [-1, 4],              inputs
 *                         "dtype": "i64", "bound": 16 } ],
 *     "output": { "shape": [-1, 10] },
 *     "extra_outputs": [ { "name": "layer_tokens",     optional: more
 *                          "shape": [-1, 6, 65, 192] } ],  results

 *     "weights": [ { "name": "cls_token", "shape": [1, 1, 192],
 *                    "offset": 0 },             byte offset into the
 *                  ... ] }                     embedded weights
 *   Every tensor is float32 and row-major, but inputs with "dtype": "i64":
 *   int64 indices (token ids, patch indices), each checked to lie in
 *   [0, bound) before the model runs. Weights are passed to the entry in
 *   manifest order.
 *
 * Packed entry: args[0] points to the output descriptor -- with extra
 * outputs, to the consecutive descriptors of all results, in manifest order
 * (MLIR's struct of results) -- which the entry fills (the result buffer is allocated by the model code through _mlir_memref_to_llvm_alloc (Allocator.h); the
 * caller copies it out and frees `allocated` unless it is the input or a
 * weight buffer). The model code never writes its input or weight buffers
 * (crate-readonly-inputs): concurrent calls share the weights;
 * args[1 + k] points to the descriptor of input k (the main input, then
 * the extra inputs); the descriptors of the weights follow, in order. A descriptor of rank r is MLIR's strided memref
 * descriptor: { float *allocated; float *aligned; int64_t offset;
 * int64_t sizes[r]; int64_t strides[r]; } -- as 3 + 2r machine words.
 *
 *===----------------------------------------------------------------------===*/

#ifndef CRATE_RUNTIME_CPU_MODELABI_H
#define CRATE_RUNTIME_CPU_MODELABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CRATE_MODEL_ABI_VERSION 1

/* Status codes of every NAME_* call (also in each generated NAME.h):
 * null pointers, batch <= 0, a path given for embedded weights or none for
 * weights loaded at run time are INVALID_ARGUMENT; any problem with the
 * .safetensors file is WEIGHTS; a manifest or result the runtime rejects
 * is INTERNAL (a compiler bug). */
#define CRATE_OK 0
#define CRATE_ERROR_INVALID_ARGUMENT 1 /* null pointer, batch <= 0, ... */
#define CRATE_ERROR_WEIGHTS 2          /* weights file missing or invalid */
#define CRATE_ERROR_OUT_OF_MEMORY 3
#define CRATE_ERROR_INTERNAL 4 /* a bug: a manifest the runtime rejects */
/* The machine cannot run the code: no NVIDIA driver or GPU (--target=nvptx),
 * or a CPU without the instructions it was compiled for (AVX512-BF16 for
 * --precision=bf16). */
#define CRATE_ERROR_NO_DEVICE 5
#define CRATE_ERROR_DEVICE 6    /* --target=nvptx: a CUDA call failed */

/* What the generated wrappers hand to the runtime. */
typedef struct crate_model_static {
  const char *manifest;         /* crate_manifest_NAME */
  const uint8_t *weights;       /* crate_weights_NAME, or null */
  uint64_t weights_size;        /* bytes of crate_weights_NAME, or 0 */
  void (*entry)(void **args);   /* crate_entry_NAME */
} crate_model_static;

/* An instance: weights loaded, descriptors built. Opaque to users. */
typedef struct crate_rt_model crate_rt_model;
typedef struct crate_rt_decoder crate_rt_decoder;

/* Creates an instance. With weights embedded, weights_path must be null
 * (or it is an error); otherwise it names the .safetensors file to load,
 * whose tensors are checked against the manifest (names, shapes; F32, F16
 * and BF16 are converted to float32). */
int crate_rt_create(const crate_model_static *model, const char *weights_path,
                    crate_rt_model **out);

/* Runs the model on `batch` inputs (input shape with the batch filled in),
 * writing batch * prod(output shape[1:]) floats to `output`. Thread-safe:
 * concurrent calls on one instance are allowed. */
int crate_rt_forward(crate_rt_model *model, const float *input, int64_t batch,
                     float *output);

/* Like crate_rt_forward, for models with extra outputs: outputs[i] receives
 * result i (0: the main output, then the extra outputs in manifest order)
 * and may be null for a result that is not wanted. */
int crate_rt_forward_outputs(crate_rt_model *model, const float *input,
                             int64_t batch, float *const *outputs);

/* Any model, and the only call for models with several inputs or with
 * indices (int64) as input: inputs[k] points to batch samples of input k
 * (float32 or int64, as the manifest says); outputs as for
 * crate_rt_forward_outputs. forward and forward_outputs refuse such models
 * with CRATE_ERROR_INVALID_ARGUMENT. */
int crate_rt_forward_inputs(crate_rt_model *model, const void *const *inputs,
                            int64_t batch, float *const *outputs);

/* Language models (input: token ids (batch, T); output: logits (batch, T,
 * V)): ids holds batch sequences of `length` tokens each, 1 <= length <= T,
 * and logits receives batch * length * V floats. A length below T needs a
 * causal model (manifest "causal": true, set by crate-mark-causal): the
 * sequences are padded to T, which leaves their positions as they are;
 * other models refuse it with CRATE_ERROR_INVALID_ARGUMENT. */
int crate_rt_forward_tokens(crate_rt_model *model, const int64_t *ids,
                            int64_t batch, int64_t length, float *logits);

/* Libraries compiled with --target=nvptx: like crate_rt_forward with
 * `input` and `output` in GPU memory (CUDA device pointers); the work queued
 * on `stream` (a CUstream, may be null) is waited for first, and the output
 * is complete when the call returns. Other libraries refuse it with
 * CRATE_ERROR_INVALID_ARGUMENT. */
int crate_rt_forward_device(crate_rt_model *model, const float *input,
                            int64_t batch, float *output, void *stream);

void crate_rt_destroy(crate_rt_model *model);

/* Libraries compiled with --decode-step (inputs: a token id, its position,
 * then the running state `state.*`, which outputs of the same names replace,
 * or an output `<name>.row` updates one row of, at the position):
 * a decoder is one sequence being decoded. decoder_create starts it empty
 * (others refuse with CRATE_ERROR_INVALID_ARGUMENT); decoder_step embeds
 * `token` at the next position, writes the logits there (the model's
 * output size, without the batch) and advances; a token out of the
 * vocabulary, a sequence longer than the compiled maximum or a decoder of
 * another model is refused with CRATE_ERROR_INVALID_ARGUMENT and leaves the
 * decoder unchanged. decoder_position: the next position (-1 for null);
 * decoder_reset: back to an empty sequence. Destroy a model's decoders
 * before the model. */
int crate_rt_decoder_create(crate_rt_model *model, crate_rt_decoder **out);
int crate_rt_decoder_step(crate_rt_model *model, crate_rt_decoder *decoder,
                          int64_t token, float *logits);
/* Feeds the prompt (prompt_length >= 1 tokens) to the decoder, then
 * writes `count` new tokens to `tokens`, each fed back before the next:
 * the first largest logit when temperature == 0 (greedy), otherwise a
 * draw from softmax(logits / temperature) with a generator that `seed`
 * fixes (the same tokens for the same seed on every machine). The
 * sequence must fit the compiled maximum (prompt + count - 1 positions). */
int crate_rt_decoder_generate(crate_rt_model *model, crate_rt_decoder *decoder,
                              const int64_t *prompt, int64_t prompt_length,
                              int64_t count, double temperature, uint64_t seed,
                              int64_t *tokens);
int64_t crate_rt_decoder_position(const crate_rt_decoder *decoder);
void crate_rt_decoder_reset(crate_rt_decoder *decoder);
void crate_rt_decoder_destroy(crate_rt_decoder *decoder);

/* The calling thread's last error message ("" after a success); valid until
 * the next runtime call on that thread. */
const char *crate_rt_last_error(void);

/* Shape queries: rank, and dims (dims[0] = -1 for the batch). Return the
 * rank, or -1 with an error if `model` is null; dims may be null. */
int crate_rt_input_shape(const crate_rt_model *model, int64_t *dims);
int crate_rt_output_shape(const crate_rt_model *model, int64_t *dims);

/* Models compiled with --profile (crate-profile-blocks): the model code
 * calls crate_rt_profile_block(i) where block i of the manifest's
 * "profile" starts; the time until the next call (or the end of the entry)
 * is charged to it, summed over calls and threads.
 * crate_rt_profile writes min(capacity, blocks) totals in seconds and
 * returns the number of blocks, or -1 with an error (null model, a library
 * compiled without --profile, seconds null with capacity > 0); reset != 0
 * zeroes the totals after reading them. crate_rt_profile_block_name: the
 * name of block `index`, or null. */
void crate_rt_profile_block(int32_t block);
int crate_rt_profile(crate_rt_model *model, double *seconds, int64_t capacity,
                     int reset);
const char *crate_rt_profile_block_name(const crate_rt_model *model,
                                        int64_t index);

/* The runtime version string, e.g. "crate 0.1.0 (abi 1)". */
const char *crate_rt_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CRATE_RUNTIME_CPU_MODELABI_H */
