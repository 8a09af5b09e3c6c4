<?php
/*
 * Plugin Name: CommentGuard
 * Description: Sends the Akismet plugin's calls to a self-hosted CommentGuard, keeps its
 *              unsure comments pending, and applies CommentGuard's signed decision callbacks.
 *
 * A must-use plugin: copy it to wp-content/mu-plugins/. docs/wordpress.md explains it.
 *
 *   define( 'COMMENTGUARD_URL', 'https://commentguard.internal.example.com' );  // required
 *   define( 'COMMENTGUARD_UNSURE_PENDING', true );   // default: unsure waits as pending
 *   option commentguard_callback_secret (or define COMMENTGUARD_CALLBACK_SECRET): the site's
 *   callback secret; without one the decision route answers 503.
 */

if ( ! defined( 'COMMENTGUARD_URL' ) ) {
	return; // not configured: the Akismet plugin talks to Akismet as usual
}

const COMMENTGUARD_META       = 'commentguard_id';
const COMMENTGUARD_WINDOW     = 300; // seconds a signed callback stays valid
const COMMENTGUARD_EVENT_DAYS = 7;   // how long an event id is remembered for dedupe

/** Is this an Akismet API host (rest.akismet.com or KEY.rest.akismet.com)? */
function commentguard_is_akismet_host( $host ) {
	$host = strtolower( (string) $host );
	return 'rest.akismet.com' === $host || str_ends_with( $host, '.rest.akismet.com' );
}

/** Return our comment id for a WordPress comment id, or ''. */
function commentguard_id_of( $comment_id ) {
	return (string) get_comment_meta( (int) $comment_id, COMMENTGUARD_META, true );
}

/*
 * 1. Re-send every Akismet call to CommentGuard: same method, path, body and headers, minus
 *    the forced Host header. Rechecks and reports of a stored comment carry the id our first
 *    check answered (commentguard_id), because WordPress sends the filtered database row then,
 *    which no longer derives it. An unsure answer becomes "false", so that "Check for Spam"
 *    never moves a pending comment to spam.
 */
add_filter(
	'pre_http_request',
	function ( $pre, $args, $url ) {
		if ( false !== $pre || ! commentguard_is_akismet_host( wp_parse_url( $url, PHP_URL_HOST ) ) ) {
			return $pre;
		}
		$path   = (string) wp_parse_url( $url, PHP_URL_PATH );
		$query  = wp_parse_url( $url, PHP_URL_QUERY );
		$target = rtrim( COMMENTGUARD_URL, '/' ) . $path . ( $query ? '?' . $query : '' );
		$headers = isset( $args['headers'] ) && is_array( $args['headers'] ) ? $args['headers'] : array();
		foreach ( array_keys( $headers ) as $name ) {
			if ( 'host' === strtolower( $name ) ) {
				unset( $headers[ $name ] );
			}
		}
		$args['headers'] = $headers;
		$body            = isset( $args['body'] ) && is_string( $args['body'] ) ? $args['body'] : '';
		if ( preg_match( '/(?:^|&)comment_ID=(\d+)/', $body, $m ) ) {
			$ours = commentguard_id_of( $m[1] );
			if ( '' !== $ours ) {
				$args['body'] = $body . '&' . COMMENTGUARD_META . '=' . rawurlencode( $ours );
			}
		}
		$args['reject_unsafe_urls'] = false; // COMMENTGUARD_URL may be a private address
		$response = wp_remote_request( $target, $args );
		if ( str_ends_with( $path, '/comment-check' ) && ! is_wp_error( $response )
			&& 'unsure' === strtolower( (string) wp_remote_retrieve_header( $response, 'x-commentguard-verdict' ) ) ) {
			$response['body'] = 'false';
		}
		return $response;
	},
	10,
	3
);

/*
 * 2. Remember the verdict and id of a new comment's check; an unsure one waits as pending
 *    (Akismet's own pre_comment_approved filter runs at 10, this one after it), and the id is
 *    kept in the comment's meta once WordPress has stored it.
 */
$GLOBALS['commentguard_last'] = null;
add_action(
	'akismet_comment_check_response',
	function ( $response ) {
		$headers = is_array( $response ) && isset( $response[0] ) ? $response[0] : null;
		$GLOBALS['commentguard_last'] = null;
		if ( is_array( $headers ) || $headers instanceof ArrayAccess ) {
			$GLOBALS['commentguard_last'] = array(
				'verdict' => strtolower( trim( (string) ( $headers['x-commentguard-verdict'] ?? '' ) ) ),
				'id'      => trim( (string) ( $headers['x-commentguard-id'] ?? '' ) ),
			);
		}
	}
);
add_filter(
	'pre_comment_approved',
	function ( $approved ) {
		$last    = $GLOBALS['commentguard_last'];
		$pending = ! defined( 'COMMENTGUARD_UNSURE_PENDING' ) || COMMENTGUARD_UNSURE_PENDING;
		if ( $pending && $last && 'unsure' === $last['verdict'] && ! is_wp_error( $approved )
			&& 'trash' !== $approved && 'spam' !== $approved ) {
			return 0;
		}
		return $approved;
	},
	20
);
add_action(
	'comment_post',
	function ( $comment_id ) {
		$last = $GLOBALS['commentguard_last'];
		if ( $last && preg_match( '/^akismet-[0-9a-f]{32}$/', $last['id'] ) ) {
			update_comment_meta( $comment_id, COMMENTGUARD_META, $last['id'] );
		}
		$GLOBALS['commentguard_last'] = null;
	}
);

