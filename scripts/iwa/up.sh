#!/usr/bin/env bash
# Brings up a throwaway IWA environment on 127.0.0.1: an MIT Kerberos KDC and Apache with
# mod_auth_gssapi (Kerberos via SPNEGO, NTLM via gss-ntlmssp), standing in for IIS with Integrated
# Windows Authentication in front of ArcGIS, and a proxy in front of Apache that adds latency
# (delay-proxy.mjs). Everything lives in $IWA_DIR (default $PWD/.iwa); down.sh stops exactly what
# this started, by PID. Writes $IWA_DIR/env for a test runner to source.
# Running it again stops the previous instance (same IWA_DIR) and recreates the realm from scratch.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
IWA_DIR=${IWA_DIR:-$PWD/.iwa}
HTTP_PORT=${IWA_HTTP_PORT:-18080}
KDC_PORT=${IWA_KDC_PORT:-18088}
# The delay proxy's port, and its delay per direction in milliseconds (delay-proxy.mjs).
DELAY_PORT=${IWA_DELAY_PORT:-18081}
DELAY_MS=${IWA_DELAY_MS:-5}
REALM=EXAMPLE.TEST
DOMAIN=EXAMPLE
HOST=arcgis.example.test
# Gets no principal: a client that reaches the site as http://127.0.0.1:PORT asks for HTTP/127.0.0.1,
# which the KDC does not know (a site reached by IP address or an alias). Checked below.
UNKNOWN_SPN_HOST=127.0.0.1
USER_NAME=alice
USER_PASSWORD=alice-pass-1
# Marks a directory as ours, so that a mistyped IWA_DIR is never wiped.
MARKER=.got-arcgis-auth-iwa

