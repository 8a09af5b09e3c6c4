#!/usr/bin/env bash
# A real WordPress (Debian's `wordpress` package with its bundled Akismet plugin) served by
# `php -S` on 127.0.0.1 with MariaDB, whose Akismet plugin talks to CommentGuard through the
# must-use plugin files/commentguard.php. The end-to-end test (tests/test_wordpress.py) runs it.
#
#   setup.sh --packages   only install what is missing (apt) and start MariaDB if it is down
#   setup.sh              that, then (re)create the docroot, wp-config.php, install, configure
#   setup.sh --reset      drop the database and the docroot first (a fresh site)
#   setup.sh --drop       stop the server, drop the database, its user and the docroot
#
# Settings (environment, with defaults):
#   CG_WP_STATE=${TMPDIR:-/tmp}/commentguard-wp   docroot, logs, pid file, site.json
#   WP_PORT=8080                        php -S port (WordPress at http://127.0.0.1:$WP_PORT)
#   COMMENTGUARD_URL=http://127.0.0.1:8000   where the Akismet calls go
#   WP_DB_NAME=cg_wp_test WP_DB_USER=cg_wp_test WP_DB_PASS=cg_wp_test_pw
#   AKISMET_KEY=                        empty: no key is set (type it on the settings page);
#                                       else 12 hex digits, from `commentguard keys create --akismet`
#   AKISMET_STRICTNESS=1                1: a "discard" pro-tip drops the comment; 0: spam folder
#   CALLBACK_SECRET=                    the option commentguard_callback_secret
#   WP_ADMIN_USER=admin WP_ADMIN_PASS=admin-pass-123 WP_ADMIN_EMAIL=admin@example.com
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CG_WP_STATE="${CG_WP_STATE:-${TMPDIR:-/tmp}/commentguard-wp}"
export WP_PORT="${WP_PORT:-8080}"
export COMMENTGUARD_URL="${COMMENTGUARD_URL:-http://127.0.0.1:8000}"
export WP_DB_NAME="${WP_DB_NAME:-cg_wp_test}"
export WP_DB_USER="${WP_DB_USER:-cg_wp_test}"
export WP_DB_PASS="${WP_DB_PASS:-cg_wp_test_pw}"
export AKISMET_KEY="${AKISMET_KEY:-}"
export AKISMET_STRICTNESS="${AKISMET_STRICTNESS:-1}"
export CALLBACK_SECRET="${CALLBACK_SECRET:-}"
export WP_ADMIN_USER="${WP_ADMIN_USER:-admin}"
export WP_ADMIN_PASS="${WP_ADMIN_PASS:-admin-pass-123}"
export WP_ADMIN_EMAIL="${WP_ADMIN_EMAIL:-admin@example.com}"
export WP_DOCROOT="$CG_WP_STATE/docroot"
export WP_URL="http://127.0.0.1:$WP_PORT"
export WP_SITE_JSON="$CG_WP_STATE/site.json"

log() { printf '[wordpress setup %(%H:%M:%S)T] %s\n' -1 "$*"; }

# WordPress's settings page strips every non-hex character from a typed key.
[[ -z "$AKISMET_KEY" || "$AKISMET_KEY" =~ ^[0-9a-f]{12}$ ]] || { echo "AKISMET_KEY must be 12 hex digits" >&2; exit 2; }
[[ "$WP_DB_NAME$WP_DB_USER" =~ ^[A-Za-z0-9_]+$ ]] || { echo "bad DB name/user" >&2; exit 2; }
[[ "$CALLBACK_SECRET" =~ ^[A-Za-z0-9_-]*$ ]] || { echo "CALLBACK_SECRET: letters, digits, _ and - only" >&2; exit 2; }

