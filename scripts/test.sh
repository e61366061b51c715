#!/usr/bin/env bash
# Installs dependencies, builds Spade and runs every test: the lit suite
# (dialect, passes, importer, ONNX node-test conformance) on a normal build
# and, unless SPADE_SKIP_SANITIZERS=1, again on an ASan+UBSan build.
# The last line is "N passed, M failed[, K skipped]" over all suites.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# onnxruntime-node, the reference of test/Models (npm, cached outside the clone).
"$root/scripts/setup-onnxruntime.sh" >/dev/null

results=()
run_suite() { # build-dir [cmake args...]
  local dir=$1; shift
  SPADE_BUILD_DIR=$dir "$root/scripts/build.sh" "$@"
  local out=$dir/lit-results.json
  # lit exits non-zero on failures; the summary below decides.
  /usr/lib/llvm-22/bin/lit -sv --time-tests -o "$out" "$dir/test" "$dir/unittests" || true
  results+=("$out")
}

run_suite "$root/build"
if [ "${SPADE_SKIP_SANITIZERS:-0}" != 1 ]; then
  ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite "$root/build-asan" -DSPADE_ENABLE_SANITIZERS=ON
fi

# The ONNX node-test conformance figures, as the lit tests measured them.
for f in "$root"/build/test/Import/ONNX/Output/node-tests*.test.tmp.summary; do
  if [ -f "$f" ]; then
    echo "conformance ($(basename "$f" .test.tmp.summary)): $(tail -n 1 "$f")"
  fi
done

/usr/bin/python3 - "${results[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        tests = json.load(open(path))["tests"]
    except (OSError, ValueError, KeyError):
        print(f"{path}: no lit results (build or lit failed)")
        failed += 1
        continue
    for t in tests:
        code = t["code"]
        if code in ("PASS", "XFAIL"):
            passed += 1
        elif code in ("UNSUPPORTED", "SKIPPED"):
            skipped += 1
        else:
            failed += 1
            print(f"{code}: {t['name']}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
