"""Run moto's server one request at a time.

`python3 -m moto.server` serves requests on threads, and moto's DynamoDB
backend does not isolate concurrent TransactWriteItems from each other:
two transactions can both pass a condition that only one of them should.
DynamoDB itself serialises conflicting transactions, so tests of the
uniqueness invariant under concurrency run against moto with threading off.
Arguments are moto.server's own (-H host, -p port).
"""
import sys

import werkzeug.serving
from moto import server

_run_simple = werkzeug.serving.run_simple


def _serial(*args, **kwargs):
    kwargs["threaded"] = False
    return _run_simple(*args, **kwargs)


server.run_simple = _serial
server.main(sys.argv[1:])
