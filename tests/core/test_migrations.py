"""`alembic upgrade heads` on an empty database gives exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pms import import_models
from pms.core.db import make_engine, metadata


def test_upgrade_head_matches_models(database_url):
    # The session database was built from empty by `upgrade heads` (see conftest).
    import_models()
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_single_head():
    from alembic.script import ScriptDirectory

    from pms.core.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"merge the migration heads: {heads}"
