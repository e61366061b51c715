//===- CommModel.h - HyPar/AccPar communication model -----------*- C++ -*-===//
//
// The communication model HyPar (HPCA 2019) and AccPar (HPCA 2020) use to
// choose, per weighted layer, how one group of accelerators is split in two:
// data parallelism (dp, split the batch), model parallelism (mp, split the
// input channels / kernel rows) or, AccPar's third type, output-channel
// parallelism (op, split the kernel columns). Amounts are in tensor elements
// exchanged by one group of a pair (one link direction); docs/HyPar.md gives
// every formula. No MLIR dependency: the pass, the benchmark and the unit
// tests share it.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_PARTITION_COMMMODEL_H
#define SPADE_PARTITION_COMMMODEL_H

#include <cstdint>
#include <string>
#include <vector>

namespace spade::partition {

/// How one weighted layer is split between the two halves of a group.
/// Values match ::spade::Parallelism (SpadeAttrs.td).
enum class Split : uint8_t { DP = 0, MP = 1, OP = 2 };

/// "dp", "mp" or "op".
const char *splitName(Split split);

/// Training counts forward, backward (error) and gradient phases; inference
/// counts the forward phase only.
enum class Mode : uint8_t { Train, Infer };

/// Whether a layer is a convolution or a fully connected (matrix) layer; only
/// the "trick" baseline (conv dp, fc mp) looks at it.
enum class LayerKind : uint8_t { Conv, FC };

/// Shape of one weighted layer, seen as AccPar's matrices: input B x Cin,
/// kernel Cin x Cout, output B x Cout, each times a per-sample factor
/// (input/output spatial size, kernel elements per channel pair). Extents
/// are doubles because every level of the hierarchy halves one of them.
struct LayerShape {
  std::string name;
  LayerKind kind = LayerKind::FC;
  double batch = 1;         // B (rows for matrix layers)
  double inChannels = 1;    // Cin
  double outChannels = 1;   // Cout
  double inSpatial = 1;     // elements per (sample, input channel)
  double outSpatial = 1;    // elements per (sample, output channel)
  double kernelSpatial = 1; // kernel elements per (Cin, Cout) pair

  double inputElems() const { return batch * inChannels * inSpatial; }
  double outputElems() const { return batch * outChannels * outSpatial; }
  double weightElems() const {
    return inChannels * outChannels * kernelSpatial;
  }

  /// The shape each half works on after `split`: dp halves B, mp halves
  /// Cin, op halves Cout.
  void partitionBy(Split split);

  /// True when `split` can really be made: the dimension it halves is even
  /// or, if not `evenly`, at least 2 (a batch of 1 cannot be shared).
  bool canSplit(Split split, bool evenly = true) const;
};

/// A producer -> consumer edge between weighted layers (indices into
/// Network::layers, producer < consumer). The tensor re-partitioned on the
/// edge is the consumer's input (see docs/HyPar.md for why).
struct Edge {
  unsigned producer;
  unsigned consumer;
};

/// Weighted layers in a topological order plus the edges between them. A
/// plain chain has the edges (i-1, i).
struct Network {
  std::vector<LayerShape> layers;
  std::vector<Edge> edges;

  /// Adds the edges (i-1, i) for every layer but the first.
  void addChainEdges();
  /// True for a layer with a weighted layer upstream, i.e. whose input error
  /// must be computed in training.
  bool needsInputError(unsigned layer) const;
};

/// A named network read from a text description (bench/hypar/networks.txt):
///   network <name>
///   conv <layer> <Cin> <Hin> <Win> <K> <Cout> <Hout> <Wout> [<- a,b,...]
///   fc <layer> <Cin> <Cout> [<- a,b,...]
/// Hin x Win is the layer's input, Hout x Wout its output before any
/// pooling; `<-` lists the weighted layers the input comes from (default:
/// the previous layer of the same network). `#` starts a comment.
struct NamedNetwork {
  std::string name;
  Network net;
};

/// Parses a network description for batch `batch`; on error returns false
/// and sets `error` to "<line>: <reason>".
bool parseNetworks(const std::string &text, double batch,
                   std::vector<NamedNetwork> &networks, std::string &error);

/// Elements one group of a pair sends inside `layer` split as `split`
/// (dp: weight gradient; mp: output partial sums; op: input-error partial
/// sums, only when the input error is needed).
double intraElems(const LayerShape &layer, Split split, Mode mode,
                  bool needsInputError);

/// Elements one group sends to re-partition the consumer's input (forward
/// feature map F and, in training, backward error E) from a producer split
/// `from` to a consumer split `to`.
double transitionElems(const LayerShape &consumer, Split from, Split to,
                       Mode mode);

} // namespace spade::partition

#endif // SPADE_PARTITION_COMMMODEL_H
