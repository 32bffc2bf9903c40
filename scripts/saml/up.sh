#!/usr/bin/env bash
# Brings up two real SAML 2.0 identity providers on 127.0.0.1 (Debian's SimpleSAMLphp 1.19 behind
# Apache 2.4 prefork + mod_php 8.2), for the specs of enterprise logins (issue 16):
#   - a "Windows authentication" IdP: its SSO endpoint is behind mod_auth_gssapi (Kerberos via
#     SPNEGO, NTLM via gss-ntlmssp), as AD FS with WIA is; a small auth source reads REMOTE_USER;
#   - a forms IdP: SimpleSAMLphp's own login page (exampleauth:UserPass).
# It reuses the KDC and NTLM users of scripts/iwa (run that first, same IWA_DIR): one realm, one
# user, one ticket cache for every integration suite. Everything else lives in $SAML_DIR (default
# $PWD/.saml); down.sh stops exactly what this started, by PID. Writes $SAML_DIR/env.
# Running it again stops the previous instance (same SAML_DIR) and starts from scratch.
# Recipe and measurements: enterprise-identity.md §5 (shared docs); README.md beside this file.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SAML_DIR=${SAML_DIR:-$PWD/.saml}
IWA_DIR=${IWA_DIR:-$PWD/.iwa}
KERBEROS_PORT=${SAML_KERBEROS_PORT:-19080}
FORMS_PORT=${SAML_FORMS_PORT:-19081}
# Not in any DNS: clients connect to 127.0.0.1 and ask Kerberos for HTTP/$IDP_HOST (as IWA does).
IDP_HOST=${SAML_IDP_HOST:-idp.example.test}
# The portal (the emulator) as the IdP knows it: its entity ID. Its ACS URL is the one its
# AuthnRequest names, if that is a loopback emulator's (see saml20-sp-remote.php below).
SP_ENTITY_ID=${SAML_SP_ENTITY_ID:-portal.example.test.arcgis}
MARKER=.got-arcgis-auth-saml

