//===- CommModel.cpp - HyPar/AccPar communication model -------------------===//
//
// Per-pair element counts of HyPar's communication model, extended with
// AccPar's output-channel split. See docs/HyPar.md for the derivation of
// each term from the tensor layouts.
//
//===----------------------------------------------------------------------===//

#include "spade/Partition/CommModel.h"

namespace spade::partition {

const char *splitName(Split split) {
  switch (split) {
  case Split::DP:
    return "dp";
  case Split::MP:
    return "mp";
  case Split::OP:
    return "op";
  }
  return "?";
}

void LayerShape::partitionBy(Split split) {
  switch (split) {
  case Split::DP:
    batch /= 2;
    break;
  case Split::MP:
    inChannels /= 2;
    break;
  case Split::OP:
    outChannels /= 2;
    break;
  }
}

void Network::addChainEdges() {
  for (unsigned i = 1; i < layers.size(); ++i)
    edges.push_back({i - 1, i});
}

bool Network::needsInputError(unsigned layer) const {
  for (const Edge &e : edges)
    if (e.consumer == layer)
      return true;
  return false;
}

double intraElems(const LayerShape &layer, Split split, Mode mode,
                  bool needsInputError) {
  switch (split) {
  case Split::DP:
    // Each half computes a partial weight gradient over its half batch.
    return mode == Mode::Train ? layer.weightElems() : 0;
  case Split::MP:
    // Each half holds partial sums of the whole output (forward).
    return layer.outputElems();
  case Split::OP:
    // Each half holds partial sums of the whole input error (backward); the
    // first layers, with no weighted layer upstream, never compute it.
    return mode == Mode::Train && needsInputError ? layer.inputElems() : 0;
  }
  return 0;
}

double transitionElems(const LayerShape &consumer, Split from, Split to,
                       Mode mode) {
  // F (forward feature map) and E (its error) have the consumer input's size.
  double f = consumer.inputElems();
  double e = mode == Mode::Train ? f : 0;
  switch (from) {
  case Split::DP: // producer output: batch halves
    switch (to) {
    case Split::DP:
      return 0;
    case Split::MP: // a quarter of F each way; the error comes back likewise
      return 0.25 * (f + e);
    case Split::OP: // the consumer needs all of F; its E is reduced already
      return 0.5 * f;
    }
    break;
  case Split::MP: // producer output: whole (partial sums reduced)
    switch (to) {
    case Split::DP:
    case Split::MP: // the producer needs the whole error, each half has half
      return 0.5 * e;
    case Split::OP:
      return 0;
    }
    break;
  case Split::OP: // producer output: channel halves
    switch (to) {
    case Split::DP:
      return 0.25 * (f + e);
    case Split::MP:
      return 0;
    case Split::OP:
      return 0.5 * f;
    }
    break;
  }
  return 0;
}

} // namespace spade::partition
