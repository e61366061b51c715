//===- StridedCopiesToLoops.cpp - memref.copy of strided views as loops ---===//

#include "spade/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace spade {
#define GEN_PASS_DEF_STRIDEDCOPIESTOLOOPS
#include "spade/Codegen/Passes.h.inc"
} // namespace spade

using namespace mlir;

namespace {

struct StridedCopiesToLoopsPass
    : spade::impl::StridedCopiesToLoopsBase<StridedCopiesToLoopsPass> {
  void runOnOperation() override {
    getOperation()->walk([](memref::CopyOp copy) {
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (!source.hasRank() || !target.hasRank() ||
          (memref::isStaticShapeAndContiguousRowMajor(source) &&
           memref::isStaticShapeAndContiguousRowMajor(target)))
        return;
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }
};

} // namespace
