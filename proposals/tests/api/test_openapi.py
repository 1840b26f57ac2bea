"""The schema and the interactive docs are served by the app itself."""

import pytest
from django.test import Client

from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_describes_every_endpoint_and_its_errors(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {
        (method.upper(), path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    expected = {
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/proposals"),
        ("POST", "/api/v1/proposals"),
        ("GET", "/api/v1/proposals/{id}"),
        ("PATCH", "/api/v1/proposals/{id}"),
        ("POST", "/api/v1/proposals/{id}/transitions"),
        ("POST", "/api/v1/proposals/{id}/join-requests"),
        ("POST", "/api/v1/join-requests/{id}/accept"),
        ("POST", "/api/v1/join-requests/{id}/decline"),
        ("POST", "/api/v1/proposals/{id}/leave"),
        ("GET", "/api/v1/proposals/{id}/comments"),
        ("POST", "/api/v1/proposals/{id}/comments"),
        ("POST", "/api/v1/proposals/{id}/cheer"),
    }
    assert expected <= set(operations)
    for key in expected:
        assert "401" in operations[key]["responses"], key
        assert {"TokenAuth": []} in operations[key]["security"], key
    transition = operations[("POST", "/api/v1/proposals/{id}/transitions")]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(transition)
    conflict = transition["409"]["content"]["application/json"]["schema"]["$ref"]
    assert conflict.endswith("/ConflictOut")
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_the_docs_page_uses_the_apps_own_static_files(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "/api/openapi.json" in html


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v2/proposals", "/api/v1/proposals/1/x"]
)
def test_unknown_api_paths_are_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/board", ["GET"]),
        ("put", "/api/v1/proposals", ["GET", "POST"]),
        ("get", "/api/v1/join-requests/1/accept", ["POST"]),
    ],
)
def test_a_wrong_method_is_a_json_405_that_names_the_right_ones(client, method, path, allowed):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    body = response.json()
    assert sorted(body["allowed"]) == allowed
    assert method.upper() in body["message"] and allowed[0] in body["message"]
    assert sorted(response["Allow"].replace(" ", "").split(",")) == allowed


def test_a_write_to_an_unknown_api_path_is_a_json_404_even_without_a_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())

    response = browser.post("/api/v1/nothing-here", {"x": "1"})

    assert response.status_code == 404
    assert response.json()["message"]


def test_a_wrong_method_outside_the_api_keeps_djangos_answer(client):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert not response["Content-Type"].startswith("application/json")
