#!/usr/bin/env bash
# `make package`: build the frozen one-folder app into dist/embedscope/ with PyInstaller, then
# smoke-test it headless from another folder (--version, --help, info, check, demo, and a tiny
# UMAP projection when those commands exist), and validate the desktop entry and metainfo.
# Prints the folder's size and the start time of `embedscope info`.
# `bash packaging/build.sh --smoke-only` re-runs the checks on dist/embedscope without building.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="${PY:-$ROOT/.venv/bin/python}"

# The `package` extra of pyproject.toml (PyInstaller). Installed by requirement rather than with
# `pip install -e .[package]`, which would rebuild the project's editable install under anyone
# running tests in this tree at the same time.
mapfile -t REQS < <("$PY" - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["package"]))
EOF
)
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  echo "installing ${REQS[*]}"
  "$PY" -m pip install --quiet "${REQS[@]}"
fi

if [ "${1:-}" = "--smoke-only" ]; then  # test the app already in dist/ without rebuilding it
  echo "== testing the existing dist/embedscope (not rebuilt)"
else
  echo "== building dist/embedscope with PyInstaller $("$PY" -m PyInstaller --version)"
  start=$(date +%s)
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/embedscope.spec
  echo "built in $(( $(date +%s) - start )) s"
fi

APP="$ROOT/dist/embedscope/embedscope"
SAMPLE="$(dirname "$APP")/_internal/embedscope/_resources/sample/glove.6B.50d.20k.npy"
test -x "$APP" || { echo "FAIL: $APP was not built" >&2; exit 1; }
test -f "$SAMPLE" || { echo "FAIL: the sample is not inside the frozen folder" >&2; exit 1; }

# Run from an empty folder with a private cache and no display, so nothing can come from the
# clone, the user's cache or a desktop session.
SMOKE="$(mktemp -d)"
trap 'rm -rf "$SMOKE"' EXIT
cd "$SMOKE"
export EMBEDSCOPE_CACHE_DIR="$SMOKE/cache" NUMBA_CACHE_DIR="$SMOKE/numba" QT_QPA_PLATFORM=offscreen
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
failures=0
run() {  # run NAME EXPECTED_CODE CMD...: one smoke check, its output kept for the log
  local name="$1" want="$2"; shift 2
  local code=0 t0 t1
  t0=$(date +%s.%N)
  "$@" >"$SMOKE/$name.out" 2>"$SMOKE/$name.err" || code=$?
  t1=$(date +%s.%N)
  if [ "$code" = "$want" ]; then
    printf 'ok    %-24s %6.2f s\n' "$name" "$(echo "$t1 - $t0" | bc)"
  else
    echo "FAIL  $name: exit $code, expected $want" >&2
    sed 's/^/      /' "$SMOKE/$name.err" | tail -20 >&2
    failures=$((failures + 1))
  fi
}
has_command() { "$APP" "$1" --help >/dev/null 2>&1; }

echo "== smoke tests of the frozen app (from $SMOKE)"
run version 0 "$APP" --version
run help 0 "$APP" --help
commands=$("$APP" --help | sed -n 's/^    \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p')
for c in $commands; do
  run "help-$c" 0 "$APP" "$c" --help
  grep -q '^examples:' "$SMOKE/help-$c.out" || { echo "FAIL  $c --help has no examples" >&2; failures=$((failures + 1)); }
done
run bad-arguments 2 "$APP" info
run missing-file 2 "$APP" info "$SMOKE/no-such-file.txt"
run info 0 "$APP" info "$SAMPLE"
grep -q "20,000" "$SMOKE/info.out" || { echo "FAIL  info did not report 20,000 rows" >&2; failures=$((failures + 1)); }
# Commands other engineers are still writing are smoke-tested once they exist and run in the
# development environment: a failure here then means freezing broke them.
optional() {  # optional NAME CMD ARGS...
  local name="$1"; shift
  if ! has_command "$1"; then echo "skip  $name (the '$1' command is not in this build)"; return; fi
  if ! EMBEDSCOPE_CACHE_DIR="$SMOKE/cache-dev" "$PY" -m embedscope "$@" >"$SMOKE/$name.dev.out" 2>&1; then
    echo "skip  $name (fails in the development environment too: $(tail -1 "$SMOKE/$name.dev.out"))"
    return
  fi
  run "$name" 0 "$APP" "$@"
}
optional check check "$SAMPLE"
# The text and binary readers compile their scanner with numba on first use: read gensim's own
# test files (found through the development environment) with the frozen app.
GENSIM_DATA="$("$PY" -c 'from gensim.test.utils import datapath; print(datapath(""))')"
optional info-glove-text info "$GENSIM_DATA/test_glove.txt"
optional info-word2vec-text info "$GENSIM_DATA/lee_fasttext.vec"
optional info-word2vec-binary info "$GENSIM_DATA/euclidean_vectors.bin"
# Files of 1 MB and more go through the numba-compiled scanner (smaller ones are read in
# Python), and the text writers are compiled too: export the sample as GloVe text, read it back.
optional export-glove-text export "$SAMPLE" --top 20000 --format glove --force -o "$SMOKE/export-glove"
if [ -f "$SMOKE/export-glove-text.out" ]; then
  GLOVE_TXT="$(find "$SMOKE/export-glove" -name '*.txt' -size +1M | head -1)"
  if [ -n "$GLOVE_TXT" ]; then
    run info-exported-glove 0 "$APP" info --no-cache "$GLOVE_TXT"
    grep -q "20,000" "$SMOKE/info-exported-glove.out" || { echo "FAIL  the exported GloVe text did not read back as 20,000 rows" >&2; failures=$((failures + 1)); }
  else
    echo "FAIL  export --format glove wrote no text file over 1 MB" >&2; failures=$((failures + 1))
  fi
