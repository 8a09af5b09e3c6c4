#!/usr/bin/env bash
# Start/stop the `php -S` web server of the WordPress made by setup.sh, by pid.
#   ./wp-server.sh start | stop | status | restart | cron
# start waits until /wp-login.php answers 200 (or fails after 20 s); stop kills the server's
# process group (php -S forks PHP_CLI_SERVER_WORKERS workers) and waits for the port to close.
# Same settings as setup.sh: CG_WP_STATE, WP_PORT.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CG_WP_STATE="${CG_WP_STATE:-${TMPDIR:-/tmp}/commentguard-wp}"
WP_PORT="${WP_PORT:-8080}"
WORKERS="${PHP_CLI_SERVER_WORKERS:-4}"
DOCROOT="$CG_WP_STATE/docroot"
PIDFILE="$CG_WP_STATE/php-server.pid"
LOG="$CG_WP_STATE/php-server.log"
URL="http://127.0.0.1:$WP_PORT"

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
	if running; then echo "already running, pid $(cat "$PIDFILE")"; return 0; fi
	[[ -f "$DOCROOT/wp-config.php" ]] || { echo "run setup.sh first" >&2; exit 1; }
	# setsid: the server leads its own process group, so stop can end it and its workers by id.
	PHP_CLI_SERVER_WORKERS="$WORKERS" setsid php -S "127.0.0.1:$WP_PORT" -t "$DOCROOT" "$DOCROOT/router.php" \
		>>"$LOG" 2>&1 </dev/null &
	echo $! >"$PIDFILE"
	for _ in $(seq 1 200); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/wp-login.php")" == 200 ]]; then
			echo "started pid $(cat "$PIDFILE") at $URL"; return 0
		fi
		running || break
		sleep 0.1
	done
	echo "server did not come up; see $LOG" >&2; stop; exit 1
}

stop() {
	if ! running; then rm -f "$PIDFILE"; echo "not running"; return 0; fi
	local pid; pid="$(cat "$PIDFILE")"
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
	rm -f "$PIDFILE"; echo "stopped pid $pid"
}

case "${1:-status}" in
	start) start ;;
	stop) stop ;;
	restart) stop; start ;;
	status) if running; then echo "running pid $(cat "$PIDFILE") at $URL"; else echo "not running"; exit 3; fi ;;
	# DISABLE_WP_CRON is on: run due events (e.g. Akismet's akismet_schedule_cron_recheck) now.
	cron) curl -s -o /dev/null -w 'wp-cron.php %{http_code}\n' "$URL/wp-cron.php" ;;
	*) echo "usage: $0 start|stop|status|restart|cron" >&2; exit 2 ;;
esac
