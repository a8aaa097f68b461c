"""Bad input: random mixes of valid and invalid raw rows end in the ledger or in pm_rejected_events exactly once, with
the right reason, without disturbing the valid rows' positions; malformed ingest files load whole or not at all."""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from tasks import fifo, ledger, staging
from tasks.checks import parity
from tasks.errors import InputError
from tasks.ingest import RAW_COLUMNS, ingest
from tasks.partitions import EARLIEST, Window

D1 = date(2025, 3, 10)
DAYS = [D1, D1 + timedelta(days=1)]
# A fixed window, as if "now" were 2025-03-11 12:00 UTC: valid times are [2020-01-01, 2025-03-12 12:00].
WINDOW = Window(EARLIEST, datetime(2025, 3, 12, 12, tzinfo=timezone.utc))
OUT_OF_RANGE = [datetime(2019, 12, 31, 23, 59, 59), datetime(2025, 3, 12, 12, 0, 1), datetime(2031, 1, 1)]
COND_A, COND_B = "0x" + "a" * 64, "0x" + "b" * 64
TOKEN_MAP = [("101", COND_A, 0), ("102", COND_A, 1), ("201", COND_B, 0)]
MAPPED = [t for t, _, _ in TOKEN_MAP]
# Few wallets, so positions get several fills, in two wallet shards (first hex 1 and c): FIFO runs on those two;
# every other shard holds no ledger row in either database.
WALLETS = ["0x1" + "0" * 38 + "1", "0x1" + "f" * 39, "0xc" + "ab" * 19 + "c", "0xc" + "0123456789" * 3 + "abcdef012"]
SHARDS = sorted({w[2] for w in WALLETS})
REASONS = ("invalid_wallet", "invalid_role", "invalid_side", "non_positive_amount", "negative_fee", "price_above_one",
           "fee_above_amount", "time_out_of_range", "unmapped_token")
WALLET_RE = re.compile(r"0x[0-9a-f]{40}")
FIGURES: Counter = Counter()  # examples and rows tried, by kind (printed at the end: docs/reliability.md)


def ascii_lower(s: str) -> str:
    """ClickHouse lower() folds ASCII only."""
    return s.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


# -- the model: SPEC 3.2 in Python ----------------------------------------------------------------------------------
def identity(row: tuple) -> tuple:
    return row[0], ascii_lower(row[1]), row[2]


def winners(rows: list[tuple]) -> dict[tuple, tuple]:
    """Latest version (insert_time) of each identity, whatever its day; the generator never ties insert_times within
    an identity."""
    out: dict[tuple, tuple] = {}
    for r in rows:
        k = identity(r)
        if k not in out or r[12] > out[k][12]:
            out[k] = r
    return out


def in_window(t: datetime) -> bool:
    return WINDOW.min_time.replace(tzinfo=None) <= t <= WINDOW.max_time.replace(tzinfo=None)


def reason(r: tuple) -> str:
    wallet, role, side = ascii_lower(r[1]), r[2], ascii_lower(r[3])
    usdc, tokens, fee, t = r[5], r[6], r[7], r[8]
    if not in_window(t):
        return "time_out_of_range"
    for bad, why in ((not WALLET_RE.fullmatch(wallet), "invalid_wallet"), (role not in ("maker", "taker"), "invalid_role"),
                     (side not in ("buy", "sell"), "invalid_side"), (tokens <= 0 or usdc <= 0, "non_positive_amount"),
                     (fee < 0, "negative_fee"), (usdc > tokens, "price_above_one"), (fee > usdc, "fee_above_amount"),
                     (r[4] not in MAPPED, "unmapped_token")):
        if bad:
            return why
    return ""


