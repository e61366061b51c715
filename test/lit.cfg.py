# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SPADE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.spade_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "README.txt", "lit.cfg.py", "bindings.test.py",
                   "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%spade_src_root", config.spade_src_root))
config.substitutions.append(("%spade_tools_dir", config.spade_tools_dir))
config.substitutions.append(("%spade_obj_root", config.spade_obj_root))
config.substitutions.append(("%onnx_testdata", config.onnx_testdata_dir))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%mlir_lib_dir", "/usr/lib/llvm-22/lib"))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP", "SPADE_CACHE"])
llvm_config.use_default_substitutions()

tool_dirs = [config.spade_tools_dir, config.llvm_tools_dir]
tools = ["spade-opt", "spade-import", "spade-run", "spade-compile", "spade-sim", "mlir-runner", "llvm-nm", "clang-22"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.spade_tools_dir, append_path=True)

if config.spade_sanitizers.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
    # libMLIR/libonnx are not instrumented; leaks in them are not ours to fix.
    # LLVM's BumpPtrAllocator poisons its slabs when compiled with ASan; the
    # statically linked, uninstrumented lld shares those inline functions, so
    # the linker picks a mix and lld's own allocations read as poisoned.
    # Manual poisoning is therefore off; ASan's own checks stay on.
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:allow_user_poisoning=0"
