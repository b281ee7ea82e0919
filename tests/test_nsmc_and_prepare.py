"""Getting corpora: the NSMC download (kofasttext.datasets.nsmc) against a local HTTP
server on 127.0.0.1 (never the network), and `prepare_corpus` (kofasttext.corpus.prepare)
on folders of .txt / .gz / .jsonl files; both through Python and the command line."""

from __future__ import annotations

import doctest
import gzip
import hashlib
import json
import os
import stat
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import run_cli

from kofasttext import CorpusError, UsageError
from kofasttext.corpus import iter_lines, prepare
from kofasttext.corpus.prepare import prepare_corpus
from kofasttext.datasets import nsmc
from kofasttext.datasets.nsmc import download_nsmc

NFD = unicodedata.normalize("NFD", "몰랐는데 재밌네")

#: Published-format fixtures: a header, an empty review, whitespace to fold, NFD text.
RATINGS_TRAIN = (
    "id\tdocument\tlabel\n"
    "9976970\t아 더빙.. 진짜 짜증나네요 목소리\t0\n"
    "3819312\t\t1\n"
    "10265843\t  너무재밓었다그래서보는것을추천한다 \u3000 ㅋㅋ  \t1\n"
    f"9045019\t{NFD}\t1\n"
    "6483659\t사이몬페그의 익살스런 연기가 돋보였던 영화!\t1\r\n"
)
RATINGS_TEST = (
    "id\tdocument\tlabel\n"
    "6270596\t굳 ㅋ\t1\n"
    "9274899\t \t0\n"
    "8544678\t뭐야 이 평점들은.... 나쁘진 않지만   10점 짜리는 더더욱 아니잖아\t0\n"
)
EXPECTED_TRAIN = [
    "id\tdocument\tlabel",
    "9976970\t아 더빙.. 진짜 짜증나네요 목소리\t0",
    "10265843\t너무재밓었다그래서보는것을추천한다 ㅋㅋ\t1",
    "9045019\t몰랐는데 재밌네\t1",
    "6483659\t사이몬페그의 익살스런 연기가 돋보였던 영화!\t1",
]
EXPECTED_TEST = [
    "id\tdocument\tlabel",
    "6270596\t굳 ㅋ\t1",
    "8544678\t뭐야 이 평점들은.... 나쁘진 않지만 10점 짜리는 더더욱 아니잖아\t0",
]
HTML = "<!DOCTYPE html>\n<html><body><h1>Rate limited</h1></body></html>\n"


# -- a local server -------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up is what some tests do
        pass


class FixtureServer:
    """Serves ``routes[path]`` on 127.0.0.1: ``(status, body, mode)`` or a list of
    them (one per request, the last repeated). Modes: ``"ok"``; ``"drop"`` sends a
    full Content-Length, half the body, then closes; ``"nolength"`` sends half the
    body with no length and closes; ``"slow"`` waits before answering."""

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[str] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.requests.append(self.path)
                route = owner.routes.get(self.path, (404, "Not Found", "ok"))
                if isinstance(route, list):
                    index = sum(1 for p in owner.requests if p == self.path) - 1
                    route = route[min(index, len(route) - 1)]
                status, body, mode = route
                data = body.encode("utf-8")
                if mode == "slow":
                    owner.release.wait(5)
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if body.startswith("<") else "text/plain; charset=utf-8")
                if mode != "nolength":
                    self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                if mode in ("drop", "nolength"):
                    data = data[: len(data) // 2]
                self.wfile.write(data)
                self.wfile.flush()
                self.close_connection = True

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def serve_nsmc(self, train: str = RATINGS_TRAIN, test: str = RATINGS_TEST) -> None:
        self.routes["/ratings_train.txt"] = (200, train, "ok")
        self.routes["/ratings_test.txt"] = (200, test, "ok")

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    # A proxy set in the environment must not see (or break) requests to 127.0.0.1;
    # the CLI subprocess inherits this too.
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "*")
    monkeypatch.setattr(nsmc, "RETRY_WAITS", (0.0,))
    fixture = FixtureServer()
    yield fixture
    fixture.close()


