//===- HyparSearchTest.cpp - HyPar model, DP optimality and speed ---------===//

#include "spade/Partition/HyparSearch.h"

#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <sstream>

using namespace spade::partition;

namespace {

LayerShape makeLayer(double b, double cin, double cout, double inSpatial,
                     double outSpatial, double kernel) {
  LayerShape s;
  s.kind = kernel > 1 ? LayerKind::Conv : LayerKind::FC;
  s.batch = b;
  s.inChannels = cin;
  s.outChannels = cout;
  s.inSpatial = inSpatial;
  s.outSpatial = outSpatial;
  s.kernelSpatial = kernel;
  return s;
}

TEST(CommModel, IntraLayerTerms) {
  // |F_in| = 4*3*16 = 192, |W| = 3*5*9 = 135, |F_out| = 4*5*9 = 180.
  LayerShape l = makeLayer(4, 3, 5, 16, 9, 9);
  EXPECT_EQ(intraElems(l, Split::DP, Mode::Train, true), 135);
  EXPECT_EQ(intraElems(l, Split::DP, Mode::Infer, true), 0);
  EXPECT_EQ(intraElems(l, Split::MP, Mode::Train, true), 180);
  EXPECT_EQ(intraElems(l, Split::MP, Mode::Infer, true), 180);
  EXPECT_EQ(intraElems(l, Split::OP, Mode::Train, true), 192);
  EXPECT_EQ(intraElems(l, Split::OP, Mode::Train, false), 0);
  EXPECT_EQ(intraElems(l, Split::OP, Mode::Infer, true), 0);
}

TEST(CommModel, TransitionTable) {
  // The boundary tensor is the consumer's input: F = E = 2*10*8 = 160.
  LayerShape c = makeLayer(2, 10, 7, 8, 8, 1);
  const Split S[] = {Split::DP, Split::MP, Split::OP};
  // HyPar's (dp, mp) table and AccPar's third type, in training ...
  const double train[3][3] = {{0, 80, 80}, {80, 80, 0}, {80, 0, 80}};
  // ... and forward only.
  const double infer[3][3] = {{0, 40, 80}, {0, 0, 0}, {40, 0, 80}};
  for (int from = 0; from < 3; ++from)
    for (int to = 0; to < 3; ++to) {
      EXPECT_EQ(transitionElems(c, S[from], S[to], Mode::Train),
                train[from][to])
          << splitName(S[from]) << "->" << splitName(S[to]);
      EXPECT_EQ(transitionElems(c, S[from], S[to], Mode::Infer),
                infer[from][to])
          << splitName(S[from]) << "->" << splitName(S[to]);
    }
}

TEST(CommModel, PartitionHalvesOneDimension) {
  LayerShape l = makeLayer(8, 4, 6, 1, 1, 1);
  l.partitionBy(Split::DP);
  EXPECT_EQ(l.batch, 4);
  l.partitionBy(Split::MP);
  EXPECT_EQ(l.inChannels, 2);
  l.partitionBy(Split::OP);
  EXPECT_EQ(l.outChannels, 3);
}

Network randomNetwork(std::mt19937 &rng, unsigned numLayers, double skipProb) {
  std::uniform_int_distribution<int> ch(1, 96), sp(1, 32), k(1, 3), b(1, 64);
  std::bernoulli_distribution conv(0.6), skip(skipProb);
  Network net;
  double batch = 2 * b(rng);
  for (unsigned l = 0; l < numLayers; ++l) {
    bool isConv = conv(rng);
    int kk = k(rng);
    LayerShape s = makeLayer(
        batch, 2 * ch(rng), 2 * ch(rng), isConv ? sp(rng) * sp(rng) : 1,
        isConv ? sp(rng) * sp(rng) : 1, isConv ? kk * kk : 1);
    s.kind = isConv ? LayerKind::Conv : LayerKind::FC;
    s.name = "l" + std::to_string(l);
    net.layers.push_back(s);
  }
  net.addChainEdges();
  for (unsigned c = 2; c < numLayers; ++c)
    for (unsigned p = 0; p + 1 < c; ++p)
      if (skip(rng))
        net.edges.push_back({p, c});
  return net;
}

/// At every level of the hierarchy the DP's cost equals the exhaustive
/// minimum, and the DP's choices really cost what it claims.
void expectOptimalAtEveryLevel(Network net, unsigned levels,
                               const SearchOptions &options) {
  for (unsigned h = 0; h < levels; ++h) {
    std::optional<LevelPlan> dp = searchLevel(net, options);
    ASSERT_TRUE(dp);
    LevelPlan brute = exhaustiveLevel(net, options);
    double tol = 1e-9 * std::max(1.0, brute.elems);
    ASSERT_NEAR(dp->elems, brute.elems, tol) << "level " << h;
    ASSERT_NEAR(levelElems(net, dp->choices, options.mode), dp->elems, tol);
    for (unsigned l = 0; l < net.layers.size(); ++l)
      net.layers[l].partitionBy(dp->choices[l]);
  }
}

TEST(HyparSearch, DPEqualsExhaustiveOnRandomChains) {
  std::mt19937 rng(2019);
  for (int trial = 0; trial < 120; ++trial) {
    bool withOp = trial % 2;
    // 3^12 assignments per level is slow under ASan; 2^12 is not.
    unsigned maxLayers = withOp ? 10 : 12;
    unsigned numLayers = 1 + trial % maxLayers;
    unsigned levels = 1 + trial % 3; // N = 2, 4, 8
    Mode mode = trial % 4 < 2 ? Mode::Train : Mode::Infer;
    SCOPED_TRACE("trial " + std::to_string(trial));
    expectOptimalAtEveryLevel(randomNetwork(rng, numLayers, 0), levels,
                              {mode, withOp});
  }
}

TEST(HyparSearch, DPEqualsExhaustiveOnRandomDAGs) {
  std::mt19937 rng(2020);
  for (int trial = 0; trial < 60; ++trial) {
    bool withOp = trial % 2;
    unsigned numLayers = 3 + trial % (withOp ? 7 : 9);
    unsigned levels = 1 + trial % 3;
    Mode mode = trial % 4 < 2 ? Mode::Train : Mode::Infer;
    SCOPED_TRACE("trial " + std::to_string(trial));
    expectOptimalAtEveryLevel(randomNetwork(rng, numLayers, 0.25), levels,
                              {mode, withOp});
  }
}

TEST(HyparSearch, TotalsAddUpOverLevelsAndPairs) {
  std::mt19937 rng(7);
  Network net = randomNetwork(rng, 9, 0.2);
  std::optional<PartitionPlan> plan =
      searchHierarchy(net, 3, {Mode::Train, true}, 2.0);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->levels.size(), 3u);
  double fromLevels = 0, fromLayers = 0;
  for (unsigned h = 0; h < 3; ++h)
    fromLevels += (1u << h) * 2.0 * plan->levels[h].elems;
  for (double b : plan->layerBytes)
    fromLayers += b;
  EXPECT_NEAR(plan->totalBytes, fromLevels, 1e-6 * fromLevels);
  EXPECT_NEAR(plan->totalBytes, fromLayers, 1e-6 * fromLayers);
  EXPECT_EQ(plan->choicesOf(4).size(), 3u);
}

