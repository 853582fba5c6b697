"""What the operator commands on configuration history and compliance share: the account they
act on and the data dir's compliance use cases (opened straight on the store)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from stockade.cli.options import data_dir_option
from stockade.config import Settings
from stockade.datadir import DataDirError, read_endpoint
from stockade.errors import StockadeError
from stockade.services.compliance.admin import ComplianceAdmin
from stockade.types import AccountId

F = TypeVar("F", bound=Callable[..., Any])


def account_options(f: F) -> F:
    f = click.option("--account", help="Account id (default: the data dir's default account).")(f)
    return data_dir_option(f)


def account_of(data_dir: Path, account: str | None) -> AccountId:
    found = account or (read_endpoint(data_dir) or {}).get("account_id")
    if not found:
        raise click.UsageError("no account: pass --account or point --data-dir at a server")
    return AccountId(str(found))


@contextmanager
def admin(data_dir: Path) -> Iterator[ComplianceAdmin]:
    from stockade.wiring import compliance_admin  # noqa: PLC0415 - heavy import

    try:
        with compliance_admin(Settings(data_dir=data_dir.resolve())) as opened:
            yield opened
    except (DataDirError, StockadeError) as exc:
        raise click.ClickException(str(exc)) from exc
