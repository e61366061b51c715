//===- BinaryTest.cpp - ISA encoding and the .spadebin container ---------===//
//
// Encode/decode round trips per opcode, strict decoding, the static limits,
// and the loader on every truncation and every single-byte corruption of a
// valid binary (it must fail cleanly or load, never crash).
//
//===----------------------------------------------------------------------===//

#include "spade/Sim/Binary.h"
#include "spade/Sim/Assembler.h"

#include "gtest/gtest.h"

using namespace spade::sim;

namespace {
Instruction make(Opcode op) {
  Instruction in;
  in.opcode = op;
  in.layer = 0;
  return in;
}

/// A small valid program: a 4x4x4 int8 tile on the small preset.
Program smallProgram() {
  Program p;
  p.config = *getPreset("small");
  p.dramBytes = 256;
  p.layers.push_back({"fc", "matmul", 64});
  p.inputs.push_back({"a", ElemType::I8, {4, 4}, 0, 0, 0.5f});
  p.outputs.push_back({"c", ElemType::I32, {4, 4}, 64, 0, 1.0f});
  CodeSection code;
  Instruction cfg = make(Opcode::Config);
  cfg.dataflow = Dataflow::WS;
  cfg.elemType = ElemType::I8;
  code.code.push_back(cfg);
  Instruction load = make(Opcode::Load);
  load.space = MemSpace::SPAD;
  load.rows = load.cols = 4;
  load.dramRowStride = 4;
  code.code.push_back(load);
  load.dramAddr = 16;
  load.localAddr = 4;
  code.code.push_back(load);
  Instruction pre = make(Opcode::Preload);
  pre.localAddr = 4;
  pre.rows = pre.cols = 4;
  code.code.push_back(pre);
  Instruction compute = make(Opcode::Compute);
  compute.addrB = 4;
  compute.m = compute.n = compute.k = 4;
  code.code.push_back(compute);
  Instruction store = make(Opcode::Store);
  store.space = MemSpace::ACC;
  store.dramAddr = 64;
  store.rows = store.cols = 4;
  store.dramRowStride = 16;
  store.storeType = ElemType::I32;
  code.code.push_back(store);
  code.code.push_back(make(Opcode::Halt));
  p.code.push_back(code);
  p.constants.push_back({0, 16, std::vector<uint8_t>(16, 3)});
  return p;
}

/// smallProgram plus a HOST call of one host function (a stand-in library:
/// only its ELF magic is checked before it is loaded to run).
Program hostProgram() {
  Program p = smallProgram();
  Instruction host = make(Opcode::Host);
  host.hostFunction = 0;
  p.code[0].code.insert(p.code[0].code.end() - 1, host);
  p.hostFunctions.push_back({"spade_host_0", {{64, 64}}, {{128, 64}}, 48});
  p.hostLibrary = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  return p;
}
} // namespace

TEST(ISA, EncodeDecodeEveryOpcode) {
  std::vector<Instruction> all;
  Instruction c = make(Opcode::Config);
  c.dataflow = Dataflow::STOS;
  c.elemType = ElemType::F32;
  c.clipLo = -1.5f;
  c.clipHi = 6.0f;
  all.push_back(c);
  Instruction l = make(Opcode::Load);
  l.flags = FlagZeroFill;
  l.space = MemSpace::ACC;
  l.dramAddr = 0x123456789ull;
  l.localAddr = 77;
  l.rows = 3;
  l.cols = 65535;
  l.dramRowStride = 99;
  l.dramColStride = 7;
  l.layer = 513;
  all.push_back(l);
  Instruction s = make(Opcode::Store);
  s.space = MemSpace::ACC;
  s.storeType = ElemType::I8;
  s.activation = Activation::Clip;
  s.scale = 0.0123f;
  s.rows = 2;
  s.cols = 9;
  all.push_back(s);
  Instruction rs = s;
  rs.flags = FlagRowScales;
  rs.scale = 1.0f;
  rs.addrA = 4321;
  all.push_back(rs);
  Instruction v = make(Opcode::Vector);
  v.vectorOp = VectorOp::AvgPool;
  v.spaceA = MemSpace::ACC;
  v.poolInW = 12;
  v.poolKH = 3;
  v.poolKW = 2;
  v.poolSH = 2;
  v.poolSW = 1;
  v.rows = 9;
  v.cols = 4;
  all.push_back(v);
  Instruction sp = make(Opcode::SparseCoeff);
  sp.flags = FlagAccumulate;
  sp.m = sp.n = 4;
  sp.k = 9;
  sp.nnz = 11;
  all.push_back(sp);
  Instruction send = make(Opcode::Send);
  send.peer = 3;
  send.space = MemSpace::SPAD;
  send.localAddr = 8;
  send.bytes = 4096;
  all.push_back(send);
  for (Opcode op : {Opcode::Preload, Opcode::Compute, Opcode::Fence,
                    Opcode::Barrier, Opcode::Recv, Opcode::Halt})
    all.push_back(make(op));
  for (const Instruction &in : all) {
    std::vector<uint8_t> bytes;
    encodeInstruction(in, bytes);
    ASSERT_EQ(bytes.size(), kInstructionBytes);
    llvm::Expected<Instruction> back = decodeInstruction(bytes);
    ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
    EXPECT_TRUE(*back == in) << opcodeName(in.opcode).str();
    std::vector<uint8_t> again;
    encodeInstruction(*back, again);
    EXPECT_EQ(again, bytes);
    // The text form assembles back to the same instruction as well.
    EXPECT_FALSE(disassembleInstruction(in).empty());
  }
}

