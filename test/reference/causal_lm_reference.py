#!/usr/bin/env python3
"""Independent float64 reference for the causal language models of the CRATE family.

Covers three models, written from the math text in shared/design/family.md
(section 4 "Causal CRATE for language" and the "Causal language layer" of
section 5 "ToST") and shared/design/crate-math.md (LayerNorm, MSSA, ISTA):

    crate_gpt  CRATE-GPT: causal MSSA + one warm-started ISTA step (d x d), no final LN
    crate_lm   CRATE-LM:  causal MSSA + two zero-started prox steps with an
               overcomplete tied dictionary (4d x d), ln_f
    tost_lang  ToST language: causal TSSA (token statistics, head-softmax
               membership with denom_bias and temp) + LayerScale'd GELU MLP, ln_f

It is deliberately INDEPENDENT of the compiler: numpy only, every block written
from the formulas, no code shared with lib/, python/ or examples/. The only
import from the repository is the numpy-only safetensors reader/writer in
scripts/pth_to_safetensors.py (file I/O, no model math).

What it does, in order:
  1. validates the reference against the official fixtures (made with the
     upstream PyTorch code in float64):
         test/data/family/crate_lm_shared_{weights,io}.safetensors
         test/data/family/tost_lang_shared_{weights,io}.safetensors
     every float tensor of the io files must agree to a relative max error
     (max |a - b| / max |b|) below 1e-9;
  2. generates random CRATE-GPT weights (d=64, K=4, L=2, V=64, block_size=16;
     fixed seed) and writes them as float32 to
         test/data/family/crate_gpt_own_weights.safetensors
     (checking that every layer's ReLU output is 20%..80% non-zero);
  3. checks causality (a length-5 run equals the first 5 positions of a
     length-16 run that starts with the same ids) on a separately built sequence;
  4. writes, for each model, test/data/family/<model>_own_io.safetensors with
     inputs and float64 intermediates at sequence lengths 1, 5 and 16:
         idx.len<T>        int64 (2, T)
         z.in.len<T>       (2, T, d)  x_0 = wte[idx] + wpe[:T]
         z_half.<l>.len<T> (2, T, d)  after the attention residual of layer l
         z.<l>.len<T>      (2, T, d)  output of layer l (crate_gpt / crate_lm: the
                                      sparse block; tost_lang: after the MLP residual)
         logits.len<T>     (2, T, V)
     and, for tost_lang only (after all the tensors above, see variational_rate):
         rvar.len<T>       (2, L, 2)  R^var of layer l's input x_l ([..., 0]) and of
                                      z_half.<l> ([..., 1]) under layer l's ln_1, Q,
                                      temp, denom_bias (whole-sequence statistics)
     and, for crate_gpt and crate_lm only, at T = 16 only (after all the tensors
     above, see layer_stats):
         layer_stats.len16 (2, L, 5)  per sequence b and layer l:
                                      [0] R^c(z_half.<l>) (compression_rate, eps 1),
                                      [1] normalised R^c(z_half.<l>) (unit-length rows
                                          of W_k, eps_plot 0.01; compression_rate_normalized),
                                      [2] R(z.<l>) (coding_rate, eps 1),
                                      [3] ||z.<l>||_0 / (N d) (l0_fraction),
                                      [4] ||z.<l>||_1 (l1_norm)
                                      with U = layer l's attn.c_attn.weight
     and, for crate_lm only, at T = 16 only (after layer_stats, see code_stats):
         code_stats.len16  (2, L, 2)  per sequence b and layer l, of the sparse
                                      block's codes A = a2 (N x 4d, before the
                                      synthesis z.<l> = a2 D^T):
                                      [0] ||A||_0 / (N 4d), [1] ||A||_1
     The weights are always the float32 files, widened to float64.

Run from the repository root (or anywhere; paths are relative to this file):

    python3 test/reference/causal_lm_reference.py

Deterministic: fixed seeds; rerunning rewrites identical files.
"""

import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "test", "data", "family")
GENERATOR = "test/reference/causal_lm_reference.py"
COMMAND = "python3 test/reference/causal_lm_reference.py"

sys.dont_write_bytecode = True  # leave no __pycache__ in scripts/
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from pth_to_safetensors import read_safetensors, write_safetensors  # noqa: E402  (I/O only)

LENGTHS = (1, 5, 16)
BATCH = 2
VALIDATION_TOL = 1e-9
CAUSALITY_TOL = 1e-12
GPT_WEIGHT_SEED = 20261206
IO_SEED = 20261207          # ids for length T: default_rng(IO_SEED + T)
CAUSALITY_SEED = 20261208


# ---------------------------------------------------------------------------
# blocks (x: (B, T, d) float64, tokens as rows; a stored weight W (out, in) acts as x W^T)


def layer_norm(x, weight, bias, eps):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last axis, biased
    variance; bias None = no bias."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps) * weight
    return y if bias is None else y + bias


def relu(v):
    return np.maximum(v, 0.0)