def files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def read_lines(path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")[:-1]


# -- download_nsmc ------------------------------------------------------------------------------
def test_download_rebuilds_train_test_and_corpus(server, tmp_path):
    server.serve_nsmc()
    counts = download_nsmc(tmp_path / "data", base_url=server.url, progress=False)
    nsmc = tmp_path / "data" / "nsmc"
    assert files_under(tmp_path / "data") == ["nsmc", "nsmc/corpus.txt.gz", "nsmc/test.tsv", "nsmc/train.tsv"]
    assert read_lines(nsmc / "train.tsv") == EXPECTED_TRAIN
    assert read_lines(nsmc / "test.tsv") == EXPECTED_TEST
    corpus = gzip.decompress((nsmc / "corpus.txt.gz").read_bytes()).decode("utf-8").split("\n")[:-1]
    assert corpus == [line.split("\t")[1] for line in EXPECTED_TRAIN[1:]]  # train reviews only, in order
    assert counts["train"]["kept"] == 4 and counts["train"]["dropped"] == 1
    assert counts["test"]["kept"] == 2 and counts["test"]["dropped"] == 1
    assert counts["corpus"] == {"lines": 4}
    assert counts["train"]["sha256"] == hashlib.sha256(RATINGS_TRAIN.encode()).hexdigest()
    assert sorted(server.requests) == ["/ratings_test.txt", "/ratings_train.txt"]


def test_outputs_get_ordinary_permissions(server, tmp_path):
    server.serve_nsmc()
    download_nsmc(tmp_path, base_url=server.url, progress=False)
    prepare_corpus(tmp_path / "nsmc" / "corpus.txt.gz", tmp_path / "c.txt", progress=False)
    umask = os.umask(0)
    os.umask(umask)
    for path in [*(tmp_path / "nsmc").iterdir(), tmp_path / "c.txt"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


def test_rebuilt_files_read_back_through_iter_lines(server, tmp_path):
    server.serve_nsmc()
    download_nsmc(tmp_path, base_url=server.url.rstrip("/"), progress=False)  # a base URL without its slash
    assert list(iter_lines(str(tmp_path / "nsmc" / "corpus.txt.gz")))[2] == "몰랐는데 재밌네"
    assert list(iter_lines(str(tmp_path / "nsmc" / "test.tsv"), column="document")) == ["굳 ㅋ", EXPECTED_TEST[2].split("\t")[1]]


def test_download_is_deterministic_to_the_byte(server, tmp_path):
    server.serve_nsmc()
    download_nsmc(tmp_path / "a", base_url=server.url, progress=False)
    download_nsmc(tmp_path / "b", base_url=server.url, progress=False)
    for name in ("train.tsv", "test.tsv", "corpus.txt.gz"):
        assert (tmp_path / "a" / "nsmc" / name).read_bytes() == (tmp_path / "b" / "nsmc" / name).read_bytes()


@pytest.mark.parametrize("missing", ["/ratings_train.txt", "/ratings_test.txt"])
def test_404_leaves_no_files(server, tmp_path, missing):
    server.serve_nsmc()
    del server.routes[missing]
    with pytest.raises(CorpusError, match=r"cannot download http://127\.0\.0\.1:\d+/ratings_\w+\.txt: HTTP 404") as info:
        download_nsmc(tmp_path / "data", base_url=server.url, progress=False)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "data").exists()  # not even the folders it made
    assert server.requests.count(missing) == 1  # a 404 is not retried


def test_html_page_is_not_a_ratings_file(server, tmp_path):
    server.serve_nsmc()
    server.routes["/ratings_test.txt"] = (200, HTML, "ok")
    (tmp_path / "data").mkdir()
    with pytest.raises(CorpusError, match="ratings_test.txt is not an NSMC ratings file .an HTML page"):
        download_nsmc(tmp_path / "data", base_url=server.url, progress=False)
    assert files_under(tmp_path) == ["data"]  # the folder was there before; nothing in it


def test_html_page_for_train_fails_before_fetching_test(server, tmp_path):
    server.serve_nsmc()
    server.routes["/ratings_train.txt"] = (200, HTML, "ok")
    with pytest.raises(CorpusError, match="ratings_train.txt is not an NSMC ratings file"):
        download_nsmc(tmp_path, base_url=server.url, progress=False)
    assert server.requests == ["/ratings_train.txt"]
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "bad_row, where",
    [("123\t영화\n", "line 3"), ("abc\t영화\t1\n", "line 3"), ("123\t영화\t5\n", "line 3"), ("123\t영\t화\t1\n", "line 3")],
)
def test_malformed_row_is_an_error(server, tmp_path, bad_row, where):
    server.serve_nsmc(train="id\tdocument\tlabel\n1\t좋다\t1\n" + bad_row)
    with pytest.raises(CorpusError, match=f"ratings_train.txt {where} is not 'id<TAB>document<TAB>label'"):
        download_nsmc(tmp_path, base_url=server.url, progress=False)
    assert files_under(tmp_path) == []


