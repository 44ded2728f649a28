#!/usr/bin/env bash
# `npm run demo`: sets the machine up (bootstrap: Debian packages, code-server, npm ci, build),
# builds the sample program, packs the extension (npm run package) and starts code-server — VS
# Code in the browser — with the extension installed and the sample workspace open. Prints the
# URL to open; runs until Ctrl-C.
#   PORT=8080 (a free one if taken)   PROBE_LENS_DEMO_BIND=127.0.0.1 (0.0.0.0 to reach it from
#   other hosts: no password is asked, so only on a trusted network; else forward the port).
#   PROBE_LENS_DEMO_DIR=out/demo (the profile: settings, the installed extension; made afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
make -s -C sample
vsix="$(bash scripts/package.sh | tail -1 | sed 's/.*packed: //')"

cs_dir="${PROBE_LENS_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/probe-lens/code-server}"
code_server="$cs_dir/node_modules/.bin/code-server"
data="${PROBE_LENS_DEMO_DIR:-$PWD/out/demo}"
bind="${PROBE_LENS_DEMO_BIND:-127.0.0.1}"
port="${PORT:-8080}"
if ! node -e 'const s=require("net").createServer().once("error",()=>process.exit(1)).listen(+process.argv[1],process.argv[2],()=>s.close())' "$port" "$bind"; then
  port="$(node -e 'const s=require("net").createServer().listen(0,process.argv[1],()=>{console.log(s.address().port);s.close()})' "$bind")"
fi

# A fresh profile each time, with the packed extension installed in it.
rm -rf "$data"
mkdir -p "$data/User"
cat > "$data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "git.openRepositoryInParentFolders": "never"
}
JSON
printf 'auth: none\ncert: false\n' > "$data/config.yaml"
"$code_server" --config "$data/config.yaml" --user-data-dir "$data" --extensions-dir "$data/extensions" \
  --install-extension "$vsix" --force >/dev/null

url="http://$bind:$port/?folder=$PWD/sample"
[ "$bind" = 0.0.0.0 ] && url="http://$(hostname -f 2>/dev/null || hostname):$port/?folder=$PWD/sample"
cat <<MSG

Probe Lens is running in VS Code (code-server $(node -p 'require(process.argv[1]).version' "$cs_dir/node_modules/code-server/package.json")), with the sample workspace.
Open:  $url
       (from another machine: ssh -L $port:127.0.0.1:$port THIS-HOST, then the same URL)
Then: open orders.c, right-click price_order → Probe This Function, and run
"Probe Lens: Run with Probes" from the command palette (F1). Ctrl-C here ends it.

MSG
exec "$code_server" --config "$data/config.yaml" --bind-addr "$bind:$port" --user-data-dir "$data" \
  --extensions-dir "$data/extensions" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --ignore-last-opened \
  "$PWD/sample"