// Administrators see our id in the REST API (context=edit) as meta.commentguard_id.
add_action(
	'init',
	function () {
		register_meta(
			'comment',
			COMMENTGUARD_META,
			array(
				'type'          => 'string',
				'single'        => true,
				'show_in_rest'  => true,
				'auth_callback' => function () {
					return current_user_can( 'moderate_comments' );
				},
			)
		);
	}
);

/*
 * 3. The decision callback: POST /wp-json/commentguard/v1/decision, signed
 *    "CommentGuard-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>".
 */
function commentguard_callback_secret() {
	if ( defined( 'COMMENTGUARD_CALLBACK_SECRET' ) ) {
		return (string) COMMENTGUARD_CALLBACK_SECRET;
	}
	return (string) get_option( 'commentguard_callback_secret', '' );
}

/** Return null when the signature holds, else the reason it does not. */
function commentguard_signature_error( $header, $raw, $secret ) {
	$t  = null;
	$v1 = array();
	foreach ( explode( ',', (string) $header ) as $part ) {
		$pair = explode( '=', trim( $part ), 2 );
		if ( 2 === count( $pair ) && 't' === $pair[0] && null === $t && ctype_digit( $pair[1] ) ) {
			$t = (int) $pair[1];
		} elseif ( 2 === count( $pair ) && 'v1' === $pair[0] ) {
			$v1[] = $pair[1];
		}
	}
	if ( null === $t ) {
		return 'no CommentGuard-Signature header with t=<unix seconds>';
	}
	if ( abs( time() - $t ) > COMMENTGUARD_WINDOW ) {
		return "signed at $t, outside the " . COMMENTGUARD_WINDOW . ' s window';
	}
	$expected = hash_hmac( 'sha256', $t . '.' . $raw, $secret );
	foreach ( $v1 as $candidate ) {
		if ( hash_equals( $expected, $candidate ) ) {
			return null;
		}
	}
	return 'the signature does not match the body';
}

function commentguard_receive_decision( WP_REST_Request $request ) {
	$secret = commentguard_callback_secret();
	if ( '' === $secret ) {
		return new WP_Error( 'commentguard_no_secret', 'set the option commentguard_callback_secret first', array( 'status' => 503 ) );
	}
	$raw   = $request->get_body();
	$error = commentguard_signature_error( $request->get_header( 'CommentGuard-Signature' ), $raw, $secret );
	if ( null !== $error ) {
		return new WP_Error( 'commentguard_bad_signature', $error, array( 'status' => 401 ) );
	}
	$event = json_decode( $raw, true );
	$types = array( 'comment.decided', 'comment.reopened' );
	if ( ! is_array( $event ) || empty( $event['event_id'] ) || empty( $event['comment_id'] )
		|| ! in_array( $event['type'] ?? '', $types, true ) ) {
		return new WP_Error( 'commentguard_bad_event', 'need event_id, comment_id and type comment.decided or comment.reopened', array( 'status' => 422 ) );
	}
	$seen = 'commentguard_event_' . md5( (string) $event['event_id'] );
	if ( get_transient( $seen ) ) {
		return array( 'status' => 'duplicate' );
	}
	$decision = $event['decision'] ?? null;
	if ( 'comment.reopened' === $event['type'] ) {
		$wanted = 'hold';
	} elseif ( 'spam' === $decision ) {
		$wanted = 'spam';
	} elseif ( 'ham' === $decision ) {
		$wanted = 'approve';
	} else {
		return new WP_Error( 'commentguard_bad_event', 'comment.decided needs decision spam or ham', array( 'status' => 422 ) );
	}
	$found = get_comments(
		array(
			'meta_key'   => COMMENTGUARD_META,
			'meta_value' => (string) $event['comment_id'],
			'status'     => 'any',
			'number'     => 1,
			'fields'     => 'ids',
		)
	);
	if ( ! $found ) {
		// Discarded spam was never stored; nothing to apply, and retrying would not help.
		set_transient( $seen, 1, COMMENTGUARD_EVENT_DAYS * DAY_IN_SECONDS );
		return array( 'status' => 'unknown_comment' );
	}
	$id      = (int) $found[0];
	$current = array( 'approved' => 'approve', 'unapproved' => 'hold', 'spam' => 'spam', 'trash' => 'trash' );
	$before  = $current[ wp_get_comment_status( $id ) ] ?? '';
	if ( $before !== $wanted && ! wp_set_comment_status( $id, $wanted ) ) {
		return new WP_Error( 'commentguard_not_applied', "could not set comment $id to $wanted", array( 'status' => 500 ) );
	}
	set_transient( $seen, 1, COMMENTGUARD_EVENT_DAYS * DAY_IN_SECONDS );
	return array( 'status' => 'applied', 'comment' => $id, 'comment_status' => $wanted );
}

add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'commentguard/v1',
			'/decision',
			array(
				'methods'             => 'POST',
				'callback'            => 'commentguard_receive_decision',
				'permission_callback' => '__return_true', // the signature is the authentication
			)
		);
	}
);
