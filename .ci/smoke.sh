#!/usr/bin/env bash
# Smoke-runs the CLI as a user would: doctor on a good and a placeholder config, then `gatehouse dev`.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")
secret=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")
cat > "$work/good.yaml" <<YAML
issuer: https://gatehouse.example.com
secret: $secret
encryptionKeys:
  - id: k1
    key: $key
YAML
cat > "$work/placeholder.yaml" <<YAML
issuer: https://gatehouse.example.com
secret: changeme
encryptionKeys:
  - id: k1
    key: PLACEHOLDER
YAML
node bin/gatehouse.js doctor --config "$work/good.yaml"
if node bin/gatehouse.js doctor --config "$work/placeholder.yaml"; then
  echo "doctor accepted a placeholder config" >&2
  exit 1
fi
echo "doctor refused the placeholder config, as it must"

port=18787
if node -e "fetch('http://127.0.0.1:$port/healthz').then(() => process.exit(0), () => process.exit(1))"; then
  echo "port $port is already answering; refusing to smoke-test against a stray server" >&2
  exit 1
fi
# exec: the background job's pid is node's own, so the kill below stops the server (not just a subshell).
(cd "$work" && GATEHOUSE_PORT=$port exec node "$OLDPWD/bin/gatehouse.js" dev > "$work/dev.log" 2>&1) &
dev_pid=$!
ready=""
for _ in $(seq 1 100); do
  if node -e "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$port/readyz"; then ready=yes; break; fi
  sleep 0.1
done
# The two demo endpoints: /mcp wants a Gatehouse token; /byok takes any demo_… key and lists the tools.
endpoints=fail
if [ -n "$ready" ] && node -e "
  const base = process.argv[1];
  const list = (path, auth) => fetch(base + path, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });
  (async () => {
    const mcp = await list('/mcp', {});
    const byok = await list('/byok', { authorization: 'Bearer demo_smoke' });
    const tools = await byok.text();
    if (mcp.status !== 401 || !tools.includes('\"name\":\"notes.add\"')) throw new Error('mcp ' + mcp.status + ', byok ' + tools);
  })().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
" "http://127.0.0.1:$port"; then endpoints=ok; fi
# `gatehouse client` through the whole flow (discovery, DCR, PKCE, loopback callback), the person at the
# browser played by test/support/page-browser.ts (dev login + Approve), then the playground's CIMD document.
client=fail
if [ -n "$ready" ] \
  && BROWSER="node --import tsx $PWD/test/support/page-browser.ts" GATEHOUSE_CLIENT_STATE="$work/client.json" \
     node bin/gatehouse.js client "http://127.0.0.1:$port/mcp" call echo --args '{"text":"smoke"}' > "$work/client.out" 2> "$work/client.err" \
  && grep -qx smoke "$work/client.out" \
  && node -e "fetch(process.argv[1]).then((r) => r.json()).then((d) => process.exit(d.client_id === process.argv[1] ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$port/.well-known/oauth-client/playground.json"; then
  client=ok
fi
kill "$dev_pid" 2>/dev/null || true
wait "$dev_pid" 2>/dev/null || true
if [ -z "$ready" ]; then
  echo "gatehouse dev did not answer /readyz within 10 s" >&2
  cat "$work/dev.log" >&2
  exit 1
fi
echo "gatehouse dev answered /readyz"
if [ "$endpoints" != ok ]; then
  echo "gatehouse dev's /mcp and /byok endpoints did not answer as expected" >&2
  cat "$work/dev.log" >&2
  exit 1
fi
echo "gatehouse dev serves /mcp (401 without a token) and /byok (tools with a demo key)"
if [ "$client" != ok ]; then
  echo "gatehouse client could not call echo on gatehouse dev (or the playground document is missing)" >&2
  cat "$work/client.err" "$work/dev.log" >&2
  exit 1
fi
echo "gatehouse client signed in to gatehouse dev and called echo; the playground document is served"