TEST(ISA, StrictDecoding) {
  std::vector<uint8_t> bytes;
  encodeInstruction(make(Opcode::Halt), bytes);
  auto errorOf = [](std::vector<uint8_t> b) {
    llvm::Expected<Instruction> r = decodeInstruction(b);
    return r ? std::string() : llvm::toString(r.takeError());
  };
  std::vector<uint8_t> b = bytes;
  b[0] = 0;
  EXPECT_EQ(errorOf(b), "unknown opcode 0");
  b = bytes;
  b[1] = 1;
  EXPECT_EQ(errorOf(b), "halt: invalid flags 0x1");
  b = bytes;
  b[31] = 1;
  EXPECT_EQ(errorOf(b), "halt: reserved byte 31 is not zero");
  b.pop_back();
  EXPECT_EQ(errorOf(b), "instruction has 31 bytes, expected 32");
}

TEST(ISA, Limits) {
  AccelConfig c = *getPreset("gemmini");
  auto check = [&](const Instruction &in, Dataflow df = Dataflow::OS) {
    llvm::Error err = checkInstruction(in, c, df, ElemType::I8, 1024, 0);
    return err ? llvm::toString(std::move(err)) : std::string();
  };
  Instruction in = make(Opcode::Compute);
  in.m = 16;
  in.n = 16;
  in.k = 100;
  EXPECT_EQ(check(in), "");
  EXPECT_EQ(check(in, Dataflow::WS),
            "compute: k 100 exceeds the array rows 16");
  in.m = 0;
  EXPECT_EQ(check(in), "compute: m must be positive");
  Instruction l = make(Opcode::Load);
  l.space = MemSpace::SPAD;
  l.rows = 2;
  l.cols = 4;
  l.dramRowStride = 4;
  l.dramAddr = 1017;
  EXPECT_EQ(check(l), "load: source dram bytes [1017, 1025) exceed the "
                      "program's 1024 bytes");
  l.dramAddr = 0;
  l.localAddr = 16383;
  EXPECT_EQ(check(l), "load: destination spad rows [16383, 16385) exceed "
                      "spad_rows 16384");
  l.localAddr = 0;
  l.space = MemSpace::ACC;
  l.dramAddr = 2;
  EXPECT_EQ(check(l), "load: dram address and strides must be multiples of "
                      "the element size 4");
  // Row scales: 20 rows of fp32 are 80 bytes, 5 SPAD rows of 16 int8.
  Instruction s = make(Opcode::Store);
  s.space = MemSpace::ACC;
  s.storeType = ElemType::I8;
  s.rows = 20;
  s.cols = 4;
  s.dramRowStride = 4;
  s.flags = FlagRowScales;
  s.addrA = 16379;
  EXPECT_EQ(check(s), "");
  s.addrA = 16380;
  EXPECT_EQ(check(s), "store: row scales spad rows [16380, 16385) exceed "
                      "spad_rows 16384");
  s.addrA = 0;
  s.scale = 2.0f;
  EXPECT_EQ(check(s), "store: row scales apply to a store from acc and "
                      "replace the scale (which must be 1)");
  Instruction r = make(Opcode::Recv);
  r.bytes = 4;
  EXPECT_EQ(check(r), "recv: needs more than one accelerator");
  c.numAccels = 2;
  r.peer = 0;
  EXPECT_EQ(check(r), "recv: peer 0 is not another accelerator of 2");
}

