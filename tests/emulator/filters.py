"""The ISC ``filters`` / ``sorters`` collection-parameter grammar (standard-collection-parameters doc).

Grammar (keywords and operators are lowercase only; ``EQ`` is an unknown operator)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" expr ")" | comparison
    comparison := FIELD ("pr" | "isnull") | FIELD OP value
    value      := STRING | LITERAL | "(" value ("," value)* ")"      # lists for "in" and "ca"

STRING is double-quoted with the escapes ``\\"`` and ``\\\\``. ISC asks clients to send ``#``, ``%`` and ``&`` inside a
value as ``%23``, ``%25`` and ``%26`` *in addition to* URL-encoding the whole query string. The HTTP layer has already
URL-decoded the query string once, so inside quoted values we decode exactly those three sequences once more (a value
sent without that extra encoding, e.g. a raw ``#`` that the client URL-encoded normally, still arrives intact).
LITERAL is ``true``, ``false``, ``null`` or a number.

Each endpoint passes the fields and operators it supports; anything else raises :class:`FilterError`, which the
server turns into a 400 ErrorResponseDto carrying the message.
"""
from __future__ import annotations

import re
from collections.abc import KeysView
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "co", "sw", "in", "ca", "pr", "isnull")
UNARY_OPERATORS = ("pr", "isnull")
LIST_OPERATORS = ("in", "ca")
KEYWORDS = ("and", "or", "not")

_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_NUMBER_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
_PERCENT_RE = re.compile(r"%(23|25|26)")
_PERCENT_MAP = {"23": "#", "25": "%", "26": "&"}


class FilterError(ValueError):
    """A filter or sorter the endpoint cannot accept (syntax, field or operator); maps to HTTP 400."""


class _Token:
    # kind: "(", ")", ",", "string" or "word"
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind: str, value: Any, pos: int) -> None:
        self.kind = kind
        self.value = value
        self.pos = pos


def _decode_percent(text: str) -> str:
    """Decode the three percent sequences ISC asks for inside values, once, left to right."""
    return _PERCENT_RE.sub(lambda m: _PERCENT_MAP[m.group(1)], text)


