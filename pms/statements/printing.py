"""Print runs: one print-ready PDF per building of an estate's bills for a period.

The statement data of the whole estate is read in the calling process (a few set-based queries),
then each building is rendered in a worker process (WeasyPrint is CPU-bound; each worker builds
its own app and keeps its own font configuration) from plain data, never ORM objects.

Resumable: a building's PDF is written to a temporary file and renamed into place, then its
manifest (bill numbers and a hash of everything the PDF shows, the templates included) is written
the same way. A rerun skips a building whose PDF and matching manifest exist; a bill that changed
(a payment, a new owner, an earlier bill settled) changes the hash and the building is rendered
again. A run killed half-way leaves only complete PDFs (and at worst a stale temp file, removed
by the next run).
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pms.core.db import utcnow
from pms.core.errors import NotFound
from pms.core.i18n import translate as _
from pms.statements import services

TEMPLATE = "statements.html"
# Config keys a worker's app needs to render like the parent's (plain values only).
WORKER_CONFIG_KEYS = ("DATABASE_URL", "TIMEZONE", "BABEL_DEFAULT_LOCALE", "BABEL_DEFAULT_TIMEZONE",
                      "PMS_ENV", "INSTANCE_DIR", "SECRET_KEY", "TESTING", "STORAGE_URL", "AUDIT_KEY")


@dataclass(frozen=True)
class BuildingJob:
    """Everything needed to print one building, as plain (picklable) data."""

    estate: str
    period: str
    building: str
    pdf_path: str
    manifest_path: str
    numbers: tuple[str, ...]
    digest: str
    locale: str
    context: dict = field(repr=False, hash=False, compare=False)

    @property
    def statements(self) -> int:
        return len(self.numbers)


@dataclass
class PrintResult:
    """What a print run did."""

    buildings: int = 0
    statements: int = 0
    written: int = 0
    skipped: int = 0
    pages: int = 0
    seconds: float = 0.0  # elapsed wall time of the print run, not money
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The CLI's summary line, in the terminal's language."""
        return _("%(buildings)d buildings, %(statements)d statements, written %(written)d, "
                         "skipped %(skipped)d, in %(seconds)s s", buildings=self.buildings,
                         statements=self.statements, written=self.written, skipped=self.skipped,
                         seconds=format(self.seconds, ".1f"))


def file_stem(estate: str, period: str, building: str) -> str:
    """`<ESTATE>-<PERIOD>-<BUILDING>`, safe as a file name whatever the building code holds."""
    return re.sub(r"[^\w.\-]", "_", f"{estate}-{period}-{building}")


