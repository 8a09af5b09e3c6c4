"""Schemathesis over /openapi.json: no 5xx, no undocumented status code, valid answers."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth


def test_api_conforms_to_its_openapi_document(app, api_key):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {api_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert "POST /v1/comments/check" in {op.label for op in operations}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def conforms(case):
            case.call_and_validate(headers=headers, excluded_checks=[ignored_auth])

        conforms()


def test_every_route_is_documented(app):
    documented = set(app.test_client().get("/openapi.json").get_json()["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    assert routes == documented
