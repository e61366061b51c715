//===- TensorIOTest.cpp - .npy round trips and tensor comparison ----------===//

#include "spade/Runtime/TensorIO.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>

using namespace spade;

namespace {

std::string tempPath(const char *name) {
  return ::testing::TempDir() + "/" + name;
}

HostTensor makeF32(std::vector<int64_t> shape, std::vector<float> values) {
  HostTensor t;
  t.kind = ElementKind::F32;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(float));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

TEST(TensorIO, NpyRoundTripKeepsShapeKindAndValues) {
  HostTensor t = makeF32({2, 3}, {1, -2, 3.5f, 0, 1e-7f, -1e30f});
  std::string path = tempPath("roundtrip.npy"), error;
  ASSERT_TRUE(writeNpy(path, t, error)) << error;
  HostTensor back;
  ASSERT_TRUE(readTensorFile(path, back, error)) << error;
  EXPECT_EQ(back.kind, ElementKind::F32);
  EXPECT_EQ(back.shape, t.shape);
  EXPECT_EQ(back.data, t.data);
  std::remove(path.c_str());
}

TEST(TensorIO, TruncatedNpyIsRejectedWithReason) {
  std::string path = tempPath("truncated.npy"), error;
  std::ofstream(path, std::ios::binary) << "\x93NUMPY\x01";
  HostTensor back;
  EXPECT_FALSE(readTensorFile(path, back, error));
  EXPECT_NE(error.find("not a valid .npy file"), std::string::npos) << error;
  std::remove(path.c_str());
}

TEST(TensorIO, CompareAppliesRelativeAndAbsoluteTolerance) {
  HostTensor expected = makeF32({3}, {1, 100, 0});
  HostTensor close = makeF32({3}, {1.0005f, 100.05f, 1e-8f});
  HostTensor far = makeF32({3}, {1.01f, 100, 0});
  EXPECT_TRUE(compareTensors(close, expected, 1e-3, 1e-7).ok);
  Comparison c = compareTensors(far, expected, 1e-3, 1e-7);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.mismatches, 1);
  EXPECT_NEAR(c.maxAbsError, 0.01, 1e-6);
}

TEST(TensorIO, CompareRejectsShapeMismatch) {
  Comparison c =
      compareTensors(makeF32({2}, {1, 2}), makeF32({1, 2}, {1, 2}), 0, 0);
  EXPECT_FALSE(c.ok);
  EXPECT_FALSE(c.error.empty());
}

} // namespace
