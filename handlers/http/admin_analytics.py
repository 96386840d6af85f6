"""/admin/api/analytics/*: the dashboards of the API document (overview to peak hours)."""
from __future__ import annotations

from aiohttp import web

from handlers.http import health
from handlers.http.request import admin_caller, services
from server.analytics_queries import AnalyticsQueries, parse_days
from server.media import MEDIA
from server.meetings import MEETINGS
from store.errors import Unavailable

routes = web.RouteTableDef()


def queries(request: web.Request) -> AnalyticsQueries:
    return AnalyticsQueries(services(request), request.app[MEETINGS].registry, request.app[health.STARTED])


def days(request: web.Request, default: int = 30) -> int:
    return parse_days(request.query.get("days"), default)


@routes.get("/admin/api/analytics/overview")
async def overview(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response(await queries(request).overview())


@routes.get("/admin/api/analytics/events")
async def events(request: web.Request) -> web.Response:
    await admin_caller(request)
    n = days(request)
    return web.json_response({"events": await queries(request).events(n), "days": n})


@routes.get("/admin/api/analytics/trends")
async def trends(request: web.Request) -> web.Response:
    await admin_caller(request)
    n = days(request)
    return web.json_response({"trends": await queries(request).trends(n), "days": n})


@routes.get("/admin/api/analytics/users")
async def users(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"users": await queries(request).users()})


@routes.get("/admin/api/analytics/features")
async def features(request: web.Request) -> web.Response:
    await admin_caller(request)
    n = days(request)
    return web.json_response({"features": await queries(request).features(n), "days": n})


@routes.get("/admin/api/analytics/errors")
async def errors(request: web.Request) -> web.Response:
    await admin_caller(request)
    n = days(request)
    return web.json_response({"errors": await queries(request).errors(n), "days": n})


@routes.get("/admin/api/analytics/realtime")
async def realtime(request: web.Request) -> web.Response:
    await admin_caller(request)
    media = request.app[MEDIA]
    worker = "running" if media.worker.running else "idle"
    try:
        rooms = await media.stats_all()  # one request for every room; none while no worker runs
    except Unavailable:
        rooms, worker = {}, "unavailable"
    return web.json_response(queries(request).realtime(rooms, worker))


@routes.get("/admin/api/analytics/retention")
async def retention(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response({"retention": await queries(request).retention()})


@routes.get("/admin/api/analytics/health")
async def server_health(request: web.Request) -> web.Response:
    await admin_caller(request)
    return web.json_response(queries(request).health())


@routes.get("/admin/api/analytics/peak-hours")
async def peak_hours(request: web.Request) -> web.Response:
    await admin_caller(request)
    n = days(request, 90)
    return web.json_response({"peakHours": await queries(request).peak_hours(n), "days": n})
