//===- Reference.h - independent float64 reference computations -*- C++ -*-===//
//
// Plain loops in double precision, written from crate-math.md without any
// code from the compiler, for the integration tests to compare against.
// Determinants use LU with partial pivoting, a different algorithm from the
// compiler's Cholesky.
//
//===----------------------------------------------------------------------===//

#ifndef CRATE_TEST_INTEGRATION_REFERENCE_H
#define CRATE_TEST_INTEGRATION_REFERENCE_H

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace crate::test::ref {

using Vec = std::vector<double>;

/// Row-major matrix helpers: a is (m, k), returns a[i*k + j].
inline Vec randomVec(size_t n, uint32_t seed, double scale = 1.0) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0, scale);
  Vec v(n);
  for (double &x : v)
    x = dist(gen);
  return v;
}

inline std::vector<float> toFloat(const Vec &v) {
  return std::vector<float>(v.begin(), v.end());
}

/// The same values rounded to float and back, so the reference computes on
/// exactly the inputs the compiled code sees.
inline Vec rounded(const Vec &v) {
  Vec r(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    r[i] = static_cast<float>(v[i]);
  return r;
}

/// y (rows, out) = x (rows, in) W^T, W (out, in), plus bias if non-empty.
inline Vec linearT(const Vec &x, const Vec &w, const Vec &bias, int64_t rows,
                   int64_t in, int64_t out) {
  Vec y(rows * out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = bias.empty() ? 0.0 : bias[o];
      for (int64_t i = 0; i < in; ++i)
        s += x[r * in + i] * w[o * in + i];
      y[r * out + o] = s;
    }
  return y;
}

/// y (rows, out) = x (rows, in) W, W (in, out).
inline Vec linear(const Vec &x, const Vec &w, int64_t rows, int64_t in,
                  int64_t out) {
  Vec y(rows * out, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t o = 0; o < out; ++o)
        y[r * out + o] += x[r * in + i] * w[i * out + o];
  return y;
}

inline Vec layerNorm(const Vec &x, const Vec &g, const Vec &b, int64_t rows,
                     int64_t d, double eps = 1e-5) {
  Vec y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < d; ++i)
      mean += x[r * d + i];
    mean /= d;
    for (int64_t i = 0; i < d; ++i)
      var += (x[r * d + i] - mean) * (x[r * d + i] - mean);
    var /= d;
    for (int64_t i = 0; i < d; ++i)
      y[r * d + i] = (x[r * d + i] - mean) / std::sqrt(var + eps) * g[i] + b[i];
  }
  return y;
}

/// MSSA of one token matrix z (n, d): concat_k S(W_k W_k^T) W_k, then the
/// output map if wo is non-empty. softmax uses the 1/sqrt(p) scale.
inline Vec mssa(const Vec &z, const Vec &q, const Vec &wo, const Vec &bo,
                int64_t n, int64_t d, int64_t heads, int64_t p, bool softmax) {
  int64_t width = heads * p;
  Vec w = linearT(z, q, {}, n, d, width);
  Vec o(n * width, 0.0);
  for (int64_t k = 0; k < heads; ++k)
    for (int64_t i = 0; i < n; ++i) {
      Vec s(n);
      for (int64_t j = 0; j < n; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < p; ++c)
          dot += w[i * width + k * p + c] * w[j * width + k * p + c];
        s[j] = softmax ? dot / std::sqrt(double(p)) : dot;
      }
      if (softmax) {
        double m = -INFINITY, sum = 0;
        for (double v : s)
          m = std::max(m, v);
        for (double &v : s)
          sum += (v = std::exp(v - m));
        for (double &v : s)
          v /= sum;
      }
      for (int64_t j = 0; j < n; ++j)
        for (int64_t c = 0; c < p; ++c)
          o[i * width + k * p + c] += s[j] * w[j * width + k * p + c];
    }
  if (wo.empty())
    return o;
  return linearT(o, wo, bo, n, width, d);
}

