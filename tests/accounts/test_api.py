"""Token endpoint: success, failure, lock-out, malformed input."""
from tests.factories import PASSWORD


def test_token_roundtrip(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "manager", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["role"] == "manager"


def test_wrong_password_401(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "manager", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"


def test_lockout_after_repeated_failures(client, world):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "manager", "password": "nope"})
    response = client.post("/api/v1/auth/token", json={"username": "manager", "password": PASSWORD})
    assert response.status_code == 401
    assert "5" in response.get_json()["error"]["message"] or response.get_json()["error"]["message"]
    other = client.post("/api/v1/auth/token", json={"username": "finance", "password": PASSWORD})
    assert other.status_code == 200


def test_malformed_json_400(client, world):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_unknown_field_and_wrong_type_422(client, world):
    response = client.post("/api/v1/auth/token", json={"username": 5, "password": "x", "extra": 1})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "username" in fields and "extra" in fields


def test_invalid_bearer_401(client, world):
    response = client.get("/api/v1/estates", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_lists_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in spec["paths"] and "/api/v1/rooms/{room}" in spec["paths"]
