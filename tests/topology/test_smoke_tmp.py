import httpx

async def test_up(topology):
    async with httpx.AsyncClient() as http:
        for _ in range(6):
            r = await http.get(topology.url("web") + "/connexion")
            print(r.status_code, r.headers.get("x-upstream"))
            r = await http.get(topology.url("identity") + "/readyz")
            print(r.status_code, r.headers.get("x-upstream"))
    print(topology.gateway.answered_by())
