"""Pure elder-care rules, hand-computed: ages at the exact birthday, allowances from rules kept
as data with effective dates, service subsidies, recurrences, home codes, windows."""
from datetime import date, time

import pytest

from pms.eldercare import rules
from pms.eldercare.rules import Rule, ServiceSubsidy, age_on, allowances_on

START = date(2019, 7, 1)
SHIPPED = [Rule("age_80_89", 10000, START), Rule("age_90_99", 50000, START), Rule("age_100_plus", 80000, START),
           Rule("dibao", 30000, START), Rule("low_income", 20000, START), Rule("family_planning", 10000, START),
           Rule("disability_1", 60000, START), Rule("disability_2", 40000, START)]


def codes(day, birth, hardship=None, tier=None, rule_set=SHIPPED):
    return [(a.code, a.amount_fen) for a in allowances_on(day, birth_date=birth, hardship=hardship,
                                                         disability_tier=tier, rules=rule_set)]


@pytest.mark.parametrize("birth, day, age", [
    (date(1946, 3, 2), date(2026, 3, 1), 79),   # the day before the 80th birthday
    (date(1946, 3, 2), date(2026, 3, 2), 80),   # the day of it
    (date(1936, 2, 29), date(2026, 2, 28), 89),  # 29 February in a common year: not yet …
    (date(1936, 2, 29), date(2026, 3, 1), 90),  # … reached on 1 March
    (date(1944, 2, 29), date(2024, 2, 28), 79),  # a leap year: the day itself
    (date(1944, 2, 29), date(2024, 2, 29), 80),
    (date(1926, 12, 31), date(2026, 12, 30), 99),
    (date(1926, 12, 31), date(2026, 12, 31), 100),
])
def test_age_counts_full_years_from_the_exact_birthday(birth, day, age):
    assert age_on(birth, day) == age


def test_the_age_tiers_change_on_the_birthday_not_a_day_earlier():
    assert codes(date(2026, 3, 1), date(1946, 3, 2)) == []
    assert codes(date(2026, 3, 2), date(1946, 3, 2)) == [("age_80_89", 10000)]
    assert codes(date(2026, 6, 14), date(1936, 6, 15)) == [("age_80_89", 10000)]
    assert codes(date(2026, 6, 15), date(1936, 6, 15)) == [("age_90_99", 50000)]
    assert codes(date(2026, 12, 30), date(1926, 12, 31)) == [("age_90_99", 50000)]
    assert codes(date(2026, 12, 31), date(1926, 12, 31)) == [("age_100_plus", 80000)]


def test_a_29_february_birthday_reaches_90_on_1_march_of_a_common_year():
    assert codes(date(2026, 2, 28), date(1936, 2, 29)) == [("age_80_89", 10000)]
    assert codes(date(2026, 3, 1), date(1936, 2, 29)) == [("age_90_99", 50000)]


def test_hardship_and_disability_add_up_with_age():
    found = codes(date(2026, 3, 2), date(1940, 5, 10), hardship="dibao", tier=1)
    assert found == [("age_80_89", 10000), ("dibao", 30000), ("disability_1", 60000)]
    assert sum(a for _c, a in found) == 100000
    assert codes(date(2026, 3, 2), date(1980, 1, 1), hardship="low_income", tier=2) == [
        ("low_income", 20000), ("disability_2", 40000)]
    assert codes(date(2026, 3, 2), date(1960, 1, 1), hardship="family_planning") == [("family_planning", 10000)]


def test_a_rule_whose_amount_changes_mid_year_leaves_the_past_alone():
    raised = [*SHIPPED, Rule("age_90_99", 60000, date(2026, 7, 1))]
    birth = date(1930, 1, 1)
    assert codes(date(2026, 6, 30), birth, rule_set=raised) == [("age_90_99", 50000)]
    assert codes(date(2026, 7, 1), birth, rule_set=raised) == [("age_90_99", 60000)]
    assert codes(date(2025, 12, 31), birth, rule_set=raised) == [("age_90_99", 50000)]


def test_no_rule_yet_means_no_allowance():
    assert codes(date(2019, 6, 30), date(1930, 1, 1)) == []
    assert codes(date(2019, 7, 1), date(1930, 1, 1)) == [("age_80_89", 10000)]


def test_the_shipped_rules_are_the_beijing_amounts():
    shipped, subsidies = rules.shipped_rules()
    assert {(r.code, r.amount_fen) for r in shipped} == {(r.code, r.amount_fen) for r in SHIPPED}
    assert rules.service_subsidy_on(subsidies, "meal", date(2026, 3, 2), ["age_80_89"]) == 500
    assert rules.service_subsidy_on(subsidies, "meal", date(2026, 3, 2), []) == 0
    assert rules.service_subsidy_on(subsidies, "cleaning", date(2026, 3, 2), ["dibao"]) == 0


def test_service_subsidies_take_the_amount_of_the_day():
    subsidies = [ServiceSubsidy("meal", 500, date(2019, 7, 1), frozenset({"dibao"})),
                 ServiceSubsidy("meal", 800, date(2026, 7, 1), frozenset({"dibao"}))]
    assert rules.service_subsidy_on(subsidies, "meal", date(2026, 6, 30), ["dibao"]) == 500
    assert rules.service_subsidy_on(subsidies, "meal", date(2026, 7, 1), ["dibao"]) == 800


def test_registration_refuses_future_births_and_under_60_without_a_disability_tier():
    today = date(2026, 3, 2)
    assert rules.registration_problem(date(2026, 3, 3), today, None) == "future"
    assert rules.registration_problem(date(1966, 3, 3), today, None) == "too_young"  # 59 until tomorrow
    assert rules.registration_problem(date(1966, 3, 2), today, None) is None         # 60 today
    assert rules.registration_problem(date(1990, 1, 1), today, 2) is None


def test_recurrences():
    monday, saturday = date(2026, 3, 2), date(2026, 3, 7)
    assert rules.occurs_on("daily", 0, saturday)
    assert rules.occurs_on("weekdays", 0, monday) and not rules.occurs_on("weekdays", 0, saturday)
    bits = rules.weekday_bits(["mon", "thu"])
    assert bits == 0b1001 and rules.weekday_names(bits) == ["mon", "thu"]
    assert rules.occurs_on("weekly", bits, monday) and rules.occurs_on("weekly", bits, date(2026, 3, 5))
    assert not rules.occurs_on("weekly", bits, date(2026, 3, 3))
    assert rules.day_bits("daily", 0) == 127 and rules.day_bits("weekdays", 0) == 31
    assert rules.day_bits("weekly", bits) == bits


def test_home_codes_are_checked_by_their_hash_whatever_the_spelling():
    code = rules.new_home_code()
    assert len(code) == 10 and set(code) <= set(rules.HOME_CODE_ALPHABET)
    stored = rules.home_code_hash(code)
    assert stored != code
    assert rules.home_code_matches(code.lower()[:5] + "-" + code[5:], stored)
    assert not rules.home_code_matches("", stored) and not rules.home_code_matches(None, stored)
    assert not rules.home_code_matches(rules.new_home_code(), stored)


def test_windows_overlap_only_when_they_share_time():
    assert rules.overlaps(time(9), time(10), time(9, 30), time(11))
    assert not rules.overlaps(time(9), time(10), time(10), time(11))  # back to back
