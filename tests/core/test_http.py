"""Errors never leak a stack trace; one shape for the API."""
import pytest


@pytest.fixture
def boom_app(app):
    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/_boom")
    def boom_page():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_api_500_has_contract_shape_and_no_trace(boom_app):
    response = boom_app.test_client().get("/api/v1/_boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "internal"
    assert "secret internals" not in response.get_data(as_text=True)


def test_page_500_has_no_trace(boom_app):
    response = boom_app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_method_not_allowed_is_json_on_api(client):
    response = client.delete("/api/v1/estates")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_anonymous_page_redirects_to_login(client):
    response = client.get("/estates")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_auditor_cannot_write_anything(app, world):
    from tests.factories import bearer

    @app.post("/api/v1/_write")
    def write():
        return {"written": True}

    client = app.test_client()
    response = client.post("/api/v1/_write", json={}, headers=bearer(client, "auditor"))
    assert response.status_code == 403
    assert client.post("/api/v1/_write", json={}, headers=bearer(client, "manager")).status_code == 200
