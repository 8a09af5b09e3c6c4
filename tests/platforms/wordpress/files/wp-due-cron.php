<?php
// php wp-due-cron.php HOOK : make the next scheduled HOOK event due now (for tests; cron is off).
$docroot = getenv( 'WP_DOCROOT' ) ?: __DIR__ . '/../state/docroot';
$u = parse_url( getenv( 'WP_URL' ) ?: 'http://127.0.0.1:8080' );
$_SERVER['HTTP_HOST'] = $u['host'] . ':' . $u['port']; $_SERVER['REQUEST_URI'] = '/'; $_SERVER['REQUEST_METHOD'] = 'GET';
require $docroot . '/wp-load.php';
$hook = $argv[1] ?? 'akismet_schedule_cron_recheck';
$ts = wp_next_scheduled( $hook );
if ( $ts ) { wp_unschedule_event( $ts, $hook ); }
wp_schedule_single_event( time() - 1, $hook );
echo "$hook due now (was " . ( $ts ? gmdate( 'c', $ts ) : 'not scheduled' ) . ")\n";