TEST(HyparSearch, BaselinesUseTheSameModel) {
  // One FC layer, N = 2: dp exchanges |W|, mp |F_out|.
  Network net;
  net.layers.push_back(makeLayer(32, 100, 10, 1, 1, 1));
  EXPECT_EQ(evaluatePolicy(net, 1, Mode::Train, 4, allDataParallel).totalBytes,
            4 * 1000);
  EXPECT_EQ(evaluatePolicy(net, 1, Mode::Train, 4, allModelParallel).totalBytes,
            4 * 320);
  std::optional<PartitionPlan> plan =
      searchHierarchy(net, 1, {Mode::Train, false}, 4);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->levels[0].choices[0], Split::MP);
  EXPECT_EQ(plan->totalBytes, 4 * 320);
}

TEST(HyparSearch, EvaluatingTheChosenSplitsGivesThePlan) {
  std::mt19937 rng(11);
  Network net = randomNetwork(rng, 7, 0.2);
  std::optional<PartitionPlan> plan =
      searchHierarchy(net, 3, {Mode::Train, false}, 4);
  ASSERT_TRUE(plan);
  std::vector<std::vector<Split>> choices;
  for (const LevelPlan &level : plan->levels)
    choices.push_back(level.choices);
  PartitionPlan same = evaluateChoices(net, choices, Mode::Train, 4);
  EXPECT_NEAR(same.totalBytes, plan->totalBytes, 1e-9 * plan->totalBytes);
  // The forward terms alone: what running the forward pass of the
  // training partition exchanges.
  double forward = 0;
  Network current = net;
  for (unsigned h = 0; h < 3; ++h) {
    forward += (1u << h) * 4.0 * levelElems(current, choices[h], Mode::Infer);
    for (unsigned l = 0; l < current.layers.size(); ++l)
      current.layers[l].partitionBy(choices[h][l]);
  }
  EXPECT_NEAR(evaluateChoices(net, choices, Mode::Infer, 4).totalBytes, forward,
              1e-9 * forward);
}

