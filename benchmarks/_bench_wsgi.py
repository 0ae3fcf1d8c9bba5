"""The pms app plus one bare endpoint for benchmarks/concurrent_payments.py: `POST /_bench/insert`
inserts one row through the same request hooks, session and commit as every other write, so the
payment figures can be read against the cheapest possible write on the same server."""
from sqlalchemy import text

from pms import create_app
from pms.core.db import get_session
from pms.core.http import csrf

app = create_app()


@csrf.exempt
@app.post("/_bench/insert")
def bench_insert():
    """Insert one row and answer 201 (no authentication: a benchmark server only)."""
    get_session().execute(text("INSERT INTO bench_row (note) VALUES ('x')"))
    return {}, 201
