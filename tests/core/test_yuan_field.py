"""The yuan field (pms.core.fields.Yuan): forms and the CLI type yuan, services get integer fen."""
import pytest
from marshmallow import Schema, ValidationError

from pms.core.fields import Yuan


class _Form(Schema):
    amount = Yuan()
    price = Yuan(minimum_fen=1, maximum_fen=10_000_000)


@pytest.mark.parametrize(("text", "fen"), [("45", 4500), ("45.5", 4550), ("¥45.50", 4550), ("12.3元", 1230),
                                          ("1,234.56", 123456), ("0", 0), ("1000000", 100_000_000)])
def test_yuan_to_fen(text, fen):
    assert _Form().load({"amount": text}) == {"amount": fen}


@pytest.mark.parametrize(("data", "message"), [
    ({"amount": "abc"}, "Enter an amount such as 45.50."),
    ({"amount": "1.234"}, "Enter an amount such as 45.50."),
    ({"amount": "NaN"}, "Enter an amount such as 45.50."),
    ({"amount": "-1"}, "Must not be negative."),
    ({"amount": "1000000.01"}, "Must be less than or equal to 1000000."),
    ({"price": "0"}, "Must be greater than or equal to 0.01."),
    ({"price": "100000.01"}, "Must be less than or equal to 100000."),
])
def test_yuan_refusals(data, message):
    with pytest.raises(ValidationError) as info:
        _Form().load(data)
    [messages] = info.value.messages.values()
    assert messages == [message]