TEST(HyparSearch, FiftyLayersSixtyFourDevicesIsFast) {
  std::mt19937 rng(50);
  Network net = randomNetwork(rng, 50, 0);
  auto start = std::chrono::steady_clock::now();
  std::optional<PartitionPlan> plan =
      searchHierarchy(net, 6, {Mode::Train, true}, 4);
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  ASSERT_TRUE(plan);
  // The benchmark (spade-hypar-bench --time) gives the figure; this bound
  // only catches a blow-up, also under ASan.
  EXPECT_LT(ms, 100.0);
}

TEST(HyparSearch, TooWideFrontierIsRefused) {
  Network net;
  for (unsigned l = 0; l < 14; ++l)
    net.layers.push_back(makeLayer(2, 2, 2, 1, 1, 1));
  for (unsigned p = 0; p < 13; ++p)
    net.edges.push_back({p, 13}); // 13 producers live at once
  EXPECT_EQ(frontierWidth(net), 13u);
  EXPECT_FALSE(searchLevel(net, {Mode::Train, false}));
}

std::vector<NamedNetwork> paperNetworks(double batch) {
  std::ifstream in(SPADE_NETWORKS_FILE);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<NamedNetwork> networks;
  std::string error;
  EXPECT_TRUE(parseNetworks(text.str(), batch, networks, error)) << error;
  return networks;
}

TEST(HyparNetworks, HyParNeverLosesToABaseline) {
  std::vector<NamedNetwork> networks = paperNetworks(256);
  ASSERT_EQ(networks.size(), 5u);
  for (const NamedNetwork &n : networks)
    for (Mode mode : {Mode::Train, Mode::Infer})
      for (unsigned levels : {1u, 2u, 4u, 6u}) {
        SCOPED_TRACE(n.name + " levels " + std::to_string(levels));
        std::optional<PartitionPlan> hypar =
            searchHierarchy(n.net, levels, {mode, false}, 4);
        ASSERT_TRUE(hypar);
        double h = hypar->totalBytes * (1 - 1e-12);
        EXPECT_LE(
            h,
            evaluatePolicy(n.net, levels, mode, 4, allDataParallel).totalBytes);
        EXPECT_LE(h, evaluatePolicy(n.net, levels, mode, 4, allModelParallel)
                         .totalBytes);
        EXPECT_LE(
            h, evaluatePolicy(n.net, levels, mode, 4, convDpFcMp).totalBytes);
      }
}

TEST(HyparNetworks, ResidualEdgesAreParsed) {
  std::vector<NamedNetwork> networks = paperNetworks(1);
  ASSERT_EQ(networks.back().name, "ResNet-18");
  const Network &resnet = networks.back().net;
  EXPECT_EQ(resnet.layers.size(), 21u);
  // One edge per listed input: one for the stem's successor and each
  // block's second conv, two (main path + shortcut) for the others.
  EXPECT_EQ(resnet.edges.size(), 31u);
  EXPECT_FALSE(resnet.needsInputError(0));
  EXPECT_TRUE(resnet.needsInputError(1));
}

