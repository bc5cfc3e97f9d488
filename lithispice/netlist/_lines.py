"""One card per line: ``+`` continuation lines joined to the card they continue.

Chip decks carry no continuation lines, so that every card is one line for the tools that
edit decks line by line: spicelib's ``SpiceEditor`` (1.6) keeps the ``+`` of a continuation
that falls inside parentheses (``v(neg,`` / ``+ ion)``) when it saves a deck, and ngspice then
rejects the saved deck ("no such function 'v'"). Device cards keep their wrapped lines for
reading (``models/``); :meth:`Chip.deck` joins them here.
"""
from __future__ import annotations


def one_card_per_line(text: str) -> str:
    """``text`` with each ``+`` line appended to the card before it, exactly as ngspice
    stitches them (the text after ``+``, after one space); comment and blank lines stay where
    they are and do not end a card. A trailing newline is kept."""
    out: list[str] = []
    card = -1                                   # index in ``out`` of the last card line
    for line in text.split("\n"):
        s = line.lstrip()
        if s.startswith("+") and card >= 0:
            out[card] = out[card].rstrip() + " " + s[1:].strip()
            continue
        if s and not s.startswith("*"):
            card = len(out)
        out.append(line)
    return "\n".join(out)
