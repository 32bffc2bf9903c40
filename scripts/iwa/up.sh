#!/usr/bin/env bash
# Brings up a throwaway Kerberos realm (MIT KDC) and Apache with mod_auth_gssapi on 127.0.0.1:
# an independent SPNEGO and NTLM server for the integration specs, standing in for IIS with
# Integrated Windows Authentication. Everything lives in $IWA_DIR; down.sh stops exactly what this
# started (by PID). Writes $IWA_DIR/env for the test runner to source.
set -euo pipefail

IWA_DIR=${IWA_DIR:-/tmp/got-arcgis-auth-iwa}
IWA_HTTP_PORT=${IWA_HTTP_PORT:-18080}
KDC_PORT=${IWA_KDC_PORT:-18088}
REALM=EXAMPLE.TEST
HOST=arcgis.example.test
USER_NAME=alice
USER_PASSWORD=alice-pass-1
here=$(cd "$(dirname "$0")" && pwd)

packages=(krb5-kdc krb5-admin-server krb5-user libkrb5-dev apache2 libapache2-mod-auth-gssapi gss-ntlmssp)
missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "iwa: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A previous run's daemons would hold the ports: stop them first (by their recorded PIDs).
IWA_DIR=$IWA_DIR "$here/down.sh" >/dev/null 2>&1 || true
rm -rf "$IWA_DIR"
mkdir -p "$IWA_DIR"/{www,rcache,run}
# Apache's workers (www-data) read the keytab and write the replay cache.
chmod 755 "$IWA_DIR"
chown www-data "$IWA_DIR/rcache"

cat > "$IWA_DIR/krb5.conf" <<CONF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	# Without these two, a host alias makes the client ask for HTTP/localhost instead of the name used.
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1:$KDC_PORT
	}
[domain_realm]
	.example.test = $REALM
	example.test = $REALM
	localhost = $REALM
CONF

cat > "$IWA_DIR/kdc.conf" <<CONF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$KDC_PORT
	kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
	$REALM = {
		database_name = $IWA_DIR/principal
		key_stash_file = $IWA_DIR/stash
		acl_file = $IWA_DIR/kadm5.acl
		kdc_listen = 127.0.0.1:$KDC_PORT
		kdc_tcp_listen = 127.0.0.1:$KDC_PORT
	}
[logging]
	kdc = FILE:$IWA_DIR/kdc.log
CONF
: > "$IWA_DIR/kadm5.acl"

export KRB5_CONFIG=$IWA_DIR/krb5.conf
export KRB5_KDC_PROFILE=$IWA_DIR/kdc.conf
export KRB5CCNAME=FILE:$IWA_DIR/ccache

kdb5_util create -s -r "$REALM" -P "master-$RANDOM$RANDOM" >/dev/null
admin() {
	# kadmin.local reports "No policy specified" on stderr for every new principal: not a problem.
	local output
	output=$(kadmin.local -q "$1" 2>&1) || { echo "$output" >&2; return 1; }
}
admin "addprinc -pw $USER_PASSWORD $USER_NAME"
admin "addprinc -randkey HTTP/$HOST"
admin "addprinc -randkey HTTP/localhost"
admin "ktadd -k $IWA_DIR/http.keytab HTTP/$HOST HTTP/localhost"
admin "ktadd -norandkey -k $IWA_DIR/alice.keytab $USER_NAME"
chmod 644 "$IWA_DIR/http.keytab"

krb5kdc -n -r "$REALM" -P "$IWA_DIR/run/krb5kdc.pidfile" >"$IWA_DIR/kdc.out" 2>&1 &
echo $! > "$IWA_DIR/krb5kdc.pid"

# gss-ntlmssp's user database: DOMAIN:user:password. Active Directory accepts the NetBIOS name
# (EXAMPLE\alice) and the DNS name (alice@example.test → domain EXAMPLE.TEST); the empty-domain
# line matches a bare user name.
printf '%s:%s:%s\n' EXAMPLE "$USER_NAME" "$USER_PASSWORD" "$REALM" "$USER_NAME" "$USER_PASSWORD" '' "$USER_NAME" "$USER_PASSWORD" > "$IWA_DIR/ntlm-users"
chmod 644 "$IWA_DIR/ntlm-users"

# ArcGIS-shaped JSON at extension-less paths, the same under every protected prefix.
site=$IWA_DIR/www
mkdir -p "$site/arcgis/rest" "$site/portal/sharing/rest/portals"
cat > "$site/arcgis/rest/info" <<JSON
{"currentVersion":11.3,"fullVersion":"11.3.0","authInfo":{"isTokenBasedSecurity":false}}
JSON
cat > "$site/arcgis/rest/services" <<JSON
{"currentVersion":11.3,"folders":["Admin"],"services":[{"name":"SampleWorldCities","type":"MapServer"}]}
JSON
cat > "$site/portal/sharing/rest/info" <<JSON
{"owningSystemUrl":"http://$HOST:$IWA_HTTP_PORT/portal","authInfo":{"tokenServicesUrl":"http://$HOST:$IWA_HTTP_PORT/portal/sharing/rest/generateToken","isTokenBasedSecurity":true}}
JSON
cat > "$site/portal/sharing/rest/portals/self" <<JSON
{"id":"0123456789ABCDEF","name":"IWA Portal","allSSL":false,"user":{"username":"$USER_NAME@$REALM"}}
JSON

