"""The Zalo doors: the Zalo Bot API (``bot``) and the Zalo Official Account API (``oa``).

httpx is the client; ``to_incoming`` and ``render`` of each are pure and tested on literal JSON.
"""

from troly.handlers.zalo.bot import ZaloBotDoor
from troly.handlers.zalo.oa import ZaloOADoor

__all__ = ["ZaloBotDoor", "ZaloOADoor"]