def causal_mssa(z, Q, Wo, bo, heads):
    """Causal MSSA: W = z Q^T; per head k (columns k*p..(k+1)*p-1)
    O_k = softmax_row(W_k W_k^T / sqrt(p), score[i, j] = -inf for j > i) W_k;
    returns concat_k(O_k) Wo^T + bo (the residual add is the caller's)."""
    B, T, _ = z.shape
    W = z @ Q.T
    p = W.shape[-1] // heads
    future = np.triu(np.ones((T, T), dtype=bool), k=1)  # j > i
    outs = []
    for k in range(heads):
        Wk = W[..., k * p:(k + 1) * p]                        # (B, T, p)
        scores = Wk @ np.swapaxes(Wk, -1, -2) / math.sqrt(p)  # (B, T, T)
        scores = np.where(future, -np.inf, scores)
        scores = scores - scores.max(axis=-1, keepdims=True)
        e = np.exp(scores)
        A = e / e.sum(axis=-1, keepdims=True)
        outs.append(A @ Wk)
    return np.concatenate(outs, axis=-1) @ Wo.T + bo


def ista_gpt(y, D, eta, lam):
    """CRATE's sparse step (one ISTA step started at Z = y, non-negative):
    ReLU(y + eta (y - y D^T) D - eta lambda), D (d, d); no residual."""
    return relu(y + eta * (y - y @ D.T) @ D - eta * lam)


def crate_lm_sparse(y, ista_weight, eta, lam):
    """CRATE-LM's sparse block: D = ista.weight^T (d, 4d), two prox steps from zero,
    tied synthesis, no residual:
        b = y D; a1 = ReLU(eta b - eta lambda)
        a2 = ReLU(a1 - eta (a1 D^T) D + eta b - eta lambda);  return (a2 D^T, a2).
    a2 (B, T, 4d) are the codes (see code_stats); a2 D^T is the layer output."""
    D = ista_weight.T
    b = y @ D
    a1 = relu(eta * b - eta * lam)
    a2 = relu(a1 - eta * (a1 @ D.T) @ D + eta * b - eta * lam)
    return a2 @ D.T, a2


def causal_membership(S, temp, denom_bias):
    """Causal head membership of the ToST language layer, from S = [S_k] (each
    (B, T, p), S_k = W_k (.) W_k):
        C_k[t, j] = max(sum_{s<=t} S_k[s, j], 1e-12)
        Pi[t, :]  = softmax_k(temp_k * sum_j (S_k[t, j] / C_k[t, j] + beta_k[t]))
    temp (K, 1), denom_bias beta (K, block_size, 1); returns Pi (B, T, K)."""
    heads = len(S)
    B, T, _ = S[0].shape
    energy = np.empty((B, T, heads))                             # membership logits
    for k in range(heads):
        C = np.maximum(np.cumsum(S[k], axis=1), 1e-12)           # prefix sums over s <= t
        beta = denom_bias[k, :T, 0]                              # (T,)
        energy[..., k] = temp[k, 0] * (S[k] / C + beta[None, :, None]).sum(axis=-1)
    energy = energy - energy.max(axis=-1, keepdims=True)
    e = np.exp(energy)
    return e / e.sum(axis=-1, keepdims=True)                     # softmax over heads


def tssa_causal(z, Q, Wo, temp, denom_bias, heads):
    """Causal TSSA of the ToST language layer (no biases); returns
    concat_k(O_k) Wo^T (LayerScale and residual are the caller's).
        W = z Q^T, S_k = W_k (.) W_k, C_k[t, j] = max(sum_{s<=t} S_k[s, j], 1e-12)
        Pi[t, :] = softmax_k(temp_k * sum_j (S_k[t, j] / C_k[t, j] + beta_k[t]))
        m_k[t, j] = sum_{s<=t} Pi[s, k] S_k[s, j] / (sum_{s<=t} Pi[s, k] + 1e-8)
        O_k[t, j] = -Pi[t, k] W_k[t, j] / (1 + m_k[t, j])
    temp (K, 1), denom_bias beta (K, block_size, 1)."""
    W = z @ Q.T
    p = W.shape[-1] // heads
    Wh = [W[..., k * p:(k + 1) * p] for k in range(heads)]      # each (B, T, p)
    S = [w * w for w in Wh]
    Pi = causal_membership(S, temp, denom_bias)                  # (B, T, K)
    outs = []
    for k in range(heads):
        pk = Pi[..., k:k + 1]                                    # (B, T, 1)
        m = np.cumsum(pk * S[k], axis=1) / (np.cumsum(pk, axis=1) + 1e-8)
        outs.append(-pk * Wh[k] / (1.0 + m))
    return np.concatenate(outs, axis=-1) @ Wo.T


def tost_layer_params(w, cfg, l):
    """The parameters of ToST language layer l that variational_rate reads."""
    h = f"transformer.h.{l}."
    return {"ln_1": w[h + "ln_1.weight"], "Q": w[h + "attn.c_attn.weight"],
            "temp": w[h + "attn.temp"], "denom_bias": w[h + "attn.denom_bias"],
            "heads": cfg["n_head"], "eps": cfg["layernorm_eps"]}