log() { echo "iwa: $*"; }
die() { echo "iwa: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, runs Apache as www-data)"
# These are the only ports anything here listens on (krb5kdc serves no kpasswd or kadmin port;
# kadmind is never started), so distinct values let several environments run side by side.
for setting in "IWA_HTTP_PORT=$HTTP_PORT" "IWA_KDC_PORT=$KDC_PORT" "IWA_DELAY_PORT=$DELAY_PORT"; do
	value=${setting#*=}
	if ! [[ $value =~ ^[1-9][0-9]*$ ]] || [ "$value" -gt 65535 ]; then
		die "$setting is not a port number"
	fi
done
if [ "$HTTP_PORT" = "$KDC_PORT" ] || [ "$HTTP_PORT" = "$DELAY_PORT" ] || [ "$KDC_PORT" = "$DELAY_PORT" ]; then
	die "IWA_HTTP_PORT, IWA_KDC_PORT and IWA_DELAY_PORT must differ ($HTTP_PORT, $KDC_PORT, $DELAY_PORT)"
fi
[[ $DELAY_MS =~ ^[0-9]+$ ]] || die "IWA_DELAY_MS=$DELAY_MS is not a whole number of milliseconds"
command -v node >/dev/null || die "node is not on PATH (the delay proxy is a Node program)"

# --- packages ---------------------------------------------------------------------------------
packages=(krb5-kdc krb5-admin-server krb5-user libkrb5-dev apache2 libapache2-mod-auth-gssapi gss-ntlmssp)
missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- state directory --------------------------------------------------------------------------
if [ -d "$IWA_DIR" ] && [ -n "$(ls -A "$IWA_DIR")" ] && [ ! -f "$IWA_DIR/$MARKER" ]; then
	die "$IWA_DIR exists, is not empty and was not made by up.sh: refusing to wipe it (set IWA_DIR)"
fi
# A previous instance in the same directory holds the ports: stop it (by its recorded PIDs).
if [ -d "$IWA_DIR" ]; then
	IWA_DIR=$IWA_DIR "$here/down.sh" >/dev/null
fi
rm -rf "$IWA_DIR"
mkdir -p "$IWA_DIR"
IWA_DIR=$(cd "$IWA_DIR" && pwd)
touch "$IWA_DIR/$MARKER"
mkdir -p "$IWA_DIR/run" "$IWA_DIR/rcache" "$IWA_DIR/www"
# Apache's workers run as www-data: they read the keytab and user file and write the replay cache.
chmod 755 "$IWA_DIR"
chown www-data:www-data "$IWA_DIR/rcache"

# Something else (another IWA_DIR, a stray server) on our ports would make the checks below lie.
for port in "$KDC_PORT" "$HTTP_PORT" "$DELAY_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "127.0.0.1:$port is already in use (another instance with a different IWA_DIR?)"
	fi
done

# --- Kerberos realm ---------------------------------------------------------------------------
cat >"$IWA_DIR/krb5.conf" <<CONF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	# Without these two, canonicalisation (reverse DNS, /etc/hosts aliases) can make the client ask
	# for a ticket to HTTP/localhost instead of HTTP/$HOST.
	rdns = false
	dns_canonicalize_hostname = false
	# TCP only: one transport to reason about, and no UDP truncation retries.
	udp_preference_limit = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1:$KDC_PORT
	}
[domain_realm]
	.example.test = $REALM
	example.test = $REALM
	localhost = $REALM
[logging]
	kdc = FILE:$IWA_DIR/kdc.log
CONF

cat >"$IWA_DIR/kdc.conf" <<CONF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$KDC_PORT
	kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
	$REALM = {
		database_name = $IWA_DIR/principal
		key_stash_file = $IWA_DIR/stash
		acl_file = $IWA_DIR/kadm5.acl
	}
CONF
: >"$IWA_DIR/kadm5.acl"

export KRB5_CONFIG=$IWA_DIR/krb5.conf
export KRB5_KDC_PROFILE=$IWA_DIR/kdc.conf
export KRB5CCNAME=FILE:$IWA_DIR/ccache

# The master key only protects a database that is deleted with the directory.
kdb5_util create -s -r "$REALM" -P "iwa-master-$RANDOM$RANDOM" >/dev/null
admin() {
	# kadmin.local warns on stderr for each principal without a policy: show output only on failure.
	local output
	output=$(kadmin.local -r "$REALM" -q "$1" 2>&1) || { echo "$output" >&2; die "kadmin.local failed: $1"; }
}
admin "addprinc -pw $USER_PASSWORD $USER_NAME"
admin "addprinc -randkey HTTP/$HOST"
admin "addprinc -randkey HTTP/localhost"
admin "ktadd -k $IWA_DIR/http.keytab HTTP/$HOST HTTP/localhost"
# -norandkey keeps alice's password valid alongside the keytab.
admin "ktadd -norandkey -k $IWA_DIR/alice.keytab $USER_NAME"
chown root:www-data "$IWA_DIR/http.keytab"
chmod 640 "$IWA_DIR/http.keytab"

# setsid: each daemon leads its own process group, so down.sh can check that nothing of it is left
# (and a Ctrl-C aimed at the caller does not kill it behind down.sh's back).
setsid krb5kdc -n -r "$REALM" >"$IWA_DIR/kdc.out" 2>&1 </dev/null &
echo $! >"$IWA_DIR/krb5kdc.pid"

# --- NTLM users (gss-ntlmssp) -----------------------------------------------------------------
# DOMAIN:user:password. The empty-domain line matches a user sent without a domain (e.g. a whole
# "alice@example.test" string); the realm line matches the DNS form of the domain.
{
	echo "$DOMAIN:$USER_NAME:$USER_PASSWORD"
	echo "$REALM:$USER_NAME:$USER_PASSWORD"
	echo ":$USER_NAME:$USER_PASSWORD"
} >"$IWA_DIR/ntlm-users"
chown root:www-data "$IWA_DIR/ntlm-users"
chmod 640 "$IWA_DIR/ntlm-users"

# --- ArcGIS-shaped documents ------------------------------------------------------------------
# One tree per prefix: the portal's info names its own prefix in its URLs.
site=$IWA_DIR/www
for prefix in kerberos kerberos-bound ntlm anon; do
	root=$site/$prefix
	mkdir -p "$root/arcgis/rest" "$root/portal/sharing/rest/portals"
	echo '{"currentVersion":11.3,"fullVersion":"11.3.0","authInfo":{"isTokenBasedSecurity":false}}' >"$root/arcgis/rest/info"
	echo '{"currentVersion":11.3,"folders":["Admin"],"services":[{"name":"SampleWorldCities","type":"MapServer"}]}' >"$root/arcgis/rest/services"
	portal=http://$HOST:$HTTP_PORT/$prefix/portal
	echo "{\"owningSystemUrl\":\"$portal\",\"authInfo\":{\"tokenServicesUrl\":\"$portal/sharing/rest/generateToken\",\"isTokenBasedSecurity\":true}}" >"$root/portal/sharing/rest/info"
	echo "{\"id\":\"0123456789ABCDEF\",\"name\":\"IWA Portal\",\"allSSL\":false,\"user\":{\"username\":\"$USER_NAME@$REALM\"}}" >"$root/portal/sharing/rest/portals/self"
	# .../sharing/rest is also a directory: its document is served through an AliasMatch below.
	echo '{"currentVersion":"11.3"}' >"$root/portal/sharing/rest-root"
done

# --- Apache -----------------------------------------------------------------------------------
modules=/usr/lib/apache2/modules
gssapi_common="GssapiBasicAuth Off
	GssapiLocalName Off
	Require valid-user
	# Who was authenticated, for the tests. Not %{GSS_NAME}e: on a reused NTLM connection
	# mod_auth_gssapi 1.6.4 fills it with garbage and answers 500 after a few requests.
	Header always set X-Remote-User \"expr=%{REMOTE_USER}\""
cat >"$IWA_DIR/apache.conf" <<CONF
ServerRoot $IWA_DIR
ServerName $HOST
Listen 127.0.0.1:$HTTP_PORT
PidFile $IWA_DIR/run/httpd.pid
DefaultRuntimeDir $IWA_DIR/run
Mutex file:$IWA_DIR/run default
User www-data
Group www-data
ErrorLog $IWA_DIR/apache-error.log
LogLevel warn

# log_config and unixd are compiled into Debian's apache2.
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule auth_gssapi_module $modules/mod_auth_gssapi.so
LoadModule headers_module $modules/mod_headers.so
LoadModule mime_module $modules/mod_mime.so
LoadModule alias_module $modules/mod_alias.so

# IIS keeps an authenticated connection open indefinitely; Apache's default of 100 requests per
# connection would force a fresh NTLM handshake every 100 requests and skew reuse counts.
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 120
# A fixed set of processes and threads. With the defaults the event MPM starts children under load
# and stops them again once idle (MaxSpareThreads), and a stopping child closes its keep-alive
# connections: authenticated NTLM connections vanish, and a client that reuses one just as it
# closes sees "socket hang up" (64 requests at once through the delay proxy did). IIS does not do
# that. 128 workers: enough for every connection the specs and the bench have busy at once.
StartServers 2
ServerLimit 2
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 128
MinSpareThreads 1
MaxSpareThreads 128
MaxConnectionsPerChild 0

# client port, requests so far on the connection (%k), status, method, path, authenticated user,
# time taken in microseconds (%D): lets a test count 401s and handshakes per TCP connection and see
# what the server spent. Space-separated, parsed by spec/integration/iwa-env.ts (readAccessLog).
LogFormat "%{remote}p %k %>s %m %U \"%{X-Remote-User}o\" %D" iwa
CustomLog $IWA_DIR/access.log iwa

TypesConfig /dev/null
DocumentRoot $site
<Directory />
	Require all denied
	AllowOverride None
</Directory>
<Directory $site>
	Require all granted
	# The ArcGIS paths have no extension.
	ForceType application/json
</Directory>
AliasMatch "^/(kerberos|kerberos-bound|ntlm|anon)/portal/sharing/rest/?\$" "$site/\$1/portal/sharing/rest-root"

# <Location /kerberos> does not cover /kerberos-bound: Apache matches whole path segments.
<Location /kerberos>
	AuthType GSSAPI
	AuthName "Kerberos"
	GssapiCredStore keytab:$IWA_DIR/http.keytab
	GssapiAllowedMech krb5
	# Per request: every request needs its own Authorization header, even on a connection that
	# has already authenticated.
	GssapiConnectionBound Off
	$gssapi_common
</Location>

<Location /kerberos-bound>
	AuthType GSSAPI
	AuthName "Kerberos"
	GssapiCredStore keytab:$IWA_DIR/http.keytab
	GssapiAllowedMech krb5
	# The authentication lasts as long as the TCP connection: later requests on it need no header,
	# as on IIS with Kerberos (authPersistNonNTLM, its default).
	GssapiConnectionBound On
	$gssapi_common
</Location>

<Location /ntlm>
	AuthType GSSAPI
	AuthName "NTLM"
	# No GssapiCredStore: with a keytab store every NTLM login fails ("Not a server credential
	# type"); gss-ntlmssp needs no key, it checks passwords against NTLM_USER_FILE.
	GssapiAllowedMech ntlmssp
	# The NTLM context lives on the TCP connection, as on IIS.
	GssapiConnectionBound On
	# mod_auth_gssapi itself answers 401 with two WWW-Authenticate headers here, Negotiate and
	# NTLM, as IIS does: no Header directive is needed for that.
	$gssapi_common
</Location>
CONF

# The server gets its own Kerberos environment (no client ticket cache); NETBIOS_DOMAIN_NAME stays
# unset: set to anything but WORKGROUP, gss-ntlmssp silently accepts NTLMv1.
setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
	KRB5_CONFIG="$IWA_DIR/krb5.conf" KRB5_KTNAME="FILE:$IWA_DIR/http.keytab" KRB5RCACHEDIR="$IWA_DIR/rcache" \
	NTLM_USER_FILE="$IWA_DIR/ntlm-users" \
	apache2 -f "$IWA_DIR/apache.conf" -DFOREGROUND >"$IWA_DIR/apache.out" 2>&1 </dev/null &
echo $! >"$IWA_DIR/apache.pid"

# --- delay proxy ------------------------------------------------------------------------------
# One connection to Apache per client connection, every chunk delayed by DELAY_MS each way.
setsid env -i PATH="$PATH" IWA_DELAY_PORT="$DELAY_PORT" IWA_HTTP_PORT="$HTTP_PORT" IWA_DELAY_MS="$DELAY_MS" \
	IWA_DELAY_LOG="$IWA_DIR/delay-proxy.log" \
	node "$here/delay-proxy.mjs" >"$IWA_DIR/delay-proxy.out" 2>&1 </dev/null &
echo $! >"$IWA_DIR/delay-proxy.pid"

# --- wait until both answer -------------------------------------------------------------------
failed() {
	echo "iwa: $1" >&2
	for file in kdc.out kdc.log apache.out apache-error.log delay-proxy.out; do
		[ -s "$IWA_DIR/$file" ] && { echo "--- $IWA_DIR/$file" >&2; tail -n 20 "$IWA_DIR/$file" >&2; }
	done
	IWA_DIR=$IWA_DIR "$here/down.sh" >/dev/null 2>&1 || true
	exit 1
}
trap 'failed "up.sh failed (line $LINENO)"' ERR

kdc_pid=$(cat "$IWA_DIR/krb5kdc.pid")
apache_pid=$(cat "$IWA_DIR/apache.pid")
proxy_pid=$(cat "$IWA_DIR/delay-proxy.pid")
deadline=$((SECONDS + 20))
kdc_up='' apache_up='' proxy_up=''
while [ -z "$kdc_up" ] || [ -z "$apache_up" ] || [ -z "$proxy_up" ]; do
	kill -0 "$kdc_pid" 2>/dev/null || failed "krb5kdc exited"
	kill -0 "$apache_pid" 2>/dev/null || failed "apache2 exited"
	kill -0 "$proxy_pid" 2>/dev/null || failed "the delay proxy exited"
	# A real AS exchange, not just an open port: kinit reads the password from the pipe.
	[ -n "$kdc_up" ] || { echo "$USER_PASSWORD" | kinit "$USER_NAME@$REALM" >/dev/null 2>&1 && kdc_up=1; } || true
	[ -n "$apache_up" ] || { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/anon/arcgis/rest/info")" = 200 ] && apache_up=1; } || true
	[ -n "$proxy_up" ] || { [ -n "$apache_up" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DELAY_PORT/anon/arcgis/rest/info")" = 200 ] && proxy_up=1; } || true
	[ -n "$kdc_up" ] && [ -n "$apache_up" ] && [ -n "$proxy_up" ] && break
	[ "$SECONDS" -lt "$deadline" ] || failed "not up within 20 s (KDC: ${kdc_up:-no}, Apache: ${apache_up:-no}, delay proxy: ${proxy_up:-no})"
	sleep 0.1
