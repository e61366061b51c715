//===- AccelConfigTest.cpp - Presets, JSON and overrides -----------------===//

#include "spade/Sim/AccelConfig.h"

#include "gtest/gtest.h"

using namespace spade::sim;

static std::string errorOf(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : "";
}

TEST(AccelConfig, Presets) {
  ASSERT_EQ(presetNames().size(), 3u);
  for (llvm::StringRef name : presetNames()) {
    std::optional<AccelConfig> c = getPreset(name);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->name, name);
    EXPECT_EQ(errorOf(validateConfig(*c)), "");
  }
  EXPECT_EQ(getPreset("small")->rows, 4u);
  EXPECT_EQ(getPreset("gemmini")->cols, 16u);
  EXPECT_EQ(getPreset("large")->rows, 128u);
  EXPECT_FALSE(getPreset("medium"));
}

TEST(AccelConfig, JSONRoundTrip) {
  AccelConfig c = *getPreset("large");
  c.numAccels = 4;
  c.link.topology = Topology::Line;
  c.energy.dramPjPerByte = 12.5;
  c.dataflow = Dataflow::STOS;
  std::string text = printAccelConfigJSON(c);
  llvm::Expected<AccelConfig> back = parseAccelConfigJSON(text, "x.json");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(printAccelConfigJSON(*back), text);
  EXPECT_EQ(back->dataflow, Dataflow::STOS);
  EXPECT_EQ(back->link.topology, Topology::Line);
}

TEST(AccelConfig, JSONBaseAndErrors) {
  llvm::Expected<AccelConfig> c =
      parseAccelConfigJSON(R"({"base": "gemmini", "rows": 32})", "a.json");
  ASSERT_TRUE(bool(c));
  EXPECT_EQ(c->rows, 32u);
  EXPECT_EQ(c->spadRows, 16384u); // from the base
  auto error = [](llvm::StringRef text) {
    llvm::Expected<AccelConfig> r = parseAccelConfigJSON(text, "e.json");
    return r ? std::string() : llvm::toString(r.takeError());
  };
  EXPECT_EQ(error(R"({"rows": 0})"), "e.json: array 0x16 is outside 1..1024");
  EXPECT_EQ(error(R"({"link": {"speed": 3}})"),
            "e.json: unknown key 'link.speed'");
  EXPECT_EQ(error(R"({"dataflow": "xs"})"),
            "e.json: 'dataflow' must be one of os, ws, is, st-os");
  EXPECT_EQ(error(R"({"num_accels": 1000})"),
            "e.json: num_accels 1000 is outside 1..256");
  EXPECT_EQ(error(R"([1, 2])"),
            "e.json: the accelerator config must be a JSON object");
  EXPECT_EQ(error(R"({"clock_mhz": -5})"),
            "e.json: clock_mhz must be positive");
}

TEST(AccelConfig, Overrides) {
  AccelConfig c = *getPreset("gemmini");
  EXPECT_EQ(errorOf(applyOverrides(c, {"", "8x32", "is"})), "");
  EXPECT_EQ(c.rows, 8u);
  EXPECT_EQ(c.cols, 32u);
  EXPECT_EQ(c.dataflow, Dataflow::IS);
  EXPECT_EQ(errorOf(applyOverrides(c, {"", "8by8", ""})),
            "--array=8by8: expected RxC with R and C in 1..1024");
  EXPECT_EQ(errorOf(applyOverrides(c, {"", "", "xy"})),
            "--dataflow=xy: expected os, ws, is or st-os");
  llvm::Expected<AccelConfig> r = resolveAccelConfig({"small", "", "ws"});
  ASSERT_TRUE(bool(r));
  EXPECT_EQ(r->rows, 4u);
  EXPECT_EQ(r->dataflow, Dataflow::WS);
  llvm::Expected<AccelConfig> bad = resolveAccelConfig({"tiny", "", ""});
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "tiny: neither a config file nor a preset (presets: small, "
            "gemmini, large)");
}
