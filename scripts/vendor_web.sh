#!/usr/bin/env bash
# Re-vendor the front-end assets from the npm registry (npm pack), with licences and manifests.
# Run by a developer when upgrading a version; the results are committed. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD/territory_planner/resources
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name@version  target-folder  files (globs, relative to the package root)
packages=(
  "leaflet@1.9.4|web/leaflet|dist/leaflet.js dist/leaflet.js.map dist/leaflet.css dist/images/*"
  "leaflet.markercluster@1.5.3|web/leaflet.markercluster|dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css"
  "leaflet-draw@1.0.4|web/leaflet-draw|dist/leaflet.draw.js dist/leaflet.draw.css dist/images/*"
  "@geoman-io/leaflet-geoman-free@2.20.2|web/leaflet-geoman|dist/leaflet-geoman.js dist/leaflet-geoman.css"
  "topojson-client@3.1.0|web/topojson-client|dist/topojson-client.min.js"
  "world-atlas@2.0.2|basemap/world-atlas|countries-50m.json countries-110m.json land-50m.json"
  "us-atlas@3.0.1|basemap/us-atlas|states-10m.json counties-10m.json nation-10m.json"
)

declare -A manifests
for entry in "${packages[@]}"; do
  IFS='|' read -r spec folder files <<<"$entry"
  name=${spec%@*}
  version=${spec##*@}
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tarball=$(ls "$work"/*.tgz)
  mkdir -p "$work/x" && tar -xzf "$tarball" -C "$work/x"
  pkg=$work/x/package
  dest=$root/$folder
  rm -rf "$dest" && mkdir -p "$dest"
  copied=()
  for pattern in $files; do
    for file in $pkg/$pattern; do
      [ -f "$file" ] || continue
      rel=${file#"$pkg"/dist/}
      rel=${rel#"$pkg"/}
      mkdir -p "$dest/$(dirname "$rel")"
      cp "$file" "$dest/$rel"
      copied+=("$rel")
    done
  done
  licence=$(ls "$pkg" | grep -iE '^licen[cs]e' | head -1 || true)
  if [ -n "$licence" ]; then
    cp "$pkg/$licence" "$dest/LICENSE"
  else
    node -e "const p=require('$pkg/package.json');console.log(p.name+' '+p.version+' is licensed '+p.license+' (package.json; no licence file in the package).')" >"$dest/LICENSE"
  fi
  copied+=("LICENSE")
  kind=${folder%%/*}
  info=$(node -e "
    const p=require('$pkg/package.json');
    console.log(JSON.stringify({version:p.version,license:p.license,homepage:p.homepage||'',
      tarball:'$(npm view "$spec" dist.tarball)',integrity:'$(npm view "$spec" dist.integrity)',
      folder:'${folder#*/}',files:process.argv.slice(1)}));" "${copied[@]}")
  manifests[$kind]+="\"$name\": $info,"
  rm -rf "$work/x" "$tarball"
done
for kind in web basemap; do
  body=${manifests[$kind]}
  node -e "console.log(JSON.stringify(JSON.parse(process.argv[1]),null,2))" "{${body%,}}" >"$root/$kind/manifest.json"
done
du -sh "$root"/web/* "$root"/basemap/*