done
# The specs need a ticket cache (a domain user's normal state) and a KDC that refuses the address's
# SPN: a real TGS exchange for each, so that the unknown-SPN specs test what they claim.
klist -s || failed "no ticket in $IWA_DIR/ccache after kinit"
unknown_spn=$(kvno "HTTP/$UNKNOWN_SPN_HOST@$REALM" 2>&1) && failed "the KDC knows HTTP/$UNKNOWN_SPN_HOST: the unknown-SPN case would not be tested"
grep -q 'not found in Kerberos database' <<<"$unknown_spn" || failed "kvno HTTP/$UNKNOWN_SPN_HOST failed for another reason than an unknown SPN: $unknown_spn"
# Catches a directory on a path www-data cannot traverse (e.g. IWA_DIR under /root).
runuser -u www-data -- test -r "$IWA_DIR/http.keytab" || failed "www-data cannot read $IWA_DIR/http.keytab (IWA_DIR under a private directory?)"

# Kerberos on one keep-alive connection, twice: the first request with a token, the second (after
# --next, which drops --negotiate) without. /kerberos-bound must let the second through, /kerberos
# must not. curl prints both statuses and the user of each.
resolve=(--resolve "$HOST:$HTTP_PORT:127.0.0.1" --resolve "$HOST:$DELAY_PORT:127.0.0.1")
twice() {
	local url=$1 format='%{http_code} %header{x-remote-user} %{num_connects}\n'
	# tr -d: curl 7.88 prints an empty header's value as a lone CR.
	curl -s -o /dev/null -w "$format" --negotiate -u : "${resolve[@]}" "$url" \
		--next -s -o /dev/null -w "$format" "${resolve[@]}" "$url" | tr -d '\r' | tr '\n' ' '
}
bound=$(twice "http://$HOST:$HTTP_PORT/kerberos-bound/arcgis/rest/info")
[ "$bound" = "200 $USER_NAME@$REALM 1 200 $USER_NAME@$REALM 0 " ] ||
	failed "/kerberos-bound: expected 200 with a token, then 200 without one on the same connection; got: $bound"