def variational_rate(v, layer_params):
    """Variational compression measure R^var of tokens v (B, T, d) under one ToST
    language layer's parameters (ln_1 weight, Q = attn.c_attn.weight, temp,
    denom_bias, K heads, LN eps); returns (B,), one value per sequence:
        y = LN_1(v)  (weight only, as in the TSSA layer);  W = y Q^T
        W_k = W[:, k*p:(k+1)*p], p = d/K;  S_k = W_k (.) W_k
        Pi = causal_membership(S): C_k[t, j] = max(sum_{s<=t} S_k[s, j], 1e-12),
             Pi[t, :] = softmax_k(temp_k * (sum_j S_k[t, j] / C_k[t, j] + p beta_k[t]))
        over the WHOLE sequence (not prefixes):
        N_k = sum_t Pi[t, k];  m_k[j] = sum_t Pi[t, k] S_k[t, j] / (N_k + 1e-8)
        R^var = 1/2 sum_k (N_k / T) sum_j log(1 + m_k[j])."""
    P = layer_params
    K = P["heads"]
    y = layer_norm(v, P["ln_1"], None, P["eps"])
    W = y @ P["Q"].T
    T = W.shape[1]
    p = W.shape[-1] // K
    S = [W[..., k * p:(k + 1) * p] ** 2 for k in range(K)]       # each (B, T, p)
    Pi = causal_membership(S, P["temp"], P["denom_bias"])        # (B, T, K)
    rate = np.zeros(W.shape[0])
    for k in range(K):
        pk = Pi[..., k]                                          # (B, T)
        N = pk.sum(axis=1)                                       # (B,)
        m = (pk[..., None] * S[k]).sum(axis=1) / (N[:, None] + 1e-8)   # (B, p)
        rate += (N / T) * np.log1p(m).sum(axis=-1)
    return 0.5 * rate


def tost_rvar(w, cfg, out):
    """rvar (B, L, 2): [:, l, 0] = R^var(x_l) (x_0 = z.in, x_l = z.<l-1>),
    [:, l, 1] = R^var(z_half.<l>), both with layer l's parameters."""
    L = cfg["n_layer"]
    r = np.empty((out["z.in"].shape[0], L, 2))
    for l in range(L):
        P = tost_layer_params(w, cfg, l)
        x_l = out["z.in"] if l == 0 else out[f"z.{l - 1}"]
        r[:, l, 0] = variational_rate(x_l, P)
        r[:, l, 1] = variational_rate(out[f"z_half.{l}"], P)
    return r


def check_variational_rate(w, cfg):
    """Cross-checks variational_rate against independent sums: m_k over the whole
    sequence equals the causal layer's running statistic m_k[T-1] (prefix = whole
    sequence at the last position), recomputed here from the layer's own terms;
    and R^var is finite and positive."""
    rng = np.random.default_rng(CAUSALITY_SEED)
    idx = rng.integers(0, cfg["vocab_size"], size=(BATCH, cfg["block_size"]))
    out = forward_tost_lang(w, cfg, idx)
    K, d = cfg["n_head"], cfg["n_embd"]
    p = d // K
    worst = 0.0
    for l in range(cfg["n_layer"]):
        P = tost_layer_params(w, cfg, l)
        for v in (out["z.in"] if l == 0 else out[f"z.{l - 1}"], out[f"z_half.{l}"]):
            r = variational_rate(v, P)
            assert np.all(np.isfinite(r)) and np.all(r > 0), r
            # loop form, one sequence at a time
            for b in range(v.shape[0]):
                y = layer_norm(v[b:b + 1], P["ln_1"], None, P["eps"])[0]
                Wb = y @ P["Q"].T
                S = [Wb[None, :, k * p:(k + 1) * p] ** 2 for k in range(K)]
                Pi = causal_membership(S, P["temp"], P["denom_bias"])[0]
                T = Wb.shape[0]
                total = 0.0
                for k in range(K):
                    # the layer's prefix statistic at t = T-1
                    m = np.cumsum(Pi[:, k:k + 1] * S[k][0], axis=0)[-1] / (Pi[:, k].cumsum()[-1] + 1e-8)
                    total += Pi[:, k].sum() / T * sum(math.log(1.0 + x) for x in m)
                worst = max(worst, abs(0.5 * total - r[b]) / abs(r[b]))
    assert worst < 1e-13, worst
    print(f"variational_rate tost_lang: loop form agrees, worst rel err {worst:.1e}")


STATS_LENGTH = 16          # layer_stats are written at this sequence length only
STATS_EPS = 1.0            # eps of R^c and R
STATS_EPS_PLOT = 0.01      # eps_plot of the normalised R^c (scale p / (N eps_plot), not squared)


def _half_logdet_identity_plus(c, M):
    """1/2 logdet(I + c M^T M) for a real matrix M (rows = tokens), via slogdet."""
    n = M.shape[1]
    sign, logdet = np.linalg.slogdet(np.eye(n) + c * (M.T @ M))
    assert sign > 0, sign
    return 0.5 * logdet


def coding_rate(Z, eps=STATS_EPS):
    """Coding rate of N tokens Z (N, d), tokens as rows:
        R(Z) = 1/2 logdet(I_d + d / (N eps^2) Z^T Z)."""
    N, d = Z.shape
    return _half_logdet_identity_plus(d / (N * eps * eps), Z)


def compression_rate(Z, U, heads, eps=STATS_EPS):
    """Compression term of CRATE's sparse rate reduction for N tokens Z (N, d) against
    the subspaces U = attn.c_attn.weight (K p, d; rows k p..(k+1) p - 1 are U_k^T):
        W = Z U^T, W_k = W[:, k p:(k+1) p] = Z U_k (N, p)
        R^c(Z) = sum_k 1/2 logdet(I_p + p / (N eps^2) W_k^T W_k)."""
    N = Z.shape[0]
    W = Z @ U.T
    p = W.shape[1] // heads
    return sum(_half_logdet_identity_plus(p / (N * eps * eps), W[:, k * p:(k + 1) * p])
               for k in range(heads))