def test_connection_dropped_mid_file_leaves_no_partial_file(server, tmp_path):
    server.serve_nsmc()
    server.routes["/ratings_train.txt"] = (200, RATINGS_TRAIN, "drop")
    with pytest.raises(CorpusError, match="ratings_train.txt: connection lost .* \\(after 2 tries\\)"):
        download_nsmc(tmp_path, base_url=server.url, progress=False, retries=1)
    assert files_under(tmp_path) == []
    assert server.requests == ["/ratings_train.txt"] * 2


def test_cut_off_file_without_a_length_fails_on_its_last_line(server, tmp_path):
    server.serve_nsmc()
    server.routes["/ratings_train.txt"] = (200, RATINGS_TRAIN, "nolength")
    with pytest.raises(CorpusError, match="line 4 is not 'id<TAB>document<TAB>label' .the file ends mid-line"):
        download_nsmc(tmp_path, base_url=server.url, progress=False)
    assert files_under(tmp_path) == []


def test_transient_failures_are_retried(server, tmp_path):
    server.serve_nsmc()
    server.routes["/ratings_train.txt"] = [(503, "busy", "ok"), (200, RATINGS_TRAIN, "drop"), (200, RATINGS_TRAIN, "ok")]
    counts = download_nsmc(tmp_path, base_url=server.url, progress=False, retries=2)
    assert counts["train"]["kept"] == 4
    assert server.requests.count("/ratings_train.txt") == 3
    assert read_lines(tmp_path / "nsmc" / "train.tsv") == EXPECTED_TRAIN


def test_timeout(server, tmp_path):
    server.serve_nsmc()
    server.routes["/ratings_train.txt"] = (200, RATINGS_TRAIN, "slow")
    with pytest.raises(CorpusError, match="no answer within 0.2 s"):
        download_nsmc(tmp_path, base_url=server.url, progress=False, timeout=0.2, retries=0)
    assert files_under(tmp_path) == []


def test_connection_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("no_proxy", "*")
    probe = FixtureServer()  # take a free port, then close it: nobody listens there
    url = probe.url
    probe.close()
    with pytest.raises(CorpusError, match="cannot download .*: .*refused"):
        download_nsmc(tmp_path, base_url=url, progress=False, retries=0)
    assert files_under(tmp_path) == []


def test_sha256_checked_when_given(server, tmp_path):
    server.serve_nsmc()
    good = {"ratings_train.txt": hashlib.sha256(RATINGS_TRAIN.encode()).hexdigest()}
    assert download_nsmc(tmp_path / "ok", base_url=server.url, progress=False, sha256=good)["train"]["kept"] == 4
    with pytest.raises(CorpusError, match="ratings_test.txt: sha256 .* does not match"):
        download_nsmc(tmp_path / "bad", base_url=server.url, progress=False, sha256={**good, "ratings_test.txt": "0" * 64})
    assert not (tmp_path / "bad").exists()


