#!/usr/bin/env bash
# make install's layout, from a build directory: the command, the library,
# the header, moodsim.pc and the Python package, which loads the installed
# library (not the build tree's) and runs; with DESTDIR, the files are
# staged under it and the package still names the final path.
# usage: install.sh BUILD_DIR OUT_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1; out=$2
source "$(dirname "$0")/lib.sh"
fresh_out "$out"
py=$(command -v /usr/bin/python3 || command -v python3)
pydir=$(cat "$build/python-dir.txt" 2>/dev/null)
[[ -n "$pydir" ]] && ok || bad "the build knows where the Python package goes"
cmake --install "$build" --prefix "$out/p" > "$out/install.log" 2>&1 && ok || bad "install: $(cat "$out/install.log")"
for f in bin/moodsim include/moodsim.h lib/pkgconfig/moodsim.pc "$pydir/moodsim/__init__.py" "$pydir/moodsim/_paths.py"; do
  [[ -f "$out/p/$f" ]] && ok || bad "installed: $f"
done
ls "$out"/p/lib*/libmoodsim.so.0 > /dev/null 2>&1 && ok || bad "installed: libmoodsim.so.0"
"$out/p/bin/moodsim" --version | grep -q "^moodsim " && ok || bad "the installed command runs (its library found by its run path)"
PKG_CONFIG_PATH="$out/p/lib/pkgconfig" pkg-config --cflags moodsim | grep -q -- "-I$out/p/lib/pkgconfig/../../include" && ok || bad "moodsim.pc names the include directory"
loaded=$(cd "$out" && env -u MOODSIM_LIBRARY PYTHONPATH="$out/p/$pydir" "$py" -c \
  'import moodsim; print(moodsim._lib.lib._name); print(moodsim.load("'"$here"'/models/decay.yaml").simulate(days=1).shape)' 2>&1)
[[ "$loaded" == "$out/p/"*"libmoodsim.so.0"*"(25, 2)"* ]] && ok || bad "the installed package loads the installed library: $loaded"
DESTDIR="$out/stage" cmake --install "$build" --prefix /opt/moodsim > "$out/stage.log" 2>&1 && ok || bad "install with DESTDIR"
[[ -f "$out/stage/opt/moodsim/bin/moodsim" ]] && grep -q "LIBRARY = '/opt/moodsim/" "$out/stage/opt/moodsim/$pydir/moodsim/_paths.py" &&
  ok || bad "DESTDIR stages the files; the package names the final path"
finish install
