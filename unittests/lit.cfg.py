# -*- Python -*-
# Runs every GoogleTest binary (*Tests) under the unittests build directory.
import os

import lit.formats

config.name = "SPADE-Unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = config.spade_unittests_dir
config.test_exec_root = config.spade_unittests_dir
if config.spade_sanitizers.upper() in ("ON", "1", "TRUE", "YES"):
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0"
