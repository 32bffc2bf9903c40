#!/usr/bin/env bash
# Makes the optional `kerberos` package importable by the specs. npm will not install a package
# that the project lists as its own optional peer dependency, so it is built in a folder of its
# own and linked into node_modules (package.json and the lock file stay untouched).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${KERBEROS_MODULE_DIR:-/tmp/got-arcgis-auth-kerberos}
if [ ! -f "$dir/node_modules/kerberos/build/Release/kerberos.node" ]; then
	mkdir -p "$dir"
	(cd "$dir" && [ -f package.json ] || echo '{"private":true,"allowScripts":{"kerberos":true}}' > package.json)
	(cd "$dir" && npm install --no-audit --no-fund --loglevel=error kerberos@7 >/dev/null)
fi
ln -sfn "$dir/node_modules/kerberos" "$root/node_modules/kerberos"
cd "$root" && node --input-type=module -e "await import('kerberos'); console.log('kerberos module: ready')"