def compression_rate_normalized(Z, U, heads, eps_plot=STATS_EPS_PLOT):
    """Normalised compression term (as the CRATE papers plot it): like compression_rate,
    but each ROW of W_k = Z U_k (one token's projection) is first scaled to unit
    Euclidean length, and the scale is p / (N eps_plot) (eps_plot NOT squared):
        Wn_k[n, :] = W_k[n, :] / ||W_k[n, :]||_2
        sum_k 1/2 logdet(I_p + p / (N eps_plot) Wn_k^T Wn_k)."""
    N = Z.shape[0]
    W = Z @ U.T
    p = W.shape[1] // heads
    total = 0.0
    for k in range(heads):
        Wk = W[:, k * p:(k + 1) * p]
        norms = np.sqrt((Wk * Wk).sum(axis=1, keepdims=True))
        assert np.all(norms > 0), "a token projects to zero"
        total += _half_logdet_identity_plus(p / (N * eps_plot), Wk / norms)
    return total


def l0_fraction(Z):
    """||Z||_0 / (N d): the fraction of entries of Z (N, d) that are exactly non-zero."""
    return float(np.count_nonzero(Z)) / Z.size


def l1_norm(Z):
    """||Z||_1 = sum of |Z| over all entries of Z (N, d)."""
    return float(np.abs(Z).sum())


def layer_stats(w, cfg, out):
    """layer_stats (B, L, 5) of a CRATE causal model's forward output, per sequence b
    and layer l, with U = layer l's attn.c_attn.weight, K = n_head:
        [b, l, 0] = compression_rate(z_half.<l>[b], U)             (eps 1)
        [b, l, 1] = compression_rate_normalized(z_half.<l>[b], U)  (eps_plot 0.01)
        [b, l, 2] = coding_rate(z.<l>[b])                          (eps 1)
        [b, l, 3] = l0_fraction(z.<l>[b])
        [b, l, 4] = l1_norm(z.<l>[b])"""
    K, L = cfg["n_head"], cfg["n_layer"]
    B = out["z.in"].shape[0]
    r = np.empty((B, L, 5))
    for l in range(L):
        U = w[f"transformer.h.{l}.attn.c_attn.weight"]
        for b in range(B):
            zh, z = out[f"z_half.{l}"][b], out[f"z.{l}"][b]
            r[b, l] = (compression_rate(zh, U, K), compression_rate_normalized(zh, U, K),
                       coding_rate(z), l0_fraction(z), l1_norm(z))
    return r


def check_layer_stats(model, w, cfg):
    """Cross-checks the layer_stats functions against independent forms on a
    separately built length-16 sequence: Sylvester's identity
    logdet(I_p + c M^T M) = logdet(I_N + c M M^T), summed from eigenvalues; explicit
    per-entry loops for ||.||_0 and ||.||_1; per-token loops for the row normalisation."""
    rng = np.random.default_rng(CAUSALITY_SEED)
    idx = rng.integers(0, cfg["vocab_size"], size=(BATCH, STATS_LENGTH))
    out = FORWARD[model](w, cfg, idx)
    K = cfg["n_head"]
    stats = layer_stats(w, cfg, out)

    def half_logdet_gram(c, M):      # 1/2 logdet(I_N + c M M^T) from eigenvalues
        ev = np.linalg.eigvalsh(np.eye(M.shape[0]) + c * (M @ M.T))
        assert np.all(ev > 0)
        return 0.5 * float(np.log(ev).sum())

    worst = 0.0
    for l in range(cfg["n_layer"]):
        U = w[f"transformer.h.{l}.attn.c_attn.weight"]
        p = U.shape[0] // K
        for b in range(BATCH):
            zh, z = out[f"z_half.{l}"][b], out[f"z.{l}"][b]
            N, d = z.shape
            rc = rcn = 0.0
            for k in range(K):
                Wk = zh @ U[k * p:(k + 1) * p].T                   # Z U_k
                rc += half_logdet_gram(p / (N * STATS_EPS ** 2), Wk)
                Wn = np.array([row / math.sqrt(sum(x * x for x in row)) for row in Wk])
                rcn += half_logdet_gram(p / (N * STATS_EPS_PLOT), Wn)
            r = half_logdet_gram(d / (N * STATS_EPS ** 2), z)
            l0 = sum(1 for x in z.ravel() if x != 0.0) / (N * d)
            l1 = math.fsum(abs(x) for x in z.ravel())
            for g, e in zip(stats[b, l], (rc, rcn, r, l0, l1)):
                assert np.isfinite(g) and g > 0, (model, l, b, stats[b, l])
                worst = max(worst, abs(g - e) / abs(e))
    assert worst < 1e-10, worst
    print(f"layer_stats {model}: independent forms agree, worst rel err {worst:.1e}")


CODES_SYNTHESIS_TOL = 1e-13


def code_stats(cfg, out):
    """code_stats (B, L, 2) of a CRATE-LM forward output, per sequence b and layer l,
    with A = codes.<l>[b] (N x 4d), the codes a2 after the second prox step
    (crate_lm_sparse; the layer output is z.<l> = A D^T):
        [b, l, 0] = l0_fraction(A) = ||A||_0 / (N 4d)
        [b, l, 1] = l1_norm(A)     = ||A||_1"""
    L = cfg["n_layer"]
    B = out["z.in"].shape[0]
    r = np.empty((B, L, 2))
    for l in range(L):
        for b in range(B):
            A = out[f"codes.{l}"][b]
            r[b, l] = (l0_fraction(A), l1_norm(A))
    return r


