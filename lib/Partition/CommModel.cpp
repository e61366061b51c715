//===- CommModel.cpp - HyPar/AccPar communication model -------------------===//
//
// Per-pair element counts of HyPar's communication model, extended with
// AccPar's output-channel split. See docs/HyPar.md for the derivation of
// each term from the tensor layouts.
//
//===----------------------------------------------------------------------===//

#include "spade/Partition/CommModel.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

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

bool LayerShape::canSplit(Split split, bool evenly) const {
  double extent = split == Split::DP   ? batch
                  : split == Split::MP ? inChannels
                                       : outChannels;
  return extent >= 2 && (!evenly || std::fmod(extent, 2.0) == 0);
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

namespace spade::partition {

namespace {

bool parsePositive(const std::string &word, double &value) {
  char *end = nullptr;
  value = std::strtod(word.c_str(), &end);
  return end && *end == '\0' && value > 0;
}

} // namespace

bool parseNetworks(const std::string &text, double batch,
                   std::vector<NamedNetwork> &networks, std::string &error) {
  std::istringstream lines(text);
  std::string line;
  std::map<std::string, unsigned> index; // layer name -> index, per network
  for (unsigned lineNo = 1; std::getline(lines, line); ++lineNo) {
    auto fail = [&](const std::string &why) {
      error = std::to_string(lineNo) + ": " + why;
      return false;
    };
    if (size_t hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;)
      words.push_back(w);
    if (words.empty())
      continue;
    if (words[0] == "network") {
      if (words.size() != 2)
        return fail("expected 'network <name>'");
      networks.push_back({words[1], {}});
      index.clear();
      continue;
    }
    if (networks.empty())
      return fail("layer before any 'network' line");
    Network &net = networks.back().net;

    std::vector<std::string> inputs;
    if (auto arrow = std::find(words.begin(), words.end(), "<-");
        arrow != words.end()) {
      if (arrow + 2 != words.end())
        return fail("expected '<- a,b,...' at the end of the line");
      std::istringstream list(*(arrow + 1));
      for (std::string name; std::getline(list, name, ',');)
        inputs.push_back(name);
      words.erase(arrow, words.end());
    } else if (!net.layers.empty()) {
      inputs.push_back(net.layers.back().name);
    }

    LayerShape layer;
    std::vector<double> v;
    for (size_t i = 2; i < words.size(); ++i) {
      double x;
      if (!parsePositive(words[i], x))
        return fail("'" + words[i] + "' is not a positive number");
      v.push_back(x);
    }
    if (words.size() < 2)
      return fail("expected a layer name");
    layer.name = words[1];
    layer.batch = batch;
    if (words[0] == "conv") {
      if (v.size() != 7)
        return fail("expected 'conv <name> Cin Hin Win K Cout Hout Wout'");
      layer.kind = LayerKind::Conv;
      layer.inChannels = v[0];
      layer.inSpatial = v[1] * v[2];
      layer.kernelSpatial = v[3] * v[3];
      layer.outChannels = v[4];
      layer.outSpatial = v[5] * v[6];
    } else if (words[0] == "fc") {
      if (v.size() != 2)
        return fail("expected 'fc <name> Cin Cout'");
      layer.kind = LayerKind::FC;
      layer.inChannels = v[0];
      layer.outChannels = v[1];
    } else {
      return fail("unknown keyword '" + words[0] + "'");
    }
    if (index.count(layer.name))
      return fail("layer '" + layer.name + "' defined twice");
    unsigned self = net.layers.size();
    for (const std::string &name : inputs) {
      auto it = index.find(name);
      if (it == index.end())
        return fail("unknown input layer '" + name + "'");
      net.edges.push_back({it->second, self});
    }
    index[layer.name] = self;
    net.layers.push_back(layer);
  }
  return true;
}

} // namespace spade::partition
