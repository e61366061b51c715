//===- BasisMath.cpp - Maths of basis-kernel decomposition ----------------===//
//
// SVD of kernel matrices, rank selection, least-squares coefficient refits on
// calibration patches, pruning masks, quantisation and the whole-model budget
// allocation used by the decomposition passes. See BasisMath.h.
//
//===----------------------------------------------------------------------===//

#include "spade/Transforms/BasisMath.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>

namespace spade::basis {

KernelSpectrum kernelSpectrum(const Matrix &kernels) {
  // The taps are few (9 for 3x3) while the rows are many: the eigenvectors
  // of the small Gram matrix W^T W are W's right singular vectors.
  Matrix gram = kernels.transpose() * kernels;
  Eigen::SelfAdjointEigenSolver<Matrix> eig(gram);
  int64_t taps = gram.rows();
  KernelSpectrum s;
  s.singularValues.resize(taps);
  s.basis.resize(taps, taps);
  for (int64_t j = 0; j < taps; ++j) {
    int64_t src = taps - 1 - j; // eigenvalues come in increasing order
    s.singularValues[j] = std::sqrt(std::max(0.0, eig.eigenvalues()[src]));
    s.basis.row(j) = eig.eigenvectors().col(src).transpose();
  }
  s.norm = kernels.norm();
  return s;
}

double truncationError(const KernelSpectrum &spectrum, int64_t numBasis) {
  if (spectrum.norm == 0)
    return 0;
  double tail = 0;
  for (int64_t j = numBasis; j < spectrum.singularValues.size(); ++j)
    tail += spectrum.singularValues[j] * spectrum.singularValues[j];
  return std::sqrt(tail) / spectrum.norm;
}

int64_t smallestRankWithin(const KernelSpectrum &spectrum, double tolerance) {
  int64_t taps = spectrum.singularValues.size();
  for (int64_t k = 1; k < taps; ++k)
    if (truncationError(spectrum, k) <= tolerance)
      return k;
  return taps;
}

Matrix projectOntoBasis(const Matrix &kernels, const Matrix &basis) {
  return kernels * basis.transpose();
}

Matrix reconstructKernels(const Matrix &coefficients, const Matrix &basis) {
  return coefficients * basis;
}

double relativeError(const Matrix &reference, const Matrix &approximation) {
  double norm = reference.norm();
  return norm == 0 ? 0 : (reference - approximation).norm() / norm;
}

Matrix samplePatches(const float *input, const ConvGeometry &g,
                     int64_t maxSamples, uint64_t seed) {
  int64_t pixels = g.outHeight * g.outWidth;
  int64_t total = g.batch * pixels;
  std::vector<int64_t> chosen(total);
  std::iota(chosen.begin(), chosen.end(), 0);
  if (total > maxSamples) {
    // Partial Fisher-Yates: the first maxSamples entries are a uniform
    // sample without replacement.
    std::mt19937_64 rng(seed);
    for (int64_t i = 0; i < maxSamples; ++i) {
      std::uniform_int_distribution<int64_t> pick(i, total - 1);
      std::swap(chosen[i], chosen[pick(rng)]);
    }
    chosen.resize(maxSamples);
  }
  int64_t taps = g.taps();
  Matrix patches(chosen.size(), g.inChannels * taps);
  for (size_t m = 0; m < chosen.size(); ++m) {
    int64_t n = chosen[m] / pixels, p = chosen[m] % pixels;
    int64_t oh = p / g.outWidth, ow = p % g.outWidth;
    for (int64_t c = 0; c < g.inChannels; ++c) {
      const float *plane =
          input + (n * g.inChannels + c) * g.inHeight * g.inWidth;
      for (int64_t kh = 0; kh < g.kernelHeight; ++kh)
        for (int64_t kw = 0; kw < g.kernelWidth; ++kw) {
          int64_t h = oh * g.strideH + kh * g.dilationH;
          int64_t w = ow * g.strideW + kw * g.dilationW;
          patches(m, c * taps + kh * g.kernelWidth + kw) =
              plane[h * g.inWidth + w];
        }
    }
  }
  return patches;
}

Matrix kernelsToWeights(const Matrix &kernels, int64_t outChannels) {
  int64_t taps = kernels.cols();
  int64_t inChannels = kernels.rows() / outChannels;
  Matrix weights(outChannels, inChannels * taps);
  for (int64_t o = 0; o < outChannels; ++o)
    for (int64_t i = 0; i < inChannels; ++i)
      weights.block(o, i * taps, 1, taps) = kernels.row(o * inChannels + i);
  return weights;
}

Matrix weightsToKernels(const Matrix &weights, int64_t taps) {
  int64_t inChannels = weights.cols() / taps;
  Matrix kernels(weights.rows() * inChannels, taps);
  for (int64_t o = 0; o < weights.rows(); ++o)
    for (int64_t i = 0; i < inChannels; ++i)
      kernels.row(o * inChannels + i) = weights.block(o, i * taps, 1, taps);
  return kernels;
}

double outputError(const Matrix &patches, const Matrix &weights,
                   const Matrix &approximation) {
  double norm = (patches * weights.transpose()).norm();
  if (norm == 0)
    return 0;
  return (patches * (weights - approximation).transpose()).norm() / norm;
}

OutputFit::OutputFit(const Matrix &patches, const Matrix &weights,
                     const Matrix &basis)
    : OutputFit(patches, patches, weights, basis) {}

OutputFit::OutputFit(const Matrix &patches, const Matrix &targetPatches,
                     const Matrix &weights, const Matrix &basis)
    : outChannels(weights.rows()), maxBasis(basis.rows()),
      samples(patches.rows()) {
  assert(targetPatches.rows() == patches.rows() &&
         targetPatches.cols() == patches.cols() && "patches do not match");
  int64_t taps = basis.cols();
  inChannels = patches.cols() / taps;
  Matrix z(patches.rows(), inChannels * maxBasis);
  for (int64_t i = 0; i < inChannels; ++i)
    z.middleCols(i * maxBasis, maxBasis) =
        patches.middleCols(i * taps, taps) * basis.transpose();
  Matrix y = targetPatches * weights.transpose();
  gram = z.transpose() * z;
  rhs = z.transpose() * y;
  outputEnergy = y.colwise().squaredNorm().transpose();
  totalEnergy = outputEnergy.sum();
}

/// Index into Z's columns of (input channel i, kernel k).
static int64_t responseColumn(int64_t i, int64_t k, int64_t maxBasis) {
  return i * maxBasis + k;
}

Matrix OutputFit::refit(int64_t numBasis,
                        const std::vector<bool> *support) const {
  int64_t unknowns = inChannels * numBasis;
  std::vector<int64_t> columns(unknowns);
  for (int64_t v = 0; v < unknowns; ++v)
    columns[v] = responseColumn(v / numBasis, v % numBasis, maxBasis);
  auto subSystem = [&](const std::vector<int64_t> &vars) {
    Matrix g(vars.size(), vars.size());
    for (size_t a = 0; a < vars.size(); ++a)
      for (size_t b = 0; b < vars.size(); ++b)
        g(a, b) = gram(columns[vars[a]], columns[vars[b]]);
    double ridge = 1e-9 * g.trace() / std::max<size_t>(vars.size(), 1) + 1e-30;
    g.diagonal().array() += ridge;
    return g;
  };
  // coeffs[(o*Cin + i)][k] is unknown i*K + k of output channel o.
  Matrix coeffs = Matrix::Zero(outChannels * inChannels, numBasis);
  auto solveFor = [&](int64_t o, const std::vector<int64_t> &vars,
                      const Eigen::LDLT<Matrix> &factor) {
    Vector b(vars.size());
    for (size_t a = 0; a < vars.size(); ++a)
      b[a] = rhs(columns[vars[a]], o);
    Vector x = factor.solve(b);
    for (size_t a = 0; a < vars.size(); ++a)
      coeffs(o * inChannels + vars[a] / numBasis, vars[a] % numBasis) = x[a];
  };
  std::vector<int64_t> all(unknowns);
  std::iota(all.begin(), all.end(), 0);
  std::optional<Eigen::LDLT<Matrix>> full;
  for (int64_t o = 0; o < outChannels; ++o) {
    std::vector<int64_t> vars;
    for (int64_t v = 0; v < unknowns; ++v)
      if (!support || (*support)[o * unknowns + v])
        vars.push_back(v);
    if ((int64_t)vars.size() == unknowns) {
      if (!full)
        full.emplace(subSystem(all));
      solveFor(o, all, *full);
    } else if (!vars.empty()) {
      solveFor(o, vars, Eigen::LDLT<Matrix>(subSystem(vars)));
    }
  }
  return coeffs;
}

double OutputFit::error(const Matrix &coefficients) const {
  if (totalEnergy == 0)
    return 0;
  int64_t numBasis = coefficients.cols();
  int64_t unknowns = inChannels * numBasis;
  std::vector<int64_t> columns(unknowns);
  for (int64_t v = 0; v < unknowns; ++v)
    columns[v] = responseColumn(v / numBasis, v % numBasis, maxBasis);
  Matrix g(unknowns, unknowns), r(unknowns, outChannels);
  for (int64_t a = 0; a < unknowns; ++a) {
    r.row(a) = rhs.row(columns[a]);
    for (int64_t b = 0; b < unknowns; ++b)
      g(a, b) = gram(columns[a], columns[b]);
  }
  // ||y - Z c||^2 = ||y||^2 - 2 c^T Z^T y + c^T Z^T Z c, per output channel.
  double squared = 0;
  for (int64_t o = 0; o < outChannels; ++o) {
    Vector c(unknowns);
    for (int64_t v = 0; v < unknowns; ++v)
      c[v] = coefficients(o * inChannels + v / numBasis, v % numBasis);
    squared += outputEnergy[o] - 2 * c.dot(r.col(o)) + c.dot(g * c);
  }
  return std::sqrt(std::max(0.0, squared) / totalEnergy);
}

Matrix OutputFit::responseEnergy(int64_t numBasis) const {
  Matrix energy(inChannels, numBasis);
  double rows = std::max<int64_t>(samples, 1);
  for (int64_t i = 0; i < inChannels; ++i)
    for (int64_t k = 0; k < numBasis; ++k) {
      int64_t c = responseColumn(i, k, maxBasis);
      energy(i, k) = gram(c, c) / rows;
    }
  return energy;
}

std::vector<bool> largestEntries(const Matrix &importance, double sparsity) {
  int64_t n = importance.size();
  int64_t numZero =
      std::clamp<int64_t>((int64_t)std::floor(sparsity * n), 0, n);
  // Row-major flat view; stable so that ties prune the earlier entry.
  std::vector<double> flat(n);
  for (int64_t r = 0; r < importance.rows(); ++r)
    for (int64_t c = 0; c < importance.cols(); ++c)
      flat[r * importance.cols() + c] = importance(r, c);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return flat[a] < flat[b]; });
  std::vector<bool> keep(n, true);
  for (int64_t i = 0; i < numZero; ++i)
    keep[order[i]] = false;
  return keep;
}

