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
