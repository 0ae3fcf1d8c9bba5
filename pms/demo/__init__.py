"""Demo data: `pms demo load [--households N] [--seed S] [--if-empty]`.

The load runs in steps, each ONE transaction (`unit_of_work`):

1. ``estates`` — the demo company (DEMO 安居物业), then estates of renovated 1990s Beijing
   buildings in district 110112 通州区, generated as registry rows and applied through
   `pms.estates.registry.importing.import_rows` (set-based, the same path as a registry file).
2. ``accounts`` — one demo login per role, with fixed known passwords (see `DEMO_USERS`).
3. every domain that has a ``pms/<domain>/demo.py`` module, in a stable order: ascending by the
   module's optional ``ORDER`` (int, default 100), then by domain name.

The contract for ``pms/<domain>/demo.py``::

    ORDER = 100            # optional: lower runs earlier (e.g. billing 10, statements 20)

    def seed(session, ctx) -> None:
        '''Add this domain's demo data; flush only (the step's unit of work commits).'''

``ctx`` is a `pms.demo.loader.DemoContext`:

- ``ctx.rng`` — a `random.Random` seeded from (seed, step name): a step's data depends only on the
  seed, never on which other steps exist. Use it for every random choice.
- ``ctx.seed``, ``ctx.households`` (None for the default single estate), ``ctx.today`` (a
  `date` in Asia/Shanghai), ``ctx.timezone``.
- ``ctx.company`` (`DemoCompany`: id, code, name), ``ctx.district`` (id, code, name),
  ``ctx.estates`` (list of `DemoEstate`: id, code, name, rooms), ``ctx.users`` (username →
  `DemoUser`: id, username, role, password, display_name), ``ctx.resident_room`` (the demo
  resident's room code) — plain values, not ORM objects
  (the session of an earlier step is closed); load rows with ``session.get(Model, id)``.
- ``ctx.add_login(username, role, password)`` — an extra login for the table printed at the end;
  ``ctx.note(text)`` — a line for the closing summary.

Steps must be deterministic for a seed and must not depend on the wall clock beyond
``ctx.today``. The whole load is idempotent for the estates and accounts steps (a second run
changes nothing there); a domain step that cannot be re-run should check for its own data first.
"""
