//===- FileDiagnostics.cpp - One-line diagnostics for the tools -----------===//

#include "spade/Support/FileDiagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;

static const char *severityName(DiagnosticSeverity s) {
  switch (s) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  default:
    return "note";
  }
}

spade::FileDiagnostics::FileDiagnostics(MLIRContext &context,
                                        std::string fileName)
    : fileName(std::move(fileName)), handler(&context, [this](Diagnostic &d) {
        std::string msg = d.str();
        std::replace(msg.begin(), msg.end(), '\n', ' ');
        llvm::errs() << this->fileName << ": " << severityName(d.getSeverity())
                     << ": " << msg << "\n";
        return success();
      }) {}