as_root() { if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------- 1. packages
PKGS=(wordpress wordpress-theme-twentytwentythree php-cli php-mysql php-curl php-xml php-mbstring curl)
command -v mariadb >/dev/null || PKGS+=(mariadb-server)
missing=()
made_policy=""
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	log "apt-get install ${missing[*]}"
	# wordpress Depends: apache2 | httpd; keep apt from starting Apache (or anything) on :80.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
		as_root chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	trap 'if [[ -n "$made_policy" ]]; then as_root rm -f /usr/sbin/policy-rc.d; fi' EXIT
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
	if [[ -n "$made_policy" ]]; then as_root rm -f /usr/sbin/policy-rc.d; made_policy=""; fi
fi
WP_SRC=/usr/share/wordpress
[[ -f $WP_SRC/wp-content/plugins/akismet/akismet.php ]] || { echo "no bundled Akismet in $WP_SRC" >&2; exit 1; }

# ---------------------------------------------------------------- 2. MariaDB
MYSQL=(mariadb -uroot)  # over the socket; else TCP on 127.0.0.1:3306
if ! "${MYSQL[@]}" -e 'SELECT 1' >/dev/null 2>&1; then MYSQL=(mariadb -uroot -h127.0.0.1 -P3306); fi
if ! "${MYSQL[@]}" -e 'SELECT 1' >/dev/null 2>&1; then
	log "start MariaDB"
	as_root service mariadb start >/dev/null 2>&1 || as_root service mysql start >/dev/null 2>&1 || true
	MYSQL=(mariadb -uroot)
	for _ in $(seq 1 50); do "${MYSQL[@]}" -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
	if ! "${MYSQL[@]}" -e 'SELECT 1' >/dev/null 2>&1; then MYSQL=(as_root mariadb -uroot); fi
fi
mysql_root() { "${MYSQL[@]}" "$@"; }
mysql_root -e 'SELECT 1' >/dev/null || { echo "MariaDB is not answering as root" >&2; exit 1; }
[[ "${1:-}" == "--packages" ]] && { log "packages and MariaDB ready"; exit 0; }
if [[ "${1:-}" == "--drop" ]]; then
	log "drop database and user $WP_DB_NAME, $WP_DOCROOT"
	"$HERE/wp-server.sh" stop >/dev/null 2>&1 || true
	mysql_root -e "DROP DATABASE IF EXISTS \`$WP_DB_NAME\`; DROP USER IF EXISTS '$WP_DB_USER'@'localhost', '$WP_DB_USER'@'127.0.0.1'"
	rm -rf "$WP_DOCROOT" "$WP_SITE_JSON"
	exit 0
fi
if [[ "${1:-}" == "--reset" ]]; then
	log "reset: drop database $WP_DB_NAME and $WP_DOCROOT"
	"$HERE/wp-server.sh" stop >/dev/null 2>&1 || true
	mysql_root -e "DROP DATABASE IF EXISTS \`$WP_DB_NAME\`"
	rm -rf "$WP_DOCROOT" "$WP_SITE_JSON"
fi
log "database $WP_DB_NAME, user $WP_DB_USER"
mysql_root <<SQL
CREATE DATABASE IF NOT EXISTS \`$WP_DB_NAME\` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$WP_DB_USER'@'localhost' IDENTIFIED BY '$WP_DB_PASS';
CREATE USER IF NOT EXISTS '$WP_DB_USER'@'127.0.0.1' IDENTIFIED BY '$WP_DB_PASS';
ALTER USER '$WP_DB_USER'@'localhost' IDENTIFIED BY '$WP_DB_PASS';
ALTER USER '$WP_DB_USER'@'127.0.0.1' IDENTIFIED BY '$WP_DB_PASS';
GRANT ALL PRIVILEGES ON \`$WP_DB_NAME\`.* TO '$WP_DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`$WP_DB_NAME\`.* TO '$WP_DB_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

# ---------------------------------------------------------------- 3. docroot (a private copy)
# Debian's own /usr/share/wordpress/wp-config.php picks /etc/wordpress/config-<Host without
# port>.php (here config-127.0.0.1.php, machine-wide) and puts wp-content in /var/lib/wordpress,
# where the bundled Akismet is absent. A private copy with a plain wp-config.php avoids both.
mkdir -p "$CG_WP_STATE"
pkgver="$(dpkg-query -W -f='${Version}' wordpress)"
if [[ ! -f "$WP_DOCROOT/.cg-wordpress-version" || "$(cat "$WP_DOCROOT/.cg-wordpress-version")" != "$pkgver" ]]; then
	log "copy $WP_SRC ($pkgver) to $WP_DOCROOT"
	rm -rf "$WP_DOCROOT.new"
	cp -a "$WP_SRC" "$WP_DOCROOT.new"
	rm -f "$WP_DOCROOT.new/wp-config.php" "$WP_DOCROOT.new/.htaccess"
	mkdir -p "$WP_DOCROOT.new/wp-content/uploads" "$WP_DOCROOT.new/wp-content/mu-plugins"
	if [[ -d "$WP_DOCROOT/wp-content/uploads" ]]; then cp -a "$WP_DOCROOT/wp-content/uploads/." "$WP_DOCROOT.new/wp-content/uploads/"; fi
	echo "$pkgver" >"$WP_DOCROOT.new/.cg-wordpress-version"
	rm -rf "$WP_DOCROOT"
	mv "$WP_DOCROOT.new" "$WP_DOCROOT"
fi
install -m 0644 "$HERE/files/router.php" "$WP_DOCROOT/router.php"
install -m 0644 "$HERE/files/commentguard.php" "$WP_DOCROOT/wp-content/mu-plugins/commentguard.php"
install -m 0644 "$HERE/files/commentguard-e2e.php" "$WP_DOCROOT/wp-content/mu-plugins/commentguard-e2e.php"

# salts: made once, kept (so cookies survive a re-run)
if [[ ! -f "$CG_WP_STATE/salts.php" ]]; then
	php -r 'foreach (["AUTH_KEY","SECURE_AUTH_KEY","LOGGED_IN_KEY","NONCE_KEY","AUTH_SALT","SECURE_AUTH_SALT","LOGGED_IN_SALT","NONCE_SALT"] as $k) printf("define(%s, %s);\n", var_export($k, true), var_export(bin2hex(random_bytes(32)), true));' >"$CG_WP_STATE/salts.php"
fi

log "wp-config.php (WordPress at $WP_URL, Akismet -> $COMMENTGUARD_URL)"
cat >"$WP_DOCROOT/wp-config.php" <<PHP
<?php
// Written by setup.sh; re-run it rather than editing.
define( 'DB_NAME', '$WP_DB_NAME' );
define( 'DB_USER', '$WP_DB_USER' );
define( 'DB_PASSWORD', '$WP_DB_PASS' );
define( 'DB_HOST', '127.0.0.1:3306' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
\$table_prefix = 'wp_';
$(cat "$CG_WP_STATE/salts.php")
define( 'WP_HOME', '$WP_URL' );
define( 'WP_SITEURL', '$WP_URL' );
define( 'WP_ENVIRONMENT_TYPE', 'local' );       // also enables application passwords over http
define( 'WP_HTTP_BLOCK_EXTERNAL', true );        // no request leaves 127.0.0.1 ...
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );
define( 'COMMENTGUARD_URL', '$COMMENTGUARD_URL' ); // ... except Akismet's, re-sent here
define( 'CG_HTTP_LOG', '$CG_WP_STATE/http.log' );
define( 'CG_MAIL_LOG', '$CG_WP_STATE/mail.log' );
define( 'DISABLE_WP_CRON', true );               // deterministic: run cron explicitly (wp-server.sh cron)
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_DEBUG', false );                     // true floods the log with PHP 8.2 deprecations of WP 6.1
@ini_set( 'log_errors', '1' );
@ini_set( 'display_errors', '0' );
@ini_set( 'error_log', '$CG_WP_STATE/debug.log' );
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
PHP

# ---------------------------------------------------------------- 4. install + configure
log "wp_install (if needed)"
php "$HERE/files/wp-provision.php" install
log "configure: Akismet on, key, options, application password"
php "$HERE/files/wp-provision.php" configure
log "done: $WP_SITE_JSON; start with: $HERE/wp-server.sh start"
