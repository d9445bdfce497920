#!/usr/bin/env bash
# Put Embedscope in the desktop's application menu: the .desktop entry, the AppStream
# metainfo and the hicolor icons, for this user (~/.local/share) or under PREFIX/share.
#
#   bash packaging/linux/install-desktop.sh                          # `embedscope` on PATH (pip/pipx)
#   bash packaging/linux/install-desktop.sh --exec /opt/embedscope/embedscope   # the frozen app
#   bash packaging/linux/install-desktop.sh --prefix /usr/local      # system-wide (as root)
#   bash packaging/linux/install-desktop.sh --uninstall
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ICONS="$HERE/../../resources/icons"
APP_ID="io.github.embedscope.Embedscope"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
EXEC=""
UNINSTALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --exec) EXEC="$2"; shift 2 ;;
    --prefix) DATA="$2/share"; shift 2 ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-desktop.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

SIZES="16 24 32 48 64 128 256 512"
if [ "$UNINSTALL" = 1 ]; then
  rm -f "$DATA/applications/$APP_ID.desktop" "$DATA/metainfo/$APP_ID.metainfo.xml" \
        "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
  for s in $SIZES; do rm -f "$DATA/icons/hicolor/${s}x${s}/apps/$APP_ID.png"; done
  echo "removed Embedscope's menu entry from $DATA"
  exit 0
fi

if [ -n "$EXEC" ]; then
  [ -x "$EXEC" ] || { echo "install-desktop.sh: $EXEC is not an executable" >&2; exit 2; }
  EXEC="$(cd "$(dirname "$EXEC")" && pwd)/$(basename "$EXEC")"
elif ! command -v embedscope >/dev/null; then
  echo "install-desktop.sh: 'embedscope' is not on PATH; install it (pip install .) or pass --exec" >&2
  exit 2
fi

mkdir -p "$DATA/applications" "$DATA/metainfo" "$DATA/icons/hicolor/scalable/apps"
install -m 644 "$ICONS/embedscope.svg" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
for s in $SIZES; do
  mkdir -p "$DATA/icons/hicolor/${s}x${s}/apps"
  install -m 644 "$ICONS/embedscope-$s.png" "$DATA/icons/hicolor/${s}x${s}/apps/$APP_ID.png"
done
install -m 644 "$HERE/$APP_ID.metainfo.xml" "$DATA/metainfo/$APP_ID.metainfo.xml"
if [ -n "$EXEC" ]; then
  # The frozen app is not on PATH: point Exec and TryExec at it (quoted for spaces).
  sed -e "s|^Exec=embedscope |Exec=\"$EXEC\" |" -e "s|^TryExec=embedscope$|TryExec=$EXEC|" \
    "$HERE/$APP_ID.desktop" > "$DATA/applications/$APP_ID.desktop"
  chmod 644 "$DATA/applications/$APP_ID.desktop"
else
  install -m 644 "$HERE/$APP_ID.desktop" "$DATA/applications/$APP_ID.desktop"
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
echo "installed Embedscope's menu entry, metainfo and icons under $DATA"
