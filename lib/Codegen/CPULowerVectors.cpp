//===- CPULowerVectors.cpp - Vector ops to 1-D vector code ----------------===//
//
// The order matters: contractions become outer products (the register-tile
// kernel: one broadcast + FMA per row), then transfers are unrolled to 1-D
// loads and stores, which is what keeps unaligned 2-D transfers from being
// emitted as single wide moves.
//
//===----------------------------------------------------------------------===//

#include "spade/Codegen/Passes.h"

#include "TransformScript.h"

namespace spade {
#define GEN_PASS_DEF_CPULOWERVECTORS
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kLowerVectors = R"mlir(
  %f = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
  transform.apply_patterns to %f {
    transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
    transform.apply_patterns.vector.transfer_permutation_patterns
    transform.apply_patterns.vector.lower_multi_reduction lowering_strategy = "innerparallel"
  } : !transform.any_op
  transform.apply_patterns to %f {
    transform.apply_patterns.vector.transfer_to_scf max_transfer_rank = 1 full_unroll = true
  } : !transform.any_op
  transform.apply_patterns to %f {
    transform.apply_patterns.vector.lower_transfer max_transfer_rank = 1
  } : !transform.any_op
  transform.apply_patterns to %f {
    transform.apply_patterns.vector.lower_outerproduct
    transform.apply_patterns.vector.lower_broadcast
    transform.apply_patterns.vector.lower_shape_cast
    transform.apply_patterns.vector.lower_transpose lowering_strategy = "shuffle_1d"
  } : !transform.any_op
)mlir";

struct CPULowerVectorsPass
    : spade::impl::CPULowerVectorsBase<CPULowerVectorsPass> {
  void runOnOperation() override {
    if (failed(spade::runTransformScript(getOperation(), kLowerVectors)))
      signalPassFailure();
  }
};

} // namespace