fi
optional eval eval "$SAMPLE"
optional analogy analogy "$SAMPLE" "king - man + woman"
optional demo demo
optional neighbours neighbours "$SAMPLE" frog
# umap + pynndescent + numba compiled inside the frozen app, on a small slice; PCA for contrast.
# --recompute: a map cached by an earlier run must not stand in for computing it here.
optional project-pca project "$SAMPLE" --method pca --limit 2000 --recompute -o "$SMOKE/pca.tsv"
optional project-umap project "$SAMPLE" --method umap --limit 2000 --recompute -o "$SMOKE/umap.tsv"
optional project-tsne project "$SAMPLE" --method tsne --limit 1000 --recompute -o "$SMOKE/tsne.tsv"
if [ -f "$SMOKE/project-umap.out" ]; then
  rows=$(($(wc -l <"$SMOKE/umap.tsv") - 1))
  [ "$rows" = 2000 ] && echo "ok    UMAP map of $rows words" \
    || { echo "FAIL  UMAP map has $rows rows, expected 2000" >&2; failures=$((failures + 1)); }
fi
# The window's modules and Qt's offscreen platform load inside the frozen app.
# The window itself, offscreen: it opens the bundled sample, reports when it is shown, quits.
if EMBEDSCOPE_STARTUP_PROBE=1 timeout 120 "$PY" -m embedscope >"$SMOKE/window.dev.out" 2>&1; then
  window_start=$(date +%s.%N)
  run window 0 env EMBEDSCOPE_STARTUP_PROBE=1 timeout 120 "$APP"
  grep -q '^shown ' "$SMOKE/window.out" || { echo "FAIL  the window did not report being shown" >&2; failures=$((failures + 1)); }
else
  echo "skip  window (fails in the development environment too: $(tail -1 "$SMOKE/window.dev.out"))"
fi
for plugin in platforms/libqxcb.so platforms/libqoffscreen.so platforms/libqwayland.so \
              imageformats/libqsvg.so iconengines/libqsvgicon.so; do
  if [ -f "$(dirname "$APP")/_internal/PySide6/Qt/plugins/$plugin" ]; then echo "ok    Qt plugin $plugin"
  else echo "FAIL  Qt plugin $plugin is not bundled" >&2; failures=$((failures + 1)); fi
done

echo "== desktop entry and AppStream metainfo"
cd "$ROOT"
if command -v desktop-file-validate >/dev/null; then
  run desktop-file-validate 0 desktop-file-validate packaging/linux/io.github.embedscope.Embedscope.desktop
else echo "skip  desktop-file-validate (apt-get install desktop-file-utils)"; fi
if command -v appstreamcli >/dev/null; then
  run appstreamcli-validate 0 appstreamcli validate --no-net --explain packaging/linux/io.github.embedscope.Embedscope.metainfo.xml
else echo "skip  appstreamcli validate (apt-get install appstream)"; fi

echo "== figures"
echo "folder size: $(du -sh "$ROOT/dist/embedscope" | cut -f1)  ($(find "$ROOT/dist/embedscope" -type f | wc -l) files)"
cd "$SMOKE"
for i in 1 2; do  # the first run pays for a cold disk cache; the second is the usual start
  s=$(date +%s.%N); "$APP" info "$SAMPLE" >/dev/null; e=$(date +%s.%N)
  echo "start + 'embedscope info' on the sample, run $i: $(echo "$e - $s" | bc) s"
done
if [ -f "$SMOKE/window.out" ]; then
  shown=$(sed -n 's/^shown \([0-9.]*\).*/\1/p' "$SMOKE/window.out")  # epoch seconds
  echo "window shown (offscreen, bundled sample) $(echo "$shown - $window_start" | bc) s after launch"
fi
if [ "$failures" -gt 0 ]; then echo "$failures smoke check(s) failed" >&2; exit 1; fi
echo "all smoke checks passed: $ROOT/dist/embedscope/embedscope"
