#!/usr/bin/env bash
# The installed package, as another project sees it (README "Installing"):
#   package_test.sh install|deb SOURCE_DIR BUILD_DIR WORK_DIR
# install: `cmake --install` into WORK_DIR/prefix, then examples/consumer configured, built and
#          run once through find_package (CMake) and once through pkg-config (a plain g++ line).
# deb:     `cpack -G DEB`, the package unpacked with `dpkg-deb -x`, its backprop run.
set -euo pipefail
mode=$1 src=$2 build=$3 work=$4
# The sanitizer build's library needs the same -fsanitize flags on the consumer's compile and link.
flags=${BP_CONSUMER_FLAGS:-}
# The version, from its one place (project(VERSION) in CMakeLists.txt).
version=$(sed -n 's/^project(backprop VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
test -n "$version"
rm -rf "$work" && mkdir -p "$work"
case $mode in
install)
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  echo "== find_package"
  cmake -S "$src/examples/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
  cmake --build "$work/consumer" >/dev/null
  "$work/consumer/consumer"
  echo "== pkg-config"
  libdir=$(dirname "$(find "$work/prefix" -name backprop.pc | head -1)")
  export PKG_CONFIG_PATH="$libdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  pkg-config --exists --print-errors 'backprop >= 0.2'
  # shellcheck disable=SC2046  (the rpath: a shared libbackprop in a prefix the loader does not search)
  # shellcheck disable=SC2086  ($flags: zero or more words)
  g++ -std=c++20 -O2 $flags "$src/examples/consumer/main.cpp" -o "$work/consumer-pc" \
      $(pkg-config --cflags --libs backprop) -Wl,-rpath,"$(pkg-config --variable=libdir backprop)"
  "$work/consumer-pc"
  "$work/prefix/bin/backprop" --version | grep -E "^backprop $version \(git [^ ]+\)$"
  ;;
deb)
  (cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/deb" >/dev/null)
  deb=$(ls "$work"/deb/*.deb)
  dpkg-deb --info "$deb" | grep -E 'Package|Version|Depends'
  dpkg-deb -x "$deb" "$work/root"
  "$work/root/usr/bin/backprop" --version | grep -E "^backprop $version \(git [^ ]+\)$"
  "$work/root/usr/bin/backprop" explain >"$work/explain.txt"
  grep -F "dE_total/dw5 = " "$work/explain.txt"
  test -f "$work/root/usr/include/backprop/version.hpp"
  test -n "$(find "$work/root/usr" -name backpropConfig.cmake)"
  ;;
*) echo "usage: $0 install|deb SOURCE_DIR BUILD_DIR WORK_DIR" >&2; exit 64 ;;
esac