def check_code_stats(w, cfg):
    """On the T = 16 fixture ids and on a separately built length-16 sequence: the
    codes have shape (B, N, 4d) and are non-negative, their synthesis a2 D^T
    (D^T = ista.weight) equals the layer output z.<l> to CODES_SYNTHESIS_TOL (relative
    max error), and code_stats agrees with explicit per-entry loops."""
    d, L = cfg["n_embd"], cfg["n_layer"]
    ids = [np.random.default_rng(IO_SEED + STATS_LENGTH).integers(
               0, cfg["vocab_size"], size=(BATCH, STATS_LENGTH)),
           np.random.default_rng(CAUSALITY_SEED).integers(
               0, cfg["vocab_size"], size=(BATCH, STATS_LENGTH))]
    worst_syn = worst_stats = 0.0
    for idx in ids:
        out = forward_crate_lm(w, cfg, idx)
        stats = code_stats(cfg, out)
        for l in range(L):
            A = out[f"codes.{l}"]
            assert A.shape == (BATCH, STATS_LENGTH, 4 * d), A.shape
            assert np.all(A >= 0.0)
            e = rel_max_err(A @ w[f"transformer.h.{l}.ista.weight"], out[f"z.{l}"])
            assert e < CODES_SYNTHESIS_TOL, (l, e)
            worst_syn = max(worst_syn, e)
            for b in range(BATCH):
                flat = A[b].ravel()
                l0 = sum(1 for x in flat if x != 0.0) / (STATS_LENGTH * 4 * d)
                l1 = math.fsum(abs(x) for x in flat)
                for g, ex in zip(stats[b, l], (l0, l1)):
                    assert np.isfinite(g) and g > 0, (l, b, stats[b, l])
                    worst_stats = max(worst_stats, abs(g - ex) / abs(ex))
    assert worst_stats < 1e-10, worst_stats
    print(f"code_stats crate_lm: a2 D^T vs z.<l> worst rel err {worst_syn:.1e} "
          f"(bar {CODES_SYNTHESIS_TOL:g}); per-entry loops agree, worst rel err {worst_stats:.1e}")


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(v):
    """Exact GELU: 0.5 v (1 + erf(v / sqrt 2))."""
    return 0.5 * v * (1.0 + _erf(v / math.sqrt(2.0)))


def gelu_mlp(y, F1, F2):
    """GELU(y F1^T) F2^T, no biases (ToST language MLP: c_fc (4d, d), c_proj (d, 4d))."""
    return gelu(y @ F1.T) @ F2.T


def embed(w, idx):
    """x_0[n] = wte[idx[n]] + wpe[n]."""
    T = idx.shape[-1]
    return w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"][:T]


# ---------------------------------------------------------------------------
# models: forward_<model>(weights (name -> float64 array), cfg, idx (B, T) int) -> dict


def compression_half(w, h, x, eps, K):
    """The first half of a causal CRATE layer (prefix `h` of its weights):
    a = CausalMSSA(LN_1(x)), x_half = x + a, and y = LN_2(x_half), the
    sparse block's input."""
    z = layer_norm(x, w[h + "prenorm_1.weight"], w[h + "prenorm_1.bias"], eps)
    a = causal_mssa(z, w[h + "attn.c_attn.weight"], w[h + "attn.c_proj.weight"],
                    w[h + "attn.c_proj.bias"], K)
    x_half = x + a
    y = layer_norm(x_half, w[h + "prenorm_2.weight"], w[h + "prenorm_2.bias"], eps)
    return a, x_half, y


def forward_crate_gpt(w, cfg, idx):
    eps, eta, lam, K = cfg["layernorm_eps"], cfg["ista_step_size"], cfg["ista_lambd"], cfg["n_head"]
    out = {}
    x = embed(w, idx)
    out["z.in"] = x
    for l in range(cfg["n_layer"]):
        h = f"transformer.h.{l}."
        a, x_half, y = compression_half(w, h, x, eps, K)
        x = ista_gpt(y, w[h + "ista.weight"], eta, lam)          # no residual
        out[f"attn.{l}"], out[f"z_half.{l}"], out[f"z.{l}"] = a, x_half, x
        out[f"ista.{l}"] = x
    out["logits"] = x @ w["transformer.wte.weight"].T   # no final LN, tied head
    return out


def forward_crate_lm(w, cfg, idx):
    eps, eta, lam, K = cfg["layernorm_eps"], cfg["ista_step_size"], cfg["ista_lambd"], cfg["n_head"]
    out = {}
    x = embed(w, idx)
    out["z.in"] = x
    for l in range(cfg["n_layer"]):
        h = f"transformer.h.{l}."
        a, x_half, y = compression_half(w, h, x, eps, K)
        x, codes = crate_lm_sparse(y, w[h + "ista.weight"], eta, lam)   # no residual
        out[f"attn.{l}"], out[f"z_half.{l}"], out[f"z.{l}"] = a, x_half, x
        out[f"ista.{l}"] = x
        out[f"codes.{l}"] = codes                       # a2 (B, T, 4d), x = a2 D^T
    f = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    out["final_normed"] = f
    out["logits"] = f @ w["transformer.wte.weight"].T
    return out


