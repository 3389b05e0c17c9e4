"""newsrag's HTTP API: a thin FastAPI layer over rag/. Start it with `rag serve`."""

from api.app import create_app

__all__ = ["create_app"]
