"""API plumbing: validation messages reach the user in their language, with the values kept."""
import pytest

from pms.core.api import localize_message
from tests.factories import bearer


@pytest.mark.parametrize("lang, expected", [
    ("zh_CN", {"amount_fen": ["须在 1 到 1000000000 之间（含）。"],
               "channel": ["须为以下之一：cash, bank, wechat, alipay。"],
               "room": ["此项为必填项。"]}),
    ("en", {"amount_fen": ["Must be greater than or equal to 1 and less than or equal to 1000000000."],
            "channel": ["Must be one of: cash, bank, wechat, alipay."],
            "room": ["Missing data for required field."]}),
])
def test_marshmallow_messages_in_the_users_language(client, world, lang, expected):
    response = client.post(f"/api/v1/payments?lang={lang}", headers=bearer(client, "finance"),
                           json={"amount_fen": 0, "channel": "cheque"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["fields"] == expected
    assert error["message"] == ("部分字段有误。" if lang == "zh_CN" else "Some fields are invalid.")


def test_a_form_error_in_chinese(client, world):
    from tests.billing.test_views_accounts import login

    login(client, "finance")
    page = client.post("/rooms/YJL-3-2-501/payments?lang=zh_CN", data={"amount": "abc", "channel": "cash"})
    assert page.status_code == 422 and "请输入以元为单位的金额，例如 123.45。" in page.get_data(as_text=True)


def test_unknown_messages_stay_as_they_are(app):
    with app.test_request_context("/?lang=zh_CN"):
        assert localize_message("Something nobody wrote a template for.") == "Something nobody wrote a template for."
        assert localize_message("Longer than maximum length 255.") == "长度不能超过 255。"
