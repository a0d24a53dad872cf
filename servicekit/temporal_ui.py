"""Where the Temporal Web UI lives: under the portal's origin at /temporal/, for operators.

The web front end (embedded mode) or nginx (compose, production) serves the UI under
`PUBLIC_PATH` behind the operator login, so the UI calls the codec (`CODEC_PATH`, the web's
`/codec`) on its own origin and the operator's session cookie goes with it. The UI's own port
is an administrator's port, bound to loopback.
"""

PUBLIC_PATH = "/temporal"
# Relative on purpose: the browser resolves it against the origin it shows the UI on, so the
# codec call is same-origin whatever host name the operator typed (localhost or 127.0.0.1).
CODEC_ENDPOINT = "/codec"
DEFAULT_UI_PORT = 8233


def dev_server_ui_args(port: int, ip: str = "127.0.0.1") -> list[str]:
    """The `temporal server start-dev` flags of the UI: loopback, under /temporal, no newsfeed.

    The dev server (CLI 1.9) has no flag to disable the UI's write actions: the web's proxy
    forces them off in the settings it relays and refuses the UI's write calls itself.
    """
    return [
        "--ui-ip",
        ip,
        "--ui-port",
        str(port),
        "--ui-public-path",
        PUBLIC_PATH,
        "--ui-disable-news-fetch",
        "--ui-codec-endpoint",
        CODEC_ENDPOINT,
    ]
