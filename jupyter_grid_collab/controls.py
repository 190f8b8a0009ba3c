"""Text from another member shown in a terminal: control characters made visible.

A teammate's log line or file name may hold escape sequences (``ESC ] 0 ; title BEL`` sets
the window title, OSC 52 writes the clipboard). Printed raw, the terminal obeys them; here
each control character becomes its visible escape (``\\x1b``), tabs excepted.
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, and the C1 range (U+0080-U+009F: 8-bit CSI/OSC equivalents)
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(m: re.Match) -> str:
    return f"\\x{ord(m.group()):02x}"


def visible(text: str, keep_newlines: bool = False) -> str:
    """``text`` with every control character but tab (and newline, if asked) replaced by
    ``\\xNN``."""
    return (_CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL).sub(_escape, text)


def first_control(text: str) -> str | None:
    """The first control character (tab excluded) in ``text`` as ``U+00NN``, or None."""
    m = _CONTROL.search(text)
    return f"U+{ord(m.group()):04X}" if m else None
