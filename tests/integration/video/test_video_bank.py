"""Banked videos through the pipeline, on SQLite and PostgreSQL: what a platform relies on.

Bank one video; its re-encoded copy, a clip cut from it and a compilation that contains it
all match with percentages that say which is which; an unrelated video does not; a
withdrawal stops matching at once, in this process and in another one.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shieldwall.errors import BankNotFoundError, InputError
from shieldwall.hashing.video import FrameHash, VideoHashes, hash_video, match_videos
from shieldwall.pipeline.video_bank import VideoBank, video_bank_for
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.videos import VideoNotFoundError, VideoStore
from shieldwall.types import BankPurpose, EntryStatus, HashKind, Provenance
from tests.integration.video.video_clips import Clips


def _bank(rt: Runtime, name: str = "victims") -> None:
    rt.banks.create_bank(name=name, purpose=BankPurpose.VICTIM)


def test_banking_stores_frames_and_file_digests_as_entries(runtime: Runtime, clips: Clips) -> None:
    _bank(runtime)
    video = hash_video(clips.original)
    result = video_bank_for(runtime).add(
        "victims", video, provenance=Provenance(source="stopncii", external_id="case-1")
    )
    assert result.created and result.video.frame_count == len(video.frames) == 10
    assert result.video.md5 == hashlib.md5(clips.original.read_bytes()).hexdigest()
    assert result.video.provenance.external_id == "case-1"
    entries = {
        (e.signal_type, e.value)
        for e in runtime.banks.entries_by_ids(ids=result.entry_ids).values()
    }
    assert entries == {(HashKind.MD5, video.md5), (HashKind.SHA256, video.sha256)}
    again = video_bank_for(runtime).add("victims", video)
    assert not again.created and again.video.id == result.video.id


def test_copies_clips_and_compilations_match_with_telling_percentages(
    runtime: Runtime, clips: Clips
) -> None:
    _bank(runtime)
    bank = video_bank_for(runtime)
    banked = bank.add("victims", hash_video(clips.original)).video

    same = bank.match(hash_video(clips.original))
    assert [(h.video.id, h.query_pct, h.target_pct) for h in same.videos] == [
        (banked.id, 100.0, 100.0)
    ]
    assert {m.signal_type for m in same.exact} == {HashKind.MD5, HashKind.SHA256}

    copy = bank.match(hash_video(clips.reencoded))
    assert copy.videos[0].query_pct >= 90 and copy.videos[0].target_pct >= 90
    assert copy.exact == ()  # different bytes: only the frames find it

    clip = bank.match(hash_video(clips.trimmed))
    assert clip.videos[0].query_pct >= 90 and 30 <= clip.videos[0].target_pct <= 50

    longer = bank.match(hash_video(clips.compilation))
    assert longer.videos[0].target_pct >= 90 and 35 <= longer.videos[0].query_pct <= 55
    # Judged on the query's share alone, the compilation would not be a match.
    assert not bank.match(hash_video(clips.compilation), min_target_pct=101).videos

    unrelated = bank.match(hash_video(clips.unrelated))
    assert not unrelated.matched and unrelated.videos == () and unrelated.exact == ()


def test_min_pct_decides_what_is_a_match(runtime: Runtime, clips: Clips) -> None:
    _bank(runtime)
    bank = video_bank_for(runtime)
    bank.add("victims", hash_video(clips.trimmed))
    # The original holds the whole 4 s clip, but the clip is only ~40% of the original.
    original = hash_video(clips.original)
    assert bank.match(original).videos  # via the banked clip's share (100% of it)
    assert not bank.match(original, min_pct=60, min_target_pct=101).videos
    assert bank.match(original, min_pct=30, min_target_pct=101).videos


def test_withdrawal_stops_matching_at_once_here_and_in_another_process(
    runtime: Runtime, clips: Clips
) -> None:
    _bank(runtime)
    here = video_bank_for(runtime)
    # Another process: its own VideoBank over the same database, already loaded.
    there = VideoBank(
        videos=VideoStore(session_factory(runtime.engine)),
        banks=runtime.banks,
    )
    query = hash_video(clips.reencoded)
    assert not there.match(query).videos
    banked = here.add("victims", hash_video(clips.original)).video
    assert there.match(query).videos  # sees the new video without a restart

    withdrawn = here.withdraw(banked.id)
    assert withdrawn.status is EntryStatus.WITHDRAWN
    assert not here.match(query).matched
    assert not here.match(hash_video(clips.original)).matched  # digests withdrawn too
    assert not there.match(query).videos
    assert here.withdraw(banked.id).status is EntryStatus.WITHDRAWN  # idempotent
    # Re-adding a withdrawn file does not quietly undo the withdrawal.
    assert here.add("victims", hash_video(clips.original)).video.status is EntryStatus.WITHDRAWN
    assert not here.match(query).matched


def test_disabled_bank_videos_do_not_match(runtime: Runtime, clips: Clips) -> None:
    _bank(runtime)
    bank = video_bank_for(runtime)
    bank.add("victims", hash_video(clips.original))
    runtime.banks.update_bank(name="victims", enabled=False)
    assert not bank.match(hash_video(clips.reencoded)).videos
    runtime.banks.update_bank(name="victims", enabled=True)
    assert bank.match(hash_video(clips.reencoded)).videos


def test_bad_requests_are_typed_errors(runtime: Runtime, clips: Clips) -> None:
    bank = video_bank_for(runtime)
    with pytest.raises(BankNotFoundError):
        bank.add("nope", hash_video(clips.original))
    with pytest.raises(VideoNotFoundError):
        bank.withdraw(12345)
    _bank(runtime)
    good = hash_video(clips.original)
    bad_frame = FrameHash(0.0, "zz" * 32, 90)
    with pytest.raises(InputError):
        bank.add("victims", VideoHashes((bad_frame,), good.md5, good.sha256, 1.0))
    with pytest.raises(InputError):
        bank.add("victims", VideoHashes((), good.md5, good.sha256, 1.0))


_names = itertools.count()
_pdq = st.binary(min_size=32, max_size=32).map(bytes.hex)


def _near(base: str, flips: int) -> str:
    value = int(base, 16) ^ ((1 << flips) - 1)
    return f"{value:064x}"


@st.composite
def _videos(draw: st.DrawFn, pool: list[str]) -> VideoHashes:
    picks = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
    frames = tuple(
        FrameHash(float(i), _near(p, draw(st.integers(0, 40))), draw(st.integers(40, 100)))
        for i, p in enumerate(picks)
    )
    digest = hashlib.sha256(repr(frames).encode()).hexdigest()
    return VideoHashes(frames, digest[:32], digest, float(len(frames)))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_bank_search_agrees_with_pairwise_matching(runtime: Runtime, data: st.DataObject) -> None:
    """The indexed search gives each banked video the percentages ``match_videos`` gives."""
    pool = data.draw(st.lists(_pdq, min_size=3, max_size=6, unique=True))
    name = f"b{next(_names)}"
    _bank(runtime, name)
    bank = VideoBank(videos=VideoStore(session_factory(runtime.engine)), banks=runtime.banks)
    banked = {}
    for video in data.draw(st.lists(_videos(pool), min_size=1, max_size=4)):
        record = bank.add(name, video).video
        if record.bank_name == name:
            banked[record.id] = video
    query = data.draw(_videos(pool))
    got = {h.video.id: (h.query_pct, h.target_pct) for h in bank.match(query, min_pct=0.01).videos}
    for video_id, video in banked.items():
        m = match_videos(query, video)
        if m.query_pct > 0:
            assert got.get(video_id) == (round(m.query_pct, 1), round(m.target_pct, 1))
        else:
            assert video_id not in got
