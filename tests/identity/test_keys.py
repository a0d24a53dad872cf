"""The signing key: created once, shared by processes that start together."""

from concurrent.futures import ProcessPoolExecutor

from services.identity.keys import load_or_create


def _kid(path: str) -> str:
    return load_or_create(path).kid


def test_processes_starting_together_end_up_with_one_key(tmp_path):
    path = str(tmp_path / "keys" / "signing-key.pem")
    with ProcessPoolExecutor(max_workers=4) as pool:
        kids = set(pool.map(_kid, [path] * 8))
    assert len(kids) == 1
    assert oct((tmp_path / "keys" / "signing-key.pem").stat().st_mode)[-3:] == "600"
    assert list((tmp_path / "keys").iterdir()) == [tmp_path / "keys" / "signing-key.pem"]
