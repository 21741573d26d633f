"""The event-driven core: reactor, Deferred, timed tasks, protocols and transports.

Importing this package has no side effects; the reactor is installed only by importing
``plait.internet.reactor``.
"""
