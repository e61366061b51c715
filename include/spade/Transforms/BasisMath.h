//===- BasisMath.h - Maths of basis-kernel decomposition --------*- C++ -*-===//
//
// The numerical core of the decomposition passes, with no MLIR dependency so
// that it is unit-tested on its own (Eigen, double precision).
//
// A convolution's weights W [Cout][Cin][KH][KW] are viewed as a matrix with
// one row per (output, input) channel pair and one column per kernel tap:
// (Cout*Cin) x (KH*KW). Its SVD gives the best K shared basis kernels for
// the weight error (Eckart-Young); coefficients are then either the
// projection onto the basis or, with calibration activations, re-fitted by
// least squares so that the layer's *output* is reproduced. Calibration
// activations are represented by sampled input patches: row m of a patch
// matrix holds one output pixel's receptive field, laid out [Cin][KH][KW]
// like a row of W [Cout][Cin*KH*KW], so a layer's output on those pixels is
// P * W^T.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_TRANSFORMS_BASISMATH_H
#define SPADE_TRANSFORMS_BASISMATH_H

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace spade::basis {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

/// Singular values and right singular vectors of a kernel matrix
/// (rows = channel pairs, columns = taps), largest first.
struct KernelSpectrum {
  Vector singularValues; // KH*KW, non-increasing
  Matrix basis;          // KH*KW x KH*KW, row j = j-th right singular vector
  double norm = 0;       // Frobenius norm of the kernel matrix
};
KernelSpectrum kernelSpectrum(const Matrix &kernels);

/// Relative Frobenius error ||W - W_K|| / ||W|| of the best rank-K
/// approximation (0 for a zero matrix).
double truncationError(const KernelSpectrum &spectrum, int64_t numBasis);

/// The smallest K >= 1 whose truncation error is at most `tolerance`. With a
/// tiny tolerance this is the numerical rank: a layer whose kernels are
/// exact mixtures of K basis kernels gets K.
int64_t smallestRankWithin(const KernelSpectrum &spectrum, double tolerance);

/// Coefficients of `kernels` (rows x taps) on the orthonormal basis rows
/// (K x taps): the orthogonal projection, rows x K.
Matrix projectOntoBasis(const Matrix &kernels, const Matrix &basis);

/// The kernels (rows x taps) that `coefficients` (rows x K) and `basis`
/// (K x taps) stand for.
Matrix reconstructKernels(const Matrix &coefficients, const Matrix &basis);

/// Relative Frobenius error ||A - B|| / ||A|| (0 when A is zero).
double relativeError(const Matrix &reference, const Matrix &approximation);

/// Geometry of a 2-D NCHW convolution whose input is already padded.
struct ConvGeometry {
  int64_t batch = 1, inChannels = 1, inHeight = 1, inWidth = 1;
  int64_t outChannels = 1, kernelHeight = 1, kernelWidth = 1;
  int64_t outHeight = 1, outWidth = 1;
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t taps() const { return kernelHeight * kernelWidth; }
};

/// Up to `maxSamples` receptive fields of `input` (N x Cin x H x W, row
/// major), chosen uniformly at random with `seed` (all of them when there
/// are fewer): a patches x (Cin*KH*KW) matrix.
Matrix samplePatches(const float *input, const ConvGeometry &geometry,
                     int64_t maxSamples, uint64_t seed);

/// Weights W [Cout][Cin*taps] from the kernel matrix [(Cout*Cin)][taps].
Matrix kernelsToWeights(const Matrix &kernels, int64_t outChannels);
/// The inverse of kernelsToWeights.
Matrix weightsToKernels(const Matrix &weights, int64_t taps);

/// Relative error of the layer's output on the sampled patches:
/// ||P (W - What)^T|| / ||P W^T||, both weights Cout x (Cin*taps).
double outputError(const Matrix &patches, const Matrix &weights,
                   const Matrix &approximation);

/// A layer's output on calibration patches, expressed in the responses Z of
/// every input channel to every basis kernel (column i*K+k: channel i,
/// kernel k), through the normal equations G = Z^T Z and R = Z^T Y, Y being
/// the reference output P W^T. Because the SVD basis is nested, the first K
/// kernels' system is a sub-block of the full one: one pass over the
/// patches serves every K and every pruning mask.
class OutputFit {
public:
  /// `weights` Cout x (Cin*taps) give the reference output; `basis` holds
  /// the candidate basis kernels as rows (Kmax x taps).
  OutputFit(const Matrix &patches, const Matrix &weights, const Matrix &basis);

  /// The same, fitting the responses to `patches` (the layer's input after
  /// already-approximated layers) to the reference output of
  /// `targetPatches` (the original model's input at the same pixels) under
  /// `weights`: a refit that also compensates the error of the layers before.
  OutputFit(const Matrix &patches, const Matrix &targetPatches,
            const Matrix &weights, const Matrix &basis);

  /// Output-error-aware coefficients on the first `numBasis` kernels: those
  /// (Cout*Cin x K, rows ordered like the kernel matrix) minimising
  /// ||Y - Z C^T||. A small ridge keeps the system well posed when responses
  /// are collinear. Entries marked false in `support` (row-major over the
  /// result, optional) are held at zero.
  Matrix refit(int64_t numBasis,
               const std::vector<bool> *support = nullptr) const;

  /// Relative output error ||Y - Z C^T|| / ||Y|| of coefficients on the
  /// first K = coefficients.cols() kernels.
  double error(const Matrix &coefficients) const;

  /// Mean square of each (input channel, kernel) response over the patches,
  /// Cin x K: a coefficient c adds about c^2 times this to the squared
  /// output error when it is zeroed, which output-aware pruning ranks by.
  Matrix responseEnergy(int64_t numBasis) const;

private:
  int64_t inChannels, outChannels, maxBasis, samples;
  Matrix gram, rhs;     // Z^T Z and Z^T Y
  Vector outputEnergy;  // ||y_o||^2 per output channel
  double totalEnergy;
};

/// A keep-mask (row-major over `coefficients`) holding the entries of
/// largest importance so that at most a fraction `sparsity` are zero.
/// `importance` has the shape of `coefficients`.
std::vector<bool> largestEntries(const Matrix &importance, double sparsity);

/// Symmetric per-row quantisation of `coefficients` to signed `bits`-bit
/// integers: q = clamp(round(c / scale), -(2^(bits-1)-1), 2^(bits-1)-1),
/// c ~ q * scale[row]. The scale of each row is chosen among clipping
/// ratios of its largest magnitude to minimise the row's squared error.
struct Quantized {
  std::vector<int64_t> values; // row-major, same shape as the input
  Vector scales;               // one per row
};
Quantized quantizeRows(const Matrix &coefficients, unsigned bits);
Matrix dequantize(const Quantized &q, int64_t rows, int64_t cols);

/// Multiply-accumulates of one image through a dense convolution and
/// through its basis form (basis stage over every input channel, then the
/// coefficient stage over the `nonZeroCoefficients`).
int64_t denseConvMacs(const ConvGeometry &g, int64_t groups);
int64_t basisConvMacs(const ConvGeometry &g, int64_t numBasis,
                      int64_t nonZeroCoefficients);

/// One choice for a layer in a whole-model allocation: its cost (e.g.
/// MACs) and the error it introduces.
struct Option {
  double cost = 0, error = 0;
};
/// For every layer, the index of the option to take so that the summed
/// error stays within `budget` at the least summed cost (a Lagrangian
/// relaxation: each layer minimises cost + lambda * error, lambda found by
/// bisection; option 0 of each layer must have zero error so that a
/// solution always exists).
std::vector<size_t>
allocateBudget(const std::vector<std::vector<Option>> &layers, double budget);

} // namespace spade::basis

#endif // SPADE_TRANSFORMS_BASISMATH_H
