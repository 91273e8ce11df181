"""MinHash fingerprints: determinism, the packed fast path, speed, and the real corpus."""

from __future__ import annotations

import random
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from archive_service.rules import minhash, similarity
from archive_service.rules.fingerprint import _params, normalise, shingle_hashes

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NEW, OLD = "zh_docx_08_jiaogai_anli.docx", "zh_docx_09_jiaogai_anli_neardup_old.docx"

TEXT = ("校本研修是以学校为基地、以教师为主体、以解决教学实际问题为目的的研修活动。"
        "本学期我们围绕“大单元教学”开展了三次集体备课，形成了可推广的经验。") * 20


def docx_text(name: str) -> str:
    """The text of every w:t of the body, one line per paragraph."""
    path = CORPUS / name
    if not path.exists():
        pytest.fail(f"语料文件缺失：{path}（CI 需要 ../shared/corpus）")
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in root.iter(W + "p"))


def naive_minhash(text: str, k: int = 64) -> tuple[int, ...]:
    """The definition, shingle by shingle: min over (a*h + b) mod 2**32."""
    hashes = shingle_hashes(text)
    if not hashes:
        return ()
    return tuple(min((a * h + b) & 0xFFFFFFFF for h in hashes) for a, b in _params(k))


@pytest.mark.parametrize("text", ["", "，。！", "ab", "abcde", "abcdef", "教学", TEXT,
                                  "Python 3.11 与 ChatGPT " * 30])
def test_packed_path_equals_the_definition(text: str) -> None:
    assert minhash(text) == naive_minhash(text)


def test_deterministic_values() -> None:
    # Fixed numbers: a change here means every stored fingerprint must be recomputed.
    assert minhash("abcdef", k=4) == (2993028673, 287321550, 405773302, 2583668588)
    assert minhash("校本研修档案", k=3) == (2293893110, 180481546, 1385512445)
    assert minhash(TEXT) == minhash(TEXT)
    assert all(0 <= v < 2**32 for v in minhash(TEXT))
    assert len(minhash(TEXT)) == 64 and len(minhash(TEXT, k=16)) == 16


def test_longer_signature_extends_shorter() -> None:
    assert minhash(TEXT, k=128)[:64] == minhash(TEXT)
    assert similarity(minhash(TEXT, k=128), minhash(TEXT)) == 1.0


def test_whitespace_punctuation_and_width_are_ignored() -> None:
    variant = TEXT.replace("，", ",").replace("。", " . ").replace("“", "\"").upper()
    assert minhash(variant) == minhash(TEXT)
    assert normalise("Ａ，b。 C\n1") == "abc1"
    assert minhash("ＡＢＣＤＥＦ") == minhash("abc def")


def test_empty_texts() -> None:
    assert minhash("") == () and minhash(" ，。\n") == ()
    assert similarity((), minhash(TEXT)) == 0.0 and similarity((), ()) == 0.0
    with pytest.raises(ValueError):
        minhash(TEXT, k=0)


def random_text(seed: int, length: int = 2000) -> str:
    rnd = random.Random(seed)
    return "".join(chr(rnd.randint(0x4E00, 0x4E00 + 2500)) for _ in range(length))


def test_similarity_tracks_edits() -> None:
    text = random_text(1)
    edited = text[:600] + "这里是另外补充的一段新内容，与原文无关。" + text[600:1500] + text[1510:]
    assert similarity(minhash(text), minhash(edited)) >= 0.85
    assert similarity(minhash(text), minhash(random_text(2))) < 0.3
    assert similarity(minhash(text), minhash(text[:1000])) < 0.7  # half the text is not the same


def test_fast_enough() -> None:
    text = docx_text(NEW)[:3000]
    minhash(text)
    best = min(_timed(minhash, text) for _ in range(5))
    assert best < 0.03, f"minhash of 3,000 characters took {best * 1000:.1f} ms"


def _timed(function, text: str) -> float:
    start = time.perf_counter()
    function(text)
    return time.perf_counter() - start


def test_corpus_revision_is_a_near_duplicate() -> None:
    assert similarity(minhash(docx_text(NEW)), minhash(docx_text(OLD))) >= 0.85


def test_unrelated_corpus_documents_are_not() -> None:
    names = sorted(p.name for p in CORPUS.glob("zh_docx_*.docx"))
    assert len(names) >= 6
    prints = {name: minhash(docx_text(name)) for name in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if {a, b} != {NEW, OLD}:
                assert similarity(prints[a], prints[b]) < 0.3, (a, b)
