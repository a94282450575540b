#!/usr/bin/env bash
# Vendor the front-end assets and basemap data from the npm registry, reproducibly.
#
# For each pinned package below: `npm pack name@version` in a temp dir, check the
# tarball against the registry's dist.integrity, unpack it, and copy only the files
# listed (paths under dist/ lose the dist/ prefix, so dist/images/x.png lands in
# images/x.png next to the css) plus whatever the copied css files reference by a
# relative url(...), plus the package's licence file as LICENSE (or, if it ships
# none, a LICENSE note made from package.json's "license" field). Then it writes
# resources/web/manifest.json and resources/basemap/manifest.json and checks that
# every css url(...) resolves.
#
# Idempotent: each target folder is replaced whole; nothing else (e.g. web/tp,
# our own code) is touched. Run by a developer when changing a version; the
# results are committed. Not run by CI. Needs node and npm.
set -euo pipefail
export LC_ALL=C # stable glob order, so manifests are identical run to run

cd "$(dirname "$0")/.."
res=territory_planner/resources
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name@version | target folder (under resources/) | files (package-relative, globs allowed)
packages=(
  "leaflet@1.9.4|web/leaflet|dist/leaflet.js dist/leaflet.css dist/images/*"
  "leaflet.markercluster@1.5.3|web/leaflet.markercluster|dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css"
  "leaflet-draw@1.0.4|web/leaflet-draw|dist/leaflet.draw.js dist/leaflet.draw.css dist/images/*"
  "@geoman-io/leaflet-geoman-free@2.20.2|web/leaflet-geoman|dist/leaflet-geoman.min.js dist/leaflet-geoman.css"
  "topojson-client@3.1.0|web/topojson-client|dist/topojson-client.min.js"
  "world-atlas@2.0.2|basemap/world-atlas|countries-50m.json countries-110m.json land-50m.json"
  "us-atlas@3.0.1|basemap/us-atlas|states-10m.json counties-10m.json nation-10m.json"
)

# Prints the relative url(...) targets of css file $1, one a line, skipping data:
# urls (quoted ones may contain parentheses), #fragments and absolute urls; with
# $2 = remote, prints instead the absolute http(s) or protocol-relative ones.
css_urls() {
  node -e '
    const remote = process.argv[2] === "remote";
    const css = require("fs").readFileSync(process.argv[1], "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const re = /url\(\s*(?:"([^"]*)"|\x27([^\x27]*)\x27|([^)]*?))\s*\)/g;
    for (const m of css.matchAll(re)) {
      const u = (m[1] ?? m[2] ?? m[3] ?? "").trim();
      if (remote) { if (/^(https?:)?\/\//i.test(u)) console.log(u); continue; }
      if (!u || /^(data:|#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(u)) continue;
      console.log(decodeURI(u.split(/[?#]/)[0]));
    }' "$1" "${2:-}"
}

# Copies package-relative path $1 from $pkg into $dest, less a leading dist/;
# records it in copied (dest-relative) and sources (package-relative).
copy() {
  local rel=${1#dist/}
  mkdir -p "$dest/$(dirname "$rel")"
  install -m 0644 "$pkg/$1" "$dest/$rel"
  copied+=("$rel")
  sources+=("$1")
}

records=$work/records.jsonl
: >"$records"
for entry in "${packages[@]}"; do
  IFS='|' read -r spec folder files <<<"$entry"
  echo "== $spec -> $res/$folder" >&2

  pack=$work/pack && rm -rf "$pack" && mkdir -p "$pack"
  tgz=$(cd "$pack" && npm pack --silent "$spec" | tail -n 1)
  dist=$(npm view "$spec" dist --json)
  tarball_url=$(node -e 'console.log(JSON.parse(process.argv[1]).tarball)' "$dist")
  integrity=$(node -e 'console.log(JSON.parse(process.argv[1]).integrity)' "$dist")
  actual="sha512-$(openssl dgst -sha512 -binary "$pack/$tgz" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "integrity mismatch for $spec: $actual != $integrity" >&2
    exit 1
  fi
  tar -xzf "$pack/$tgz" -C "$pack"
  pkg=$pack/package

  dest=$res/$folder
  rm -rf "$dest" && mkdir -p "$dest"
  copied=() sources=()
  for pattern in $files; do
    matched=0
    for file in "$pkg"/$pattern; do
      [ -f "$file" ] || continue
      copy "${file#"$pkg"/}"
      matched=1
    done
    [ "$matched" = 1 ] || { echo "$spec: nothing matches $pattern" >&2; exit 1; }
  done

  # Assets the copied css files reference by a relative url, if not copied already.
  n=${#copied[@]}
  for ((i = 0; i < n; i++)); do
    rel=${copied[i]}
    [[ $rel == *.css ]] || continue
    src_dir=$(dirname "$pkg/${sources[i]}")
    while IFS= read -r url; do
      [ -e "$dest/$(dirname "$rel")/$url" ] && continue
      asset=$(realpath -ms "$src_dir/$url")
      [ -f "$asset" ] || { echo "$spec: $rel references missing $url" >&2; exit 1; }
      copy "${asset#"$pkg"/}"
    done < <(css_urls "$dest/$rel")
  done

  licence=$(find "$pkg" -maxdepth 1 -type f -iname '*licen[cs]e*' | sort | head -n 1)
  if [ -n "$licence" ]; then
    install -m 0644 "$licence" "$dest/LICENSE"
  else
    node -e '
      const p = require(process.argv[1]);
      console.log(`${p.name} ${p.version} ships no licence file. Its package.json declares:\n\n  "license": ${JSON.stringify(p.license)}\n\nSee the upstream repository for the full text.`);
    ' "$pkg/package.json" >"$dest/LICENSE"
  fi
  copied+=("LICENSE")

  node -e '
    const [pkgJson, kind, folder, tarball, integrity, ...files] = process.argv.slice(1);
    const p = require(pkgJson);
    let repo = typeof p.repository === "string" ? p.repository : (p.repository || {}).url || "";
    repo = repo.replace(/^git\+/, "").replace(/^git:\/\//, "https://").replace(/\.git$/, "");
    console.log(JSON.stringify({kind, name: p.name, info: {
      version: p.version, license: p.license, tarball, integrity,
      homepage: p.homepage || repo, folder, files}}));
  ' "$pkg/package.json" "${folder%%/*}" "${folder#*/}" "$tarball_url" "$integrity" "${copied[@]}" >>"$records"
done

for kind in web basemap; do
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
    const out = {};
    for (const r of lines) if (r.kind === process.argv[2]) out[r.name] = r.info;
    console.log(JSON.stringify(out, null, 2));
  ' "$records" "$kind" >"$res/$kind/manifest.json"
done

# Check: every relative css url(...) in the vendored folders resolves to a file,
# and none points at the network.
bad=0
for entry in "${packages[@]}"; do
  IFS='|' read -r _ folder _ <<<"$entry"
  while IFS= read -r css; do
    while IFS= read -r url; do
      if [ ! -f "$(dirname "$css")/$url" ]; then
        echo "UNRESOLVED: $css -> url($url)" >&2
        bad=1
      fi
    done < <(css_urls "$css")
    while IFS= read -r url; do
      echo "REMOTE: $css -> url($url)" >&2
      bad=1
    done < <(css_urls "$css" remote)
  done < <(find "$res/$folder" -name '*.css' | sort)
done
[ "$bad" = 0 ] || exit 1
echo "all css url(...) references resolve locally" >&2

for entry in "${packages[@]}"; do
  IFS='|' read -r _ folder _ <<<"$entry"
  du -sh "$res/$folder"
done