def _tokenize(text: str) -> List[_Token]:
    tokens: List[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append(_Token(ch, ch, i))
            i += 1
        elif ch == '"':
            start = i
            i += 1
            chunk: List[str] = []
            while True:
                if i >= n:
                    raise FilterError("Invalid filter: unterminated string starting at position %d." % start)
                ch = text[i]
                if ch == "\\":
                    if i + 1 >= n or text[i + 1] not in '"\\':
                        raise FilterError('Invalid filter: invalid escape at position %d (only \\" and \\\\ are allowed).' % i)
                    chunk.append(text[i + 1])
                    i += 2
                elif ch == '"':
                    i += 1
                    break
                else:
                    chunk.append(ch)
                    i += 1
            # Escapes first, then the %23/%25/%26 decoding on the unescaped characters.
            tokens.append(_Token("string", _decode_percent("".join(chunk)), start))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '(),"':
                i += 1
            tokens.append(_Token("word", text[start:i], start))
    return tokens


def _literal(word: str, pos: int) -> Any:
    if word == "true":
        return True
    if word == "false":
        return False
    if word == "null":
        return None
    if _NUMBER_RE.match(word):
        return float(word) if "." in word else int(word)
    raise FilterError('Invalid filter: unexpected value "%s" at position %d; string values must be double-quoted.' % (word, pos))


# Parsed expression nodes are plain tuples:
#   ("and", left, right) | ("or", left, right) | ("not", node) | ("cmp", field, op, value)


class _Parser:
    def __init__(self, text: str, allowed: Dict[str, Sequence[str]]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.allowed = allowed

    def _peek(self) -> Optional[_Token]:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _next(self, expected: str) -> _Token:
        tok = self._peek()
        if tok is None:
            raise FilterError("Invalid filter: unexpected end of expression, expected %s." % expected)
        self.i += 1
        return tok

    def _is_word(self, word: str) -> bool:
        tok = self._peek()
        return tok is not None and tok.kind == "word" and tok.value == word

    def parse(self) -> tuple:
        if not self.tokens:
            raise FilterError("Invalid filter: empty expression.")
        node = self._or()
        tok = self._peek()
        if tok is not None:
            raise FilterError('Invalid filter: unexpected "%s" at position %d.' % (tok.value, tok.pos))
        return node

    def _or(self) -> tuple:
        node = self._and()
        while self._is_word("or"):
            self.i += 1
            node = ("or", node, self._and())
        return node

    def _and(self) -> tuple:
        node = self._not()
        while self._is_word("and"):
            self.i += 1
            node = ("and", node, self._not())
        return node

    def _not(self) -> tuple:
        if self._is_word("not"):
            self.i += 1
            return ("not", self._not())
        return self._primary()

    def _primary(self) -> tuple:
        tok = self._next("a field name or (")
        if tok.kind == "(":
            node = self._or()
            close = self._next(")")
            if close.kind != ")":
                raise FilterError('Invalid filter: expected ")" at position %d, found "%s".' % (close.pos, close.value))
            return node
        if tok.kind != "word" or tok.value in KEYWORDS or not _FIELD_RE.match(tok.value):
            raise FilterError('Invalid filter: expected a field name at position %d, found "%s".' % (tok.pos, tok.value))
        field = tok.value
        op_tok = self._next("an operator after %s" % field)
        if op_tok.kind != "word":
            raise FilterError('Invalid filter: expected an operator at position %d, found "%s".' % (op_tok.pos, op_tok.value))
        op = op_tok.value
        if op not in OPERATORS:
            raise FilterError('Invalid filter: unknown operator "%s" at position %d; operators are lowercase: %s.'
                              % (op, op_tok.pos, ", ".join(OPERATORS)))
        self._check_allowed(field, op)
        if op in UNARY_OPERATORS:
            return ("cmp", field, op, None)
        if op in LIST_OPERATORS:
            return ("cmp", field, op, self._list())
        return ("cmp", field, op, self._value())

    def _check_allowed(self, field: str, op: str) -> None:
        if field not in self.allowed:
            raise FilterError('Filtering is not supported for field "%s". Supported fields: %s.' % (field, ", ".join(self.allowed) or "none"))
        ops = self.allowed[field]
        if op not in ops:
            raise FilterError('Operator "%s" is not supported for field "%s". Supported operators: %s.' % (op, field, ", ".join(ops)))

    def _value(self) -> Any:
        tok = self._next("a value")
        if tok.kind == "string":
            return tok.value
        if tok.kind == "word":
            return _literal(tok.value, tok.pos)
        raise FilterError('Invalid filter: expected a value at position %d, found "%s".' % (tok.pos, tok.value))

    def _list(self) -> List[Any]:
        tok = self._next("(")
        if tok.kind != "(":
            raise FilterError('Invalid filter: expected "(" to start a list at position %d.' % tok.pos)
        values = [self._value()]
        while True:
            tok = self._next('"," or ")"')
            if tok.kind == ")":
                return values
            if tok.kind != ",":
                raise FilterError('Invalid filter: expected "," or ")" at position %d, found "%s".' % (tok.pos, tok.value))
            values.append(self._value())


def parse_filter(text: str, allowed: Dict[str, Sequence[str]]) -> tuple:
    """Parse ``text``; ``allowed`` maps each filterable field to its operators. Raises FilterError."""
    return _Parser(text, allowed).parse()


def _norm(value: Any) -> Any:
    """Case-insensitive comparison key; booleans stay booleans, numbers stay numbers."""
    if isinstance(value, str):
        return value.lower()
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    """Compare one (non-list) field value with a literal."""
    if op == "pr":
        return left is not None and left != ""
    if op == "isnull":
        return left is None
    if left is None or right is None:
        # Only "eq null" / "ne null" are meaningful against missing values.
        if op == "eq":
            return left is None and right is None
        if op == "ne":
            return not (left is None and right is None)
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        # Accept both true and "true" for boolean fields.
        left_b = left if isinstance(left, bool) else str(left).lower() == "true"
        right_b = right if isinstance(right, bool) else str(right).lower() == "true"
        if op == "eq":
            return left_b == right_b
        if op == "ne":
            return left_b != right_b
        return False
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        a, b = left, right
    else:
        a, b = _norm(str(left)), _norm(str(right))
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if op == "gt":
        return a > b
    if op == "ge":
        return a >= b
    if op == "lt":
        return a < b
    if op == "le":
        return a <= b
    if op == "co":
        return str(b) in str(a)
    if op == "sw":
        return str(a).startswith(str(b))
    raise FilterError('Operator "%s" cannot be used here.' % op)  # pragma: no cover - parser prevents it


def _match_cmp(value: Any, op: str, operand: Any) -> bool:
    multi = isinstance(value, (list, tuple, set, frozenset, KeysView))
    if op == "in":
        if multi:
            return any(_compare(v, "eq", o) for v in value for o in operand)
        return any(_compare(value, "eq", o) for o in operand)
    if op == "ca":
        items = list(value) if multi else [value]
        return all(any(_compare(v, "eq", o) for v in items) for o in operand)
    if multi:
        if op == "pr":
            return len(value) > 0
        if op == "isnull":
            return len(value) == 0
        if op == "ne":
            return not any(_compare(v, "eq", operand) for v in value)
        return any(_compare(v, op, operand) for v in value)
    return _compare(value, op, operand)


def evaluate(node: tuple, get: Callable[[str], Any]) -> bool:
    """Evaluate a parsed filter against one record; ``get(field)`` returns the record's value (a list for multi-valued fields)."""
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], get) and evaluate(node[2], get)
    if kind == "or":
        return evaluate(node[1], get) or evaluate(node[2], get)
    if kind == "not":
        return not evaluate(node[1], get)
    field, op, operand = node[1:]
    return _match_cmp(get(field), op, operand)


