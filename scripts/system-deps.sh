#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when they are missing. With arguments, only those
# (`make run` asks for npm alone: the A1 issuance page's PKI.js bundle is built with it).
set -euo pipefail

if [ $# -gt 0 ]; then wanted=("$@"); else wanted=(openssl softhsm2 chromium npm pgbouncer haproxy wrk); fi
missing=()
for pkg in "${wanted[@]}"; do
  if [ "$pkg" = npm ]; then
    # npm installs PKI.js and axe-core (package.json); any Node.js with npm will do, else Debian's.
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    continue
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
