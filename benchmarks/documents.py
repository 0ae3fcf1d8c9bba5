"""Issued documents: what the archive costs and saves, measured side by side in one run.

For N statements of one estate of the lived-in demo shape (500 households, months of history):
the statement's data (the snapshot read from the ledger), a plain render, the first download
(PDF/A-3u render + SHA-256 + store + record) and a later download (served from storage), medians;
sizes of the plain and the PDF/A file. The issuing is rolled back at the end (nothing kept).

    .venv/bin/python benchmarks/documents.py [--statements 15]
        (PMS_DATABASE_URL=… a loaded demo database; default: a fresh SQLite with
         `pms demo load --households 1000`)
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=15)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    if not os.environ.get("PMS_DATABASE_URL"):
        url = f"sqlite:///{scratch.name}/bench.sqlite3"
        env = {**os.environ, "PMS_DATABASE_URL": url, "PMS_INSTANCE_DIR": scratch.name, "PMS_LOG_LEVEL": "WARNING"}
        pms = str(Path(sys.executable).parent / "pms")
        subprocess.run([pms, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([pms, "demo", "load", "--households", "1000"], env=env, check=True, capture_output=True)
        os.environ.update(PMS_DATABASE_URL=url)
    os.environ.setdefault("PMS_INSTANCE_DIR", scratch.name)
    os.environ["PMS_LOG_LEVEL"] = "WARNING"

    from flask_babel import force_locale
    from sqlalchemy import select

    from pms import create_app
    from pms.billing.models import Bill
    from pms.core.db import get_session
    from pms.core.pdf import render_pdf
    from pms.statements import services

    app = create_app({"STORAGE_URL": f"file://{scratch.name}/storage"})
    with app.test_request_context(), force_locale("zh_CN"):
        session = get_session()
        estate_id = session.scalar(select(Bill.estate_id).order_by(Bill.estate_id).limit(1))
        period = session.scalar(select(Bill.period).where(Bill.estate_id == estate_id).order_by(Bill.period.desc()).limit(1))
        bills = list(session.scalars(select(Bill).where(Bill.estate_id == estate_id, Bill.period == period)
                                     .order_by(Bill.id).limit(args.statements)))
        render_pdf("statements.html", {"statements": [services.statement_for_bill(session, bills[0])], "cover": None})
        data, plain, first, later, sizes = [], [], [], [], {"plain": [], "archived": []}
        for bill in bills:
            seconds, statement = timed(lambda: services.statement_for_bill(session, bill))
            data.append(seconds)
            seconds, pdf = timed(lambda: render_pdf("statements.html", {"statements": [statement], "cover": None}))
            plain.append(seconds)
            sizes["plain"].append(len(pdf))
            seconds, pdf = timed(lambda: services.statement_pdf(session, bill))
            first.append(seconds)
            sizes["archived"].append(len(pdf))
            seconds, _pdf = timed(lambda: services.statement_pdf(session, bill))
            later.append(seconds)
        session.rollback()

    def ms(values):
        return statistics.median(values) * 1000

    print(f"{len(bills)} statements of estate {estate_id}, period {period} ({app.config['DATABASE_URL'].split(':')[0]})")
    print(f"  statement data (snapshot from the ledger)    median {ms(data):7.1f} ms")
    print(f"  plain render (render_pdf)                    median {ms(plain):7.1f} ms")
    print(f"  first download: PDF/A render, store, record  median {ms(first):7.1f} ms  ({ms(first) / ms(plain):.2f}× plain)")
    print(f"  later download: served from storage          median {ms(later):7.1f} ms  ({ms(plain) / ms(later):.0f}× faster than rendering)")
    print(f"  size: plain {statistics.median(sizes['plain']) / 1024:.1f} KiB, PDF/A {statistics.median(sizes['archived']) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
