<?php
// Router for `php -S 127.0.0.1:PORT -t DOCROOT DOCROOT/router.php`: existing files and
// directories are served as usual (PHP files run); everything else goes to WordPress's
// index.php, so pretty permalinks and /wp-json/ work as under Apache's mod_rewrite.
$path = urldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( $path !== '/' && file_exists( __DIR__ . $path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
require __DIR__ . '/index.php';
