#!/usr/bin/env bash
# Keeps the documentation in step with the tools, util-linux style.
#
# For every tool: --help/-h and --version/-V print on stdout with exit 0; an
# unknown option exits 2 with the message on stderr; every option --help shows
# is documented in man/<tool>.1 and offered by the bash, zsh and fish
# completions; every option the man page or a completion names still exists.
# Every man page renders without groff warnings and has the usual sections.
# The completion files parse, their shared helpers are identical copies, and
# bash, fish and zsh (on a pseudo-terminal) really complete topic names from
# a data directory (klog-replicate's from its -s source, not its -d copy).
# The worked example in klog-format(5) is byte for byte the first batch of
# the golden segment, its examples of klog's own files are what the tools
# write, and README.md links every man page.
#
# Usage: docs_sync.sh BUILD_DIR [SOURCE_DIR]. Exit 0 = pass; every failure is
# reported (naming tool and option) before exiting 1.
set -uo pipefail

BUILD=${1:?usage: docs_sync.sh BUILD_DIR [SOURCE_DIR]}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
TOOLS=(klog-append klog-read klog-dump klog-topic klog-serve klog-group klog-replicate)
TOPIC_COMMANDS=(create list describe delete alter enforce-retention truncate-before compact)
GROUP_COMMANDS=(list describe reset delete)
BUILD=$(cd "$BUILD" && pwd) && SRC=$(cd "$SRC" && pwd) || exit 1
GOLDEN=$SRC/tests/golden/golden-0/00000000000000000000.log
VERSION=0.1.0

