"""Every /admin route table, for the app factory to add in one go."""
from __future__ import annotations

from aiohttp import web

from handlers.http import (
    admin,
    admin_analytics,
    admin_billing,
    admin_crypto,
    admin_meetings,
    admin_settings,
    admin_users,
)

ADMIN_ROUTES: tuple[web.RouteTableDef, ...] = tuple(
    module.routes for module in (
        admin, admin_users, admin_meetings, admin_settings, admin_billing, admin_analytics, admin_crypto
    )
)
