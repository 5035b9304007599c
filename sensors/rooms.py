"""Room vocabulary shared by every adapter, and a keyword guess from device names.

Adapters normalise whatever a device or file calls a place to one of these
names so detectors can reason about rooms without knowing the source.
"""

from __future__ import annotations

KITCHEN = "kitchen"
BATHROOM = "bathroom"
TOILET = "toilet"
BEDROOM = "bedroom"
LIVING = "living"
ENTRANCE = "entrance"
UTILITY = "utility"
OTHER = "other"

# Ordered: the first keyword found wins, so specific words come before generic ones
# ("hall-toilet door" is the toilet, not the hall; "bed" must not match "bathroom").
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("frontdoor", ENTRANCE),
    ("front door", ENTRANCE),
    ("front-door", ENTRANCE),
    ("maindoor", ENTRANCE),
    ("main door", ENTRANCE),
    ("entrance", ENTRANCE),
    ("toilet", TOILET),
    ("flush", TOILET),
    ("bathroom", BATHROOM),
    ("shower", BATHROOM),
    ("basin", BATHROOM),
    ("bath", BATHROOM),
    ("bedroom", BEDROOM),
    ("bed", BEDROOM),
    ("washingmachine", UTILITY),
    ("washing machine", UTILITY),
    ("dryer", UTILITY),
    ("kitchen", KITCHEN),
    ("fridge", KITCHEN),
    ("freezer", KITCHEN),
    ("microwave", KITCHEN),
    ("cupboard", KITCHEN),
    ("dishwasher", KITCHEN),
    ("kettle", KITCHEN),
    ("toaster", KITCHEN),
    ("cooktop", KITCHEN),
    ("oven", KITCHEN),
    ("stove", KITCHEN),
    ("pans", KITCHEN),
    ("living", LIVING),
    ("lounge", LIVING),
    ("sofa", LIVING),
    ("seat", LIVING),
    ("chair", LIVING),
    ("tv", LIVING),
    ("hall", ENTRANCE),
)

_ALIASES = {"livingroom": LIVING, "living room": LIVING, "lounge": LIVING, "wc": TOILET, "hall": ENTRANCE, "hallway": ENTRANCE}


def guess_room(device_name: str) -> str:
    """Best room for a device from words in its name; ``other`` when nothing matches."""
    lowered = device_name.lower()
    for keyword, room in _KEYWORDS:
        if keyword in lowered:
            return room
    return OTHER


def normalise_room(place: str) -> str:
    """Canonical room name for a place label written by a person or a file."""
    lowered = place.strip().lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if lowered in {KITCHEN, BATHROOM, TOILET, BEDROOM, LIVING, ENTRANCE, UTILITY}:
        return lowered
    guessed = guess_room(lowered)
    return guessed if guessed != OTHER else lowered or OTHER
