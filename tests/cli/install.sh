#!/usr/bin/env bash
# `make install PREFIX=...` gives working tools from any prefix: binaries find
# libklog through their relative RPATH, and every man page, header and
# completion lands where man, compilers and shells look.
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

fail() { echo "install: $*" >&2; exit 1; }
for tool in klog-append klog-read klog-dump klog-topic; do
  [[ -x $prefix/bin/$tool ]] || fail "missing bin/$tool"
  out=$(env -u LD_LIBRARY_PATH "$prefix/bin/$tool" --version) || fail "$tool --version failed"
  [[ $out == "$tool "* ]] || fail "$tool --version printed '$out'"
  [[ -f $prefix/share/man/man1/$tool.1 ]] || fail "missing man1/$tool.1"
  [[ -f $prefix/share/bash-completion/completions/$tool ]] || fail "missing bash completion $tool"
  [[ -f $prefix/share/zsh/vendor-completions/_$tool ]] || fail "missing zsh completion $tool"
  [[ -f $prefix/share/fish/vendor_completions.d/$tool.fish ]] || fail "missing fish completion $tool"
done
[[ -f $prefix/share/man/man5/klog-format.5 ]] || fail "missing man5/klog-format.5"
[[ -f $prefix/include/klog/log.h ]] || fail "missing include/klog/log.h"
ls "$prefix"/lib*/libklog.so >/dev/null 2>&1 || fail "missing libklog.so"

# The installed tools work end to end.
seq 3 | "$prefix/bin/klog-append" -t t -d "$tmp/data"
[[ $("$prefix/bin/klog-read" -t t -d "$tmp/data" | paste -sd,) == 1,2,3 ]] || fail "round trip"
echo "install: ok"