def forward_tost_lang(w, cfg, idx):
    eps, K = cfg["layernorm_eps"], cfg["n_head"]
    out = {}
    x = embed(w, idx)
    out["z.in"] = x
    for l in range(cfg["n_layer"]):
        h = f"transformer.h.{l}."
        z = layer_norm(x, w[h + "ln_1.weight"], None, eps)
        a = tssa_causal(z, w[h + "attn.c_attn.weight"], w[h + "attn.c_proj.weight"],
                        w[h + "attn.temp"], w[h + "attn.denom_bias"], K)
        x_half = x + w[h + "gamma1"] * a                 # LayerScale, then residual
        y = layer_norm(x_half, w[h + "ln_2.weight"], None, eps)
        m = gelu_mlp(y, w[h + "mlp.c_fc.weight"], w[h + "mlp.c_proj.weight"])
        x = x_half + w[h + "gamma2"] * m
        # attn.l / mlp.l: the block outputs before LayerScale (as the official fixture)
        out[f"attn.{l}"], out[f"z_half.{l}"], out[f"mlp.{l}"], out[f"z.{l}"] = a, x_half, m, x
    f = layer_norm(x, w["transformer.ln_f.weight"], None, eps)
    out["final_normed"] = f
    out["logits"] = f @ w["transformer.wte.weight"].T
    return out


FORWARD = {"crate_gpt": forward_crate_gpt, "crate_lm": forward_crate_lm,
           "tost_lang": forward_tost_lang}


def add_loss_terms(out, targets):
    """logits_last and the mean token cross-entropy (as the official fixtures store)."""
    logits = out["logits"]
    out["logits_last"] = logits[:, -1:, :]
    mx = logits.max(axis=-1, keepdims=True)
    logz = (mx + np.log(np.exp(logits - mx).sum(axis=-1, keepdims=True)))[..., 0]
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]
    out["loss"] = np.array([(logz - picked).mean()])


# ---------------------------------------------------------------------------
# helpers


def rel_max_err(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).max() / np.abs(b).max())


def load_weights(path):
    """float32 file -> (name -> float64 array, config dict)."""
    tensors, meta = read_safetensors(path)
    w = {k: np.asarray(v, dtype=np.float64) for k, v in tensors.items()}
    return w, json.loads(meta["config"])


def entry(array):
    a = np.asarray(array)
    if a.dtype == np.int64:
        return ("I64", a.shape, np.ascontiguousarray(a, dtype="<i8").tobytes())
    if a.dtype == np.float64:
        return ("F64", a.shape, np.ascontiguousarray(a, dtype="<f8").tobytes())
    if a.dtype == np.float32:
        return ("F32", a.shape, np.ascontiguousarray(a, dtype="<f4").tobytes())
    raise TypeError(a.dtype)


def rel(path):
    return os.path.relpath(path, ROOT)


# ---------------------------------------------------------------------------
# 1. validation against the official fixtures


def validate(model):
    w, cfg = load_weights(os.path.join(DATA, f"{model}_shared_weights.safetensors"))
    io, _ = read_safetensors(os.path.join(DATA, f"{model}_shared_io.safetensors"))
    assert np.array_equal(w["lm_head.weight"], w["transformer.wte.weight"]), "lm_head not tied"
    out = FORWARD[model](w, cfg, io["idx"])
    add_loss_terms(out, io["targets"])
    errors = {}
    for key, ref in io.items():
        if key in ("idx", "targets"):
            continue
        assert key in out, f"{model}: the reference has no '{key}'"
        errors[key] = rel_max_err(out[key], ref)
    worst = max(errors, key=errors.get)
    print(f"validate {model} against {model}_shared_io ({len(errors)} tensors): "
          f"worst {worst} {errors[worst]:.3e}")
    for key in sorted(errors):
        print(f"    {key:14s} {errors[key]:.3e}")
    bad = {k: e for k, e in errors.items() if not e < VALIDATION_TOL}
    assert not bad, f"{model}: errors above {VALIDATION_TOL}: {bad}"
    return errors


# ---------------------------------------------------------------------------
# 2. CRATE-GPT weights

GPT_CONFIG = {
    "model": "crate_gpt", "n_embd": 64, "n_head": 4, "n_layer": 2, "vocab_size": 64,
    "block_size": 16, "ista_step_size": 0.1, "ista_lambd": 0.1, "layernorm_eps": 1e-05,
    "layernorm_bias": True, "tied_lm_head": True, "final_layernorm": False,
    "init": ("numpy default_rng(20261206), drawn in state-dict order: wte, wpe ~ N(0, 0.5^2); "
             "per layer prenorm_*.weight ~ 1 + 0.1 N(0,1), prenorm_*.bias ~ 0.1 N(0,1), "
             "c_attn, c_proj, ista weights ~ N(0, 1/d) (std 1/sqrt(d)), c_proj.bias ~ 0.1 N(0,1)"),
}


def make_gpt_weights():
    cfg = GPT_CONFIG
    d, V, Nb, L = cfg["n_embd"], cfg["vocab_size"], cfg["block_size"], cfg["n_layer"]
    rng = np.random.default_rng(GPT_WEIGHT_SEED)
    s = 1.0 / math.sqrt(d)
    w = {}
    w["transformer.wte.weight"] = 0.5 * rng.standard_normal((V, d))
    w["transformer.wpe.weight"] = 0.5 * rng.standard_normal((Nb, d))
    for l in range(L):
        h = f"transformer.h.{l}."
        w[h + "prenorm_1.weight"] = 1.0 + 0.1 * rng.standard_normal(d)
        w[h + "prenorm_1.bias"] = 0.1 * rng.standard_normal(d)
        w[h + "attn.c_attn.weight"] = s * rng.standard_normal((d, d))
        w[h + "attn.c_proj.weight"] = s * rng.standard_normal((d, d))
        w[h + "attn.c_proj.bias"] = 0.1 * rng.standard_normal(d)
        w[h + "prenorm_2.weight"] = 1.0 + 0.1 * rng.standard_normal(d)
        w[h + "prenorm_2.bias"] = 0.1 * rng.standard_normal(d)
        w[h + "ista.weight"] = s * rng.standard_normal((d, d))
    w["lm_head.weight"] = w["transformer.wte.weight"]   # tied copy, as the official state dict
    return {k: v.astype(np.float32) for k, v in w.items()}


