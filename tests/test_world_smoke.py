from tests.world import build_world, row_counts


def test_world_builds(engine):
    world = build_world(engine)
    counts = row_counts(engine)
    assert counts["household"] == 3
    assert counts["unit"] == 5
    assert world.a2 > 0
