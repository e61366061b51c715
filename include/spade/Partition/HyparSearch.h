//===- HyparSearch.h - Hierarchical layer-wise partition search -*- C++ -*-===//
//
// HyPar's search: split the array of N = 2^H accelerators in two, choose a
// split for every weighted layer by dynamic programming over the layers so
// that the communication between the two halves is minimal, halve the
// layers accordingly and recurse (H levels; level h has 2^h group pairs).
// The per-level DP is exact on any layer DAG: its state is the choice of
// every already-placed layer that still has an edge to a later layer (the
// "frontier"), which for a chain is just the previous layer.
//
//===----------------------------------------------------------------------===//

#ifndef SPADE_PARTITION_HYPARSEARCH_H
#define SPADE_PARTITION_HYPARSEARCH_H

#include "spade/Partition/CommModel.h"

#include <optional>
#include <string>
#include <vector>

namespace spade::partition {

struct SearchOptions {
  Mode mode = Mode::Train;
  /// Also consider AccPar's output-channel split (op).
  bool enableOutputSplit = false;
};

/// One level's choice for every layer and what it costs (elements per pair).
struct LevelPlan {
  std::vector<Split> choices;
  double elems = 0;
};

/// The whole hierarchy: plan of each level (level 0 first), the bytes every
/// layer causes summed over levels and pairs, and the total.
struct PartitionPlan {
  std::vector<LevelPlan> levels;
  std::vector<double> layerBytes;
  double totalBytes = 0;

  /// Choices of `layer` at every level, level 0 first.
  std::vector<Split> choicesOf(unsigned layer) const;
};

/// The splits the search may give `layer`: those of dp, mp (and op when
/// enabled) whose halved dimension is even; failing that, at least 2 (an
/// uneven split, costed as halves); failing that, all of them.
std::vector<Split> feasibleSplits(const LayerShape &layer,
                                  const SearchOptions &options);

/// Cost (elements per pair) of one level of `net` under `choices`; intra
/// terms of every layer plus transition terms on every edge.
double levelElems(const Network &net, const std::vector<Split> &choices,
                  Mode mode);

/// Minimal-cost choices for one level by the frontier DP. Returns nullopt
/// when the frontier would exceed `maxFrontier` layers (state explosion).
std::optional<LevelPlan> searchLevel(const Network &net,
                                     const SearchOptions &options,
                                     unsigned maxFrontier = 10);

/// Minimal-cost choices for one level by enumerating every assignment
/// (for tests; exponential).
LevelPlan exhaustiveLevel(const Network &net, const SearchOptions &options);

/// Largest number of layers the frontier DP keeps in its state for `net`.
unsigned frontierWidth(const Network &net);

/// HyPar: `numLevels` levels of searchLevel, halving the layers by each
/// level's choices. nullopt when a level's frontier is too wide.
std::optional<PartitionPlan> searchHierarchy(const Network &net,
                                             unsigned numLevels,
                                             const SearchOptions &options,
                                             double elementBytes);

/// Given choices (`levelChoices[h][layer]`) evaluated under `mode`, e.g.
/// the forward terms (Mode::Infer) of a partition chosen for training.
PartitionPlan
evaluateChoices(const Network &net,
                const std::vector<std::vector<Split>> &levelChoices, Mode mode,
                double elementBytes);

/// A fixed policy (a baseline) evaluated with the same model: `policy`
/// gives the split of a layer at every level; where feasibleSplits() rules
/// that split out, the first split it allows is used instead.
PartitionPlan evaluatePolicy(const Network &net, unsigned numLevels, Mode mode,
                             double elementBytes,
                             Split (*policy)(const LayerShape &));

Split allDataParallel(const LayerShape &);
Split allModelParallel(const LayerShape &);
/// Krizhevsky's "one weird trick": convolutions dp, fully connected mp.
Split convDpFcMp(const LayerShape &);

} // namespace spade::partition

#endif // SPADE_PARTITION_HYPARSEARCH_H
