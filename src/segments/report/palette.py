"""One colour per segment, keyed by segment_id, shared by every chart, table and card.

Segment ids are stable across retrains (see docs/method.md), so keying colours by id keeps a
segment's colour the same from one report to the next. Segment 0 (inactive customers) is
always grey.
"""

from __future__ import annotations

from collections.abc import Iterable

from segments import registry

#: Tableau 10 without its grey: distinct hues that survive printing in colour.
SEGMENT_COLOURS: tuple[str, ...] = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#59A14F",
    "#B07AA1",
    "#76B7B2",
    "#EDC948",
    "#FF9DA7",
    "#9C755F",
    "#17BECF",
)
INACTIVE_COLOUR = "#A0A0A0"
INACTIVE_SEGMENT_ID = registry.INACTIVE_SEGMENT_ID


def segment_colour(segment_id: int) -> str:
    """The colour of a segment: grey for inactive (0), else the palette cycled by id."""
    segment_id = int(segment_id)
    if segment_id <= INACTIVE_SEGMENT_ID:
        return INACTIVE_COLOUR
    return SEGMENT_COLOURS[(segment_id - 1) % len(SEGMENT_COLOURS)]


def colour_map(segment_ids: Iterable[int]) -> dict[int, str]:
    """segment_id -> colour for the given ids."""
    return {int(segment_id): segment_colour(segment_id) for segment_id in segment_ids}