def write_gpt_weights(w32):
    path = os.path.join(DATA, "crate_gpt_own_weights.safetensors")
    meta = {"config": json.dumps(GPT_CONFIG, sort_keys=True), "model": "crate_gpt",
            "generator": GENERATOR, "command": COMMAND,
            "note": "random weights (no CRATE-GPT checkpoint is known); lm_head.weight = "
                    "transformer.wte.weight; the attn.bias mask buffer is omitted"}
    write_safetensors(path, {k: entry(v) for k, v in sorted(w32.items())}, meta)
    return path


def check_gpt_nondegenerate(w, cfg):
    rng = np.random.default_rng(IO_SEED)
    idx = rng.integers(0, cfg["vocab_size"], size=(BATCH, cfg["block_size"]))
    out = forward_crate_gpt(w, cfg, idx)
    for l in range(cfg["n_layer"]):
        frac = float((out[f"z.{l}"] > 0).mean())
        print(f"crate_gpt layer {l}: ReLU output non-zero fraction {frac:.3f}")
        assert 0.2 <= frac <= 0.8, f"layer {l}: non-zero fraction {frac}"
    lg = out["logits"]
    print(f"crate_gpt logits: std {lg.std():.3f}, max |.| {np.abs(lg).max():.3f}")
    assert lg.std() > 0.1, "logits are tiny"


# ---------------------------------------------------------------------------
# 3. causality


def check_causality(model, w, cfg):
    """A length-5 run equals the first 5 positions of a length-16 run on a
    sequence with the same first 5 ids (a sequence built here, not the fixture's)."""
    rng = np.random.default_rng(CAUSALITY_SEED)
    V, Tmax, Tp = cfg["vocab_size"], cfg["block_size"], 5
    long_idx = rng.integers(0, V, size=(BATCH, Tmax))
    short_idx = long_idx[:, :Tp].copy()
    full = FORWARD[model](w, cfg, long_idx)
    prefix = FORWARD[model](w, cfg, short_idx)
    worst = 0.0
    for key, v in prefix.items():
        e = rel_max_err(v, full[key][:, :Tp])
        assert e < CAUSALITY_TOL, f"{model}: causality broken at {key}: {e}"
        worst = max(worst, e)
    # and the positions after the prefix do depend on later ids (the test is not vacuous)
    changed = long_idx.copy()
    changed[:, Tp:] = (changed[:, Tp:] + 1) % V
    other = FORWARD[model](w, cfg, changed)
    assert rel_max_err(other["logits"][:, :Tp], full["logits"][:, :Tp]) < CAUSALITY_TOL
    assert rel_max_err(other["logits"][:, Tp:], full["logits"][:, Tp:]) > 1e-6
    print(f"causality {model}: length 5 vs first 5 of length 16, worst rel err {worst:.1e}")


# ---------------------------------------------------------------------------
# 4. fixtures


