//===- TransformScript.cpp - Run a transform script given as text ---------===//

#include "TransformScript.h"

#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

LogicalResult spade::runTransformScript(ModuleOp payload,
                                        llvm::StringRef sequenceBody,
                                        bool print) {
  std::string script =
      ("module attributes {transform.with_named_sequence} {\n"
       "transform.named_sequence @__transform_main(%root: !transform.any_op "
       "{transform.readonly}) {\n" +
       sequenceBody + "  transform.yield\n}\n}\n")
          .str();
  if (print)
    llvm::errs() << script;
  OwningOpRef<ModuleOp> scriptModule =
      parseSourceString<ModuleOp>(script, payload.getContext());
  if (!scriptModule)
    return payload.emitError("internal error: a generated CPU schedule does "
                             "not parse");
  transform::TransformOpInterface entry =
      transform::detail::findTransformEntryPoint(*scriptModule, *scriptModule);
  if (!entry)
    return failure();
  return transform::applyTransformNamedSequence(payload, entry, *scriptModule,
                                                transform::TransformOptions());
}
