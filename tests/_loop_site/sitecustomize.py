"""Makes Python processes that the tests start use the event loop of the run.

``tests/conftest.py`` puts this directory first on ``PYTHONPATH`` when the
suite runs with ``--loop=uvloop`` (or ``TOKIONET_TEST_LOOP=uvloop``), so the
examples and the differential twins, which run in their own interpreters,
create their loops through uvloop's policy as the tests themselves do.
"""

import os

if os.environ.get("TOKIONET_TEST_LOOP") == "uvloop":
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
