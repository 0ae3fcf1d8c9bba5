"""Inputs that used to answer 500 (or too much) answer 400/401/404/405/413/422 in the error shape:
offsets and ids beyond the database's integers, JSON nested 100,000 deep or too large, anonymous
bodies, methods a URL does not allow; and the OpenAPI document says which statuses can happen."""
import io
import json
import re

import pytest

from pms.core.api import MAX_ID, MAX_JSON_DEPTH
from pms.core.pagination import MAX_LIMIT, MAX_OFFSET
from tests.factories import bearer
from tests.web import logged_in

HUGE = 2**64  # beyond what SQLite can bind (it raised OverflowError: a 500)


def error_of(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.mark.parametrize("path", ["/api/v1/rooms", "/api/v1/tickets"])
def test_offsets_and_limits_beyond_the_bounds_are_422(client, world, path):
    headers = bearer(client, "manager")
    for query, field in ((f"offset={2**63}", "offset"), (f"offset={MAX_OFFSET + 1}", "offset"),
                         ("offset=-1", "offset"), (f"limit={MAX_LIMIT + 1}", "limit"), ("limit=0", "limit")):
        error = error_of(client.get(f"{path}?{query}", headers=headers), 422)
        assert list(error["fields"]) == [field], (query, error)
    page = client.get(f"{path}?offset={MAX_OFFSET}&limit={MAX_LIMIT}", headers=headers)
    assert page.status_code == 200 and page.get_json()["items"] == []


@pytest.mark.parametrize("path", [f"/api/v1/tickets/{HUGE}", f"/api/v1/tickets/{MAX_ID + 1}",
                                  f"/api/v1/tickets/{2**63}/photos/1", f"/api/v1/planned-works/{HUGE}/notice.pdf",
                                  "/api/v1/tickets/１２"])
def test_ids_beyond_the_database_integers_are_404_in_the_api(client, world, path):
    error = error_of(client.get(path, headers=bearer(client, "manager")), 404)
    assert error["code"] == "not_found"


def test_ids_beyond_the_database_integers_are_404_on_pages_and_posts(client, world):
    logged_in(client, "manager")
    assert client.get(f"/maintenance/tickets/{HUGE}").status_code == 404
    assert client.get(f"/maintenance/tickets/{MAX_ID + 1}").status_code == 404
    assert client.post(f"/maintenance/tickets/{HUGE}/notes", data={"note": "x"}).status_code == 404
    assert client.post(f"/payments/{HUGE}/reversal", data={"reason": "x"}).status_code == 404
    error_of(client.post(f"/api/v1/payments/{HUGE}/reversal", json={"reason": "x"},
                         headers=bearer(client, "finance")), 404)


def test_json_nested_100000_deep_is_400(client, world):
    headers = {**bearer(client, "finance"), "Content-Type": "application/json"}
    error = error_of(client.post("/api/v1/payments", data="[" * 100_000 + "]" * 100_000, headers=headers), 400)
    assert error["code"] == "bad_request"
    # Deeper than the limit but shallow enough to parse: refused as well, before any schema walks it.
    nested = {"room": "YJL-3-2-501", "amount_fen": 100, "channel": "cash", "reference": "x"}
    deep = 1
    for _ in range(MAX_JSON_DEPTH):
        deep = [deep]
    error_of(client.post("/api/v1/payments", json={**nested, "reference": deep}, headers=headers), 400)
    # A document within the limit is parsed, and then judged by its schema.
    shallow = 1
    for _ in range(MAX_JSON_DEPTH - 2):
        shallow = [shallow]
    error = error_of(client.post("/api/v1/payments?lang=en", json={**nested, "reference": shallow},
                                 headers=headers), 422)
    assert error["fields"] == {"reference": ["Not a valid string."]}


@pytest.mark.parametrize("data", ['{"amount_fen": NaN}', '{"amount_fen": Infinity}', b'{"room": "\xff"}',
                                  '{"amount_fen": ' + "9" * 5000 + "}", "", "[1,"])
def test_bodies_that_are_not_json_are_400(client, world, data):
    headers = {**bearer(client, "finance"), "Content-Type": "application/json"}
    assert error_of(client.post("/api/v1/payments?lang=en", data=data, headers=headers), 400)["code"] == "bad_request"


def test_json_bodies_above_1_mb_are_413(client, world):
    headers = bearer(client, "manager")
    plan = {"estate": "YJL", "effective_from": "2026-01", "due_day": 15,
            "items": [{"code": f"F{i}", "name": "停车费", "kind": "fixed", "amount_fen": 100}
                      for i in range(20_000)]}
    body = json.dumps(plan)
    assert len(body) > 1024 * 1024
    error = error_of(client.put("/api/v1/estates/YJL/fee-plan?lang=en", data=body,
                                content_type="application/json", headers=headers), 413)
    assert error["code"] == "too_large" and "1 MB" in error["message"]


def test_a_chunked_json_body_is_cut_at_the_limit(client, world, app):
    app.config["MAX_JSON_BYTES"] = 1024
    headers = {**bearer(client, "finance"), "Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    body = json.dumps({"room": "YJL-3-2-501", "amount_fen": 100, "channel": "cash", "reference": "x" * 4000})
    # As gunicorn serves it: no Content-Length, the server marks the end of the input.
    response = client.post("/api/v1/payments", input_stream=io.BytesIO(body.encode()), headers=headers,
                           environ_overrides={"wsgi.input_terminated": True})
    assert error_of(response, 413)["code"] == "too_large"


def test_anonymous_bodies_are_401_not_validated(client, world):
    """Every documented operation but the token exchange: 401 before the body is read."""
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, operations in spec["paths"].items():
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        for method, op in operations.items():
            if "security" not in op:  # the token exchange
                continue
            response = client.open(url, method=method.upper(), json={"room": 1, "amount_fen": "lots"})
            assert error_of(response, 401)["fields"] == {}, (method, path)
            checked += 1
    assert checked > 40
    # the finding: an anonymous payment with a wrong body used to get 422 with field details
    assert error_of(client.post("/api/v1/payments", json={"room": 1}), 401)["fields"] == {}


@pytest.mark.parametrize("method, path", [("TRACE", "/api/v1/estates"), ("DELETE", "/api/v1/payments"),
                                          ("TRACE", "/"), ("PUT", "/login"), ("PATCH", "/api/v1/openapi.json")])
def test_every_405_says_which_methods_are_allowed(client, world, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.headers.get("Allow"), response.headers
    assert method not in response.headers["Allow"]
    if path.startswith("/api/"):
        assert error_of(response, 405)["code"] == "method_not_allowed"


def test_the_language_switch_is_not_an_unknown_query_field(client, world):
    headers = bearer(client, "manager")
    assert client.get("/api/v1/billing-runs?lang=en", headers=headers).status_code == 200
    assert client.get("/api/v1/rooms?lang=zh_CN&q=501", headers=headers).status_code == 200


def test_openapi_documents_every_status_an_operation_can_return(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path, operations in paths.items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"401", "503"} <= codes, (method, path)
            if "requestBody" in op:
                assert {"400", "413", "422"} <= codes, (method, path)
            if method != "get":
                assert {"403", "409"} <= codes, (method, path)
            for code in (c for c in codes if not c.startswith("2")):
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    token = paths["/api/v1/auth/token"]["post"]
    assert "security" not in token and "429" in token["responses"]
    run = paths["/api/v1/billing-runs"]["post"]["responses"]
    assert {"200", "201"} <= set(run)
    arrears = paths["/api/v1/estates/{estate}/arrears"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(arrears)
    ticket = paths["/api/v1/tickets/{id}"]["get"]
    assert ticket["parameters"][0]["schema"] == {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    assert "409" not in ticket["responses"] and "404" in ticket["responses"]
    photos = paths["/api/v1/tickets/{id}/photos"]["post"]
    assert "multipart/form-data" in photos["requestBody"]["content"] and "413" in photos["responses"]


def test_nul_characters_are_400_everywhere(client, world):
    """PostgreSQL refuses NUL in any text parameter: the driver's error used to be a 500."""
    headers = bearer(client, "manager")
    ticket = {"room": "YJL-3-2-501", "category": "plumbing", "description": "漏水", "urgency": "normal"}
    for response in (
            client.get("/api/v1/rooms", query_string={"q": "a\x00b"}, headers=headers),
            client.get("/api/v1/rooms", query_string={"x\x00": "1"}, headers=headers),
            client.get("/api/v1/estates/YJL%00", headers=headers),
            client.post("/api/v1/tickets", json={**ticket, "description": "a\x00b"}, headers=headers),
            client.post("/api/v1/tickets", json={**ticket, "\x00": 1}, headers=headers),
            client.post("/api/v1/auth/token", json={"username": "manager\x00", "password": "x"})):
        error = error_of(response, 400)
        assert error["code"] == "bad_request", error
    logged_in(client, "manager")
    assert client.get("/rooms", query_string={"q": "\x00"}).status_code == 400
    assert client.post("/maintenance/new", data={**ticket, "description": "a\x00"}).status_code == 400


def test_lone_surrogates_in_json_are_400(client, world):
    """'\\ud800' parses as JSON but is no UTF-8 text: both database drivers failed on it (a 500)."""
    headers = {**bearer(client, "manager"), "Content-Type": "application/json"}
    ticket = '{"room": "YJL-3-2-501", "category": "plumbing", "description": "a\\ud800b", "urgency": "normal"}'
    assert error_of(client.post("/api/v1/tickets", data=ticket, headers=headers), 400)["code"] == "bad_request"
    token = '{"username": "\\udfff", "password": "x"}'
    assert error_of(client.post("/api/v1/auth/token", data=token, content_type="application/json"), 400)
    paired = ticket.replace("\\ud800", "\\ud83d\\ude00")  # a surrogate pair is one character: fine
    assert client.post("/api/v1/tickets", data=paired, headers=headers).status_code == 201


def test_a_multipart_part_without_a_name_is_not_a_server_error(client, world):
    """Werkzeug gives a nameless part the key None (found by the API fuzzing): the NUL guard skips
    it and the endpoint answers as for any other unknown field."""
    body = (b'--XX\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--XX--\r\n')
    response = client.post("/api/v1/tickets/1/photos", data=body, headers={
        **bearer(client, "manager"), "Content-Type": "multipart/form-data; boundary=XX"})
    assert response.status_code < 500, response.get_data(as_text=True)