TEST(Binary, RoundTrip) {
  Program p = smallProgram();
  ASSERT_FALSE(bool(verifyProgram(p, "p")));
  std::vector<uint8_t> bytes = writeBinary(p);
  llvm::Expected<Program> back = loadBinary(bytes, "p.spadebin");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(writeBinary(*back), bytes);
  EXPECT_EQ(back->inputs[0].quantScale, 0.5f);
  EXPECT_EQ(back->constants[0].data, std::vector<uint8_t>(16, 3));
  // Through the text form as well.
  llvm::Expected<Program> text = assemble(disassemble(p), "p.s");
  ASSERT_TRUE(bool(text)) << llvm::toString(text.takeError());
  EXPECT_EQ(writeBinary(*text), bytes);
}

TEST(Binary, EveryTruncationFails) {
  std::vector<uint8_t> bytes = writeBinary(smallProgram());
  for (size_t n = 0; n < bytes.size(); ++n) {
    llvm::Expected<Program> p =
        loadBinary(llvm::ArrayRef(bytes).take_front(n), "t.spadebin");
    ASSERT_FALSE(bool(p)) << "prefix of " << n << " bytes loaded";
    std::string message = llvm::toString(p.takeError());
    EXPECT_EQ(message.rfind("t.spadebin: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(Binary, EveryByteFlipIsHandled) {
  std::vector<uint8_t> bytes = writeBinary(smallProgram());
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0xA5;
    llvm::Expected<Program> p = loadBinary(bad, "f.spadebin");
    // Every payload byte is covered by a CRC and the header by checks, so
    // a flipped byte never loads.
    ASSERT_FALSE(bool(p)) << "flip at " << i << " loaded";
    llvm::consumeError(p.takeError());
  }
}

TEST(Binary, HostSectionRoundTrip) {
  Program p = hostProgram();
  ASSERT_FALSE(bool(verifyProgram(p, "p")));
  std::vector<uint8_t> bytes = writeBinary(p);
  llvm::Expected<Program> back = loadBinary(bytes, "p.spadebin");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(writeBinary(*back), bytes);
  ASSERT_EQ(back->hostFunctions.size(), 1u);
  EXPECT_EQ(back->hostFunctions[0].name, "spade_host_0");
  EXPECT_EQ(back->hostFunctions[0].ops, 48u);
  EXPECT_EQ(back->hostFunctions[0].results[0].dramAddr, 128u);
  EXPECT_EQ(back->hostLibrary, p.hostLibrary);
  llvm::Expected<Program> text = assemble(disassemble(p), "p.s");
  ASSERT_TRUE(bool(text)) << llvm::toString(text.takeError());
  EXPECT_EQ(writeBinary(*text), bytes);
  // Every byte of the host section is covered by its CRC.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0xA5;
    llvm::Expected<Program> q = loadBinary(bad, "f.spadebin");
    ASSERT_FALSE(bool(q)) << "flip at " << i << " loaded";
    llvm::consumeError(q.takeError());
  }
}

TEST(Binary, HostTableLimits) {
  auto check = [](const Program &p) {
    llvm::Error err = verifyProgram(p, "p");
    return err ? llvm::toString(std::move(err)) : std::string();
  };
  Program p = hostProgram();
  p.hostFunctions[0].name = "not-an-identifier";
  EXPECT_EQ(check(p), "p: host function 0: 'not-an-identifier' is not a C "
                      "identifier");
  p = hostProgram();
  p.hostFunctions[0].results.clear();
  EXPECT_EQ(check(p), "p: host function 0: has no results");
  p = hostProgram();
  p.hostFunctions[0].args[0] = {250, 16};
  EXPECT_EQ(check(p), "p: host function 0: buffer [250, +16) is empty or "
                      "exceeds the program's 256 DRAM bytes");
  p = hostProgram();
  p.hostFunctions[0].args.assign(kMaxHostBuffers, {0, 4});
  EXPECT_EQ(check(p), "p: host function 0: has 33 buffers, more than 32");
  p = hostProgram();
  p.hostLibrary[1] = 'X';
  EXPECT_EQ(check(p), "p: the host library is not an ELF file");
  p = hostProgram();
  p.hostLibrary.clear();
  EXPECT_EQ(check(p), "p: host functions without a host library");
  // Entries are call sites: two may call the same symbol (the data-parallel
  // copies of a stream do).
  p = hostProgram();
  p.hostFunctions.push_back(p.hostFunctions[0]);
  EXPECT_EQ(check(p), "");
  p = hostProgram();
  p.code[0].code[6].hostFunction = 1;
  EXPECT_EQ(check(p), "p: accelerator 0 instruction 6: host: function 1 is "
                      "not in the host table (1 functions)");
}
