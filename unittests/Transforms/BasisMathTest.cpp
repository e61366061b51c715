//===- BasisMathTest.cpp - SVD, K selection, refit, pruning, quantisation -===//

#include "spade/Transforms/BasisMath.h"

#include <gtest/gtest.h>
#include <random>

using namespace spade::basis;

namespace {

Matrix randomMatrix(int64_t rows, int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  Matrix m(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      m(i, j) = normal(gen);
  return m;
}

// Kernels that are exact mixtures of `rank` shared basis kernels.
Matrix rankKKernels(int64_t pairs, int64_t taps, int64_t rank, unsigned seed) {
  return randomMatrix(pairs, rank, seed) * randomMatrix(rank, taps, seed + 1);
}

TEST(BasisMath, FullBasisReconstructsExactly) {
  Matrix kernels = randomMatrix(64, 9, 1);
  KernelSpectrum s = kernelSpectrum(kernels);
  Matrix basis = s.basis.topRows(9);
  Matrix approx = reconstructKernels(projectOntoBasis(kernels, basis), basis);
  EXPECT_LT(relativeError(kernels, approx), 1e-12);
  EXPECT_LT(truncationError(s, 9), 1e-12);
}

TEST(BasisMath, TruncationErrorMatchesProjection) {
  Matrix kernels = randomMatrix(128, 9, 2);
  KernelSpectrum s = kernelSpectrum(kernels);
  for (int64_t k = 1; k < 9; ++k) {
    Matrix basis = s.basis.topRows(k);
    Matrix approx =
        reconstructKernels(projectOntoBasis(kernels, basis), basis);
    EXPECT_NEAR(relativeError(kernels, approx), truncationError(s, k), 1e-9)
        << "K=" << k;
    if (k > 1) {
      EXPECT_LE(truncationError(s, k), truncationError(s, k - 1));
    }
  }
}

TEST(BasisMath, ExactRankIsDetected) {
  for (int64_t rank : {1, 3, 5}) {
    KernelSpectrum s = kernelSpectrum(rankKKernels(96, 9, rank, 3));
    EXPECT_EQ(smallestRankWithin(s, 1e-6), rank);
    EXPECT_LT(truncationError(s, rank), 1e-7); // sqrt of rounding-level sigma^2
  }
}

TEST(BasisMath, SmallestRankWithinRespectsTheBudget) {
  KernelSpectrum s = kernelSpectrum(randomMatrix(200, 9, 4));
  for (double budget : {0.05, 0.3, 0.6}) {
    int64_t k = smallestRankWithin(s, budget);
    EXPECT_LE(truncationError(s, k), budget);
    if (k > 1) {
      EXPECT_GT(truncationError(s, k - 1), budget);
    }
  }
}

TEST(BasisMath, RefitOnCalibrationPatchesReducesOutputError) {
  // A layer with 4 input channels, 3x3 kernels, 8 outputs; patches with
  // correlated channels, where the output-aware fit beats the projection.
  const int64_t cin = 4, cout = 8, taps = 9, k = 2;
  Matrix weights = randomMatrix(cout, cin * taps, 5);
  Matrix mix = randomMatrix(cin * taps, cin * taps, 6);
  mix.diagonal().array() += 4;
  Matrix patches = randomMatrix(2000, cin * taps, 7) * mix;
  Matrix kernels = weightsToKernels(weights, taps);
  KernelSpectrum s = kernelSpectrum(kernels);
  OutputFit fit(patches, weights, s.basis);
  Matrix basis = s.basis.topRows(k);
  Matrix projected = projectOntoBasis(kernels, basis);
  Matrix refitted = fit.refit(k);
  double projectedError = outputError(
      patches, weights,
      kernelsToWeights(reconstructKernels(projected, basis), cout));
  EXPECT_NEAR(fit.error(projected), projectedError, 1e-6);
  EXPECT_LT(fit.error(refitted), projectedError);
}

TEST(BasisMath, SequentialRefitCompensatesTheInputError) {
  // The inputs the layer sees are a distorted copy of the original ones (as
  // after approximated layers); with the full basis, fitting them to the
  // original outputs reproduces those outputs, which the original weights
  // applied to the distorted inputs do not.
  const int64_t cin = 3, cout = 5, taps = 9;
  Matrix weights = randomMatrix(cout, cin * taps, 10);
  Matrix original = randomMatrix(800, cin * taps, 11);
  Matrix distortion = Matrix::Identity(cin * taps, cin * taps) +
                      0.3 * randomMatrix(cin * taps, cin * taps, 12);
  Matrix distorted = original * distortion;
  KernelSpectrum s = kernelSpectrum(weightsToKernels(weights, taps));
  OutputFit fit(distorted, original, weights, s.basis);
  Matrix refitted = fit.refit(taps);
  Matrix unchanged = projectOntoBasis(weightsToKernels(weights, taps), s.basis);
  EXPECT_LT(fit.error(refitted), 1e-4); // the ridge keeps it from 0
  EXPECT_GT(fit.error(unchanged), 0.1);
  Matrix target = original * weights.transpose();
  Matrix reached =
      distorted *
      kernelsToWeights(reconstructKernels(refitted, s.basis), cout).transpose();
  EXPECT_LT((reached - target).norm(), 1e-4 * target.norm());
}

TEST(BasisMath, RefitHoldsPrunedEntriesAtZero) {
  const int64_t cin = 3, cout = 4, taps = 9, k = 3;
  Matrix weights = randomMatrix(cout, cin * taps, 8);
  Matrix patches = randomMatrix(500, cin * taps, 9);
  KernelSpectrum s = kernelSpectrum(weightsToKernels(weights, taps));
  OutputFit fit(patches, weights, s.basis);
  std::vector<bool> support(cout * cin * k, true);
  for (size_t i = 0; i < support.size(); i += 3)
    support[i] = false;
  Matrix c = fit.refit(k, &support);
  for (int64_t r = 0; r < c.rows(); ++r) {
    for (int64_t j = 0; j < c.cols(); ++j) {
      if (!support[r * c.cols() + j]) {
        EXPECT_EQ(c(r, j), 0.0);
      }
    }
  }
}

TEST(BasisMath, LargestEntriesKeepsTheBiggest) {
  Matrix importance(2, 4);
  importance << 1, 8, 3, 2, 7, 5, 4, 6;
  std::vector<bool> keep = largestEntries(importance, 0.5);
  std::vector<bool> expected = {false, true, false, false,
                                true,  true, false, true};
  EXPECT_EQ(keep, expected);
}

TEST(BasisMath, QuantisationErrorIsBoundedByHalfAStep) {
  Matrix c = randomMatrix(16, 24, 10);
  for (unsigned bits : {8u, 4u}) {
    Quantized q = quantizeRows(c, bits);
    int64_t qmax = (1 << (bits - 1)) - 1;
    for (int64_t v : q.values)
      EXPECT_LE(std::abs(v), qmax);
    Matrix back = dequantize(q, c.rows(), c.cols());
    for (int64_t r = 0; r < c.rows(); ++r) {
      // Clipping may cost more than half a step on the largest entries, but
      // the chosen scale never does worse than no clipping (max/qmax).
      double noClip = c.row(r).cwiseAbs().maxCoeff() / qmax;
      EXPECT_LE((c.row(r) - back.row(r)).squaredNorm(),
                c.cols() * 0.25 * noClip * noClip + 1e-12);
    }
  }
  Matrix zeros = Matrix::Zero(2, 3);
  Quantized qz = quantizeRows(zeros, 8);
  EXPECT_TRUE(dequantize(qz, 2, 3).isZero());
}

TEST(BasisMath, MacCountsOfDenseAndBasisForms) {
  ConvGeometry g;
  g.inChannels = 64;
  g.outChannels = 64;
  g.kernelHeight = g.kernelWidth = 3;
  g.outHeight = g.outWidth = 56;
  int64_t pixels = 56 * 56;
  EXPECT_EQ(denseConvMacs(g, 1), pixels * 64 * 64 * 9);
  // Basis stage: every input channel with K kernels; coefficient stage: one
  // MAC per nonzero coefficient per pixel.
  EXPECT_EQ(basisConvMacs(g, 3, 1000), pixels * (64 * 3 * 9 + 1000));
}

TEST(BasisMath, BudgetAllocationSpendsWhereItBuysMost) {
  // Two layers; option 0 is exact. Layer 0 gains a lot for little error,
  // layer 1 little for much: a budget of 0.1 goes to layer 0.
  std::vector<std::vector<Option>> layers = {
      {{100, 0}, {20, 0.1}}, {{100, 0}, {90, 0.1}}};
  std::vector<size_t> pick = allocateBudget(layers, 0.1);
  ASSERT_EQ(pick.size(), 2u);
  EXPECT_EQ(pick[0], 1u);
  EXPECT_EQ(pick[1], 0u);
  pick = allocateBudget(layers, 0.2);
  EXPECT_EQ(pick[0], 1u);
  EXPECT_EQ(pick[1], 1u);
  pick = allocateBudget(layers, 0.0);
  EXPECT_EQ(pick[0], 0u);
  EXPECT_EQ(pick[1], 0u);
}

} // namespace