TEST(HyparNetworks, ParseErrorsNameTheLine) {
  std::vector<NamedNetwork> networks;
  std::string error;
  EXPECT_FALSE(parseNetworks("network a\nfc x 3\n", 1, networks, error));
  EXPECT_EQ(error, "2: expected 'fc <name> Cin Cout'");
  networks.clear();
  EXPECT_FALSE(parseNetworks("network a\nfc x 3 4 <- y\n", 1, networks, error));
  EXPECT_EQ(error, "2: unknown input layer 'y'");
}

} // namespace

namespace {

TEST(HyparSearch, SplitsOnlyDimensionsThatCanBeShared) {
  // Batch 1 cannot be split; 3 input channels only unevenly.
  LayerShape l = makeLayer(1, 3, 8, 1, 1, 1);
  EXPECT_EQ(feasibleSplits(l, {Mode::Infer, false}),
            std::vector<Split>{Split::MP});
  EXPECT_EQ(feasibleSplits(l, {Mode::Infer, true}),
            std::vector<Split>{Split::OP});
  Network net;
  net.layers.push_back(l);
  std::optional<PartitionPlan> plan =
      searchHierarchy(net, 2, {Mode::Infer, true}, 4);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->choicesOf(0), (std::vector<Split>{Split::OP, Split::OP}));
  // all-dp falls back to a split that exists.
  PartitionPlan dp = evaluatePolicy(net, 1, Mode::Infer, 4, allDataParallel);
  EXPECT_EQ(dp.levels[0].choices[0], Split::MP);
}

} // namespace

namespace {

std::vector<NamedNetwork> accparNetworks() {
  std::ifstream in(SPADE_ACCPAR_NETWORKS_FILE);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<NamedNetwork> networks;
  std::string error;
  EXPECT_TRUE(parseNetworks(text.str(), 512, networks, error)) << error;
  return networks;
}

std::vector<std::vector<int>> choiceMatrix(const PartitionPlan &plan) {
  std::vector<std::vector<int>> rows;
  for (const LevelPlan &level : plan.levels) {
    rows.emplace_back();
    for (Split split : level.choices)
      rows.back().push_back(static_cast<int>(split));
  }
  return rows;
}

// The partitions AccPar's code (github linghaosong/AccPar, `./accpar
// networks/<net>.txt -1`: batch 512, 7 levels; 0 = dp, 1 = mp, 2 = op)
// prints for HyPar (two types) and AccPar (three types).
TEST(HyparSearch, ReproducesAccParPartitions) {
  std::vector<NamedNetwork> networks = accparNetworks();
  ASSERT_EQ(networks.size(), 2u);
  const std::vector<std::vector<int>> alexnetHypar = {
      {0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 0, 1, 1, 1},
      {0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 0, 1, 0, 0},
      {0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 1, 0, 0, 0},
      {0, 0, 0, 1, 1, 1, 1, 1}};
  const std::vector<std::vector<int>> alexnetAccpar = {
      {0, 0, 0, 0, 0, 1, 2, 1}, {0, 0, 0, 0, 0, 2, 1, 1},
      {0, 0, 0, 0, 0, 1, 2, 1}, {0, 0, 0, 0, 0, 2, 1, 2},
      {0, 0, 0, 0, 0, 1, 2, 1}, {0, 0, 0, 2, 1, 2, 1, 2},
      {0, 0, 0, 0, 1, 1, 2, 1}};
  const std::vector<std::vector<int>> vgg11Hypar = {
      {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1},
      {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0},
      {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0},
      {0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1}};
  std::optional<PartitionPlan> plan;
  plan = searchHierarchy(networks[0].net, 7, {Mode::Train, false}, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(choiceMatrix(*plan), alexnetHypar);
  plan = searchHierarchy(networks[0].net, 7, {Mode::Train, true}, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(choiceMatrix(*plan), alexnetAccpar);
  plan = searchHierarchy(networks[1].net, 7, {Mode::Train, false}, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(choiceMatrix(*plan), vgg11Hypar);
}

} // namespace
