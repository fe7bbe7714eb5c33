//===- DerivedWeights.h - weights the compiler computes from weights -*- C++ -*-===//
//
// Some kernel operands are functions of the model's weights alone: a
// product's weight transposed into the layout the kernel streams, or the
// one-product ISTA operator M = I + eta (D - D^T D) (crate-math.md), or the
// ISTA step 1/L of a dictionary (family.md). They
// are computed once, in float64 and rounded once: by crate-compile for
// embedded weights, by the runtime when weights are loaded at create time.
// No LLVM/MLIR dependency: the same code serves both.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_RUNTIME_WEIGHTS_DERIVEDWEIGHTS_H
#define CRATE_RUNTIME_WEIGHTS_DERIVEDWEIGHTS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crate::weights {

/// How a derived weight is made from its source weight `from`.
struct Derivation {
  // "transpose", "ista_operator", "ista_update" (the operator less the
  // identity: y M = y + y (M - I), for products that add y in f32) or
  // "inverse_lipschitz"
  std::string op;
  std::string from; // the source weight's name
  double step = 0;  // eta, for "ista_operator"
  // The source's shape where the derived shape does not fix it
  // ("inverse_lipschitz": a (1) result from any (dim, atoms) dictionary).
  std::vector<int64_t> fromShape;
  // How the result is stored: "" as float32, or "bf16_pairs" (--precision=
  // bf16 on the CPU): a (P, K/2, nr) weight whose 32-bit words each hold
  // two bf16 values of the (K, P nr) matrix, rows 2k (low half) and 2k + 1
  // (high half) of one column, the operand layout of AVX512-BF16's
  // vdpbf16ps. Each is rounded once, from float64, to nearest even.
  std::string storage;
};

/// 1/L with L = ||D||_2^2, the largest eigenvalue of D^T D, for D
/// (rows x cols, row-major), by power iteration in float64; nullopt when D
/// is zero or not finite.
std::optional<double> inverseLipschitz(const std::vector<float> &d,
                                       int64_t rows, int64_t cols);

/// A derived weight of shape (P, K, nr) holds the (K, P nr) matrix its op
/// makes, stored in column panels: element [k][p nr + c] at [p][k][c], so a
/// product streams one panel contiguously (crate-pack-weight-panels). With
/// "bf16_pairs" storage the shape is (P, K/2, nr) and [p][k][c] holds the
/// pair of rows 2k and 2k + 1.

/// The source's shape for a derived weight of shape `shape`, or an error.
bool sourceShape(const Derivation &d, const std::vector<int64_t> &shape,
                 std::vector<int64_t> &source, std::string &error);

/// Computes the derived weight of shape `shape` from `source` (row-major,
/// of sourceShape(...)). Returns false with `error` for an unknown op or
/// storage, or a shape the op does not take. "bf16_pairs" words are
/// returned bit for bit in `out`'s floats (the blob stores 32-bit words).
/// `value` rounded to bf16, to nearest even (NaN stays a quiet NaN).
uint16_t toBF16(double value);

bool derive(const Derivation &d, const std::vector<int64_t> &shape,
            const std::vector<float> &source, std::vector<float> &out,
            std::string &error);

} // namespace crate::weights

#endif // CRATE_RUNTIME_WEIGHTS_DERIVEDWEIGHTS_H