def test_existing_outputs_are_kept_unless_overwrite(server, tmp_path):
    server.serve_nsmc()
    (tmp_path / "nsmc").mkdir()
    (tmp_path / "nsmc" / "train.tsv").write_text("ours\n", encoding="utf-8")
    with pytest.raises(UsageError, match="train.tsv exists"):
        download_nsmc(tmp_path, base_url=server.url, progress=False)
    assert server.requests == []  # refused before downloading anything
    assert (tmp_path / "nsmc" / "train.tsv").read_text(encoding="utf-8") == "ours\n"
    download_nsmc(tmp_path, base_url=server.url, progress=False, overwrite=True)
    assert read_lines(tmp_path / "nsmc" / "train.tsv") == EXPECTED_TRAIN


def test_a_failed_overwrite_keeps_the_old_files(server, tmp_path):
    server.serve_nsmc()
    download_nsmc(tmp_path, base_url=server.url, progress=False)
    before = {p: p.read_bytes() for p in (tmp_path / "nsmc").iterdir()}
    server.routes["/ratings_test.txt"] = (200, HTML, "ok")
    with pytest.raises(CorpusError):
        download_nsmc(tmp_path, base_url=server.url, progress=False, overwrite=True)
    assert {p: p.read_bytes() for p in (tmp_path / "nsmc").iterdir()} == before


def test_bad_base_url(tmp_path):
    with pytest.raises(UsageError, match="not an http"):
        download_nsmc(tmp_path, base_url="ftp://example.org/nsmc/", progress=False)


def test_file_url_mirror(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "ratings_train.txt").write_bytes(RATINGS_TRAIN.encode())
    (mirror / "ratings_test.txt").write_bytes(RATINGS_TEST.encode())
    download_nsmc(tmp_path / "data", base_url=mirror.as_uri(), progress=False)
    assert read_lines(tmp_path / "data" / "nsmc" / "test.tsv") == EXPECTED_TEST


