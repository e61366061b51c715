//===- HyparSearch.cpp - Hierarchical layer-wise partition search ---------===//
//
// The per-level search is a dynamic program over the layers in topological
// order. Its state after layer i is the split of every layer j <= i that has
// an edge to a layer after i (the frontier); adding layer i+1 charges its
// intra-layer cost and the transition cost of every edge into it, all of
// whose producers are in the frontier. This is exact for any DAG and, for a
// chain, is HyPar's two-state (or AccPar's three-state) DP.
//
//===----------------------------------------------------------------------===//

#include "spade/Partition/HyparSearch.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace spade::partition {

namespace {

std::vector<Split> candidateSplits(const SearchOptions &options) {
  std::vector<Split> splits{Split::DP, Split::MP};
  if (options.enableOutputSplit)
    splits.push_back(Split::OP);
  return splits;
}

std::vector<std::vector<Split>> feasibleSplitsOf(const Network &net,
                                                 const SearchOptions &options) {
  std::vector<std::vector<Split>> result;
  for (const LayerShape &layer : net.layers)
    result.push_back(feasibleSplits(layer, options));
  return result;
}

std::vector<bool> inputErrorNeeded(const Network &net) {
  std::vector<bool> needed(net.layers.size(), false);
  for (const Edge &e : net.edges)
    needed[e.consumer] = true;
  return needed;
}

/// Index of the last consumer of every layer, or -1.
std::vector<int> lastUses(const Network &net) {
  std::vector<int> last(net.layers.size(), -1);
  for (const Edge &e : net.edges)
    last[e.producer] = std::max(last[e.producer], static_cast<int>(e.consumer));
  return last;
}

/// Adds one level's bytes (elems x pairs x element bytes) to `plan`,
/// attributing each edge's transition to its consumer.
void accumulateLevel(PartitionPlan &plan, const Network &net,
                     const std::vector<Split> &choices, Mode mode, double pairs,
                     double elementBytes) {
  std::vector<bool> needErr = inputErrorNeeded(net);
  for (unsigned l = 0; l < net.layers.size(); ++l)
    plan.layerBytes[l] +=
        pairs * elementBytes *
        intraElems(net.layers[l], choices[l], mode, needErr[l]);
  for (const Edge &e : net.edges)
    plan.layerBytes[e.consumer] +=
        pairs * elementBytes *
        transitionElems(net.layers[e.consumer], choices[e.producer],
                        choices[e.consumer], mode);
}

void finishPlan(PartitionPlan &plan) {
  plan.totalBytes = 0;
  for (double b : plan.layerBytes)
    plan.totalBytes += b;
}

} // namespace

std::vector<Split> feasibleSplits(const LayerShape &layer,
                                  const SearchOptions &options) {
  std::vector<Split> all = candidateSplits(options);
  for (bool evenly : {true, false}) {
    std::vector<Split> feasible;
    for (Split split : all)
      if (layer.canSplit(split, evenly))
        feasible.push_back(split);
    if (!feasible.empty())
      return feasible;
  }
  return all;
}

std::vector<Split> PartitionPlan::choicesOf(unsigned layer) const {
  std::vector<Split> result;
  for (const LevelPlan &level : levels)
    result.push_back(level.choices[layer]);
  return result;
}

double levelElems(const Network &net, const std::vector<Split> &choices,
                  Mode mode) {
  std::vector<bool> needErr = inputErrorNeeded(net);
  double total = 0;
  for (unsigned l = 0; l < net.layers.size(); ++l)
    total += intraElems(net.layers[l], choices[l], mode, needErr[l]);
  for (const Edge &e : net.edges)
    total += transitionElems(net.layers[e.consumer], choices[e.producer],
                             choices[e.consumer], mode);
  return total;
}

unsigned frontierWidth(const Network &net) {
  std::vector<int> last = lastUses(net);
  unsigned width = 0;
  for (unsigned i = 0; i < net.layers.size(); ++i) {
    unsigned live = 0;
    for (unsigned j = 0; j <= i; ++j)
      live += last[j] > static_cast<int>(i);
    width = std::max(width, live);
  }
  return width;
}

