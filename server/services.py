"""The long-lived objects of one running server, built once by the app factory."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from server.mail import Mailer
from server.ratelimit import RateLimiter
from server.settings import Settings
from store.mongo.accounts import Accounts
from store.mongo.api_keys import ApiKeys
from store.mongo.database import Database
from store.mongo.ledger import Ledger
from store.mongo.mail_outbox import MailOutbox
from store.mongo.meetings import MeetingStore
from store.mongo.password_resets import PasswordResets
from store.mongo.sessions import Sessions
from store.mongo.site_settings import SiteSettings


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

    @classmethod
    def build(cls, settings: Settings, database: Database) -> Services:
        outbox = MailOutbox(database)
        return cls(
            settings=settings,
            database=database,
            accounts=Accounts(database),
            api_keys=ApiKeys(database),
            sessions=Sessions(database),
            resets=PasswordResets(database),
            outbox=outbox,
            site_settings=SiteSettings(database),
            ledger=Ledger(database),
            meetings=MeetingStore(database),
            mailer=Mailer(settings, outbox),
            limiter=RateLimiter(settings),
        )

    async def create_indexes(self) -> None:
        for store in (self.accounts, self.api_keys, self.sessions, self.resets, self.outbox, self.ledger, self.meetings):
            await store.create_indexes()


SERVICES = web.AppKey("services", Services)