def test_progress_goes_to_stderr(server, tmp_path, capsys):
    server.serve_nsmc()
    download_nsmc(tmp_path, base_url=server.url, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "downloaded ratings_train.txt" in captured.err and "4 train and 2 test reviews" in captured.err


# -- prepare_corpus ---------------------------------------------------------------------------------
@pytest.fixture
def source_folder(tmp_path):
    """Sorted reading order: a.txt, b/c.txt.gz, b/d.jsonl, e.gz; README.md and .hidden.txt skipped."""
    folder = tmp_path / "src"
    (folder / "b").mkdir(parents=True)
    (folder / "a.txt").write_bytes("영화  정말\t재밌다\r\n\n   \n배우 연기 최고\n".encode())
    (folder / "b" / "c.txt.gz").write_bytes(gzip.compress(f"영화 정말 재밌다\n{NFD}\n".encode()))
    records = [{"text": "배우\u3000연기 최고"}, {"text": None, "id": 2}, {"text": "줄거리가\n탄탄하다", "id": 3}]
    (folder / "b" / "d.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n\n", encoding="utf-8"
    )
    (folder / "e.gz").write_bytes(gzip.compress(b"bad \xff byte\n\x00nul\x00line\n"))
    (folder / "README.md").write_text("not a corpus\n", encoding="utf-8")
    (folder / ".hidden.txt").write_text("hidden\n", encoding="utf-8")
    return folder


PREPARED = ["영화 정말 재밌다", "배우 연기 최고", "몰랐는데 재밌네", "줄거리가 탄탄하다", "bad \ufffd byte", "nul line"]


def test_prepare_folder(source_folder, tmp_path):
    output = tmp_path / "corpus.txt"
    stats = prepare_corpus(source_folder, output, progress=False)
    assert read_lines(output) == PREPARED
    assert (stats.files, stats.lines_in, stats.lines_out) == (4, 11, 6)  # the blank jsonl line is not a record
    assert (stats.short, stats.duplicates, stats.skipped_files, stats.invalid_utf8_lines) == (3, 2, 1, 1)
    assert stats.bytes_out == output.stat().st_size
    assert stats.bytes_in == sum(
        p.stat().st_size for p in source_folder.rglob("*") if p.is_file() and p.name not in ("README.md", ".hidden.txt")
    )
    assert not list(tmp_path.glob(".*.part"))


def test_prepare_keep_duplicates_and_min_chars(source_folder, tmp_path):
    output = tmp_path / "corpus.txt"
    stats = prepare_corpus(source_folder, output, progress=False, dedupe=False, min_chars=9)
    assert read_lines(output) == ["영화 정말 재밌다", "영화 정말 재밌다", "줄거리가 탄탄하다", "bad \ufffd byte"]
    assert stats.duplicates == 0 and stats.short == 7  # 3 empty, 4 of 8 characters


def test_prepare_gzip_output_reads_back(source_folder, tmp_path):
    output = tmp_path / "corpus.txt.gz"
    prepare_corpus(source_folder, output, progress=False)
    assert output.read_bytes()[:2] == b"\x1f\x8b"
    assert list(iter_lines(str(output))) == PREPARED


def test_prepare_list_keeps_argument_order_and_reads_a_file_once(source_folder, tmp_path):
    output = tmp_path / "corpus.txt"
    stats = prepare_corpus([source_folder / "e.gz", source_folder, source_folder / "e.gz"], output, progress=False)
    assert read_lines(output) == PREPARED[4:] + PREPARED[:4]
    assert stats.files == 4


def test_prepare_never_reads_its_own_output(source_folder):
    output = source_folder / "corpus.txt"
    prepare_corpus(source_folder, output, progress=False)
    second = prepare_corpus(source_folder, output, progress=False, dedupe=False)  # a rerun into the same folder
    assert second.files == 4 and second.lines_out == len(read_lines(output)) == 8


def test_missing_jsonl_field_is_an_error_naming_the_line(source_folder, tmp_path):
    output = tmp_path / "corpus.txt"
    with pytest.raises(CorpusError, match=r"d\.jsonl line 1 has no 'body' field \(it has: text\); choose one with --jsonl-field"):
        prepare_corpus(source_folder, output, progress=False, jsonl_field="body")
    assert not output.exists() and not list(tmp_path.glob(".corpus.txt.*"))


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"text": "좋다"}\n{"title": "x"}\n', "line 2 has no 'text' field"),
        ('{"text": "좋다"}\n["좋다"]\n', "line 2 has no 'text' field .it has: list"),
        ('{"text": 3}\n', "line 1: the 'text' field is int, not a string"),
        ('{"text": "좋다"\n', "line 1 is not JSON"),
    ],
)
def test_bad_jsonl_lines(tmp_path, content, message):
    source = tmp_path / "x.jsonl"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        prepare_corpus(source, tmp_path / "out.txt", progress=False)
    assert not (tmp_path / "out.txt").exists()


def test_jsonl_gz_and_field_choice(tmp_path):
    source = tmp_path / "x.jsonl.gz"
    source.write_bytes(gzip.compress('{"body": "한국어 문장"}\n'.encode()))
    prepare_corpus(source, tmp_path / "out.txt", progress=False, jsonl_field="body")
    assert read_lines(tmp_path / "out.txt") == ["한국어 문장"]


def _bad_source(folder, kind: str):
    if kind == "missing":
        return folder / "none.txt"
    if kind == "csv":
        (folder / "x.csv").write_text("a,b\n", encoding="utf-8")
        return folder / "x.csv"
    if kind == "empty folder":
        (folder / "empty").mkdir()
        return folder / "empty"
    if kind == "blank lines":
        (folder / "blank.txt").write_text(" \n\n\u3000\n", encoding="utf-8")
        return folder / "blank.txt"
    (folder / "bad.gz").write_bytes(b"\x1f\x8bxxxx")  # gzip magic, then garbage
    return folder / "bad.gz"


