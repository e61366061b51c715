//===- LinkShared.cpp - Linking compiled models with lld, in process ------===//
//
// lld's ELF driver as a library: no linker binary or compiler driver is
// needed at compile time. No C start files either: a model has no static
// constructors and the runtime is plain C.
//
//===----------------------------------------------------------------------===//

#include "Link.h"

#include "lld/Common/Driver.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

LLD_HAS_DRIVER(elf)

using namespace mlir;

/// Runs lld's ELF driver in process; errors name `output` and lld's first
/// message.
static LogicalResult runLinker(Location loc, std::vector<const char *> &args,
                               StringRef output) {
  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  lld::Result result =
      lld::lldMain(args, outStream, errStream, {{lld::Gnu, &lld::elf::link}});
  if (result.retCode == 0)
    return success();
  StringRef message = StringRef(err).trim();
  message = message.take_until([](char c) { return c == '\n'; });
  message.consume_front("ld.lld: ");
  message.consume_front("error: ");
  return emitError(loc) << "linking " << output << " failed: " << message;
}

LogicalResult spade::linkModel(Location loc, StringRef object, StringRef output,
                               bool shared, bool mpi) {
  std::string outputArg = output.str(), objectArg = object.str();
  std::string soname = ("--soname=" + llvm::sys::path::filename(output)).str();
  std::vector<const char *> args = {"ld.lld", "-o", outputArg.c_str()};
  if (shared) {
    args.insert(args.end(),
                {"-shared", soname.c_str(), "--eh-frame-hdr", "-z", "relro",
                 "-z", "now", "-z", "noexecstack", "--hash-style=gnu",
                 // Calls inside the library bind inside it, even where a
                 // program links several models with the same API names.
                 "-Bsymbolic", "--build-id", objectArg.c_str(),
                 "--whole-archive", SPADE_C_RUNTIME_LIBRARY,
                 "--no-whole-archive",
                 // Recorded as DT_NEEDED whether or not the code uses them
                 // today: OpenMP comes with the multi-threaded pipeline.
                 "--no-as-needed", SPADE_OPENMP_LIBRARY,
                 "-L" SPADE_SYSTEM_LIBRARY_DIR, "-l:libm.so.6", "-l:libc.so.6",
                 "--enable-new-dtags", "-rpath", SPADE_OPENMP_LIBRARY_DIR});
  } else {
    // One object with the runtime inside: link it with -lomp -lm.
    args.insert(args.end(), {"-r", objectArg.c_str(), "--whole-archive",
                             SPADE_C_RUNTIME_LIBRARY, "--no-whole-archive"});
  }
  // Partitioned models: MPI start-up and MPICH (an object links -lmpich).
  if (mpi) {
    args.insert(args.end(), {"--whole-archive", SPADE_MPI_RUNTIME_LIBRARY,
                             "--no-whole-archive"});
    if (shared)
      args.push_back(SPADE_MPICH_LIBRARY);
  }

  return runLinker(loc, args, output);
}

LogicalResult spade::linkHostLibrary(Location loc, StringRef object,
                                     StringRef output) {
  std::string outputArg = output.str(), objectArg = object.str();
  // Plain functions: no model ABI, no runtime, no OpenMP; symbols stay
  // exported for dlsym.
  std::vector<const char *> args = {
      "ld.lld", "-o", outputArg.c_str(), "-shared", "--eh-frame-hdr", "-z",
      "relro", "-z", "now", "-z", "noexecstack", "--hash-style=gnu",
      "-Bsymbolic", objectArg.c_str(), "-L" SPADE_SYSTEM_LIBRARY_DIR,
      "-l:libm.so.6", "-l:libc.so.6"};
  return runLinker(loc, args, output);
}
