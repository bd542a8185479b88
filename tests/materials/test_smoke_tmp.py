def test_demo(world, as_persona):
    api = as_persona("inspector")
    r = api.get(f"/projects/{world['project'].code}/materials/batches")
    print(r.status_code, r.json()[:1])
    r = api.get(f"/projects/{world['project'].code}/materials/witness-report")
    print(r.json())
    assert 0
