"""Load exports into the source tables (SPEC 3.4). A file loads whole or not at all."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from math import gcd, lcm
from pathlib import Path
from typing import Any, Callable

from tasks.clickhouse import Db
from tasks.errors import InputError

KINDS = ("trades", "orderfilled", "token-map", "resolutions", "markets")
RAW_COLUMNS = ("event_id", "trader_wallet", "role", "side", "token_id", "usdc_amount", "token_amount", "fee_amount",
               "trade_time", "transaction_hash", "block_number", "is_deleted", "insert_time")
INT64_MAX = 2**63 - 1
MICRO = Decimal(1_000_000)
CONDITION = re.compile(r"^0x[0-9a-f]{64}$")
TOKEN = re.compile(r"^[0-9]{1,80}$")


class RowError(ValueError):
    """A field of one row cannot be read; the loader adds file and line."""


@dataclass
class IngestResult:
    kind: str
    file: str
    rows_read: int
    loaded: dict[str, int]

    def summary(self) -> str:
        parts = ", ".join(f"{n} rows into {t}" for t, n in self.loaded.items())
        return f"{self.file}: read {self.rows_read} {self.kind} rows; loaded {parts or 'nothing'}"


# -- reading files ---------------------------------------------------------------------------------
def read_records(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV, JSON array, {"data": [...]} object or JSON-lines file, as dicts."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not UTF-8 text") from None
    body = text.lstrip()
    if not body:
        raise InputError(f"{path.name}: the file is empty")
    if body[0] in "[{":
        return _read_json(path.name, body)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path.name}: broken CSV ({exc})") from None
    if reader.fieldnames is None:
        raise InputError(f"{path.name}: the file is empty")
    for i, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise InputError(f"{path.name} line {i}: expected {len(reader.fieldnames)} fields, got a different number")
    return rows


def _read_json(name: str, body: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        try:  # JSON lines
            data = [json.loads(line) for line in body.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: broken JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict):
        data = data.get("data", data.get("trades", [data]))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputError(f"{name}: JSON must be an array of objects")
    return data


def _require(name: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    if not rows:
        raise InputError(f"{name}: no rows")
    present = set().union(*(r.keys() for r in rows[:1]))
    missing = [c for c in columns if c not in present]
    if missing:
        raise InputError(f"{name}: missing columns: {', '.join(missing)}")


def _each(name: str, rows: list[dict[str, Any]], convert: Callable[[dict[str, Any]], list]) -> list:
    out: list = []
    for i, row in enumerate(rows):
        try:
            out.extend(convert(row))
        except RowError as exc:
            where = f"line {i + 2}" if name.endswith(".csv") else f"record {i + 1}"
            raise InputError(f"{name} {where}: {exc}") from None
    return out


# -- field parsers ---------------------------------------------------------------------------------
def _text(row: dict, key: str) -> str:
    v = row.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        raise RowError(f"{key} is empty")
    return str(v).strip()


def _decimal(row: dict, key: str) -> Decimal:
    raw = _text(row, key)
    try:
        d = Decimal(raw)
    except InvalidOperation:
        raise RowError(f"{key} is not a number ({raw[:30]!r})") from None
    if not d.is_finite():
        raise RowError(f"{key} is not a finite number")
    return d


def _int(row: dict, key: str) -> int:
    d = _decimal(row, key)
    if d != d.to_integral_value():
        raise RowError(f"{key} is not an integer ({str(d)[:30]})")
    n = int(d)
    if abs(n) > INT64_MAX:
        raise RowError(f"{key} is out of range")
    return n


def _micro(d: Decimal, key: str) -> int:
    try:
        n = int((d * MICRO).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # beyond the decimal context's precision: far beyond Int64 anyway
        raise RowError(f"{key} is out of range") from None
    if abs(n) > INT64_MAX:
        raise RowError(f"{key} is out of range")
    return n


def _time(row: dict, key: str) -> datetime:
    raw = _text(row, key)
    try:
        ts = Decimal(raw)
        seconds = int(ts / 1000) if ts > 10**11 else int(ts)  # milliseconds from some exports
        return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)
    except (InvalidOperation, OverflowError, OSError, ValueError):
        pass
    text = raw.replace("Z", "+00:00")
    if re.search(r"[+-]\d\d$", text):
        text += ":00"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"{key} is not a time ({raw[:30]!r})") from None
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    if t.year < 1970:
        raise RowError(f"{key} is before 1970")
    return t


def _json_list(row: dict, key: str) -> list:
    v = row.get(key)
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            raise RowError(f"{key} is not a JSON array") from None
    if not isinstance(v, list):
        raise RowError(f"{key} is not a JSON array")
    return v


def _condition(row: dict, key: str) -> str:
    c = _text(row, key).lower()
    if not CONDITION.match(c):
        raise RowError(f"{key} is not 0x + 64 hex")
    return c


def _token(value: Any, key: str) -> str:
    t = str(value).strip()
    if not TOKEN.match(t):
        raise RowError(f"{key} is not a decimal token id")
    return t


def _canon(d: Decimal) -> str:
    return format(d.normalize(), "f")


# -- converters --------------------------------------------------------------------------------------
def _trade(now: datetime) -> Callable[[dict], list]:
    def convert(r: dict) -> list:
        size, price = _decimal(r, "size"), _decimal(r, "price")
        wallet, side, asset = _text(r, "proxyWallet"), _text(r, "side"), _token(_text(r, "asset"), "asset")
        t, tx = _time(r, "timestamp"), _text(r, "transactionHash")
        # Exact repeats (the same fill paged twice) collapse; any differing field keeps fills distinct.
        key = "|".join([tx.lower(), wallet.lower(), asset, side.lower(), _canon(size), _canon(price),
                        str(int(t.replace(tzinfo=timezone.utc).timestamp()))])
        event_id = "trade:" + hashlib.sha256(key.encode()).hexdigest()[:40]
        tokens = _micro(size, "size")
        return [(event_id, wallet, "taker", side, asset, _micro(size * price, "price"), tokens, 0, t, tx, 0, 0, now)]
    return convert


def _orderfilled(now: datetime, exchanges: set[str]) -> Callable[[dict], list]:
    def convert(r: dict) -> list:
        order = r.get("orderHash") or r.get("logIndex")
        if order in (None, ""):
            raise RowError("needs orderHash or logIndex")
        tx = _text(r, "transactionHash")
        maker, taker = _text(r, "maker"), _text(r, "taker").lower()
        maker_asset, taker_asset = _text(r, "makerAssetId"), _text(r, "takerAssetId")
        m_amt, t_amt, fee = _int(r, "makerAmountFilled"), _int(r, "takerAmountFilled"), _int(r, "fee")
        role = "taker" if taker in exchanges else "maker"
        if maker_asset == "0":  # paid collateral: a buy of the taker asset, fee taken in tokens
            side, token, tokens, usdc, fee_usdc = "buy", _token(taker_asset, "takerAssetId"), t_amt - fee, m_amt, 0
        else:
            side, token, tokens, usdc, fee_usdc = "sell", _token(maker_asset, "makerAssetId"), m_amt, t_amt, fee
        return [(f"{tx}:{order}", maker, role, side, token, usdc, tokens, fee_usdc, _time(r, "timestamp"), tx, 0, 0,
                 now)]
    return convert


def _outcome(r: dict, key: str) -> int:
    idx = _int(r, key)
    if not 0 <= idx <= 255:
        raise RowError(f"{key} must be 0..255")
    return idx


def _token_map(r: dict) -> list:
    return [(_token(_text(r, "token_id"), "token_id"), _condition(r, "condition_id"), _outcome(r, "outcome_index"))]


def _numerators(values: list) -> list[int]:
    try:
        fr = [Fraction(str(v)) for v in values]
    except (ValueError, ZeroDivisionError):
        raise RowError("payouts must be numbers") from None
    if not fr or any(f < 0 for f in fr) or sum(fr) == 0:
        raise RowError("payouts must be non-negative and not all zero")
    den = lcm(*(f.denominator for f in fr))
    ints = [int(f * den) for f in fr]
    g = gcd(*ints)
    return [i // g for i in ints]


def _resolution(r: dict) -> list:
    nums = _json_list(r, "payout_numerators")
    if not all(isinstance(n, int) and n >= 0 for n in nums) or not nums or sum(nums) == 0:
        raise RowError("payout_numerators must be a JSON array of non-negative integers, not all zero")
    return [(_condition(r, "condition_id"), json.dumps(nums, separators=(",", ":")), _time(r, "resolved_at"))]


def _market(r: dict) -> list:
    cond = _condition(r, "conditionId")
    tokens = [_token(t, "clobTokenIds") for t in _json_list(r, "clobTokenIds")]
    out: list = [("map", t, cond, i) for i, t in enumerate(tokens)]
    if str(r.get("umaResolutionStatus", "")).strip().lower() == "resolved":
        prices = _json_list(r, "outcomePrices")
        if len(prices) != len(tokens):
            raise RowError("outcomePrices and clobTokenIds differ in length")
        out.append(("res", cond, json.dumps(_numerators(prices), separators=(",", ":")), _time(r, "closedTime")))
    return out


# -- entry point --------------------------------------------------------------------------------------
def ingest(db: Db, kind: str, path: str | Path, *, exchanges: set[str] | None = None) -> IngestResult:
    """Parse and validate the whole file, then insert; a bad row loads nothing and names its line."""
    if kind not in KINDS:
        raise InputError(f"unknown ingest kind {kind!r}: one of {', '.join(KINDS)}")
    path = Path(path)
    rows = read_records(path)
    name = path.name
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    loaded: dict[str, int] = {}
    if kind == "trades":
        _require(name, rows, ("proxyWallet", "side", "asset", "size", "price", "timestamp", "transactionHash"))
        raw = _each(name, rows, _trade(now))
        maps = _each(name, [r for r in rows if r.get("conditionId") and str(r.get("outcomeIndex", "")).strip()],
                     lambda r: [(_token(_text(r, "asset"), "asset"), _condition(r, "conditionId"),
                                 _outcome(r, "outcomeIndex"))])
        loaded[db.bare("token_map")] = _insert_new_tokens(db, maps)
        loaded[db.bare("raw")] = db.insert("raw", raw, RAW_COLUMNS, purpose=f"ingest {name}")
    elif kind == "orderfilled":
        _require(name, rows, ("transactionHash", "timestamp", "maker", "taker", "makerAssetId", "takerAssetId",
                              "makerAmountFilled", "takerAmountFilled", "fee"))
        raw = _each(name, rows, _orderfilled(now, exchanges or set()))
        loaded[db.bare("raw")] = db.insert("raw", raw, RAW_COLUMNS, purpose=f"ingest {name}")
    elif kind == "token-map":
        _require(name, rows, ("token_id", "condition_id", "outcome_index"))
        out = _each(name, rows, _token_map)
        loaded[db.bare("token_map")] = db.insert("token_map", out, ("token_id", "condition_id", "outcome_index"))
    elif kind == "resolutions":
        _require(name, rows, ("condition_id", "payout_numerators", "resolved_at"))
        out = _each(name, rows, _resolution)
        loaded[db.bare("resolutions")] = db.insert("resolutions", out,
                                                   ("condition_id", "payout_numerators", "resolved_at"))
    else:
        _require(name, rows, ("conditionId", "clobTokenIds"))
        out = _each(name, rows, _market)
        maps = [r[1:] for r in out if r[0] == "map"]
        res = [r[1:] for r in out if r[0] == "res"]
        loaded[db.bare("token_map")] = db.insert("token_map", maps, ("token_id", "condition_id", "outcome_index"))
        loaded[db.bare("resolutions")] = db.insert("resolutions", res,
                                                   ("condition_id", "payout_numerators", "resolved_at"))
    return IngestResult(kind, name, len(rows), loaded)


def _insert_new_tokens(db: Db, maps: list[tuple]) -> int:
    """Data API trades carry their condition: map tokens the token map does not know yet (never overwrite)."""
    if not maps:
        return 0
    known = {r["token_id"] for r in db.rows("select_known_tokens", tokens=sorted({m[0] for m in maps}))}
    new = {m[0]: m for m in maps if m[0] not in known}
    return db.insert("token_map", list(new.values()), ("token_id", "condition_id", "outcome_index"))