Quantized quantizeRows(const Matrix &coefficients, unsigned bits) {
  const double qmax = std::ldexp(1.0, bits - 1) - 1;
  Quantized q;
  q.values.resize(coefficients.size());
  q.scales.resize(coefficients.rows());
  for (int64_t r = 0; r < coefficients.rows(); ++r) {
    double amax = coefficients.row(r).cwiseAbs().maxCoeff();
    if (amax == 0) {
      q.scales[r] = 1;
      for (int64_t c = 0; c < coefficients.cols(); ++c)
        q.values[r * coefficients.cols() + c] = 0;
      continue;
    }
    double bestScale = amax / qmax, bestError = INFINITY;
    // Clipping the few largest values buys resolution for the rest; at 4
    // bits that often halves the error.
    for (int step = 0; step <= 10; ++step) {
      double scale = amax * (1.0 - 0.05 * step) / qmax;
      double error = 0;
      for (int64_t c = 0; c < coefficients.cols(); ++c) {
        double v = coefficients(r, c);
        double iv = std::clamp(std::round(v / scale), -qmax, qmax);
        error += (v - iv * scale) * (v - iv * scale);
      }
      if (error < bestError) {
        bestError = error;
        bestScale = scale;
      }
    }
    q.scales[r] = bestScale;
    for (int64_t c = 0; c < coefficients.cols(); ++c)
      q.values[r * coefficients.cols() + c] = (int64_t)std::clamp(
          std::round(coefficients(r, c) / bestScale), -qmax, qmax);
  }
  return q;
}

