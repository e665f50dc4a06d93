"""The event loop of a test run, for the tests and the processes they start.

``tests/conftest.py`` installs the policy of the run's loop (``--loop`` or
``TOKIONET_TEST_LOOP``: asyncio's own, uvloop, or tokionet's ``EventLoop``)
and puts this directory first on ``PYTHONPATH``, so the examples and the
differential twins, which run in their own interpreters, create their loops
through the same policy as the tests themselves (``sitecustomize.py``
installs it there). Each policy is a class of
its own, so ``tokionet.run()`` (which honours any policy but asyncio's
default) makes its loops from it too.
"""

import asyncio
import os

LOOPS = ("asyncio", "uvloop", "tokionet")


def install_loop_policy() -> None:
    loop = os.environ.get("TOKIONET_TEST_LOOP") or "asyncio"
    if loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    elif loop == "tokionet":

        class TokionetPolicy(asyncio.DefaultEventLoopPolicy):
            def new_event_loop(self) -> asyncio.AbstractEventLoop:
                import tokionet

                return tokionet.EventLoop()

        asyncio.set_event_loop_policy(TokionetPolicy())
    else:

        class AsyncioPolicy(asyncio.DefaultEventLoopPolicy):
            pass

        asyncio.set_event_loop_policy(AsyncioPolicy())
