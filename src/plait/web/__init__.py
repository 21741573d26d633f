"""plait.web: Twisted Web's API on asyncio."""
