import pytest

from service import settings


def test_environment_overrides_defaults_and_overrides_win():
    env = {"COMMENTGUARD_MAX_BODY_BYTES": "1000", "COMMENTGUARD_HAM_CUTOFF": "0.3"}
    loaded = settings.load({"HAM_CUTOFF": 0.1}, env=env)
    assert loaded["MAX_BODY_BYTES"] == 1000
    assert loaded["HAM_CUTOFF"] == 0.1
    assert loaded["SPAM_CUTOFF"] is None
    assert loaded["REDIS_PREFIX"] == "{cg}:"


def test_empty_variables_mean_unset():
    assert settings.load(env={"COMMENTGUARD_REDIS_URL": ""})["REDIS_URL"] is None


def test_a_wrong_type_names_the_variable():
    with pytest.raises(settings.SettingsError, match="COMMENTGUARD_SPAM_CUTOFF"):
        settings.load(env={"COMMENTGUARD_SPAM_CUTOFF": "high"})


def test_every_setting_is_documented():
    import ast
    import inspect

    from service import defaults

    tree = ast.parse(inspect.getsource(defaults))
    body = tree.body
    documented = {
        node.target.id if isinstance(node, ast.AnnAssign) else node.targets[0].id
        for node, after in zip(body, body[1:], strict=False)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
    }
    assert set(settings.names()) == documented


def test_secret_key_is_created_once(tmp_path):
    first = settings.secret_key(tmp_path)
    assert len(first) == 64
    assert settings.secret_key(tmp_path) == first


def test_the_dispatcher_thread_runs_in_the_embedded_mode_unless_set():
    from service.gunicorn_conf import dispatcher_wanted

    assert dispatcher_wanted({"DISPATCHER_THREAD": "auto", "REDIS_URL": None})
    assert not dispatcher_wanted({"DISPATCHER_THREAD": "auto", "REDIS_URL": "redis://r:6379/0"})
    assert dispatcher_wanted({"DISPATCHER_THREAD": "on", "REDIS_URL": "redis://r:6379/0"})
    assert not dispatcher_wanted({"DISPATCHER_THREAD": "off", "REDIS_URL": None})
    with pytest.raises(settings.SettingsError, match="auto, on or off"):
        dispatcher_wanted({"DISPATCHER_THREAD": "sometimes", "REDIS_URL": None})
