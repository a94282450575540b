#!/usr/bin/env bash
# Territory Planner: set up everything this machine needs, then run the app or the tests.
#
#   ./run.sh              set up, then open the app on the bundled demo project
#   ./run.sh app [FILE]   set up, then open the app (on FILE if given)
#   ./run.sh test         set up, then run every check and test (what CI runs)
#
# Setting up = Debian packages for Qt WebEngine (apt, needs root or sudo), a virtualenv in
# .venv and the pinned Python packages from pyproject.toml. Each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  # Qt WebEngine on a bare machine
  libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libegl1 libgl1 libgbm1
  libnss3 libnspr4 libasound2 libx11-6 libxcb1 libxext6 libxfixes3 libxdamage1 libxcomposite1
  libxrandr2 libxtst6 libxkbfile1 libxcb-dri3-0 libbrotli1 fonts-dejavu-core
  # a real window (also under Xvfb)
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0
  libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth
  # ogrinfo, to check project files independently of the app
  gdal-bin
  # LibreOffice (headless), to check that exported calendars open in a spreadsheet program
  libreoffice-calc-nogui
)

say() { printf '\033[1m[territory-planner]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to install Debian packages; run as root or install sudo"; exit 1; fi
}

ensure_debian_packages() {
  local missing=() pkg
  command -v dpkg-query >/dev/null || { say "not Debian/Ubuntu: install Qt WebEngine's libraries yourself"; return; }
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
  done
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then missing+=(python3-venv); fi
  [ ${#missing[@]} -eq 0 ] && return
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_virtualenv() {
  local stamp=.venv/.installed want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  [ -x .venv/bin/python ] || { say "creating .venv"; python3 -m venv .venv; }
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages (pinned in pyproject.toml)"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$want" >"$stamp"
  fi
}

ensure_display() {
  [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && return
  [ "${QT_QPA_PLATFORM:-}" = offscreen ] && return
  export DISPLAY=:99
  local pid
  pid=$(tr -d ' ' </tmp/.X99-lock 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    rm -f /tmp/.X99-lock /tmp/.X11-unix/X99
    Xvfb :99 -screen 0 1600x1000x24 -nolisten tcp >/tmp/territory-planner-xvfb.log 2>&1 &
    for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /tmp/.X11-unix/X99 ] && break; sleep 0.5; done
  fi
  say "no display found: the app runs on a virtual screen (Xvfb, DISPLAY=:99) that you cannot see."
  say "to see it, run this on a desktop; or view :99 with a VNC server (x11vnc -display :99);"
  say "or save a picture of the window with: scripts/screenshot window.png"
}

ensure_debian_packages
ensure_virtualenv

case "${1:-app}" in
  app)
    shift || true
    ensure_display
    if [ $# -gt 0 ]; then exec .venv/bin/python main.py "$@"; fi
    exec .venv/bin/python main.py --demo
    ;;
  test)
    shift
    export QT_QPA_PLATFORM=offscreen
    say "ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
    say "mypy"; .venv/bin/mypy
    say "import-linter"; .venv/bin/lint-imports
    say "pytest"; exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    say "usage: ./run.sh [app [FILE] | test [PYTEST-ARGS]]"; exit 2 ;;
esac
