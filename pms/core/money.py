"""Money in integer fen: parsing, formatting, rounding and exact splitting."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def parse_yuan(text: str) -> int:
    """'12.30', '12.3元', '¥1,234.50' → fen; raises ValueError on anything else."""
    cleaned = str(text).strip().replace(",", "").replace("¥", "").replace("元", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {text!r}") from exc
    if not value.is_finite():  # 'NaN', 'Infinity' parse as Decimals but are no amounts
        raise ValueError(f"not an amount of money: {text!r}")
    if value.as_tuple().exponent < -2:
        raise ValueError(f"more than two decimals: {text!r}")
    return int(value * 100)


def format_fen(fen: int, *, symbol: str = "¥", grouping: bool = True) -> str:
    """12345 → '¥123.45' (negative amounts keep their sign)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}" if grouping else f"{sign}{symbol}{yuan}.{cents:02d}"


def fen_to_yuan_text(fen: int) -> str:
    """Fen as a plain yuan amount for a form field ("1234.50"), the inverse of parse_yuan."""
    return format_fen(fen, symbol="", grouping=False)


def quantize_half_up(value, places: int = 0) -> Decimal:
    """`value` (Decimal, int, or a float/str read as written: 2.675 → '2.675') rounded half-up
    (ties away from zero) to `places` decimals: the one rounding rule of the house."""
    number = value if isinstance(value, (Decimal, int)) else Decimal(str(value))
    return Decimal(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_half_up(value) -> int:
    """Round a number of fen (a Decimal) half-up to a whole fen."""
    return int(quantize_half_up(value))


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half-up (ties away from zero) in integers, no Decimal or
    float: 7 ÷ 2 → 4, -7 ÷ 2 → -4, 1 ÷ 3 → 0."""
    if denominator == 0:
        raise ZeroDivisionError("divide_half_up by zero")
    quotient = (2 * abs(numerator) + abs(denominator)) // (2 * abs(denominator))
    return -quotient if (numerator < 0) != (denominator < 0) else quotient


def split_largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split `total` fen in proportion to `weights`; the parts add up exactly to `total`.

    Ties in the remainder go to the earlier position (callers order by room code).
    All-zero weights give all-zero parts unless total is 0 — that case is the caller's error.
    """
    if total < 0:
        raise ValueError("cannot split a negative amount")
    weight_sum = sum(weights)
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if weight_sum == 0:
        if total:
            raise ValueError("cannot split a non-zero amount over zero weights")
        return [0] * len(weights)
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("仟", "佰", "拾", "")  # within a group of four digits, thousands first
_GROUPS = ("亿", "万", "")  # groups of four digits, highest first
MAX_WORDS_FEN = 10 ** 14 - 1  # 9,999,9999,9999.99 yuan: the largest amount with 亿 as the top group


def _four_digits(value: int) -> str:
    """1005 → 壹仟零伍, 1050 → 壹仟零伍拾, 10 → 壹拾 (one 零 for a run of zeros between digits)."""
    out, zero = [], False
    for digit, place in zip(f"{value:04d}", _PLACES):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[int(digit)] + place)
    return "".join(out)


def amount_in_words(fen: int) -> str:
    """An amount in Chinese capital numerals (大写金额) as receipts and cheques write it.

    123.45 → 壹佰贰拾叁元肆角伍分, 10.00 → 壹拾元整, 1,005.20 → 壹仟零伍元贰角, 0.05 → 伍分,
    1.05 → 壹元零伍分, 100,010.00 → 壹拾万零壹拾元整, 0 → 零元整. One 零 stands for a run of zeros
    between non-zero digits (across 万 and 亿 too); 整 closes an amount of whole yuan. Pure.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amount_in_words takes whole fen (int)")
    if fen < 0 or fen > MAX_WORDS_FEN:
        raise ValueError(f"amount out of range: {fen}")
    if fen == 0:
        return "零元整"
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    words = []
    if yuan:
        groups = [(yuan // 10 ** (4 * i)) % 10000 for i in (2, 1, 0)]
        gap = False  # a zero (a whole group, or leading zeros of this group) since the last digit
        for value, unit in zip(groups, _GROUPS):
            if value == 0:
                gap = gap or bool(words)
                continue
            if words and (gap or value < 1000):
                words.append("零")
            words.append(_four_digits(value) + unit)
            gap = value % 10 == 0
        words.append("元")
        if cents == 0:
            return "".join(words) + "整"
    if jiao:
        words.append(_DIGITS[jiao] + "角")
    elif yuan:
        words.append("零")  # 壹元零伍分
    if fen_digit:
        words.append(_DIGITS[fen_digit] + "分")
    return "".join(words)
