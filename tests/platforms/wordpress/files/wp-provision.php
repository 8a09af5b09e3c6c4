<?php
/*
 * php wp-provision.php install|configure   (run from setup.sh; reads its settings from env)
 *
 * wp-cli is not in Debian 12, so this PHP CLI script installs and configures the site.
 *
 * install:   wp_install() if the database has no WordPress yet (WP_INSTALLING: no plugins load).
 * configure: activate Akismet, set its key and options, set comment options for a test,
 *            create the application password, write the JSON description of the site.
 */
$phase   = $argv[1] ?? 'configure';
$docroot = getenv( 'WP_DOCROOT' );
$url     = parse_url( getenv( 'WP_URL' ) );

// wp-load.php expects a web request: give it one that matches WP_HOME.
$_SERVER['HTTP_HOST']       = $url['host'] . ':' . $url['port'];
$_SERVER['SERVER_NAME']     = $url['host'];
$_SERVER['SERVER_PORT']     = $url['port'];
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';

if ( 'install' === $phase ) {
	define( 'WP_INSTALLING', true );
}
require $docroot . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

function out( $msg ) { fwrite( STDERR, "[wp-provision] $msg\n" ); }

if ( 'install' === $phase ) {
	if ( is_blog_installed() ) {
		out( 'already installed' );
		exit( 0 );
	}
	$r = wp_install(
		getenv( 'WP_TITLE' ) ?: 'CommentGuard WordPress test',
		getenv( 'WP_ADMIN_USER' ),
		getenv( 'WP_ADMIN_EMAIL' ),
		false,               // not public
		'',
		wp_slash( getenv( 'WP_ADMIN_PASS' ) ),
		'en_US'
	);
	out( 'installed, admin user id ' . $r['user_id'] );
	exit( 0 );
}

// ---- configure (idempotent) ----
if ( ! is_blog_installed() ) {
	out( 'not installed' );
	exit( 1 );
}

$admin = get_user_by( 'login', getenv( 'WP_ADMIN_USER' ) );
if ( ! $admin ) {
	out( 'no admin user' );
	exit( 1 );
}
// Keep the admin password what the script says (setup.sh may be re-run with another).
if ( ! wp_check_password( getenv( 'WP_ADMIN_PASS' ), $admin->user_pass, $admin->ID ) ) {
	wp_set_password( getenv( 'WP_ADMIN_PASS' ), $admin->ID );
}

$plugin = 'akismet/akismet.php';
if ( ! is_plugin_active( $plugin ) ) {
	$res = activate_plugin( $plugin );
	if ( is_wp_error( $res ) ) {
		out( 'activate failed: ' . $res->get_error_message() );
		exit( 1 );
	}
	out( 'akismet activated' );
}
delete_option( 'Activated_Akismet' ); // no redirect to the Akismet start page on next admin load

$options = array(
	// Akismet
	'akismet_strictness'                  => getenv( 'AKISMET_STRICTNESS' ) ?: '1', // 1: discard "pro-tip: discard" spam
	'akismet_show_user_comments_approved' => '0',
	'akismet_comment_form_privacy_notice' => 'hide',
	// WordPress's own comment rules would otherwise decide before CommentGuard does:
	'comment_moderation'                  => '0', // "Comment must be manually approved"
	'comment_previously_approved'         => getenv( 'WP_PREVIOUSLY_APPROVED' ) ?: '0', // 1 holds every first-time author
	'comment_max_links'                   => '0', // default 2: two links hold a comment
	'moderation_keys'                     => '',
	'disallowed_keys'                     => '',
	'require_name_email'                  => '1',
	'comment_registration'                => '0',
	'close_comments_for_old_posts'        => '0',
	'comments_notify'                     => '0',
	'moderation_notify'                   => '0',
	'default_pingback_flag'               => '0',
	'default_ping_status'                 => 'closed',
	'ping_sites'                          => '',
	'blog_public'                         => '0',
);
foreach ( $options as $name => $value ) {
	update_option( $name, $value );
}
// No key: the test types it on Akismet's settings page, as a new user would.
if ( getenv( 'AKISMET_KEY' ) ) {
	update_option( 'wordpress_api_key', getenv( 'AKISMET_KEY' ) );
} else {
	delete_option( 'wordpress_api_key' );
}
update_option( 'commentguard_callback_secret', (string) getenv( 'CALLBACK_SECRET' ) );
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%postname%/' ); // saves the option and re-inits
flush_rewrite_rules( false );
// Akismet's "cannot reach servers" check caches here; none of it is needed.
delete_option( 'akismet_available_servers' );
delete_option( 'akismet_ssl_disabled' );

// The post that comments go to: "Hello world!" from wp_install().
$post = get_page_by_path( 'hello-world', OBJECT, 'post' );
if ( ! $post ) {
	$pid  = wp_insert_post( array( 'post_title' => 'Hello world!', 'post_name' => 'hello-world', 'post_status' => 'publish', 'post_author' => $admin->ID, 'comment_status' => 'open' ) );
	$post = get_post( $pid );
}

// Application password (REST API with HTTP Basic auth). Recreated on each configure run.
$app_name = 'commentguard-e2e';
foreach ( WP_Application_Passwords::get_user_application_passwords( $admin->ID ) as $item ) {
	if ( $item['name'] === $app_name ) {
		WP_Application_Passwords::delete_application_password( $admin->ID, $item['uuid'] );
	}
}
list( $app_password, $item ) = WP_Application_Passwords::create_new_application_password( $admin->ID, array( 'name' => $app_name ) );

$site = array(
	'url'             => home_url(),
	'rest_url'        => rest_url(),
	'admin_user'      => $admin->user_login,
	'admin_password'  => getenv( 'WP_ADMIN_PASS' ),
	'app_password'    => $app_password, // "abcd efgh ..." (spaces are allowed in Basic auth)
	'post_id'         => $post->ID,
	'post_url'        => get_permalink( $post ),
	'akismet_key'     => get_option( 'wordpress_api_key' ),
	'akismet_version' => AKISMET_VERSION,
	'wp_version'      => $GLOBALS['wp_version'],
	'commentguard_url' => COMMENTGUARD_URL,
	'db_name'         => DB_NAME,
	'table_prefix'    => $GLOBALS['table_prefix'],
);
file_put_contents( getenv( 'WP_SITE_JSON' ), json_encode( $site, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ) . "\n" );
chmod( getenv( 'WP_SITE_JSON' ), 0600 );
out( 'configured; site description in ' . getenv( 'WP_SITE_JSON' ) );