def expected(rows: list[tuple]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(ledger rows, rejected (identity, reason, day), raw rows of the fills that reach the ledger). A fill lives on
    its winning version's day; out-of-range rejects on the sentinel day 1970-01-01."""
    cond = {t: (c, o) for t, c, o in TOKEN_MAP}
    led, rej, valid = [], [], []
    for k, r in winners(rows).items():
        if r[11]:  # the latest version deletes the fill
            continue
        why = reason(r)
        if why:
            rej.append((*k, why, r[8].date() if in_window(r[8]) else date(1970, 1, 1)))
            continue
        side = ascii_lower(r[3])
        sign = 1 if side == "buy" else -1
        usdc_delta = -(r[5] + r[7]) if side == "buy" else r[5] - r[7]
        led.append((ascii_lower(r[1]), r[0], r[2], side, *cond[r[4]], sign * r[6], usdc_delta, r[7], r[8]))
        valid.append(r)
    return sorted(led), sorted(rej), valid


# -- the generator ---------------------------------------------------------------------------------------------------
def upper_hex(w: str) -> str:
    return w[:2] + w[2:].upper()


def random_time(draw) -> datetime:
    return datetime.combine(draw(st.sampled_from(DAYS)), datetime.min.time()) + timedelta(
        seconds=draw(st.integers(0, 86_399)))


@st.composite
def raw_rows(draw) -> list[tuple]:
    """Valid fills and each kind of invalid row, with later duplicates (same, changed, deleted, wallet in upper case),
    half of them re-dated to the other day or out of the time window."""
    n = draw(st.integers(3, 14))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))  # uniform choice of kinds (sampled_from favours the first)
    rows: list[tuple] = []
    for i in range(n):
        kind = rng.choice(("valid",) * 5 + ("case",) * 2 + REASONS)
        FIGURES[f"kind {kind}"] += 1
        tokens = draw(st.integers(1, 40)) * 250_000
        usdc = draw(st.integers(1, tokens))
        fee = draw(st.sampled_from([0, 0, 1, usdc // 100]))
        wallet, role = draw(st.sampled_from(WALLETS)), draw(st.sampled_from(["maker", "taker"]))
        side, token = draw(st.sampled_from(["buy", "buy", "sell"])), draw(st.sampled_from(MAPPED))
        t = random_time(draw)
        if kind == "case":
            wallet = draw(st.sampled_from([upper_hex(wallet), "0X" + wallet[2:], wallet.upper()]))
            side = draw(st.sampled_from(["BUY", "Sell", "sElL", "Buy"]))
        elif kind == "invalid_wallet":
            wallet = draw(st.sampled_from(["0x123", "", wallet[2:], wallet + "0", "0x" + "g" * 40, " " + wallet,
                                           wallet + "\n", "0x" + "ä" * 40, "'; DROP TABLE x; --"]))
        elif kind == "invalid_role":
            role = draw(st.sampled_from(["Taker", "MAKER", "", "buyer", "maker "]))
        elif kind == "invalid_side":
            side = draw(st.sampled_from(["hold", "", "b", "buy ", "short"]))
        elif kind == "non_positive_amount":
            tokens, usdc = draw(st.sampled_from([(0, usdc), (tokens, 0), (-tokens, usdc), (tokens, -usdc), (0, 0)]))
            fee = 0
        elif kind == "negative_fee":
            fee = -draw(st.integers(1, 1000))
        elif kind == "price_above_one":
            usdc = tokens + draw(st.integers(1, 1_000_000))
            fee = 0
        elif kind == "fee_above_amount":
            fee = usdc + draw(st.integers(1, 1000))
        elif kind == "time_out_of_range":
            t = draw(st.sampled_from(OUT_OF_RANGE))
        elif kind == "unmapped_token":
            token = draw(st.sampled_from(["999", "", "101 ", "0101"]))
        inserted = t + timedelta(minutes=5) if t.year > 2000 else datetime(2025, 3, 10)
        base = (f"e{i}", wallet, role, side, token, usdc, tokens, fee, t, f"0xtx{i}", i, 0, inserted)
        rows.append(base)
        # later versions of the same fill: an exact re-ingest, a correction, a deletion, an upper-case wallet
        for v in range(1, draw(st.integers(0, 3)) + 1):
            fate = rng.choice(["same", "changed", "deleted", "upper", "undeleted"])
            FIGURES[f"duplicate {fate}"] += 1
            later = base[:12] + (inserted + timedelta(hours=v),)
            if fate == "changed":
                u = draw(st.integers(1, max(1, abs(tokens))))
                later = later[:5] + (u, later[6], min(later[7], u)) + later[8:]
            elif fate == "deleted":
                later = later[:11] + (1,) + later[12:]
            elif fate == "upper":
                later = (later[0], upper_hex(later[1])) + later[2:]
            move = rng.choice(["same day", "same day", "another day", "out of range"])
            FIGURES[f"duplicate {move}"] += 1
            if move == "another day":  # a corrected trade_time that moves the fill to the other day
                later = later[:8] + (random_time(draw),) + later[9:]
                if later[8].date() == t.date():
                    later = later[:8] + (later[8] + timedelta(days=1 if t.date() == DAYS[0] else -1),) + later[9:]
            elif move == "out of range":
                later = later[:8] + (draw(st.sampled_from(OUT_OF_RANGE)),) + later[9:]
            if fate == "undeleted":  # deleted, then back
                rows.append(later[:11] + (1, inserted + timedelta(hours=v) - timedelta(minutes=10)))
            rows.append(later)
    draw(st.randoms()).shuffle(rows)
    return rows


# -- running the pipeline ------------------------------------------------------------------------------------------
def reset(db) -> None:
    for key in ("raw", "token_map", "staging", "supersessions", "ledger", "rejected", "lots", "positions"):
        db.client.command(f"TRUNCATE TABLE {db.table(key)}")
    db.insert("token_map", TOKEN_MAP, ["token_id", "condition_id", "outcome_index"])


def pipeline(db, rows: list[tuple], *, reset_first: bool = True) -> None:
    """The staging_backfill and ledger_rebuild steps, in their order, then FIFO."""
    if reset_first:
        reset(db)
        db.insert("raw", rows, RAW_COLUMNS)
    for d in DAYS:
        staging.stage_chunk(db, d, d + timedelta(days=1), WINDOW)
    staging.resolve_cross_day(db, WINDOW)
    staging.reject_out_of_range(db, WINDOW)
    for d in DAYS:
        ledger.build_chunk(db, d, d + timedelta(days=1), WINDOW)
    for prefix in SHARDS:
        out = fifo.run_shard(db, prefix)
        assert not any(out.violations.values()), (prefix, out.violations)


def ledger_rows(db) -> list[tuple]:
    return db.sql(f"SELECT wallet, event_id, role, side, condition_id, outcome_index, token_delta, usdc_delta, "
                  f"fee_amount, trade_time FROM {db.table('ledger')}")


def rejected_rows(db) -> list[tuple]:
    return db.sql(f"SELECT event_id, trader_wallet, role, reason, day FROM {db.table('rejected')}")


@pytest.fixture(scope="module", autouse=True)
def report_figures():
    """What the property tests tried, printed at the end of the module (docs/reliability.md; run with -s)."""
    yield
    rows = {k: v for k, v in FIGURES.items() if not k.startswith("csv")}
    csvs = {k: v for k, v in FIGURES.items() if k.startswith("csv")}
    print(f"\nBAD-ROWS {dict(sorted(rows.items()))}\nBAD-CSV {dict(sorted(csvs.items()))}")


@pytest.fixture(scope="module")
def dbs(make_db):
    return make_db("badrows"), make_db("validonly")


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(rows=raw_rows())
def test_every_raw_fill_ends_in_the_ledger_or_rejected_exactly_once_and_bad_rows_do_not_move_positions(dbs, rows):
    mixed, valid_only = dbs
    FIGURES["examples"] += 1
    FIGURES["raw rows"] += len(rows)
    led, rej, valid = expected(rows)
    pipeline(mixed, rows)
    assert sorted(ledger_rows(mixed)) == led  # sorted lists, not sets: exactly once, on the winner's day
    assert sorted(rejected_rows(mixed)) == rej
    FIGURES["fills whose versions span days"] += sum(
        len({r[8].date() if in_window(r[8]) else None for r in rows if identity(r) == k}) > 1
        for k in winners(rows))
    FIGURES["rejected"] += len(rej)
    FIGURES["ledger"] += len(led)

    pipeline(valid_only, valid)  # the same fills, without a single invalid row, duplicate or deletion
    for key, order in (("positions", "wallet, condition_id, outcome_index"),
                       ("lots", "wallet, condition_id, outcome_index, lot_id, is_maker")):
        assert mixed.sql(f"SELECT * FROM {mixed.table(key)} ORDER BY {order}") == \
            valid_only.sql(f"SELECT * FROM {valid_only.table(key)} ORDER BY {order}"), key


def test_a_corrected_trade_time_on_another_day_still_leaves_one_fill(make_db, monkeypatch):
    """SPEC 3.2: the identity is (event_id, wallet, role) and the latest insert wins whatever its trade_time day
    (bug 4). A fill re-dated to the next day is one ledger row on that day; a deletion dated on another day deletes
    it; a later out-of-range version leaves it only in rejected; moved back, it is back on its first day."""
    db = make_db("crossday")
    d1, d2 = (datetime.combine(d, datetime.min.time()) for d in DAYS)
    w = WALLETS[0]

    def fill(event_id: str, t: datetime, hours: int, *, usdc: int = 400_000, deleted: int = 0) -> tuple:
        return (event_id, w, "taker", "buy", "101", usdc, 1_000_000, 0, t, "0xtx", 1, deleted,
                d1 + timedelta(hours=hours))

    rows = [
        fill("moved", d1 + timedelta(hours=12), 13), fill("moved", d2 + timedelta(hours=9), 14, usdc=300_000),
        fill("deleted", d1 + timedelta(hours=12), 13), fill("deleted", d2 + timedelta(hours=1), 14, deleted=1),
        fill("out", d1 + timedelta(hours=12), 13), fill("out", OUT_OF_RANGE[2], 14),
        fill("back", d1 + timedelta(hours=8), 13), fill("back", d2 + timedelta(hours=8), 14, usdc=300_000),
        fill("back", d1 + timedelta(hours=7), 15, usdc=200_000),
        fill("in", OUT_OF_RANGE[0], 13), fill("in", d2 + timedelta(hours=2), 14),
        fill("kept", d2 + timedelta(hours=3), 15), fill("kept", OUT_OF_RANGE[1], 14),  # out of range, but older
    ]
    pipeline(db, rows)
    one_per_fill = sorted(expected(rows)[0])
    assert sorted(ledger_rows(db)) == one_per_fill
    assert [(r[1], r[7], r[9]) for r in one_per_fill] == [
        ("back", -200_000, d1 + timedelta(hours=7)), ("in", -400_000, d2 + timedelta(hours=2)),
        ("kept", -400_000, d2 + timedelta(hours=3)), ("moved", -300_000, d2 + timedelta(hours=9))]
    assert rejected_rows(db) == [("out", w, "taker", "time_out_of_range", date(1970, 1, 1))]
    assert parity(db, DAYS[0], DAYS[-1] + timedelta(days=1), WINDOW).passed

    # a rerun changes nothing, and so does a resolution cut into more memory slices than there are rows
    supersessions = db.sql(f"SELECT * FROM {db.table('supersessions')} ORDER BY ALL")
    assert staging.resolve_cross_day(db, WINDOW) == []
    monkeypatch.setattr(staging, "CANDIDATE_BYTES_PER_ROW", db.settings.clickhouse.max_memory_usage)
    assert staging.resolve_cross_day(db, WINDOW) == []
    assert db.sql(f"SELECT * FROM {db.table('supersessions')} ORDER BY ALL") == supersessions
    pipeline(db, rows, reset_first=False)
    assert sorted(ledger_rows(db)) == one_per_fill and len(rejected_rows(db)) == 1


# -- malformed ingest files -------------------------------------------------------------------------------------
TRADE_COLUMNS = ["proxyWallet", "side", "asset", "conditionId", "size", "price", "timestamp", "outcomeIndex",
                 "transactionHash", "title"]
REQUIRED = ["proxyWallet", "side", "asset", "size", "price", "timestamp", "transactionHash"]


def valid_trades_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(TRADE_COLUMNS)
    rng = random.Random(5)
    for i in range(6):
        w.writerow([WALLETS[i % 4], rng.choice(["BUY", "SELL"]), str(101 + i % 2), COND_A, f"{rng.randint(1, 900)}.5",
                    f"0.{rng.randint(1, 99):02d}", str(1741600000 + i * 60), str(i % 2), f"0x{i:064x}",
                    "Will it, \"really\", happen?"])
    return out.getvalue()


GARBLE = ["", "abc", "1.2.3", "NaN", "Infinity", "-", "1,5", "0x10", "１２", "1e", "--1", " ", "1_000", "-3"]
NOT_A_NUMBER = [g for g in GARBLE if g not in ("１２", "1_000", "-3")]  # outcomeIndex: see the out-of-range test


@st.composite
def mutated_csv(draw) -> tuple[str, list[str]]:
    """A valid trades CSV with 1-3 mutations: drop a column, truncate a line, garble a field, insert a NUL or a
    stray quote, duplicate or blank a line."""
    lines = valid_trades_csv().splitlines()
    done = []
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))  # uniform choice of mutations
    for _ in range(draw(st.integers(1, 3))):
        m = rng.choice(["drop column", "truncate line", "garble number", "nul", "bad quote", "drop header field",
                        "blank line", "extra field"])
        done.append(m)
        i = draw(st.integers(1, len(lines) - 1)) if len(lines) > 1 else 0
        if m == "drop column":
            rows = list(csv.reader(lines))
            c = draw(st.integers(0, len(rows[0]) - 1))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([r[:c] + r[c + 1:] for r in rows])
            lines = out.getvalue().splitlines()
        elif m == "truncate line":
            lines[i] = lines[i][:draw(st.integers(0, max(0, len(lines[i]) - 1)))]
        elif m == "garble number":
            rows = list(csv.reader(lines))
            header = rows[0]
            col = draw(st.sampled_from([c for c in ("size", "price", "timestamp", "outcomeIndex", "asset")
                                        if c in header]))
            j = header.index(col)
            if i < len(rows) and j < len(rows[i]):
                rows[i][j] = draw(st.sampled_from(NOT_A_NUMBER if col == "outcomeIndex" else GARBLE))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            lines = out.getvalue().splitlines()
        elif m in ("nul", "bad quote"):
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + ("\x00" if m == "nul" else '"') + lines[i][pos:]
        elif m == "drop header field":
            lines[0] = lines[0].rsplit(",", 1)[0]
        elif m == "blank line":
            lines.insert(i, "")
        elif m == "extra field":
            lines[i] += ",surplus"
    return "\n".join(lines) + "\n", done


def count(db, key: str) -> int:
    return db.sql(f"SELECT count() FROM {db.table(key)}")[0][0]


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=mutated_csv())
@example(case=("", ["empty"]))
@example(case=(valid_trades_csv().split("\n", 1)[0] + "\n", ["header only"]))
def test_a_mutated_trades_csv_loads_cleanly_or_fails_with_one_input_error_and_loads_nothing(make_db, tmp_path_factory,
                                                                                           case):
    text, mutations = case
    FIGURES["csv examples"] += 1
    for m in mutations:
        FIGURES[f"csv {m}"] += 1
    db = ingest_db(make_db)
    path = tmp_path_factory.mktemp("mutated") / "trades.csv"
    path.write_text(text, encoding="utf-8")
    try:
        result = ingest(db, "trades", path)
    except InputError as exc:
        FIGURES["csv rejected"] += 1
        msg = str(exc)
        assert msg and "\n" not in msg and "trades.csv" in msg, msg
        assert count(db, "raw") == 0 and count(db, "token_map") == 0, f"{mutations}: loaded something: {msg}"
        return
    FIGURES["csv loaded"] += 1
    assert count(db, "raw") == result.rows_read == result.loaded["pm_trader_events_v2"] > 0
    assert all(set(REQUIRED) <= set(r) for r in csv.DictReader(io.StringIO(text)))


