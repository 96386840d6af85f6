from aiohttp.test_utils import TestClient


async def test_health_reports_database(api: TestClient) -> None:
    resp = await api.get("/health")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["db"] == "connected"


async def test_register_login_me_logout(api: TestClient) -> None:
    resp = await api.post("/api/auth/register", json={"email": "Bob@Example.com", "password": "secret123"})
    assert resp.status == 200
    body = await resp.json()
    assert body["email"] == "bob@example.com" and body["apiKey"].startswith("mk_") and len(body["apiKey"]) == 27
    me = await (await api.get("/api/auth/me")).json()
    assert me["email"] == "bob@example.com" and me["balance"] == "5.0000" and me["accountType"] == "personal"
    assert (await api.post("/api/auth/logout")).status == 200
    resp = await api.get("/api/auth/me")
    assert resp.status == 401 and (await resp.json())["error"] == "Login required"
