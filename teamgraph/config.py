"""Process settings, read from the environment once by the CLI or ``create_app`` and passed down.

Nothing here is read at import time. Program settings (attribution mode, rates, levels) are
per shop and live in the graph: see ``teamgraph.rules.settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the graph lives, the secret phones are kept under, and how the processes log."""

    model_config = SettingsConfigDict(env_prefix="TEAMGRAPH_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".teamgraph"),
        validation_alias=AliasChoices("TEAMGRAPH_DATA", "TEAMGRAPH_DATA_DIR"),
        description="Data directory: the embedded engine's (AOF, logs, engine record) and, "
        "whatever the engine, the phone key's (phone.key).",
    )
    falkordb_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FALKORDB_URL"),
        description="redis://host:port of an already running FalkorDB; skips the embedded one.",
    )
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_USER"))
    neo4j_password: SecretStr = Field(
        default=SecretStr("neo4j"), validation_alias=AliasChoices("NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        default="neo4j",
        validation_alias=AliasChoices("NEO4J_DATABASE"),
        description="The Neo4j database the shops share (each node carries its shop).",
    )
    neo4j_database_per_shop: bool = Field(
        default=False,
        validation_alias=AliasChoices("NEO4J_DATABASE_PER_SHOP"),
        description="Neo4j Enterprise only: shop x in its own database tg-x.",
    )
    phone_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TEAMGRAPH_PHONE_KEY"),
        description="The installation's phone secret as hex (64 digits or more); unset: the "
        "file phone.key of data_dir, made at first start (docs/architecture.md).",
    )
    engine_port: int = Field(
        default=0, description="Port of the embedded engine; 0 picks a free one."
    )
    engine_start_timeout: float = Field(default=30.0, gt=0)
    public_url: str | None = Field(
        default=None,
        description="The API's address as phones reach it (https://tg.example.com): the start "
        "of distributor center links; by default the address the request came to.",
    )
    webhooks_deliver: bool = Field(
        default=True,
        description="Whether `teamgraph serve` runs the webhook deliverer on a thread (issue "
        '16; docs/integration.md "Webhooks"); `teamgraph webhooks deliver` runs it alone.',
    )
    webhooks_private_urls: bool = Field(
        default=False,
        description="Allow webhook URLs on this machine or a private network (localhost, "
        "127.0.0.1, 10.x, ...): for tests and receivers inside one network.",
    )
    webhooks_first_retry_ms: int = Field(default=5_000, gt=0)
    webhooks_max_retry_ms: int = Field(default=3_600_000, gt=0)
    webhooks_give_up_ms: int = Field(default=3 * 24 * 3_600_000, gt=0)
    webhooks_timeout_s: float = Field(default=10.0, gt=0)
    webhooks_lease_ms: int = Field(
        default=60_000,
        gt=0,
        description="How long a deliverer holds a delivery it sends; "
        "more than the timeout, or a slow answer is sent again by another process.",
    )
    webhooks_poll_s: float = Field(default=1.0, gt=0)
    webhooks_workers: int = Field(default=4, ge=1)
    jobs: bool = Field(
        default=True,
        description="Whether `teamgraph serve` runs the scheduled jobs (issue 17: the monthly "
        "ladder bonus, the nightly fraud scan, the signal retention; docs/operations.md "
        '"Scheduled jobs") on a thread; `teamgraph jobs run` runs one by hand.',
    )
    jobs_hour: int = Field(
        default=3,
        ge=0,
        le=23,
        description="The hour (each shop's time zone) the nightly jobs, and the monthly ones "
        "on the 1st, fall due.",
    )
    jobs_lease_ms: int = Field(
        default=600_000,
        gt=0,
        description="How long a runner holds a job's run without renewing it (renewed every "
        "third of it while the run goes on); a runner that dies mid-run leaves it to another "
        "after this.",
    )
    jobs_retry_ms: int = Field(
        default=900_000, gt=0, description="How long after a failed try a run is tried again."
    )
    jobs_poll_s: float = Field(
        default=60.0, gt=0, description="How often a runner looks for due jobs."
    )
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"

    @property
    def engine_kind(self) -> Literal["neo4j", "falkordb", "falkordb-embedded"]:
        if self.neo4j_uri:
            return "neo4j"
        if self.falkordb_url:
            return "falkordb"
        return "falkordb-embedded"
