"""Settings of the workflows themselves (env prefix `WORKFLOWS_`)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkflowSettings(BaseSettings):
    """Where the lifecycles write to besides the account holder."""

    model_config = SettingsConfigDict(env_prefix="WORKFLOWS_", env_file=".env", extra="ignore")

    service_centre_email: str = "centre-de-service@parking.localhost"
    # The worker creates the export Schedules at start (a server without schedules, such as the
    # time-skipping test server, needs this off).
    export_schedules: bool = True
    # Workflow runs the worker keeps in memory between their tasks (Temporal's sticky cache; the
    # SDK's default is 1,000). Each cached run costs ~150 KiB here (README, Billing): the bound
    # keeps the worker's RSS flat when thousands of runs are open; an evicted run is replayed
    # from its history at its next task.
    max_cached_workflows: int = 200