/// prox(y + eta (y - y D^T) D; eta lambda) for rows of width d.
inline Vec ista(const Vec &y, const Vec &dict, int64_t rows, int64_t d,
                double eta, double lambda, bool nonnegative) {
  Vec ydt = linearT(y, dict, {}, rows, d, d);
  Vec r(y.size());
  for (size_t i = 0; i < y.size(); ++i)
    r[i] = y[i] - ydt[i];
  Vec g = linear(r, dict, rows, d, d);
  Vec x(y.size());
  double th = eta * lambda;
  for (size_t i = 0; i < y.size(); ++i) {
    double v = y[i] + eta * g[i];
    x[i] = nonnegative ? std::max(v - th, 0.0)
                       : std::copysign(std::max(std::fabs(v) - th, 0.0), v);
  }
  return x;
}

/// log|det A| of a square matrix by LU with partial pivoting.
inline double logdetLU(Vec a, int64_t n) {
  double logdet = 0;
  for (int64_t c = 0; c < n; ++c) {
    int64_t piv = c;
    for (int64_t r = c + 1; r < n; ++r)
      if (std::fabs(a[r * n + c]) > std::fabs(a[piv * n + c]))
        piv = r;
    if (piv != c)
      for (int64_t j = 0; j < n; ++j)
        std::swap(a[c * n + j], a[piv * n + j]);
    double pv = a[c * n + c];
    logdet += std::log(std::fabs(pv));
    for (int64_t r = c + 1; r < n; ++r) {
      double f = a[r * n + c] / pv;
      for (int64_t j = c; j < n; ++j)
        a[r * n + j] -= f * a[c * n + j];
    }
  }
  return logdet;
}

/// 1/2 logdet(I_d + d/(n eps^2) Z^T Z) for z (n, d).
inline double codingRate(const Vec &z, int64_t n, int64_t d, double eps) {
  double alpha = double(d) / (double(n) * eps * eps);
  Vec a(d * d, 0.0);
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j) {
      double s = 0;
      for (int64_t t = 0; t < n; ++t)
        s += z[t * d + i] * z[t * d + j];
      a[i * d + j] = (i == j ? 1.0 : 0.0) + alpha * s;
    }
  return 0.5 * logdetLU(a, d);
}

/// sum_k 1/2 logdet(I_p + p/(n eps^2) W_k^T W_k), W = z U^T, U (K p, d).
inline double compressionRate(const Vec &z, const Vec &u, int64_t n, int64_t d,
                              int64_t heads, int64_t p, double eps) {
  int64_t width = heads * p;
  Vec w = linearT(z, u, {}, n, d, width);
  double beta = double(p) / (double(n) * eps * eps), total = 0;
  for (int64_t k = 0; k < heads; ++k) {
    Vec a(p * p, 0.0);
    for (int64_t i = 0; i < p; ++i)
      for (int64_t j = 0; j < p; ++j) {
        double s = 0;
        for (int64_t t = 0; t < n; ++t)
          s += w[t * width + k * p + i] * w[t * width + k * p + j];
        a[i * p + j] = (i == j ? 1.0 : 0.0) + beta * s;
      }
    total += 0.5 * logdetLU(a, p);
  }
  return total;
}

/// The normalised measure the CRATE authors plot: rows of W_k = z U_k^T
/// scaled to unit length, sum_k 1/2 logdet(I + p/(n e) W_k^T W_k).
inline double compressionRateNormalized(const Vec &z, const Vec &u, int64_t n,
                                        int64_t d, int64_t heads, int64_t p,
                                        double e) {
  int64_t width = heads * p;
  Vec w = linearT(z, u, {}, n, d, width);
  for (int64_t t = 0; t < n; ++t)
    for (int64_t k = 0; k < heads; ++k) {
      double norm = 0;
      for (int64_t c = 0; c < p; ++c)
        norm += w[t * width + k * p + c] * w[t * width + k * p + c];
      norm = std::max(std::sqrt(norm), 1e-12);
      for (int64_t c = 0; c < p; ++c)
        w[t * width + k * p + c] /= norm;
    }
  Vec eye(width * width, 0.0);
  for (int64_t i = 0; i < width; ++i)
    eye[i * width + i] = 1.0;
  // W is now the projection itself: compressionRate with U = I, eps such
  // that p / (n eps^2) = p / (n e).
  return compressionRate(w, eye, n, width, heads, p, std::sqrt(e));
}

} // namespace crate::test::ref

#endif // CRATE_TEST_INTEGRATION_REFERENCE_H