def apply_filter(records: Iterable[Any], text: Optional[str], allowed: Dict[str, Sequence[str]],
                 getter: Callable[[Any, str], Any]) -> List[Any]:
    """Return the records matching ``text`` (all of them when ``text`` is empty)."""
    records = list(records)
    if text is None or not text.strip():
        return records
    node = parse_filter(text, allowed)
    values_of = _equals_of_one_field(node)
    if values_of is not None:  # a eq "x" or a eq "y" or ...: one set lookup per record, not one comparison per value
        field, wanted = values_of
        return [rec for rec in records if _in_set(getter(rec, field), wanted)]
    return [rec for rec in records if evaluate(node, lambda field, rec=rec: getter(rec, field))]


def _equals_of_one_field(node: tuple) -> Optional[Tuple[str, set]]:
    """``(field, normalised strings)`` when ``node`` is an ``or`` of ``eq`` string comparisons of one field, else None."""
    if node[0] == "or":
        left, right = _equals_of_one_field(node[1]), _equals_of_one_field(node[2])
        if left is None or right is None or left[0] != right[0]:
            return None
        return left[0], left[1] | right[1]
    if node[0] in ("and", "not") or node[2] != "eq" or not isinstance(node[3], str):
        return None
    return node[1], {_norm(node[3])}


def _in_set(value: Any, wanted: set) -> bool:
    """What ``_match_cmp(value, "eq", s)`` gives for some s in ``wanted`` (strings compared case-insensitively)."""
    values = value if isinstance(value, (list, tuple, set, frozenset, KeysView)) else [value]
    return any(("true" if v else "false") in wanted if isinstance(v, bool) else v is not None and _norm(str(v)) in wanted
               for v in values)


def parse_sorters(text: Optional[str], allowed: Sequence[str]) -> List[Tuple[str, bool]]:
    """Parse ``sorters=a,-b`` into ``[("a", False), ("b", True)]`` (True = descending). Raises FilterError."""
    result: List[Tuple[str, bool]] = []
    if text is None or not text.strip():
        return result
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            raise FilterError('Invalid sorters "%s": empty sort field.' % text)
        descending = item.startswith("-")
        field = item[1:] if descending else item
        if field not in allowed:
            raise FilterError('Sorting is not supported for field "%s". Supported fields: %s.' % (field, ", ".join(allowed)))
        result.append((field, descending))
    return result


def _sort_key(value: Any) -> Tuple[int, Any]:
    # None sorts first ascending; strings compare case-insensitively; mixed types fall back to str.
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, str(value).lower())
    if isinstance(value, (int, float)):
        return (2, value)
    return (3, str(value).lower())


def apply_sorters(records: List[Any], sorters: List[Tuple[str, bool]], getter: Callable[[Any, str], Any]) -> List[Any]:
    """Stable multi-key sort: the first sorter is the primary key."""
    result = list(records)
    for field, descending in reversed(sorters):
        result.sort(key=lambda rec, field=field: _sort_key(getter(rec, field)), reverse=descending)
    return result
