"""The DuckDB destination of every raw load: dlt's own, with a merge whose dedup stays in bounds.

dlt's delete-insert merge keeps one staged row per primary key by numbering every staged row with
`ROW_NUMBER() OVER (PARTITION BY <key>)`. DuckDB's window operator holds the whole partitioned
staging table, partly outside its memory limit: merging the 23 M email events of scale L into an
empty table took 99 s and peaked at 835 MiB with `memory_limit = 512MB`. Keys staged twice are rare
(a record updated while its pages were being read), so `RawMergeJob` first finds them with a
grouped count, which spills to disk like any aggregate, numbers only their rows and inserts every
other row as it is: 19 s and 595 MiB for the same merge (`python -m bench merge` compares both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dlt.common.destination.client import FollowupJobRequest
from dlt.common.schema.typing import TSortOrder
from dlt.destinations import duckdb
from dlt.destinations.impl.duckdb.duck import DuckDbClient
from dlt.destinations.sql_jobs import SqlMergeFollowupJob

DUPLICATE_KEYS = "_dlt_dup_keys"


class RawMergeJob(SqlMergeFollowupJob):
    """dlt's merge job; only rows whose key was staged more than once go through ROW_NUMBER()."""

    @classmethod
    def gen_select_from_dedup_sql(
        cls,
        table_name: str,
        primary_keys: Sequence[str],
        columns: Sequence[str],
        dedup_sort: tuple[str, TSortOrder] | None = None,
        condition: str | None = None,
        condition_columns: Sequence[str] | None = None,
        skip_dedup: bool = False,
    ) -> str:
        if skip_dedup:
            return super().gen_select_from_dedup_sql(
                table_name, primary_keys, columns, condition=condition, skip_dedup=True
            )
        keys = ", ".join(primary_keys)
        numbered_duplicates = super().gen_select_from_dedup_sql(
            f"{table_name} SEMI JOIN {DUPLICATE_KEYS} USING ({keys})",
            primary_keys,
            columns,
            dedup_sort,
            condition,
            condition_columns,
        )
        return (
            f"WITH {DUPLICATE_KEYS} AS MATERIALIZED ("
            f"SELECT {keys} FROM {table_name} GROUP BY {keys} HAVING count(*) > 1) "
            f"SELECT {', '.join(columns)} FROM {table_name} "
            f"ANTI JOIN {DUPLICATE_KEYS} USING ({keys}) WHERE {condition or '1 = 1'} "
            f"UNION ALL {numbered_duplicates}"
        )


class RawDuckDbClient(DuckDbClient):
    """dlt's DuckDB client, merging with `RawMergeJob`."""

    def _create_merge_followup_jobs(self, table_chain: Sequence[Any]) -> list[FollowupJobRequest]:
        return [RawMergeJob.from_table_chain(table_chain, self.sql_client)]


class raw_duckdb(duckdb):  # lower case, like the dlt destination factories
    """The `duckdb` destination whose client merges with `RawMergeJob`, and whose configuration
    is resolved once: dlt asks for the destination's capabilities a dozen times per pipeline
    step and resolved the configuration (every config provider) each time, ~1 s of a load that
    has little to do."""

    _partial_config: Any = None

    @property
    def client_class(self) -> type[RawDuckDbClient]:
        return RawDuckDbClient

    def capabilities(self, config: Any = None, naming: Any = None) -> Any:
        if config is None:
            if self._partial_config is None:
                credentials = self.config_params.get("credentials")
                spec = self.spec(credentials=credentials.copy() if credentials else None)
                self._partial_config = self.configuration(spec, accept_partial=True)
            config = self._partial_config
        return super().capabilities(config, naming)