std::optional<LevelPlan> searchLevel(const Network &net,
                                     const SearchOptions &options,
                                     unsigned maxFrontier) {
  const unsigned numLayers = net.layers.size();
  LevelPlan plan;
  if (numLayers == 0)
    return plan;
  if (frontierWidth(net) > maxFrontier)
    return std::nullopt;

  const std::vector<Split> splits = candidateSplits(options);
  const uint64_t radix = splits.size();
  const std::vector<std::vector<Split>> feasible =
      feasibleSplitsOf(net, options);
  const std::vector<bool> needErr = inputErrorNeeded(net);
  const std::vector<int> last = lastUses(net);

  // Incoming edges per consumer (producer indices).
  std::vector<std::vector<unsigned>> producers(numLayers);
  for (const Edge &e : net.edges)
    producers[e.consumer].push_back(e.producer);

  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<unsigned> frontier; // layers in the current state, ascending
  std::vector<double> cost{0.0};  // per state
  // Per layer, per state after it: the previous state and the split taken.
  std::vector<std::vector<uint32_t>> backState(numLayers);
  std::vector<std::vector<uint8_t>> backSplit(numLayers);
  std::vector<int> position(numLayers, -1); // layer -> digit in the state
  std::vector<uint64_t> power;              // radix^k

  for (unsigned i = 0; i < numLayers; ++i) {
    std::vector<unsigned> next;
    for (unsigned j : frontier)
      if (last[j] > static_cast<int>(i))
        next.push_back(j);
    if (last[i] > static_cast<int>(i))
      next.push_back(i);

    for (unsigned k = 0; k < frontier.size(); ++k)
      position[frontier[k]] = k;
    power.assign(std::max(frontier.size(), next.size()) + 1, 1);
    for (unsigned k = 1; k < power.size(); ++k)
      power[k] = power[k - 1] * radix;
    auto digit = [&](uint64_t state, unsigned layer) {
      return (state / power[position[layer]]) % radix;
    };

    uint64_t numNext = power[next.size()];
    std::vector<double> nextCost(numNext, inf);
    backState[i].assign(numNext, 0);
    backSplit[i].assign(numNext, 0);
    const LayerShape &layer = net.layers[i];
    for (uint64_t s = 0; s < cost.size(); ++s) {
      if (cost[s] == inf)
        continue;
      for (uint64_t t = 0; t < radix; ++t) {
        if (std::find(feasible[i].begin(), feasible[i].end(), splits[t]) ==
            feasible[i].end())
          continue;
        double c =
            cost[s] + intraElems(layer, splits[t], options.mode, needErr[i]);
        for (unsigned p : producers[i])
          c += transitionElems(layer, splits[digit(s, p)], splits[t],
                               options.mode);
        uint64_t n = 0;
        for (unsigned k = 0; k < next.size(); ++k)
          n += power[k] * (next[k] == i ? t : digit(s, next[k]));
        if (c < nextCost[n]) {
          nextCost[n] = c;
          backState[i][n] = static_cast<uint32_t>(s);
          backSplit[i][n] = static_cast<uint8_t>(t);
        }
      }
    }
    for (unsigned j : frontier)
      position[j] = -1;
    frontier = std::move(next);
    cost = std::move(nextCost);
  }

  // Every edge ends at or before the last layer: one final state.
  plan.elems = cost[0];
  plan.choices.resize(numLayers);
  uint64_t state = 0;
  for (unsigned i = numLayers; i-- > 0;) {
    plan.choices[i] = splits[backSplit[i][state]];
    state = backState[i][state];
  }
  return plan;
}

LevelPlan exhaustiveLevel(const Network &net, const SearchOptions &options) {
  const std::vector<std::vector<Split>> splits = feasibleSplitsOf(net, options);
  const unsigned numLayers = net.layers.size();
  std::vector<unsigned> digits(numLayers, 0);
  std::vector<Split> choices(numLayers);
  LevelPlan best;
  best.elems = std::numeric_limits<double>::infinity();
  while (true) {
    for (unsigned l = 0; l < numLayers; ++l)
      choices[l] = splits[l][digits[l]];
    double c = levelElems(net, choices, options.mode);
    if (c < best.elems) {
      best.elems = c;
      best.choices = choices;
    }
    unsigned l = 0;
    while (l < numLayers && ++digits[l] == splits[l].size())
      digits[l++] = 0;
    if (l == numLayers)
      break;
  }
  return best;
}

std::optional<PartitionPlan> searchHierarchy(const Network &net,
                                             unsigned numLevels,
                                             const SearchOptions &options,
                                             double elementBytes) {
  Network current = net;
  PartitionPlan plan;
  plan.layerBytes.assign(net.layers.size(), 0);
  double pairs = 1;
  for (unsigned h = 0; h < numLevels; ++h, pairs *= 2) {
    std::optional<LevelPlan> level = searchLevel(current, options);
    if (!level)
      return std::nullopt;
    accumulateLevel(plan, current, level->choices, options.mode, pairs,
                    elementBytes);
    for (unsigned l = 0; l < current.layers.size(); ++l)
      current.layers[l].partitionBy(level->choices[l]);
    plan.levels.push_back(std::move(*level));
  }
  finishPlan(plan);
  return plan;
}

PartitionPlan evaluatePolicy(const Network &net, unsigned numLevels, Mode mode,
                             double elementBytes,
                             Split (*policy)(const LayerShape &)) {
  Network current = net;
  PartitionPlan plan;
  plan.layerBytes.assign(net.layers.size(), 0);
  double pairs = 1;
  for (unsigned h = 0; h < numLevels; ++h, pairs *= 2) {
    LevelPlan level;
    for (const LayerShape &layer : current.layers) {
      Split split = policy(layer);
      std::vector<Split> feasible = feasibleSplits(layer, {mode, false});
      if (std::find(feasible.begin(), feasible.end(), split) == feasible.end())
        split = feasible.front();
      level.choices.push_back(split);
    }
    level.elems = levelElems(current, level.choices, mode);
    accumulateLevel(plan, current, level.choices, mode, pairs, elementBytes);
    for (unsigned l = 0; l < current.layers.size(); ++l)
      current.layers[l].partitionBy(level.choices[l]);
    plan.levels.push_back(std::move(level));
  }
  finishPlan(plan);
  return plan;
}

PartitionPlan
evaluateChoices(const Network &net,
                const std::vector<std::vector<Split>> &levelChoices, Mode mode,
                double elementBytes) {
  Network current = net;
  PartitionPlan plan;
  plan.layerBytes.assign(net.layers.size(), 0);
  double pairs = 1;
  for (const std::vector<Split> &choices : levelChoices) {
    LevelPlan level{choices, levelElems(current, choices, mode)};
    accumulateLevel(plan, current, choices, mode, pairs, elementBytes);
    for (unsigned l = 0; l < current.layers.size(); ++l)
      current.layers[l].partitionBy(choices[l]);
    plan.levels.push_back(std::move(level));
    pairs *= 2;
  }
  finishPlan(plan);
  return plan;
}

Split allDataParallel(const LayerShape &) { return Split::DP; }
Split allModelParallel(const LayerShape &) { return Split::MP; }
Split convDpFcMp(const LayerShape &layer) {
  return layer.kind == LayerKind::Conv ? Split::DP : Split::MP;
}

} // namespace spade::partition
