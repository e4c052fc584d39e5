"""A fast reader for templates strictyaml would accept, built on libyaml.

strictyaml stays the definition of which YAML is accepted.  Its loader is
pure Python and reads about 100-160 KB a second; libyaml's C parser (through
PyYAML) emits the events of the same document some sixty times faster, and
building the document from them keeps the whole read over ten times faster.
:func:`parse_fast` builds the same plain data and the same positions as
:func:`sopframe.core.yamlsource.parse_text` does from strictyaml's ruamel
nodes, but only for documents it can vouch for: it returns ``None`` ("defer")
for anything strictyaml refuses (flow style, anchors, aliases, tags,
duplicate keys, non-text keys, more than one document, mappings indented
inconsistently with their siblings) and for every construct where libyaml
(YAML 1.1) and strictyaml's ruamel (YAML 1.2) might read the text differently
(tabs, directives, explicit document markers, escapes, unusual line breaks,
very long keys, deep nesting).  The caller then reads the text with
strictyaml's loader, so refusals keep exactly their messages and positions.

Only libyaml's events are used (what ``yaml.parse`` yields with the C
loader), never ``yaml.load``: no Python object is ever constructed from tags.  tests/core/test_fastyaml.py compares both
readers over a corpus of valid, invalid and mutated documents.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from sopframe.core.diagnostics import Location

__all__ = ["available", "parse_fast"]

Path_ = tuple[Union[str, int], ...]

#: Characters whose reading is the same in both parsers.  Everything else
#: defers: tabs (YAML 1.1 and 1.2 differ on where they separate tokens),
#: control characters (strictyaml's reader refuses them), NEL, the Unicode
#: line and paragraph separators (line breaks in YAML 1.1 only), a byte-order
#: mark after the start, surrogates and non-characters.
_UNSAFE = re.compile(
    "[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    "|\r(?!\n)"
)

#: Nesting deeper than this defers (strictyaml's recursive reader decides).
MAX_DEPTH = 40
#: Keys longer than this defer (both parsers limit implicit keys to 1024
#: characters, counted from different places).
MAX_KEY_CHARS = 256
#: Plain scalars that strictyaml's resolver gives special tags (merge key,
#: value key): strictyaml turns them into tagged objects or refuses them.
_SPECIAL_PLAIN = frozenset({"<<", "="})
#: Escapes in double-quoted text that libyaml and strictyaml read alike; any
#: other (escaped line breaks, surrogates, ...) defers.
_SAME_ESCAPES = re.compile(r'\\(?:[0abtnvfre "/\\N_LP]|x[0-9A-Fa-f]{2}|u(?![dD][89abAB])[0-9A-Fa-f]{4})')
#: An implicit key's colon follows it on its line.
_COLON = re.compile(" *:")


def _eol(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _after_dash(text: str, index: int) -> bool:
    """Whether a list item at ``index`` follows its dash on the same line."""
    index -= 1
    while index >= 0 and text[index] == " ":
        index -= 1
    return index >= 0 and text[index] == "-"


class _Defer(Exception):
    """The fast reader cannot vouch for this document."""


def available() -> bool:
    """Whether PyYAML with libyaml's C parser can be imported."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        return False
    return bool(getattr(yaml, "__with_libyaml__", False)) and hasattr(yaml, "CSafeLoader")


def parse_fast(text: str, file: str) -> Optional[tuple[Any, dict[Path_, Location], dict[Path_, Location]]]:
    """``(data, keys, values)`` as strictyaml's path would give them, or ``None`` to defer.

    Returns ``None`` for every document that is not a block mapping or
    sequence strictyaml certainly accepts; never raises for bad input.
    """
    try:
        return _parse(text, file)
    except _Defer:
        return None
    except Exception:  # libyaml's errors, or anything unforeseen: let strictyaml decide
        return None


