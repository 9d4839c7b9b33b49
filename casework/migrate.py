"""Running Alembic from the `casework` command and from tests, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from casework.crypto.hierarchy import Mover
from casework.crypto.keys import Keyring

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the project's migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template",
                           "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(engine: Engine, revision: str = "head", *, timezone: str | None = None,
            keyring: Keyring | None = None) -> None:
    """Migrate the database up to a revision. Backfills that need the organisation's days
    (migration 0007) take `timezone`, the policy pack's; without it, UTC. Moving existing case
    keys under a key-encryption key (migration 0017) takes the outer `keyring`."""
    with engine.begin() as conn:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = conn
        config.attributes["timezone"] = timezone
        config.attributes["key_mover"] = Mover(keyring) if keyring is not None else None
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str, *, keyring: Keyring | None = None) -> None:
    """Migrate the database down to a revision (below 0017 with case keys: needs `keyring`)."""
    with engine.begin() as conn:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = conn
        config.attributes["key_mover"] = Mover(keyring) if keyring is not None else None
        command.downgrade(config, revision)


def known_revisions() -> tuple[set[str], str]:
    """Every revision this code's migrations know, and the newest (the single head)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}, script.get_current_head()