Matrix dequantize(const Quantized &q, int64_t rows, int64_t cols) {
  Matrix m(rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      m(r, c) = q.values[r * cols + c] * q.scales[r];
  return m;
}

int64_t denseConvMacs(const ConvGeometry &g, int64_t groups) {
  return g.batch * g.outChannels * (g.inChannels / groups) * g.taps() *
         g.outHeight * g.outWidth;
}

int64_t basisConvMacs(const ConvGeometry &g, int64_t numBasis,
                      int64_t nonZeroCoefficients) {
  int64_t pixels = g.batch * g.outHeight * g.outWidth;
  return pixels * (g.inChannels * numBasis * g.taps() + nonZeroCoefficients);
}

std::vector<size_t>
allocateBudget(const std::vector<std::vector<Option>> &layers, double budget) {
  auto choose = [&](double lambda, double &error) {
    std::vector<size_t> pick(layers.size(), 0);
    error = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
      double best = INFINITY;
      for (size_t o = 0; o < layers[l].size(); ++o) {
        double v = layers[l][o].cost + lambda * layers[l][o].error;
        if (v < best) {
          best = v;
          pick[l] = o;
        }
      }
      error += layers[l][pick[l]].error;
    }
    return pick;
  };
  // The summed error falls as lambda grows; find the smallest feasible
  // lambda on a log scale.
  double lo = -30, hi = 30, error;
  std::vector<size_t> feasible = choose(std::pow(10.0, hi), error);
  if (error > budget)
    return std::vector<size_t>(layers.size(), 0);
  for (int it = 0; it < 200; ++it) {
    double mid = (lo + hi) / 2;
    std::vector<size_t> pick = choose(std::pow(10.0, mid), error);
    if (error <= budget) {
      hi = mid;
      feasible = pick;
    } else {
      lo = mid;
    }
  }
  return feasible;
}

} // namespace spade::basis