_INGEST_DB: list = []


def ingest_db(make_db):
    """One database for every example, emptied between examples."""
    if not _INGEST_DB:
        _INGEST_DB.append(make_db("ingest"))
    db = _INGEST_DB[0]
    for key in ("raw", "token_map"):
        db.client.command(f"TRUNCATE TABLE {db.table(key)}")
    return db


@pytest.mark.parametrize("column,value", [("size", "1e30"), ("size", "99999999999999999999999"), ("price", "1e25"),
                                          ("outcomeIndex", "300"), ("outcomeIndex", "-1")])
def test_a_number_out_of_range_is_an_input_error_naming_the_line(make_db, tmp_path, column, value):
    """A size that cannot be Int64 micro-units, or an outcome index that is not a UInt8, is a user mistake:
    one InputError with file and line, nothing loaded."""
    db = make_db("huge")
    fields = {"proxyWallet": WALLETS[0], "side": "BUY", "asset": "101", "conditionId": COND_A, "size": "1",
              "price": "0.5", "timestamp": "1741600000", "outcomeIndex": "0", "transactionHash": "0xa"}
    bad = {**fields, "asset": "102", column: value, "transactionHash": "0xb"}
    path = tmp_path / "huge.csv"
    path.write_text(",".join(fields) + "\n" + ",".join(fields.values()) + "\n" + ",".join(bad.values()) + "\n")
    with pytest.raises(InputError, match=rf"huge\.csv line 3: {column}"):
        ingest(db, "trades", path)
    assert count(db, "raw") == 0 and count(db, "token_map") == 0
