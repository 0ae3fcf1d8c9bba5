"""One e-mail check for accounts and the outbox: an address an account may have is one it is sent to."""
import pytest

from pms.core.addresses import is_email_address


@pytest.mark.parametrize("address", ["wang@anju.example.cn", "li.si+alerts@example.com", "ops@localhost"])
def test_plain_addresses_pass(address):
    assert is_email_address(address)


@pytest.mark.parametrize("address", ["", "li.anju.example.cn", "a@b@c.cn", "王@例子.中国", "x@-bad.cn",
                                     "a b@example.cn", "a@example.cn\r\nBcc: x@evil.cn", "Wang <wang@anju.cn>"])
def test_anything_else_is_refused(address):
    assert not is_email_address(address)