def template_fingerprint() -> str:
    """A hash of the PDF templates and stylesheet: changing them reprints every building."""
    from pms.core.pdf import TEMPLATE_DIR

    digest = hashlib.sha256()
    for path in sorted(p for p in TEMPLATE_DIR.rglob("*") if p.is_file()):
        digest.update(path.relative_to(TEMPLATE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def plan_print(session, estate_code: str, period: str, out_dir: Path, *,
               building: Optional[str] = None, locale: str = "zh_CN") -> list[BuildingJob]:
    """One job per building with bills in the period (NotFound: unknown estate or no bills)."""
    estate = services.find_estate(session, estate_code)
    groups = services.building_statements(session, estate, period, building)
    if not groups:
        if building:
            raise NotFound(_("no bills for estate %(estate)s in building %(building)s in period "
                                     "%(period)s", estate=estate.code, building=building, period=period))
        raise NotFound(_("no bills for estate %(estate)s in period %(period)s",
                                 estate=estate.code, period=period))
    fingerprint = template_fingerprint()
    jobs = []
    for code, statements in groups.items():
        context = {"statements": statements,
                   "cover": services.building_summary(estate.code, period, code, statements)}
        canonical = json.dumps({"context": context, "templates": fingerprint, "locale": locale},
                               sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        stem = file_stem(estate.code, period, code)
        jobs.append(BuildingJob(
            estate=estate.code, period=period, building=code,
            pdf_path=str(out_dir / f"{stem}.pdf"), manifest_path=str(out_dir / f"{stem}.manifest.json"),
            numbers=tuple(s["number"] for s in statements),
            digest=hashlib.sha256(canonical.encode()).hexdigest(), locale=locale, context=context))
    return jobs


def is_current(job: BuildingJob) -> bool:
    """Whether the building's finished PDF exists and shows exactly the job's data."""
    if not os.path.exists(job.pdf_path):
        return False
    try:
        with open(job.manifest_path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError):
        return False
    return manifest.get("hash") == job.digest and tuple(manifest.get("bills", ())) == job.numbers


def write_atomically(path: str, data: bytes) -> None:
    """Write to a temp file in the same directory, fsync, rename: readers never see half a file."""
    target = Path(path)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def render_job(job: BuildingJob) -> int:
    """Render and write one building's PDF, then its manifest; the number of pages."""
    from pms.core.pdf import render_document

    document = render_document(TEMPLATE, job.context, locale=job.locale)
    pages = len(document.pages)
    write_atomically(job.pdf_path, document.write_pdf())
    manifest = {"estate": job.estate, "period": job.period, "building": job.building,
                "statements": job.statements, "pages": pages, "bills": list(job.numbers),
                "hash": job.digest, "written_at": utcnow().isoformat()}
    write_atomically(job.manifest_path,
                      json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    return pages


def remove_stale_temp_files(out_dir: Path, estate: str, period: str) -> int:
    """Temp files an interrupted run of this estate and period left behind."""
    removed = 0
    for temp in out_dir.glob(f".{file_stem(estate, period, '')}*.tmp"):
        temp.unlink(missing_ok=True)
        removed += 1
    return removed


# --- worker processes ---------------------------------------------------------------------

_worker_app = None


def _init_worker(config: dict, parent_pid: int) -> None:
    """Each worker builds its own app (engine, Jinja env, Babel) and keeps an app context."""
    global _worker_app
    from pms import create_app

    _watch_parent(parent_pid)
    _worker_app = create_app(config)
    _worker_app.app_context().push()


def _watch_parent(parent_pid: int) -> None:
    """Exit when the parent dies: a pool worker whose parent was killed (kill -9, OOM) would
    otherwise wait on its task queue forever. A half-written temp file is removed by the next run."""

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _render_in_worker(job: BuildingJob) -> int:
    return render_job(job)


def worker_config(app) -> dict:
    """The parent app's config a worker needs."""
    return {key: app.config[key] for key in WORKER_CONFIG_KEYS if key in app.config}


def run_print(jobs: list[BuildingJob], *, app_config: dict, workers: int = 2,
              on_done: Optional[Callable[[BuildingJob, bool], None]] = None) -> PrintResult:
    """Render the jobs whose PDF is missing or out of date; `on_done(job, written)` per building.

    Needs an app context (rendering in-process when one worker suffices).
    """
    started = time.perf_counter()
    result = PrintResult(buildings=len(jobs), statements=sum(j.statements for j in jobs))
    if jobs:
        remove_stale_temp_files(Path(jobs[0].pdf_path).parent, jobs[0].estate, jobs[0].period)
    todo = []
    for job in jobs:
        if is_current(job):
            result.skipped += 1
            if on_done:
                on_done(job, False)
        else:
            todo.append(job)
    # Biggest buildings first, so the workers finish at about the same time.
    todo.sort(key=lambda j: -j.statements)

    def done(job: BuildingJob, pages: int) -> None:
        result.written += 1
        result.pages += pages
        result.files.append(job.pdf_path)
        if on_done:
            on_done(job, True)

    if workers <= 1 or len(todo) <= 1:
        for job in todo:
            done(job, render_job(job))
    else:
        # spawn, not fork: a forked child would inherit the parent's open database connections
        # and Pango/fontconfig state.
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(app_config, os.getpid()))
        try:
            pending = {pool.submit(_render_in_worker, job): job for job in todo}
            while pending:
                finished, _not_done = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(pending.pop(future), future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    result.files.sort()
    result.seconds = time.perf_counter() - started
    return result

