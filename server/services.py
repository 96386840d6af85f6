"""The long-lived objects of one running server, built once by the app factory."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from server.analytics import Analytics
from server.files import FileVault
from server.mail import Mailer
from server.ratelimit import RateLimiter
from server.settings import Settings
from server.socket_users import SocketUsers
from store.mongo.accounts import Accounts
from store.mongo.analytics import AnalyticsStore
from store.mongo.api_keys import ApiKeys
from store.mongo.database import Database
from store.mongo.files import FileStore
from store.mongo.ledger import Ledger
from store.mongo.mail_outbox import MailOutbox
from store.mongo.meetings import MeetingStore
from store.mongo.password_resets import PasswordResets
from store.mongo.recordings import RecordingStore
from store.mongo.sessions import Sessions
from store.mongo.site_settings import SiteSettings
from store.mongo.topups import StripeTopups
from store.mongo.usdc import UsdcStore
from store.mongo.webhooks import WebhookStore


@dataclass
class Services:
    settings: Settings
    database: Database
    accounts: Accounts
    api_keys: ApiKeys
    sessions: Sessions
    resets: PasswordResets
    outbox: MailOutbox
    site_settings: SiteSettings
    ledger: Ledger
    meetings: MeetingStore
    mailer: Mailer
    limiter: RateLimiter
    webhooks: WebhookStore
    analytics: Analytics
    socket_users: SocketUsers
    topups: StripeTopups
    usdc: UsdcStore
    files: FileStore
    vault: FileVault
    recordings: RecordingStore

    @classmethod
    def build(cls, settings: Settings, database: Database) -> Services:
        outbox = MailOutbox(database)
        site_settings = SiteSettings(database)
        return cls(
            settings=settings,
            database=database,
            accounts=Accounts(database),
            api_keys=ApiKeys(database),
            sessions=Sessions(database),
            resets=PasswordResets(database),
            outbox=outbox,
            site_settings=site_settings,
            ledger=Ledger(database, site_settings),
            meetings=MeetingStore(database),
            mailer=Mailer(settings, outbox),
            limiter=RateLimiter(settings),
            webhooks=WebhookStore(database),
            analytics=Analytics(
                AnalyticsStore(database, settings.analytics_retention_days), settings.analytics_flush_interval_seconds
            ),
            socket_users=SocketUsers(),
            topups=StripeTopups(database),
            usdc=UsdcStore(database),
            files=FileStore(database),
            vault=FileVault(settings),
            recordings=RecordingStore(database),
        )

    async def create_indexes(self) -> None:
        for store in (self.accounts, self.api_keys, self.sessions, self.resets, self.outbox, self.ledger, self.meetings,
                      self.topups):
            await store.create_indexes()
        await self.webhooks.create_indexes()
        await self.analytics.store.create_indexes()
        await self.usdc.create_indexes()
        await self.files.create_indexes()
        await self.recordings.create_indexes()


SERVICES = web.AppKey("services", Services)