def write_io(model, w, cfg, weights_path):
    tensors = {}
    rvar = {}
    stats = {}
    codes = {}
    for T in LENGTHS:
        rng = np.random.default_rng(IO_SEED + T)
        idx = rng.integers(0, cfg["vocab_size"], size=(BATCH, T)).astype(np.int64)
        out = FORWARD[model](w, cfg, idx)
        tensors[f"idx.len{T}"] = entry(idx)
        tensors[f"z.in.len{T}"] = entry(out["z.in"])
        for l in range(cfg["n_layer"]):
            tensors[f"z_half.{l}.len{T}"] = entry(out[f"z_half.{l}"])
            tensors[f"z.{l}.len{T}"] = entry(out[f"z.{l}"])
        tensors[f"logits.len{T}"] = entry(out["logits"])
        if model == "tost_lang":
            rvar[f"rvar.len{T}"] = entry(tost_rvar(w, cfg, out))
        if model in ("crate_gpt", "crate_lm") and T == STATS_LENGTH:
            stats[f"layer_stats.len{T}"] = entry(layer_stats(w, cfg, out))
        if model == "crate_lm" and T == STATS_LENGTH:
            codes[f"code_stats.len{T}"] = entry(code_stats(cfg, out))
    tensors.update(rvar)   # after every other tensor, whose entries stay as they were
    tensors.update(stats)  # likewise
    tensors.update(codes)  # likewise (last)
    if model == "tost_lang":
        layout = ("z_half.l = x + gamma1 * TSSA(ln_1(x)) Wo^T; "
                  "z.l = z_half.l + gamma2 * MLP(ln_2(z_half.l))")
    else:
        layout = "z_half.l = x + CausalMSSA(prenorm_1(x)); z.l = sparse block of prenorm_2(z_half.l)"
    meta = {"config": json.dumps(cfg, sort_keys=True), "model": model,
            "lengths": json.dumps(list(LENGTHS)), "batch": str(BATCH),
            "weights": rel(weights_path), "generator": GENERATOR, "command": COMMAND,
            "precision": "float64 reference on the float32 weights widened to float64",
            "ids": f"idx.len<T> = numpy default_rng({IO_SEED} + T).integers(0, vocab_size, (B, T))",
            "layout": layout}
    if model == "tost_lang":
        meta["rvar"] = ("rvar.len<T> (B, L, 2) float64: the variational compression measure "
                        "R^var of layer l's attention input and of its output after the "
                        "attention step, per sequence b, both with layer l's own parameters: "
                        "[b, l, 0] = R^var(x_l), x_l = z.in (l = 0) or z.<l-1>; "
                        "[b, l, 1] = R^var(z_half.<l>). R^var(v): y = LN_1(v) (ln_1 weight, "
                        "eps 1e-5), W = y Q^T (Q = attn.c_attn.weight), S_k = W_k (.) W_k per "
                        "head (width p = d/K), Pi = the layer's causal membership "
                        "(C_k[t,j] = max(sum_{s<=t} S_k[s,j], 1e-12), Pi[t,:] = softmax_k(temp_k * "
                        "(sum_j S_k[t,j]/C_k[t,j] + p beta_k[t]))), then over the whole sequence: "
                        "N_k = sum_t Pi[t,k], m_k[j] = sum_t Pi[t,k] S_k[t,j] / (N_k + 1e-8), "
                        "R^var = 1/2 sum_k (N_k/T) sum_j log(1 + m_k[j]); see variational_rate")
    if model in ("crate_gpt", "crate_lm"):
        meta["layer_stats"] = (
            f"layer_stats.len{STATS_LENGTH} (B, L, 5) float64, at T = {STATS_LENGTH} only: per "
            "sequence b and layer l, with N = T tokens as rows, Z_half = z_half.<l>.len16[b] "
            "(after the causal attention residual), Z = z.<l>.len16[b] (the layer output), "
            "U = layer l's attn.c_attn.weight (K p x d, rows k p..(k+1) p - 1 are U_k^T), "
            "K = n_head, p = d/K, W_k = Z_half U_k (columns k p..(k+1) p - 1 of Z_half U^T): "
            "[b, l, 0] = R^c(Z_half) = sum_k 1/2 logdet(I_p + p/(N eps^2) W_k^T W_k), eps = 1; "
            "[b, l, 1] = normalised R^c(Z_half) = sum_k 1/2 logdet(I_p + p/(N eps_plot) "
            "Wn_k^T Wn_k), each row of W_k scaled to unit Euclidean length, eps_plot = 0.01 "
            "(not squared); [b, l, 2] = R(Z) = 1/2 logdet(I_d + d/(N eps^2) Z^T Z), eps = 1; "
            "[b, l, 3] = ||Z||_0 / (N d), the fraction of entries of Z exactly != 0; "
            "[b, l, 4] = ||Z||_1 = sum |Z|. logdet by numpy.linalg.slogdet; see "
            "compression_rate, compression_rate_normalized, coding_rate, l0_fraction, l1_norm")
    if model == "crate_lm":
        meta["code_stats"] = (
            f"code_stats.len{STATS_LENGTH} (B, L, 2) float64, at T = {STATS_LENGTH} only: per "
            "sequence b and layer l, the sparsity of the sparse block's codes A = a2 "
            "(N x 4d, N = T tokens as rows, 4d = 256), the codes after the second prox step, "
            "before the synthesis z.<l> = A D^T: y = LN_2(z_half.<l>[b]) (prenorm_2), "
            "D = ista.weight^T (d x 4d), b = y D, a1 = ReLU(eta b - eta lambda), "
            "a2 = ReLU(a1 - eta (a1 D^T) D + eta b - eta lambda), eta = ista_step_size, "
            "lambda = ista_lambd: [b, l, 0] = ||A||_0 / (N 4d), the fraction of entries of A "
            "exactly != 0; [b, l, 1] = ||A||_1 = sum |A|. See crate_lm_sparse, code_stats")
    path = os.path.join(DATA, f"{model}_own_io.safetensors")
    write_safetensors(path, tensors, meta)
    return path


def main():
    errors = {m: validate(m) for m in ("crate_lm", "tost_lang")}

    w32 = make_gpt_weights()
    gpt_weights_path = write_gpt_weights(w32)
    models = {
        "crate_gpt": gpt_weights_path,
        "crate_lm": os.path.join(DATA, "crate_lm_shared_weights.safetensors"),
        "tost_lang": os.path.join(DATA, "tost_lang_shared_weights.safetensors"),
    }
    loaded = {m: load_weights(p) for m, p in models.items()}
    # the file carries GPT_CONFIG, and widening the f32 arrays loses nothing
    assert all(np.array_equal(loaded["crate_gpt"][0][k], v.astype(np.float64)) for k, v in w32.items())
    check_gpt_nondegenerate(*loaded["crate_gpt"])

    for m, (w, cfg) in loaded.items():
        check_causality(m, w, cfg)
    check_variational_rate(*loaded["tost_lang"])
    for m in ("crate_gpt", "crate_lm"):
        check_layer_stats(m, *loaded[m])
    check_code_stats(*loaded["crate_lm"])

    written = [gpt_weights_path]
    for m, (w, cfg) in loaded.items():
        written.append(write_io(m, w, cfg, models[m]))

    print("summary:")
    for m, e in errors.items():
        print(f"  validation {m}: worst rel max err {max(e.values()):.3e} over {len(e)} tensors "
              f"(bar {VALIDATION_TOL:g})")
    for p in written:
        t, _ = read_safetensors(p)
        print(f"  {rel(p)}: {os.path.getsize(p)} bytes, {len(t)} tensors")


if __name__ == "__main__":
    main()
