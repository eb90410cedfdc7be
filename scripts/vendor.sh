#!/usr/bin/env bash
# Vendor third-party browser files into static/vendor/ from the npm registry, pinned.
# Only tests load them (axe-core checks pages for accessibility problems); nothing is
# served to people from a CDN. Run again after changing a pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "axe-core@${AXE_VERSION}" >/dev/null)
tar -xzf "$work"/axe-core-"${AXE_VERSION}".tgz -C "$work"

target=static/vendor/axe-core
rm -rf "$target"
mkdir -p "$target"
cp "$work/package/axe.min.js" "$target/axe.min.js"
cp "$work/package/LICENSE" "$target/LICENSE"
printf 'axe-core %s (npm registry), MPL-2.0: see LICENSE.\n' "$AXE_VERSION" >"$target/VERSION"
echo "Vendored axe-core ${AXE_VERSION} into ${target}/"