@pytest.mark.parametrize(
    "kind, message",
    [
        ("missing", "corpus source not found"),
        ("csv", "expected .txt, .txt.gz, .gz, .jsonl or .jsonl.gz"),
        ("empty folder", "no .txt, .gz or .jsonl file found"),
        ("blank lines", "no text to write"),
        ("corrupt gzip", "cannot read"),
    ],
)
def test_prepare_errors_leave_no_output(tmp_path, kind, message):
    source = _bad_source(tmp_path, kind)
    with pytest.raises(CorpusError, match=message):
        prepare_corpus(source, tmp_path / "out.txt.gz", progress=False)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".out", "out"))]


def test_prepare_output_checks(source_folder, tmp_path):
    with pytest.raises(UsageError, match="output folder does not exist"):
        prepare_corpus(source_folder, tmp_path / "no" / "c.txt", progress=False)
    with pytest.raises(UsageError, match="is a folder"):
        prepare_corpus(source_folder, tmp_path, progress=False)
    with pytest.raises(UsageError, match="min_chars"):
        prepare_corpus(source_folder, tmp_path / "c.txt", progress=False, min_chars=0)


def test_docstring_examples(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert doctest.testmod(prepare).failed == 0 and doctest.testmod(nsmc).failed == 0


# -- command line ----------------------------------------------------------------------------------------
def test_cli_prepare_round_trip(source_folder, tmp_path):
    output = tmp_path / "corpus.txt.gz"
    result = run_cli("corpus", "prepare", source_folder, "-o", output, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "6 lines from 4 files" in result.stdout and "2 duplicates" in result.stdout
    assert list(iter_lines(str(output))) == PREPARED
    result = run_cli(
        "corpus", "prepare", source_folder / "b", "-o", tmp_path / "b.txt", "--keep-duplicates", "--jsonl-field", "text"
    )
    assert result.returncode == 0, result.stderr
    assert read_lines(tmp_path / "b.txt") == ["영화 정말 재밌다", "몰랐는데 재밌네", "배우 연기 최고", "줄거리가 탄탄하다"]


def test_cli_prepare_error_is_one_line(source_folder, tmp_path):
    result = run_cli("corpus", "prepare", source_folder, "-o", tmp_path / "c.txt", "--jsonl-field", "body")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("kofasttext: error: ")
    assert "has no 'body' field" in result.stderr
    assert not (tmp_path / "c.txt").exists()


def test_cli_nsmc_download(server, tmp_path):
    server.serve_nsmc()
    result = run_cli("corpus", "nsmc", "--download", tmp_path / "data", "--url", server.url, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "train.tsv: 4 reviews (1 empty dropped)" in result.stdout
    assert read_lines(tmp_path / "data" / "nsmc" / "train.tsv") == EXPECTED_TRAIN
    again = run_cli("corpus", "nsmc", "--download", tmp_path / "data", "--url", server.url)
    assert again.returncode == 1 and "exists" in again.stderr and again.stderr.strip().count("\n") == 0
    assert run_cli("corpus", "nsmc", "--download", tmp_path / "data", "--url", server.url, "--force", "--quiet").returncode == 0


def test_cli_nsmc_404_is_one_line(server, tmp_path):
    result = run_cli("corpus", "nsmc", "--download", tmp_path / "data", "--url", server.url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().split("\n") == [
        f"kofasttext: error: cannot download {server.url}ratings_train.txt: HTTP 404 Not Found"
    ]
    assert not (tmp_path / "data").exists()


def test_cli_corpus_needs_a_subcommand():
    result = run_cli("corpus")
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert run_cli("corpus", "nsmc").returncode == 2  # --download DIR is required
