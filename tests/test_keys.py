import pytest

from service.keys import KeyPrefixError, Keys, hash_tag


def test_literal_keys_under_the_default_prefix():
    keys = Keys()
    assert keys.comment("blog.example.com", "c-1") == "{cg}:comment:blog.example.com:c-1"
    assert keys.api_key("ab12") == "{cg}:apikey:ab12"
    assert keys.api_keys() == "{cg}:apikeys"
    assert keys.review_stream() == "{cg}:review"
    assert keys.labels_stream() == "{cg}:labels"
    assert keys.akismet_usage("blog", "2026-11") == "{cg}:akismet-usage:blog:2026-11"
    assert keys.site_languages("blog") == "{cg}:site-languages:blog"
    assert keys.signal_text("abc") == "{cg}:sig:text:abc"


def test_prefix_is_configurable():
    assert Keys("other:").comment("s", "1") == "other:comment:s:1"


def test_literal_review_and_moderator_keys():
    keys = Keys()
    assert keys.review_index() == "{cg}:review:index"
    assert keys.review_decided() == "{cg}:review:decided"
    assert keys.audit_stream() == "{cg}:audit"
    assert keys.moderator("ann") == "{cg}:moderator:ann"
    assert keys.moderators() == "{cg}:moderators"
    assert keys.moderator_token("ab12") == "{cg}:modtoken:ab12"
    assert Keys("other:").moderator("ann") == "other:moderator:ann"


def test_literal_blogger_connector_keys():
    keys = Keys()
    assert keys.blogger_cursor("807") == "{cg}:blogger:807:cursor"
    assert keys.blogger_applied("807") == "{cg}:blogger:807:applied"
    assert keys.blogger_unsure("807") == "{cg}:blogger:807:unsure"


def test_literal_delivery_keys():
    keys = Keys()
    assert keys.outbox() == "{cg}:outbox"
    assert keys.outbox_retry() == "{cg}:outbox:retry"
    assert keys.outbox_attempts() == "{cg}:outbox:attempts"
    assert keys.dead_letters() == "{cg}:outbox:dead"
    assert keys.callback("blog.example.com") == "{cg}:callback:blog.example.com"
    assert Keys("other:").outbox() == "other:outbox"


def test_literal_login_and_session_keys():
    keys = Keys()
    assert keys.login_ip("203.0.113.9") == "{cg}:login:ip:203.0.113.9"
    assert keys.login_account("ann", "203.0.113.9") == "{cg}:login:account:ann:203.0.113.9"
    assert keys.auth_audit() == "{cg}:auth-audit"
    assert keys.moderator_sessions("ann") == "{cg}:moderator-sessions:ann"


def test_every_key_of_the_default_prefix_shares_one_hash_tag():
    keys = Keys()
    builders = [
        getattr(Keys, name)
        for name in vars(Keys)
        if not name.startswith("_") and name != "require_hash_tag"
    ]
    # Every builder takes only string parts: call each with "x" for every part.
    built = [build(keys, *["x"] * (build.__code__.co_argcount - 1)) for build in builders]
    assert len(built) >= 15
    assert {hash_tag(key) for key in built} == {"cg"}


def test_hash_tag_is_what_a_cluster_hashes():
    assert hash_tag("{cg}:") == "cg"
    assert hash_tag("app:{tenant-1}:") == "tenant-1"
    assert hash_tag("cg:") is None
    assert hash_tag("{}:") is None


def test_a_cluster_refuses_a_prefix_without_a_hash_tag():
    Keys().require_hash_tag()
    with pytest.raises(KeyPrefixError, match="no hash tag"):
        Keys("cg:").require_hash_tag()
