#!/bin/sh
# Put Territory Planner in your applications menu (for you only; no administrator needed).
# Run it again after moving this folder; remove with: rm ~/.local/share/applications/territory-planner.desktop
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
mkdir -p "$apps"
quoted=$(printf '%s' "$here" | sed 's/[&|\\]/\\&/g')  # as a sed replacement: & | \ escaped
sed -e "s|^Exec=.*|Exec=\"$quoted/territory-planner-gui\" %f|" \
    -e "s|^Icon=.*|Icon=$quoted/territory-planner.png|" \
    "$here/territory-planner.desktop" >"$apps/territory-planner.desktop"
chmod 644 "$apps/territory-planner.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" 2>/dev/null || true
echo "Territory Planner is now in your applications menu."
