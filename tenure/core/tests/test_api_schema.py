"""The OpenAPI schema generates without warnings; Swagger UI is served locally; API errors are JSON."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


def test_schema_generates_and_validates_without_warnings(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    assert "openapi: 3" in schema
    assert "/api/v1/customers/{id}/timeline/" in schema
    assert "/api/v1/customers/lookup/" in schema


def test_schema_documents_token_auth(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert "tenure token create" in scheme["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/customers/"]["get"]["security"]


def test_swagger_ui_is_served_from_the_sidecar_not_a_cdn(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nowhere/", "/api/v1/customers/1/nothing/"])
def test_api_paths_answer_json(agent, path):
    client = APIClient()
    client.force_login(agent)
    response = client.get(path)
    assert response["Content-Type"].startswith("application/json")


def test_a_missing_final_slash_redirects_gets_and_explains_posts(agent):
    client = APIClient()
    client.force_authenticate(agent)
    response = client.get("/api/v1/customers?q=x")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/customers/?q=x"
    response = client.post("/api/v1/customers", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert "/api/v1/customers/" in response.json()["detail"]
