<?php
/*
 * Plugin Name: CommentGuard end-to-end test conveniences (must-use; tests only)
 * Description: Keeps a test WordPress on 127.0.0.1: no external HTTP, no mail, no flood
 *              limit, application passwords over http. Never install it on a real site.
 */

/** One line in CG_HTTP_LOG. */
function cg_e2e_log( $line ) {
	if ( defined( 'CG_HTTP_LOG' ) && CG_HTTP_LOG ) {
		error_log( gmdate( 'c' ) . ' ' . $line . "\n", 3, CG_HTTP_LOG );
	}
}

// Runs after the CommentGuard plugin's filter (10): only what it left alone gets here.
add_filter(
	'pre_http_request',
	function ( $pre, $args, $url ) {
		if ( false !== $pre ) {
			return $pre;
		}
		$host = strtolower( (string) wp_parse_url( $url, PHP_URL_HOST ) );
		if ( in_array( $host, array( '127.0.0.1', 'localhost', '[::1]', '::1' ), true ) ) {
			return $pre;
		}
		cg_e2e_log( ( $args['method'] ?? '?' ) . " {$url} -> blocked" );
		return new WP_Error( 'http_request_not_executed', 'CommentGuard e2e: external HTTP blocked' );
	},
	20,
	3
);
add_action(
	'http_api_debug',
	function ( $response, $context, $class, $args, $url ) {
		$code = is_wp_error( $response ) ? 'WP_Error:' . $response->get_error_code() : wp_remote_retrieve_response_code( $response );
		cg_e2e_log( ( $args['method'] ?? '?' ) . " {$url} -> {$code}" );
	},
	10,
	5
);
add_filter( 'wp_is_application_passwords_available', '__return_true' );
add_filter( 'wp_is_comment_flood', '__return_false', 99 );
add_filter( 'got_url_rewrite', '__return_true' );
add_filter(
	'pre_wp_mail',
	function ( $null, $atts ) {
		if ( defined( 'CG_MAIL_LOG' ) && CG_MAIL_LOG ) {
			$to = is_array( $atts['to'] ) ? implode( ',', $atts['to'] ) : $atts['to'];
			error_log( gmdate( 'c' ) . " mail to={$to} subject={$atts['subject']}\n", 3, CG_MAIL_LOG );
		}
		return true;
	},
	10,
	2
);
