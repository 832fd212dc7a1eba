#!/usr/bin/env bash
# Put the front end of the dashboard's page where Solara's asset proxy looks (<venv>/share/solara/cdn/), so the page
# works with no internet (classrooms with a locked-down network, CI). Solara otherwise fetches these files from a
# CDN at the first visit. The packages and versions are the ones solara 1.64.1 (pinned in pyproject.toml) asks for:
# its page template and widgets name them; change them together with the pin.
#   bash scripts/solara_assets.sh [VENV]      # default .venv
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
cache="$venv/share/solara/cdn"
packages=(
  "@widgetti/solara-vuetify-app@10.1.1"
  "requirejs@2.3.6"
  "font-awesome@4.5.0"
  "@widgetti/vue-grid-layout@2.3.13-alpha.2"
)
if ! command -v npm >/dev/null 2>&1; then
  echo "solara_assets: npm not found; passend dashboard will load its front end from Solara's CDN (needs internet)" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for package in "${packages[@]}"; do
  target="$cache/$package"
  [ -d "$target" ] && continue
  tarball=$(cd "$work" && npm pack --silent "$package" | tail -1)
  mkdir -p "$target"
  tar -xzf "$work/$tarball" -C "$target" --strip-components=1  # npm tarballs hold package/...
done
echo "solara_assets: the dashboard's front end is in $cache"