per_request=$(twice "http://$HOST:$HTTP_PORT/kerberos/arcgis/rest/info")
[ "$per_request" = "200 $USER_NAME@$REALM 1 401  0 " ] ||
	failed "/kerberos: expected 200 with a token, then 401 without one on the same connection; got: $per_request"
# Through the delay proxy: the SPN is HTTP/$HOST whatever the port, so Kerberos works there too.
proxied=$(twice "http://$HOST:$DELAY_PORT/kerberos-bound/arcgis/rest/info")
[ "$proxied" = "200 $USER_NAME@$REALM 1 200 $USER_NAME@$REALM 0 " ] ||
	failed "/kerberos-bound through the delay proxy: expected 200 twice on one connection; got: $proxied"
trap - ERR

# --- environment for the test runner ----------------------------------------------------------
{
	printf 'export %s=%q\n' \
		KRB5_CONFIG "$IWA_DIR/krb5.conf" \
		KRB5CCNAME "FILE:$IWA_DIR/ccache" \
		KRB5_CLIENT_KTNAME "FILE:$IWA_DIR/alice.keytab" \
		IWA_DIR "$IWA_DIR" \
		IWA_BASE_URL "http://$HOST:$HTTP_PORT" \
		IWA_UNKNOWN_SPN_BASE_URL "http://$UNKNOWN_SPN_HOST:$HTTP_PORT" \
		IWA_HOST "$HOST" \
		IWA_ADDRESS 127.0.0.1 \
		IWA_PORT "$HTTP_PORT" \
		IWA_KDC_PORT "$KDC_PORT" \
		IWA_DELAY_PORT "$DELAY_PORT" \
		IWA_DELAY_MS "$DELAY_MS" \
		IWA_DELAY_BASE_URL "http://$HOST:$DELAY_PORT" \
		IWA_DELAY_LOG "$IWA_DIR/delay-proxy.log" \
		IWA_USER "$USER_NAME" \
		IWA_PASSWORD "$USER_PASSWORD" \
		IWA_DOMAIN "$DOMAIN" \
		IWA_REALM "$REALM" \
		IWA_ACCESS_LOG "$IWA_DIR/access.log" \
		IWA_KDC_LOG "$IWA_DIR/kdc.log"
} >"$IWA_DIR/env"

log "up: KDC $REALM on 127.0.0.1:$KDC_PORT (pid $kdc_pid), Apache on 127.0.0.1:$HTTP_PORT (pid $apache_pid) with /kerberos /kerberos-bound /ntlm /anon, delay proxy on 127.0.0.1:$DELAY_PORT (+$DELAY_MS ms each way, pid $proxy_pid), user $USER_NAME; . $IWA_DIR/env"