log() { echo "saml: $*"; }
die() { echo "saml: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, runs Apache as www-data)"
for setting in "SAML_KERBEROS_PORT=$KERBEROS_PORT" "SAML_FORMS_PORT=$FORMS_PORT"; do
	value=${setting#*=}
	if ! [[ $value =~ ^[1-9][0-9]*$ ]] || [ "$value" -gt 65535 ]; then
		die "$setting is not a port number"
	fi
done
[ "$KERBEROS_PORT" != "$FORMS_PORT" ] || die "SAML_KERBEROS_PORT and SAML_FORMS_PORT must differ ($KERBEROS_PORT)"
[[ $IDP_HOST =~ ^[a-z0-9.-]+$ ]] || die "SAML_IDP_HOST=$IDP_HOST is not a host name"
[[ $SP_ENTITY_ID =~ ^[A-Za-z0-9.:/_-]+$ ]] || die "SAML_SP_ENTITY_ID=$SP_ENTITY_ID has characters this script does not quote"

# --- the IWA realm this reuses ----------------------------------------------------------------
[ -f "$IWA_DIR/env" ] && [ -f "$IWA_DIR/krb5kdc.pid" ] || die "no IWA environment in $IWA_DIR: run scripts/iwa/up.sh first (with the same IWA_DIR)"
kill -0 "$(cat "$IWA_DIR/krb5kdc.pid")" 2>/dev/null || die "the KDC of $IWA_DIR is not running: run scripts/iwa/up.sh again"
# shellcheck disable=SC1091
. "$IWA_DIR/env"
export KRB5_KDC_PROFILE=$IWA_DIR/kdc.conf

# --- packages ---------------------------------------------------------------------------------
# On top of scripts/iwa's (KDC, Apache, mod_auth_gssapi, gss-ntlmssp).
packages=(simplesamlphp libapache2-mod-php php8.2-xml php8.2-mbstring xmlsec1 openssl)
missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
start_ns=$(date +%s%N)

# --- state directory --------------------------------------------------------------------------
if [ -d "$SAML_DIR" ] && [ -n "$(ls -A "$SAML_DIR")" ] && [ ! -f "$SAML_DIR/$MARKER" ]; then
	die "$SAML_DIR exists, is not empty and was not made by up.sh: refusing to wipe it (set SAML_DIR)"
fi
if [ -d "$SAML_DIR" ]; then
	SAML_DIR=$SAML_DIR "$here/down.sh" >/dev/null
fi
rm -rf "$SAML_DIR"
mkdir -p "$SAML_DIR"
SAML_DIR=$(cd "$SAML_DIR" && pwd)
touch "$SAML_DIR/$MARKER"
chmod 755 "$SAML_DIR"
mkdir -p "$SAML_DIR"/{run,cert,config,config-forms,metadata,metadata-forms}
# What the PHP workers (www-data) write: logs, SimpleSAMLphp's temp and data, PHP sessions, the replay cache.
mkdir -p "$SAML_DIR"/{log,tmp,data,sessions,rcache}
chown www-data:www-data "$SAML_DIR"/{log,tmp,data,sessions,rcache}

for port in "$KERBEROS_PORT" "$FORMS_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "127.0.0.1:$port is already in use (another instance with a different SAML_DIR?)"
	fi
done

# --- the IdP's service principal, in IWA's realm ----------------------------------------------
admin() {
	local output
	output=$(kadmin.local -r "$IWA_REALM" -q "$1" 2>&1) || { echo "$output" >&2; die "kadmin.local failed: $1"; }
}
# Made once per realm, then exported as it is (-norandkey): a new key on each rerun would make
# the service tickets already in the users' ticket cache fail (an old kvno) until they expire.
if ! kadmin.local -r "$IWA_REALM" -q "getprinc HTTP/$IDP_HOST" 2>/dev/null | grep -q '^Principal:'; then
	admin "addprinc -randkey HTTP/$IDP_HOST"
fi
admin "ktadd -norandkey -k $SAML_DIR/idp.keytab HTTP/$IDP_HOST"
chown root:www-data "$SAML_DIR/idp.keytab"
chmod 640 "$SAML_DIR/idp.keytab"

# --- the signing key (both IdPs) --------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$IDP_HOST" \
	-keyout "$SAML_DIR/cert/idp.key" -out "$SAML_DIR/cert/idp.crt" 2>/dev/null
chown root:www-data "$SAML_DIR/cert/idp.key"
chmod 640 "$SAML_DIR/cert/idp.key"

# --- SimpleSAMLphp configuration (outside /etc: SIMPLESAMLPHP_CONFIG_DIR, set per vhost) -------
kerberos_base=http://$IDP_HOST:$KERBEROS_PORT/simplesaml
forms_base=http://$IDP_HOST:$FORMS_PORT/simplesaml
# $1 flavour, $2 base URL, $3 metadata dir, $4 session cookie prefix.
write_config() {
	cat >"$SAML_DIR/$1/config.php" <<PHP
<?php
// Debian's defaults and its generated secretsalt; then what is this instance's own.
require '/etc/simplesamlphp/config.php';
\$config['baseurlpath'] = '$2/';
\$config['certdir'] = '$SAML_DIR/cert/';
\$config['metadatadir'] = '$3/';
\$config['metadata.sources'] = [['type' => 'flatfile', 'directory' => '$3/']];
\$config['loggingdir'] = '$SAML_DIR/log/';
\$config['logging.handler'] = 'file';
\$config['logging.logfile'] = '$1.log';
\$config['logging.level'] = SimpleSAML\Logger::INFO;
\$config['tempdir'] = '$SAML_DIR/tmp/$1';
\$config['datadir'] = '$SAML_DIR/data/';
\$config['enable.saml20-idp'] = true;
\$config['module.enable']['exampleauth'] = true;
\$config['technicalcontact_email'] = 'nobody@example.test';
// Plain http on loopback; cookies are per host, not per port: one name per IdP.
\$config['session.cookie.secure'] = false;
\$config['session.cookie.name'] = '$4SessionID';
\$config['session.authtoken.cookiename'] = '$4AuthToken';
\$config['session.phpsession.cookiename'] = '$4PHPSESSID';
PHP
}
write_config config "$kerberos_base" "$SAML_DIR/metadata" SimpleSAMLKerberos
write_config config-forms "$forms_base" "$SAML_DIR/metadata-forms" SimpleSAMLForms

# The AD FS WIA equivalent: whoever mod_auth_gssapi authenticated (alice@EXAMPLE.TEST by Kerberos,
# EXAMPLE\alice or alice by NTLM). An auth-source id without ":" is a plain class name in 1.19.
cat >"$SAML_DIR/config/RemoteUserSource.php" <<'PHP'
<?php
class RemoteUserSource extends \SimpleSAML\Auth\Source
{
    public function authenticate(&$state): void
    {
        $user = $_SERVER['REMOTE_USER'] ?? '';
        if ($user === '') {
            throw new \SimpleSAML\Error\Exception('No REMOTE_USER: the web server authenticated nobody');
        }
        $parts = preg_split('/[\\\\@]/', $user);
        $uid = strpos($user, '\\') !== false ? end($parts) : $parts[0];
        $state['Attributes'] = [
            'uid' => [$uid],
            'email' => [$uid . '@example.test'],
            'givenName' => [ucfirst($uid)],
            'remoteUser' => [$user],
            'authenticatedBy' => [$_SERVER['AUTH_TYPE'] ?? ''],
        ];
    }
}
PHP
cat >"$SAML_DIR/config/authsources.php" <<PHP
<?php
require_once '$SAML_DIR/config/RemoteUserSource.php';
\$config = ['krb-remoteuser' => ['RemoteUserSource']];
PHP
cat >"$SAML_DIR/config-forms/authsources.php" <<PHP
<?php
\$config = [
    'userpass' => [
        'exampleauth:UserPass',
        '$IWA_USER:$IWA_PASSWORD' => ['uid' => ['$IWA_USER'], 'email' => ['$IWA_USER@example.test'], 'givenName' => ['Alice']],
    ],
];
PHP

# $1 metadata dir, $2 auth source.
write_idp() {
	cat >"$1/saml20-idp-hosted.php" <<PHP
<?php
\$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => '$2',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    // A persistent NameID from uid: the portal's user is NameID_<urlkey> (enterprise-identity.md §4.1).
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'authproc' => [
        10 => ['class' => 'saml:AttributeNameID', 'attribute' => 'uid', 'Format' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    ],
];
PHP
}
write_idp "$SAML_DIR/metadata" krb-remoteuser
write_idp "$SAML_DIR/metadata-forms" userpass

# The emulated portal. SimpleSAMLphp 1.19 sends a response only to an ACS URL listed here (it has
# no skipEndpointValidationWhenSigned), but the emulator listens on a port the specs choose at run
# time. This file is PHP, read on every request: it lists the ACS URL that the AuthnRequest being
# received names, if and only if that is an emulator's ACS on loopback. The URL is then kept in the
# login's state, so later requests of the same login (the forms POST) need no SAMLRequest.
cat >"$SAML_DIR/metadata/saml20-sp-remote.php" <<PHP
<?php
\$acs = [];
\$request = \$_GET['SAMLRequest'] ?? \$_POST['SAMLRequest'] ?? null;
if (is_string(\$request)) {
    \$xml = base64_decode(\$request, true);
    if (\$xml !== false) {
        \$inflated = @gzinflate(\$xml);
        \$xml = \$inflated === false ? \$xml : \$inflated;
        \$loopback = '#AssertionConsumerServiceURL="(https?://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]{1,5}/portal/sharing/rest/oauth2/saml/signin)"#';
        if (preg_match(\$loopback, \$xml, \$match) === 1) {
            \$acs[] = ['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => \$match[1]];
        }
    }
}
\$metadata['$SP_ENTITY_ID'] = [
    'AssertionConsumerService' => \$acs,
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'sign.response' => true,
    'sign.assertion' => true,
    'simplesaml.nameidattribute' => 'uid',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
];
PHP
cp "$SAML_DIR/metadata/saml20-sp-remote.php" "$SAML_DIR/metadata-forms/saml20-sp-remote.php"

# --- Apache -----------------------------------------------------------------------------------
modules=/usr/lib/apache2/modules
cat >"$SAML_DIR/apache.conf" <<CONF
ServerRoot $SAML_DIR
ServerName $IDP_HOST
Listen 127.0.0.1:$KERBEROS_PORT
Listen 127.0.0.1:$FORMS_PORT
PidFile $SAML_DIR/run/httpd.pid
DefaultRuntimeDir $SAML_DIR/run
Mutex file:$SAML_DIR/run default
User www-data
Group www-data
ErrorLog $SAML_DIR/apache-error.log
LogLevel warn

# mod_php needs the prefork MPM. Without authz_user, "Require valid-user" is an unknown provider.
LoadModule mpm_prefork_module $modules/mod_mpm_prefork.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule auth_gssapi_module $modules/mod_auth_gssapi.so
LoadModule alias_module $modules/mod_alias.so
LoadModule mime_module $modules/mod_mime.so
LoadModule dir_module $modules/mod_dir.so
LoadModule env_module $modules/mod_env.so
LoadModule headers_module $modules/mod_headers.so
LoadModule php_module $modules/libphp8.2.so

StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
KeepAlive On
MaxKeepAliveRequests 0

# port, requests before this one on the connection, status, method, path, authenticated user.
LogFormat "%{local}p %k %>s %m %U \"%u\"" saml
CustomLog $SAML_DIR/access.log saml

TypesConfig /dev/null
<FilesMatch "\\.php\$">
	SetHandler application/x-httpd-php
</FilesMatch>
# PHP sessions here, not in /var/lib/php/sessions.
php_admin_value session.save_path $SAML_DIR/sessions
php_admin_flag display_errors off

<Directory />
	Require all denied
	AllowOverride None
</Directory>
<Directory /usr/share/simplesamlphp/www>
	Require all granted
	DirectoryIndex index.php
</Directory>
Alias /simplesaml /usr/share/simplesamlphp/www

<VirtualHost 127.0.0.1:$KERBEROS_PORT>
	SetEnv SIMPLESAMLPHP_CONFIG_DIR $SAML_DIR/config
	# Only the SSO endpoint (and the pages it may pass through) want Windows authentication, as on
	# AD FS: metadata stays public. No GssapiCredStore: gss-ntlmssp refuses a keytab store ("Not a
	# server credential type"), so Kerberos finds the keytab through KRB5_KTNAME instead.
	<LocationMatch "^/simplesaml/(saml2/idp/SSOService\\.php|module\\.php/core/)">
		AuthType GSSAPI
		AuthName "Windows authentication"
		GssapiAllowedMech krb5 ntlmssp
		# An NTLM context lives on its TCP connection, as on IIS.
		GssapiConnectionBound On
		GssapiBasicAuth Off
		GssapiLocalName Off
		Require valid-user
	</LocationMatch>
</VirtualHost>

<VirtualHost 127.0.0.1:$FORMS_PORT>
	SetEnv SIMPLESAMLPHP_CONFIG_DIR $SAML_DIR/config-forms
</VirtualHost>
CONF

# NETBIOS_DOMAIN_NAME stays unset (otherwise gss-ntlmssp accepts NTLMv1; iwa-testing.md).
setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C \
	KRB5_CONFIG="$IWA_DIR/krb5.conf" KRB5_KTNAME="FILE:$SAML_DIR/idp.keytab" KRB5RCACHEDIR="$SAML_DIR/rcache" \
	NTLM_USER_FILE="$IWA_DIR/ntlm-users" \
	apache2 -f "$SAML_DIR/apache.conf" -DFOREGROUND >"$SAML_DIR/apache.out" 2>&1 </dev/null &
echo $! >"$SAML_DIR/apache.pid"

# --- wait until both answer -------------------------------------------------------------------
failed() {
	echo "saml: $1" >&2
	for file in apache.out apache-error.log log/config.log log/config-forms.log; do
		[ -s "$SAML_DIR/$file" ] && { echo "--- $SAML_DIR/$file" >&2; tail -n 20 "$SAML_DIR/$file" >&2; }
	done
	SAML_DIR=$SAML_DIR "$here/down.sh" >/dev/null 2>&1 || true
	exit 1
}
trap 'failed "up.sh failed (line $LINENO)"' ERR
apache_pid=$(cat "$SAML_DIR/apache.pid")
metadata() { curl -s -o /dev/null -w '%{http_code}' --resolve "$IDP_HOST:$1:127.0.0.1" "http://$IDP_HOST:$1/simplesaml/saml2/idp/metadata.php"; }
deadline=$((SECONDS + 20))
until [ "$(metadata "$KERBEROS_PORT")" = 200 ] && [ "$(metadata "$FORMS_PORT")" = 200 ]; do
	kill -0 "$apache_pid" 2>/dev/null || failed "apache2 exited"
	[ "$SECONDS" -lt "$deadline" ] || failed "the IdP metadata is not served within 20 s"
	sleep 0.1
done
# The SSO endpoint must want Windows authentication: a 401 with Negotiate, and NTLM offered too.
challenge=$(curl -s -D - -o /dev/null --resolve "$IDP_HOST:$KERBEROS_PORT:127.0.0.1" "$kerberos_base/saml2/idp/SSOService.php")
grep -qi '^HTTP/1.1 401' <<<"$challenge" && grep -qi '^www-authenticate: negotiate' <<<"$challenge" || failed "the Kerberos IdP's SSO endpoint does not ask for Negotiate: $challenge"
trap - ERR
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))

# --- environment for the test runner ----------------------------------------------------------
{
	printf 'export %s=%q\n' \
		SAML_DIR "$SAML_DIR" \
		SAML_IDP_HOST "$IDP_HOST" \
		SAML_IDP_ADDRESS 127.0.0.1 \
		SAML_KERBEROS_PORT "$KERBEROS_PORT" \
		SAML_FORMS_PORT "$FORMS_PORT" \
		SAML_KERBEROS_IDP_SSO_URL "$kerberos_base/saml2/idp/SSOService.php" \
		SAML_KERBEROS_IDP_ENTITY_ID "$kerberos_base/saml2/idp/metadata.php" \
		SAML_FORMS_IDP_SSO_URL "$forms_base/saml2/idp/SSOService.php" \
		SAML_FORMS_IDP_ENTITY_ID "$forms_base/saml2/idp/metadata.php" \
		SAML_IDP_CERT "$SAML_DIR/cert/idp.crt" \
		SAML_IDP_SPN "HTTP/$IDP_HOST@$IWA_REALM" \
		SAML_SP_ENTITY_ID "$SP_ENTITY_ID" \
		SAML_SP_ACS_PATH /portal/sharing/rest/oauth2/saml/signin \
		SAML_USER "$IWA_USER" \
		SAML_PASSWORD "$IWA_PASSWORD" \
		SAML_DOMAIN "$IWA_DOMAIN" \
		SAML_REALM "$IWA_REALM" \
		SAML_ACCESS_LOG "$SAML_DIR/access.log" \
		KRB5_CONFIG "$IWA_DIR/krb5.conf" \
		KRB5CCNAME "FILE:$IWA_DIR/ccache"
	echo "# Kerberos: KRB5CCNAME holds alice's ticket (scripts/iwa/up.sh ran kinit); renew it with"
	echo "#   echo \"\$SAML_PASSWORD\" | kinit \"\$SAML_USER@\$SAML_REALM\""
} >"$SAML_DIR/env"

log "up in ${elapsed_ms} ms: Kerberos/NTLM IdP on 127.0.0.1:$KERBEROS_PORT, forms IdP on 127.0.0.1:$FORMS_PORT (Apache pid $apache_pid, host $IDP_HOST), realm $IWA_REALM of $IWA_DIR; . $SAML_DIR/env"