failures=0
fail() {
  echo "docs_sync: FAIL: $*" >&2
  failures=$((failures + 1))
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Reads --help text on stdin and prints the options it lists, one per line.
# An option line starts with a dash within the first columns; only its first
# column (up to two spaces) names options, the rest is description.
options_in_help() {
  grep -E '^[[:space:]]{0,8}-' |
    sed -E 's/^[[:space:]]+//; s/  .*//' |
    grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' |
    sed -E 's/^[ ,]//' | sort -u
}

# Prints the options a man page documents: the tags of its .TP paragraphs
# that start with a dash ("\fB\-t\fR, \fB\-\-topic\fR \fITOPIC\fR").
options_in_man() {
  awk 'prev == ".TP" { print } { prev = $1 }' "$1" |
    grep -E '^\\fB\\-' |
    sed -E 's/\\f[BIRP]//g; s/\\-/-/g' |
    grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' |
    sed -E 's/^[ ,]//' | sort -u
}

# Prints the long options a bash or zsh completion file names.
long_options_in_script() {
  grep -v '^[[:space:]]*#' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# Prints the options a fish completion file declares (complete -s X / -l NAME).
options_in_fish() {
  grep -E '^complete ' "$1" |
    grep -oE -- ' -[sl] [A-Za-z0-9][A-Za-z0-9-]*' |
    sed -E 's/^ -s /-/; s/^ -l /--/' | sort -u
}

# True if the shell completion file names option $2 as a whole word. zsh
# exclusion lists such as '(-t --topic)' do not count: they name options
# without offering them.
script_has_option() {
  # grep reads to the end (no -q): under pipefail an early exit would make
  # sed fail with SIGPIPE once its output exceeds one pipe buffer write.
  grep -v '^[[:space:]]*#' "$1" | sed -E "s/'\\([^)]*\\)'//g" |
    grep -E -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|$)" >/dev/null
}

# The --help text of a tool, with klog-topic's per-command help added.
help_text() {
  "$BUILD/$1" --help 2>/dev/null
  local cmd
  if [[ $1 == klog-topic ]]; then
    for cmd in "${TOPIC_COMMANDS[@]}"; do
      "$BUILD/$1" "$cmd" --help 2>/dev/null || fail "$1 $cmd --help exits non-zero"
    done
  fi
  if [[ $1 == klog-group ]]; then
    for cmd in "${GROUP_COMMANDS[@]}"; do
      "$BUILD/$1" "$cmd" --help 2>/dev/null || fail "$1 $cmd --help exits non-zero"
    done
  fi
}

check_help_and_version() {
  local tool=$1 flag out err rc
  for flag in --help -h --version -V; do
    "$BUILD/$tool" "$flag" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    [[ $rc -eq 0 ]] || fail "$tool $flag exits $rc, not 0"
    [[ -s $TMP/out ]] || fail "$tool $flag prints nothing on stdout"
    [[ -s $TMP/err ]] && fail "$tool $flag writes to stderr: $(head -n1 "$TMP/err")"
  done
  out=$("$BUILD/$tool" --version 2>/dev/null)
  [[ $out == "$tool $VERSION" ]] || fail "$tool --version prints '$out', not '$tool $VERSION'"
  "$BUILD/$tool" --no-such-option >"$TMP/out" 2>"$TMP/err"
  rc=$?
  [[ $rc -eq 2 ]] || fail "$tool --no-such-option exits $rc, not 2"
  [[ -s $TMP/out ]] && fail "$tool --no-such-option writes to stdout"
  err=$(cat "$TMP/err")
  [[ $err == "$tool: "* ]] || fail "$tool --no-such-option: stderr does not start with '$tool: '"
  [[ $err == *"Try '$tool --help'."* ]] ||
    fail "$tool --no-such-option: stderr lacks \"Try '$tool --help'.\""
}

check_options() {
  local tool=$1 opt
  local man=$SRC/man/$tool.1 bash=$SRC/completions/bash/$tool
  local zsh=$SRC/completions/zsh/_$tool fish=$SRC/completions/fish/$tool.fish
  help_text "$tool" >"$TMP/help.txt"
  options_in_help <"$TMP/help.txt" >"$TMP/help.opts"
  if [[ ! -s $TMP/help.opts ]]; then
    fail "$tool --help lists no options"
    return
  fi
  options_in_man "$man" >"$TMP/man.opts"
  options_in_fish "$fish" >"$TMP/fish.opts"
  while read -r opt; do
    grep -qxF -- "$opt" "$TMP/man.opts" || fail "$tool: option $opt is not documented in man/$tool.1"
    script_has_option "$bash" "$opt" || fail "$tool: option $opt is missing from completions/bash/$tool"
    script_has_option "$zsh" "$opt" || fail "$tool: option $opt is missing from completions/zsh/_$tool"
    grep -qxF -- "$opt" "$TMP/fish.opts" ||
      fail "$tool: option $opt is missing from completions/fish/$tool.fish"
  done <"$TMP/help.opts"
  # The other way round: documentation of options the tool no longer has.
  while read -r opt; do
    grep -qxF -- "$opt" "$TMP/help.opts" || fail "$tool: man/$tool.1 documents $opt, --help does not list it"
  done <"$TMP/man.opts"
  while read -r opt; do
    grep -qxF -- "$opt" "$TMP/help.opts" || fail "$tool: completions/fish/$tool.fish offers $opt, --help does not list it"
  done <"$TMP/fish.opts"
  for f in "$bash" "$zsh"; do
    while read -r opt; do
      grep -qxF -- "$opt" "$TMP/help.opts" || fail "$tool: ${f#"$SRC"/} offers $opt, --help does not list it"
    done < <(long_options_in_script "$f")
  done
}

check_man_page() {
  local page=$1 name section warnings
  name=$(basename "$page")
  [[ -f $page ]] || { fail "man page $name is missing"; return; }
  warnings=$(groff -ww -man -z "$page" 2>&1)
  [[ -z $warnings ]] || fail "$name: groff warnings: $warnings"
  warnings=$(MANWIDTH=80 man -l -Tutf8 "$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "$name: man -l reports: $warnings"
  for section in NAME SYNOPSIS DESCRIPTION SEE\ ALSO; do
    grep -q "^\.SH \"\?$section\"\?\$" "$page" || fail "$name: no $section section"
  done
  if [[ $name == *.1 ]]; then
    for section in OPTIONS EXIT\ STATUS ENVIRONMENT FILES EXAMPLES; do
      grep -q "^\.SH \"\?$section\"\?\$" "$page" || fail "$name: no $section section"
    done
  fi
}

check_completion_syntax() {
  local tool=$1
  bash -n "$SRC/completions/bash/$tool" || fail "completions/bash/$tool: bash syntax error"
  if command -v zsh >/dev/null; then
    zsh -n "$SRC/completions/zsh/_$tool" || fail "completions/zsh/_$tool: zsh syntax error"
  else
    fail "zsh is not installed (make deps installs it); cannot check completions/zsh/_$tool"
  fi
  if command -v fish >/dev/null; then
    fish -n "$SRC/completions/fish/$tool.fish" || fail "completions/fish/$tool.fish: fish syntax error"
  else
    fail "fish is not installed (make deps installs it); cannot check completions/fish/$tool.fish"
  fi
}

# Prints the definition of shell function $2 in file $1: from "name() {" (or
# fish's "function name") to the closing "}" or "end" at the start of a line.
function_text() {
  awk -v name="$2" '
    $0 ~ "^" name "\\(\\) \\{" || $0 == "function " name { on = 1 }
    on { print }
    on && ($0 == "}" || $0 == "end") { exit }' "$1"
}

# The completion files of one shell share helper functions (the topic lister
# and friends). Whichever file a shell loads first defines them for all, so
# every copy must be the same.
check_shared_helpers() {
  local dir=$1 names=$2 name f first text
  for name in $names; do
    first=""
    for f in "$SRC/completions/$dir"/*; do
      text=$(function_text "$f" "$name")
      [[ -n $text ]] || continue
      if [[ -z $first ]]; then
        first=$f
        printf '%s\n' "$text" >"$TMP/helper"
      elif [[ $text != "$(cat "$TMP/helper")" ]]; then
        fail "completions/$dir: $name in ${f##*/} differs from the one in ${first##*/}"
      fi
    done
    [[ -n $first ]] || fail "completions/$dir: no file defines $name"
  done
}

# Completes the words "$@" (the last one being completed) with the bash
# completion of $1 and prints the candidates, sorted, on one line.
bash_complete() {
  local tool=$1
  shift
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    fn=$(complete -p "$1" | sed -E "s/.*-F ([^ ]+) .*/\1/")
    "$fn"; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
    _ "$SRC/completions/bash/$tool" "$@"
}

# Prints the candidates fish offers for the command line "$2", sorted, on one line.
fish_complete() {
  XDG_DATA_HOME=$TMP/xdg XDG_CONFIG_HOME=$TMP/xdg fish --no-config \
    -c 'source $argv[1]; complete -C $argv[2] | cut -f 1 | sort | tr \n " "' \
    "$SRC/completions/fish/$1.fish" "$2"
}

# Types each argument and a TAB into one interactive zsh (on a
# pseudo-terminal, with klog's completions on fpath) and prints, one per line,
# the command line it then holds. Nothing is timed: each line is printed by a
# command typed after the TAB, once the completion is done.
zsh_complete() {
  cat >"$TMP/zc.zsh" <<'EOF_ZSH'
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PROMPT=''; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'bindkey -e; bindkey "^I" complete-word; zstyle ":completion:*" menu no'
shift
for line in "$@"; do
  zpty -w -n z "$line"$'\t'$'\C-a''print -r -- LINE${:-IS}:'$'\C-m'
  zpty -r z out '*LINEIS:*'$'\n' || exit 1
  out=${out##*LINEIS:}
  print -r -- ${out%%$'\r'*}
done
zpty -d z
EOF_ZSH
  timeout 60 zsh -f "$TMP/zc.zsh" "$SRC/completions/zsh" "$@"
}

# Topic names come from the data directory: <topic>.topic.json files and
# <topic>-<N> directories. Checks each shell's completion against a small one.
check_completion_behaviour() {
  local data=$TMP/complete-data got want="alpha beta "
  mkdir -p "$data/beta-0" "$data/beta-1" "$data/not_a_partition"
  echo '{}' >"$data/alpha.topic.json"
  got=$(bash_complete klog-append klog-append -d "$data" -t "")
  [[ $got == "$want" ]] || fail "bash: klog-append -t completes '$got', not '$want'"
  got=$(KLOG_DIR=$data bash_complete klog-read klog-read -t "")
  [[ $got == "$want" ]] || fail "bash: klog-read -t with \$KLOG_DIR completes '$got', not '$want'"
  got=$(bash_complete klog-read klog-read -d "$data" -t beta -p "")
  [[ $got == "0 1 " ]] || fail "bash: klog-read -p completes '$got', not the partitions '0 1 '"
  got=$(bash_complete klog-topic klog-topic -d "$data" describe "")
  [[ $got == "$want" ]] || fail "bash: klog-topic describe completes '$got', not '$want'"
  got=$(bash_complete klog-replicate klog-replicate -s "$data" -d "$TMP" -t "")
  [[ $got == "$want" ]] || fail "bash: klog-replicate -s DIR -t completes '$got', not the source's '$want'"
  got=$(bash_complete klog-append klog-append -z "")
  [[ $got == "gzip lz4 none snappy zstd " ]] || fail "bash: klog-append -z completes '$got'"
  command -v fish >/dev/null || return 0
  got=$(fish_complete klog-append "klog-append -d $data -t ")
  [[ $got == "$want" ]] || fail "fish: klog-append -t completes '$got', not '$want'"
  got=$(fish_complete klog-topic "klog-topic -d $data delete ")
  [[ $got == "$want" ]] || fail "fish: klog-topic delete completes '$got', not '$want'"
  got=$(fish_complete klog-replicate "klog-replicate -s $data -d $TMP -t ")
  [[ $got == "$want" ]] || fail "fish: klog-replicate -s DIR -t completes '$got', not the source's '$want'"
  got=$(fish_complete klog-read "klog-read -o ")
  [[ $got == *beginning*end* ]] || fail "fish: klog-read -o completes '$got'"
  command -v zsh >/dev/null || return 0
  local -a typed=(
    "klog-append -d $data -t al" "klog-read -d $data --topic be"
    "klog-topic -d $data delete al" "klog-topic describe -d $data be"
    "klog-append --compression=zs" "klog-read --fol"
    "klog-replicate -s $data -d $TMP -t al" "klog-replicate --no-tr")
  local -a want=(
    "klog-append -d $data -t alpha" "klog-read -d $data --topic beta"
    "klog-topic -d $data delete alpha" "klog-topic describe -d $data beta"
    "klog-append --compression=zstd" "klog-read --follow"
    "klog-replicate -s $data -d $TMP -t alpha" "klog-replicate --no-truncate")
  local i
  mapfile -t got < <(cd "$TMP" && zsh_complete "${typed[@]}")
  for i in "${!typed[@]}"; do
    [[ ${got[i]-} == "${want[i]}" ]] ||
      fail "zsh: '${typed[i]}' + TAB gives '${got[i]-}', not '${want[i]}'"
  done
}

# Prints the lines of the example block after '.\" example: $1' in
# klog-format(5), as text (roff's \- and \e undone).
format_example() {
  awk -v mark=".\\\\\" example: $1" '
    $0 == mark { on = 1; next }
    on && /^\.EE/ { exit }
    on && !/^\./ { print }' "$SRC/man/klog-format.5" | sed -E 's/\\-/-/g; s/\\e/\\/g'
}

# The examples of klog's own files in klog-format(5) are what the tools write:
# the topic metadata and the digest byte for byte (the digest is that of the
# worked example, alone in a sealed segment), the checkpoint field by field.
check_format_examples() {
  local data=$TMP/format-data doc got record
  record='{"value":"hi","timestamp":1700000000000}'
  "$BUILD/klog-topic" -d "$data" create orders --partitions 4 \
    --config segment.bytes=67108864 2>/dev/null || fail "klog-topic create for the examples failed"
  doc=$(format_example topic-json | sed -E 's/^ +//' | tr -d '\n')
  got=$(cat "$data/orders.topic.json" 2>/dev/null)
  [[ -n $doc && $doc == "$got" ]] ||
    fail "klog-format.5: the topic metadata example is '$doc'; klog-topic writes '$got'"
  # Two appends to a topic whose segments hold one batch: the first is sealed.
  "$BUILD/klog-topic" -d "$data" create w --config segment.bytes=100 2>/dev/null &&
    echo "$record" | "$BUILD/klog-append" -d "$data" -t w --json &&
    echo "$record" | "$BUILD/klog-append" -d "$data" -t w --json ||
    fail "appending the worked example for the examples failed"
  doc=$(format_example xxh3)
  got=$(cat "$data/w-0/00000000000000000000.xxh3" 2>/dev/null)
  [[ -n $doc && $doc == "$got" ]] ||
    fail "klog-format.5: the digest example is '$doc'; the writer wrote '$got'"
  # Same words in the same order, values aside (roll_ms is the clock).
  doc=$(format_example checkpoint | tr '\n' ' ' | awk '{ for (i = 4; i <= NF; i += 2) $i = "V"; print }')
  got=$(awk '{ for (i = 4; i <= NF; i += 2) $i = "V"; print }' "$data/w-0/klog.checkpoint" 2>/dev/null)
  [[ -n $doc && $doc == "$got" ]] ||
    fail "klog-format.5: the checkpoint example has the fields '$doc'; the writer wrote '$got'"
}

# Prints the worked example's bytes as lower-case hex: each line between the
# golden markers starts with hex byte groups; the annotation after them starts
# with a word that is not all lower-case hex digits.
worked_example_hex() {
  sed -n '/^\.\\" golden-begin/,/^\.\\" golden-end/p' "$SRC/man/klog-format.5" |
    grep -v '^\.' |
    awk '{ for (i = 1; i <= NF && $i ~ /^([0-9a-f][0-9a-f])+$/; i++) printf "%s", $i }'
}

check_worked_example() {
  local doc golden
  doc=$(worked_example_hex)
  if [[ ${#doc} -ne 140 ]]; then
    fail "klog-format.5: the worked example has $((${#doc} / 2)) bytes between the golden markers, not 70"
    return
  fi
  # The example must be a valid batch on its own: CRC-32C of [21, end) at 17.
  python3 - "$doc" <<'EOF' || fail "klog-format.5: the worked example's CRC field is not the CRC-32C of bytes [21, 70)"
import sys
b = bytes.fromhex(sys.argv[1])
crc = 0xFFFFFFFF
for byte in b[21:]:
    crc ^= byte
    for _ in range(8):
        crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
sys.exit(0 if crc ^ 0xFFFFFFFF == int.from_bytes(b[17:21], "big") else 1)
EOF
  if [[ ! -f $GOLDEN ]]; then
    fail "golden segment ${GOLDEN#"$SRC"/} is missing"
    return
  fi
  golden=$(head -c 70 "$GOLDEN" | od -An -v -tx1 | tr -d ' \n')
  [[ $doc == "$golden" ]] ||
    fail "klog-format.5 worked example differs from the first 70 bytes of ${GOLDEN#"$SRC"/}:
  doc:    $doc
  golden: $golden"
}

check_readme() {
  local page
  for page in "${TOOLS[@]/%/.1}" klog-format.5; do
    grep -qF "man/$page" "$SRC/README.md" || fail "README.md does not link man/$page"
  done
}

for tool in "${TOOLS[@]}"; do
  if [[ -x $BUILD/$tool ]]; then
    check_help_and_version "$tool"
    check_options "$tool"
  else
    fail "$BUILD/$tool is not built"
  fi
  check_man_page "$SRC/man/$tool.1"
  check_completion_syntax "$tool"
done
check_man_page "$SRC/man/klog-format.5"
check_shared_helpers bash "_klog_data_dir _klog_topics _klog_partitions _klog_reply"
check_shared_helpers zsh "_klog_data_dir _klog_topics _klog_partitions"
check_shared_helpers fish "__klog_data_dir __klog_topics __klog_partitions"
check_completion_behaviour
check_worked_example
check_format_examples
check_readme

if [[ $failures -ne 0 ]]; then
  echo "docs_sync: $failures failure(s)" >&2
  exit 1
fi
echo "docs_sync: ok"
