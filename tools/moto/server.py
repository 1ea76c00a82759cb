"""moto's server (moto 5.2.1) with the wsctl extension loaded: python3 tools/moto/server.py [--host H] [--port P].

Port 0 (the default) binds a free port; the first line on stdout is then "moto listening on http://H:P",
for the process that started it (scripts/test, the tests' MotoServer).
"""
import argparse
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wsctl_moto  # noqa: E402  (imports moto; must come after sys.path is set)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    from werkzeug.serving import make_server

    app = wsctl_moto.application()
    server = make_server(args.host, args.port, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"moto listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
