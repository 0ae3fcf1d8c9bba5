"""Subsidies services: every rule lives in these modules; they only flush.

programs.py — registering programmes, finding them (unscoped, for fee plans), reading them in
scope with their totals; allocations.py — a programme's budget set aside for its district's
estates (the budget rule, under the programme row's lock); claims.py — claims built from
evidence, their findings and submission."""
from pms.subsidies.services import allocations, claims, programs
from pms.subsidies.services.programs import create_program, find_program, programs_by_code

__all__ = ["allocations", "claims", "programs", "create_program", "find_program", "programs_by_code"]
