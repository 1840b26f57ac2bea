"""The JSON API v1: one NinjaAPI, routers from the apps. OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="incubator API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/v1", "proposals.api.router")
api.add_router("/v1", "proposals.board_api.router")
