"""Health and readiness endpoints every service mounts."""

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db_sqlite import READ_ONLY_OPTIONS


def health_router(get_engine: Callable[[], AsyncEngine]) -> APIRouter:
    """`/healthz` (the process answers) and `/readyz` (its database answers too)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """The process and its database are up."""
        try:
            async with get_engine().connect() as conn:
                await conn.execution_options(**READ_ONLY_OPTIONS)  # no write lock for a probe
                await conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "up"})

    return router
