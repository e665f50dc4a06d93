"""Python processes that the tests start use the event loop of the run (see
``_test_loop.py``)."""

from _test_loop import install_loop_policy

install_loop_policy()