def _parse(text: str, file: str) -> tuple[Any, dict[Path_, Location], dict[Path_, Location]]:
    import yaml
    from yaml import events as ev

    # strictyaml's reader skips a leading byte-order mark without counting a column
    if text.startswith("\ufeff"):
        text = text[1:]
    if _UNSAFE.search(text):
        raise _Defer

    Scalar = ev.ScalarEvent
    MappingStart, SequenceStart = ev.MappingStartEvent, ev.SequenceStartEvent
    MappingEnd, SequenceEnd = ev.MappingEndEvent, ev.SequenceEndEvent
    DocumentStart, DocumentEnd = ev.DocumentStartEvent, ev.DocumentEndEvent
    StreamStart, StreamEnd = ev.StreamStartEvent, ev.StreamEndEvent
    colon = _COLON.match

    keys: dict[Path_, Location] = {}
    values: dict[Path_, Location] = {}
    # The open collections, innermost last.  Each frame is a list:
    #   [container, path, is_mapping, pending key, column of the first mapping value]
    # where the pending key (mappings only) is (text, location, end index).
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    #: an empty value waiting for the next event, which gives its position
    pending: Any = None

    # libyaml's C parser, event by event (what yaml.parse(text, CSafeLoader) yields)
    get_event = yaml.CSafeLoader(text).get_event
    while True:
        event = get_event()
        cls = type(event)
        start = event.start_mark
        if pending is not None:
            # strictyaml places an empty value at the next token (the next
            # key, or where the mapping ends); a comment after the colon
            # changes that, and libyaml ends the text's last line where
            # strictyaml does not
            if pending[0] is not stack[-1] or "#" in text[pending[1]:start.index] \
                    or (start.index >= len(text) and not text.endswith("\n")):
                raise _Defer
            _put(pending[0], "", Location(file, start.line + 1, start.column + 1), keys, values)
            pending = None

        if cls is Scalar:
            if event.anchor is not None or event.tag is not None or not stack:
                raise _Defer  # anchors, tags, or a document that is one scalar
            value = event.value
            style = event.style
            frame = stack[-1]
            if not style:  # plain
                if value in _SPECIAL_PLAIN:
                    raise _Defer
                if not value:
                    if not frame[2] or frame[3] is None:
                        # an empty key or list item (the comments around
                        # empty items can trip strictyaml's reader)
                        raise _Defer
                    pending = (frame, frame[3][2])
                    continue
            elif style == '"':
                source = text[start.index:event.end_mark.index]
                if "\\" in source and "\\" in _SAME_ESCAPES.sub("", source):
                    raise _Defer  # an escape not read alike by YAML 1.1 and 1.2
            elif style != "'" and "#" in text[start.index:_eol(text, start.index)]:
                raise _Defer  # a comment on a block scalar's header line
            if frame[2]:
                key = frame[3]
                if key is None:
                    end = event.end_mark
                    # an implicit key on one line, its colon right after it
                    # (no `? key`), all well within the 1024 characters both
                    # parsers allow (counted slightly differently)
                    found = colon(text, end.index)
                    if found is None or end.line != start.line \
                            or found.end() - start.index > MAX_KEY_CHARS:
                        raise _Defer
                    frame[3] = (value, Location(file, start.line + 1, start.column + 1), end.index)
                    continue
                if "#" in text[key[2]:start.index]:
                    # a comment between a key and its text value: strictyaml's
                    # reader moves it onto the value, and can trip over it
                    raise _Defer
            elif not _after_dash(text, start.index):
                raise _Defer  # a list item not on its dash's line (comments may sit between)
            _put(frame, value, Location(file, start.line + 1, start.column + 1), keys, values)

        elif cls is MappingStart or cls is SequenceStart:
            if event.anchor is not None or event.tag is not None or event.flow_style \
                    or len(stack) >= MAX_DEPTH:
                raise _Defer
            is_map = cls is MappingStart
            container: Any = {} if is_map else []
            location = Location(file, start.line + 1, start.column + 1)
            if stack:
                frame = stack[-1]
                if frame[2]:
                    if frame[3] is None:
                        raise _Defer  # a mapping or list as a key
                    if is_map:
                        # strictyaml: the mappings that are values of one
                        # mapping all start in the same column
                        if frame[4] is None:
                            frame[4] = start.column
                        elif frame[4] != start.column:
                            raise _Defer
                elif not _after_dash(text, start.index):
                    raise _Defer  # a list item not on its dash's line
                path = _put(frame, container, location, keys, values)
            elif root is None:
                root, path = container, ()
            else:  # pragma: no cover - a second root is a second document
                raise _Defer
            stack.append([container, path, is_map, None, None])

        elif cls is MappingEnd or cls is SequenceEnd:
            stack.pop()
        elif cls is DocumentStart:
            documents += 1
            if documents > 1 or event.explicit or event.version is not None or event.tags:
                raise _Defer  # `---`, directives, or a second document
        elif cls is DocumentEnd:
            if event.explicit:
                raise _Defer  # `...`
        elif cls is StreamEnd:
            break
        elif cls is not StreamStart:  # an alias, or anything this reader does not know
            raise _Defer
    if root is None or stack or pending is not None:
        raise _Defer
    return root, keys, values


def _put(frame: list[Any], value: Any, location: Location,
         keys: dict[Path_, Location], values: dict[Path_, Location]) -> Path_:
    """Add a node to the open collection ``frame``; the node's path."""
    container = frame[0]
    if frame[2]:
        name, key_location, _ = frame[3]
        if name in container:
            raise _Defer  # a duplicate key: strictyaml refuses it
        path = (*frame[1], name)
        keys[path] = key_location
        values[path] = location
        container[name] = value
        frame[3] = None
    else:
        path = (*frame[1], len(container))
        keys[path] = values[path] = location
        container.append(value)
    return path
