"""OpenAPI area "company": joining a company workspace with its invite code, members, removal."""
from __future__ import annotations

from handlers.http.openapi import (
    BODY_CODES,
    LOGIN,
    SESSION,
    Schema,
    answer,
    body,
    boolean,
    closed,
    error,
    fields,
    integer,
    operation,
    ref,
    string,
)
from server.company import INVITE_CODE_MAX

TAG = {"name": "company", "description": "Company workspaces: members share one balance (issue 4)."}

NOT_IN_COMPANY = error("The caller is not part of a company.", "not_in_company")

SCHEMAS: dict[str, Schema] = {
    "CompanyJoined": closed({
        "message": string("`Joined <company name>`."), "companyId": integer(), "companyName": string(),
    }),
    "CompanyMember": closed({
        "id": integer(), "email": string(format="email"), "role": string(enum=["owner", "member"]),
        "joined_at": {**ref("Timestamp"), "description": "When the member joined (the owner: when the company "
                                                           "was created)."},
        "account_type": ref("AccountType"), "created_at": ref("Timestamp"),
        "credits_used": {**ref("Usd"), "description": "Meeting charges to the company for meetings this member "
                                                        "created (positive)."},
    }),
    "CompanyMembers": closed({
        "members": {"type": "array", "items": ref("CompanyMember"), "description": "The owner first, then by "
                    "joining time; at most 1000."},
        "isOwner": boolean("The caller owns the company."),
    }),
}

BODIES: dict[str, Schema] = {
    "CompanyJoin": fields({
        "inviteCode": string("The owner's invite code: exact and case-sensitive; surrounding whitespace is "
                             "trimmed.", maxLength=INVITE_CODE_MAX),
    }, required=("inviteCode",)),
}

MEMBER_ID = {"name": "memberId", "in": "path", "required": True, "schema": string(),
             "description": "A member's `id` from the members list."}


def paths() -> dict[str, Schema]:
    return {
        "/api/company/join": {"post": operation(
            "Join a company", "Join the company whose invite code this is. The caller's own balance moves to the "
            "company (two ledger entries of type `company_transfer`); from then on the company pays for the "
            "caller's meetings.", tag="company", security=SESSION, bucket="api",
            request=body("CompanyJoin", required=True, example={"inviteCode": "aBcDeFgHiJkL"}),
            responses={
                "200": answer("Joined.", ref("CompanyJoined"),
                              example={"message": "Joined Acme Corp", "companyId": 1, "companyName": "Acme Corp"}),
                "400": error("No invite code, or not a string.", *BODY_CODES, "too_long", "invite_code_required"),
                "401": LOGIN,
                "404": error("No company has this invite code.", "invalid_invite_code"),
                "409": error("The caller is already part of a company (or its balance kept changing while "
                             "joining: try again).", "already_in_company", "join_busy"),
            })},
        "/api/company/members": {"get": operation(
            "List members", "Any member may list the company's members.", tag="company", security=SESSION,
            bucket="api", responses={
                "200": answer("The members.", ref("CompanyMembers")),
                "400": NOT_IN_COMPANY,
                "401": LOGIN,
            })},
        "/api/company/members/{memberId}": {"delete": operation(
            "Remove a member", "Owner only. The member leaves with no balance: what it brought stays with the "
            "company, and meetings it created while a member stay billed to the company.",
            tag="company", security=SESSION, bucket="api", parameters=[MEMBER_ID], responses={
                "200": answer("Removed.", ref("Message"), example={"message": "Member removed"}),
                "400": error("Not part of a company, or removing oneself.", "not_in_company", "cannot_remove_self"),
                "401": LOGIN,
                "403": error("Only the owner removes members.", "not_company_owner"),
                "404": error("Not a member of the caller's company.", "member_not_found"),
            })},
    }


__all__ = ["BODIES", "SCHEMAS", "TAG", "paths"]
