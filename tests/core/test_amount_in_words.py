"""amount_in_words: amounts in Chinese capital numerals (大写) as receipts write them.

The cases are worked out by hand from the banks' rules for 大写金额: 零 once for a run of zeros
between non-zero digits (also across 万 and 亿), 拾 keeps its 壹, 整 after whole yuan only, no 元
when there is no yuan. A reader written independently here parses every output back."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pms.core.money import MAX_WORDS_FEN, amount_in_words


@pytest.mark.parametrize("fen, words", [
    (0, "零元整"),
    (5, "伍分"),                                  # 0.05
    (50, "伍角"),                                 # 0.50
    (15, "壹角伍分"),                              # 0.15
    (100, "壹元整"),
    (105, "壹元零伍分"),                           # 1.05: 零 for the missing 角
    (1000, "壹拾元整"),                            # 10.00
    (1005, "壹拾元零伍分"),                         # 10.05
    (1050, "壹拾元伍角"),                           # 10.50
    (12345, "壹佰贰拾叁元肆角伍分"),                 # 123.45
    (100520, "壹仟零伍元贰角"),                      # 1,005.20
    (105000, "壹仟零伍拾元整"),                      # 1,050.00
    (10001000, "壹拾万零壹拾元整"),                  # 100,010.00
    (101000000, "壹佰零壹万元整"),                   # 1,010,000.00
    (123056780, "壹佰贰拾叁万零伍佰陆拾柒元捌角"),      # 1,230,567.80
    (1000000100, "壹仟万零壹元整"),                   # 10,000,001.00
    (1000100000, "壹仟万零壹仟元整"),                  # 10,001,000.00
    (10000000000, "壹亿元整"),                        # 100,000,000.00
    (10100000000, "壹亿零壹佰万元整"),                 # 101,000,000.00
    (11000000000, "壹亿壹仟万元整"),                   # 110,000,000.00
    (10000000001, "壹亿元零壹分"),                     # 100,000,000.01
    (20030006, "贰拾万零叁佰元零陆分"),                 # 200,300.06
    (MAX_WORDS_FEN, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
])
def test_hand_computed(fen, words):
    assert amount_in_words(fen) == words


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (MAX_WORDS_FEN + 1, ValueError), (1.5, TypeError),
                                        (True, TypeError), ("100", TypeError)])
def test_refuses(bad, error):
    with pytest.raises(error):
        amount_in_words(bad)


DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}
BIG = {"万": 10 ** 4, "亿": 10 ** 8}


def read_words(words: str) -> int:
    """The fen an amount in words stands for (a plain reader of the numerals, not the writer)."""
    yuan_part, _sep, rest = words.partition("元") if "元" in words else ("", "", words)
    total = section = digit = 0
    for char in yuan_part:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in SMALL:
            section += digit * SMALL[char]
            digit = 0
        elif char in BIG:
            total = (total + section + digit) * BIG[char] if char == "亿" else total + (section + digit) * BIG[char]
            section = digit = 0
    yuan = total + section + digit
    cents, digit = 0, 0
    for char in rest:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char == "角":
            cents += 10 * digit
        elif char == "分":
            cents += digit
    return yuan * 100 + cents


@given(st.one_of(st.integers(0, 10 ** 6), st.integers(0, MAX_WORDS_FEN)))
def test_words_read_back_to_the_amount(fen):
    words = amount_in_words(fen)
    assert read_words(words) == fen
    assert "零零" not in words and not words.endswith("零")
    assert words.endswith("整") == (fen % 100 == 0)