modules=/usr/lib/apache2/modules
cat > "$IWA_DIR/apache.conf" <<CONF
ServerRoot /etc/apache2
ServerName $HOST
Listen 127.0.0.1:$IWA_HTTP_PORT
PidFile $IWA_DIR/run/apache.pid
DefaultRuntimeDir $IWA_DIR/run
Mutex file:$IWA_DIR/run default
User www-data
Group www-data
ErrorLog $IWA_DIR/apache-error.log
LogLevel warn

LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule auth_gssapi_module $modules/mod_auth_gssapi.so
LoadModule headers_module $modules/mod_headers.so
LoadModule mime_module $modules/mod_mime.so
LoadModule alias_module $modules/mod_alias.so

# IIS keeps an authenticated connection open indefinitely; Apache's default of 100 requests per
# connection would force a fresh NTLM handshake every 100 requests and skew the reuse counts.
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60

# Client port and requests-so-far on the connection: a spec counts 401s and handshakes per socket.
LogFormat "%{remote}p %k %>s %m %U \"%{X-Remote-User}o\"" iwa
CustomLog $IWA_DIR/access.log iwa

# ForceType below sets the type; no extension table is needed.
TypesConfig /dev/null
DocumentRoot $site
<Directory $site>
	Require all granted
	ForceType application/json
</Directory>
Alias /anon $site
Alias /kerberos $site
Alias /ntlm $site

<Location /kerberos>
	AuthType GSSAPI
	AuthName "Kerberos"
	GssapiCredStore keytab:$IWA_DIR/http.keytab
	GssapiAllowedMech krb5
	GssapiBasicAuth Off
	GssapiLocalName Off
	Require valid-user
	Header always set X-Remote-User "expr=%{REMOTE_USER}"
</Location>

<Location /ntlm>
	AuthType GSSAPI
	AuthName "NTLM"
	# No keytab here: a keytab cred store makes gss-ntlmssp refuse ("Not a server credential type").
	GssapiAllowedMech ntlmssp
	# The NTLM context lives on the TCP connection, as on IIS.
	GssapiConnectionBound On
	GssapiBasicAuth Off
	GssapiLocalName Off
	Require valid-user
	Header always set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
CONF

# The client's ticket cache stays out of the server's environment.
env -u KRB5CCNAME -u KRB5_KDC_PROFILE KRB5_CONFIG="$KRB5_CONFIG" KRB5_KTNAME="$IWA_DIR/http.keytab" KRB5RCACHEDIR="$IWA_DIR/rcache" \
	NTLM_USER_FILE="$IWA_DIR/ntlm-users" \
	apache2 -f "$IWA_DIR/apache.conf" -DFOREGROUND >"$IWA_DIR/apache.out" 2>&1 &
echo $! > "$IWA_DIR/apache.pid"

# Bounded wait for both daemons.
for _ in $(seq 1 100); do
	kill -0 "$(cat "$IWA_DIR/apache.pid")" 2>/dev/null && kill -0 "$(cat "$IWA_DIR/krb5kdc.pid")" 2>/dev/null || break
	if (exec 3<>/dev/tcp/127.0.0.1/"$KDC_PORT") 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/"$IWA_HTTP_PORT") 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.2
done
if [ -z "${ready:-}" ]; then
	echo "iwa: the KDC or Apache did not come up (exited, or not listening within 20 s)" >&2
	tail -n 20 "$IWA_DIR"/kdc.log "$IWA_DIR"/kdc.out "$IWA_DIR"/apache-error.log "$IWA_DIR"/apache.out 2>/dev/null >&2 || true
	exit 1
fi

echo "$USER_PASSWORD" | kinit "$USER_NAME@$REALM" >/dev/null

cat > "$IWA_DIR/env" <<ENV
export KRB5_CONFIG=$IWA_DIR/krb5.conf
export KRB5CCNAME=FILE:$IWA_DIR/ccache
export KRB5_CLIENT_KTNAME=FILE:$IWA_DIR/alice.keytab
export IWA_DIR=$IWA_DIR
export IWA_HOST=$HOST
export IWA_ADDRESS=127.0.0.1
export IWA_PORT=$IWA_HTTP_PORT
export IWA_BASE_URL=http://$HOST:$IWA_HTTP_PORT
export IWA_USER=$USER_NAME
export IWA_PASSWORD=$USER_PASSWORD
export IWA_DOMAIN=EXAMPLE
export IWA_REALM=$REALM
export IWA_ACCESS_LOG=$IWA_DIR/access.log
ENV
echo "iwa: KDC (realm $REALM) on 127.0.0.1:$KDC_PORT, Apache on 127.0.0.1:$IWA_HTTP_PORT (/kerberos, /ntlm, /anon); source $IWA_DIR/env"
