"""Subsidies services: every rule lives in these modules; they only flush.

programs.py — registering programmes, finding them (unscoped, for fee plans), reading them in
scope with their totals; allocations.py — a programme's budget set aside for its district's
estates (the budget rule, under the programme row's lock); claims.py — claims built from
evidence, their findings and submission; evidence.py — the evidence that is no bill (elevators'
inspection certificates, completed renovation works) and what programmes pay on it;
reviews.py — the programme's side: review, disbursement (four eyes), clawback, each a journal
entry."""
# claims and reviews post journal entries (billing's ledger, which imports this package for
# programs_by_code): import them as `from pms.subsidies.services import claims, reviews`.
from pms.subsidies.services import allocations, programs
from pms.subsidies.services.programs import create_program, find_program, programs_by_code

__all__ = ["allocations", "programs", "create_program", "find_program", "programs_by_code"]
