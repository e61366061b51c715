//===- spade-import-fuzzer.cpp - libFuzzer target for the ONNX importer ---===//
//
// Feeds arbitrary bytes to spade::importONNXBuffer. The first byte selects a
// mode for the rest of the input: 't' ONNX text, 'T' ONNX text and 'N' binary
// with the ONNX checker off (as `spade-import --no-check`, which lets
// malformed nodes reach the converters). Any other input is parsed, whole, as
// a binary ModelProto, so the node-test models are valid seeds as they are.
// Every input must end in a module or a diagnostic, never in a crash, a
// sanitizer report or an escaped exception.
//
//===----------------------------------------------------------------------===//

#include "spade/Import/ONNX/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  spade::ONNXImportOptions options;
  bool isText = false;
  if (bytes.consume_front("t")) {
    isText = true;
  } else if (bytes.consume_front("T")) {
    isText = true;
    options.runChecker = false;
  } else if (bytes.consume_front("N")) {
    options.runChecker = false;
  }
  // A fresh context per input: nothing leaks from one run into the next.
  // Threading off, so no thread pool is spun up per input.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler swallow(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  (void)spade::importONNXBuffer(bytes, "fuzz.onnx", isText, context, options);
  return 0;
}
