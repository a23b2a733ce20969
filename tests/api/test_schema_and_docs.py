"""/api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI from our own static files)."""

import re

from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.test_access_matrix import api_routes


def test_the_schema_is_openapi_3_and_lists_every_api_route(db):
    response = APIClient().get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    documented = {path for path in schema["paths"]}
    for pattern in api_routes().values():
        path = "/api/v1/" + re.sub(r"<str:pk>", "{id}", pattern)
        assert path in documented, path
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_interactive_docs_load_swagger_ui_from_our_static_files_not_a_cdn(db):
    html = APIClient().get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"cdn|unpkg|jsdelivr|cloudflare", html, re.IGNORECASE)


def test_the_schema_generates_without_a_warning_and_validates(db, tmp_path):
    from django.core.management import call_command

    # A warning means drf-spectacular had to guess a type: the schema would lie to clients and to the fuzzer.
    call_command("spectacular", file=str(tmp_path / "schema.yaml"), validate=True, fail_on_warn=True)
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_every_schema_describes_its_data_not_how_the_code_builds_it(db):
    # A serializer without its own docstring is described by the first one in its bases: a mixin's
    # notes about DRF internals once showed as the check-in's description to the API's readers.
    response = APIClient().get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    components = response.json()["components"]["schemas"]
    assert components["CheckIn"]["description"].startswith("A stored check-in")
    for name, component in components.items():
        description = component.get("description", "")
        assert not re.search(r"\bDRF\b|serializer|cProfile|mixin", description, re.IGNORECASE), (name, description)
