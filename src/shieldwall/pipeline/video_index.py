"""Many videos' frame hashes in one exact index, searched the way vpdq matches videos.

Lives in the pipeline because it joins two core packages: video hashing
(:mod:`shieldwall.hashing.video`) and the PDQ index (:mod:`shieldwall.index`),
which the core keeps independent of each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shieldwall.hashing.video import VideoHashes, usable_frames
from shieldwall.index import MihPdqIndex
from shieldwall.types import DEFAULT_PDQ_THRESHOLD, DEFAULT_QUALITY_THRESHOLD


@dataclass(frozen=True, slots=True)
class VideoIndexHit:
    video_id: int
    query_pct: float
    target_pct: float


class VideoIndex:
    """Frame hashes of many videos in one exact PDQ index, searched as vpdq matches.

    Each distinct good-quality frame hash gets a frame id; ``_frame_video``
    maps frame ids back to video ids, so one batched index search of all the
    query's frames gives, per video, which query frames hit it and which of
    its frames were hit.
    """

    def __init__(self, *, quality_min: int = DEFAULT_QUALITY_THRESHOLD) -> None:
        self.quality_min = quality_min
        self._index = MihPdqIndex()
        self._frame_video: list[int] = []
        self._frames_of: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._frames_of)

    def add(self, video_id: int, video: VideoHashes) -> None:
        if video_id in self._frames_of:
            raise ValueError(f"video {video_id} is already indexed")
        codes = usable_frames(video, self.quality_min)
        first = len(self._frame_video)
        self._frame_video.extend([video_id] * len(codes))
        self._frames_of[video_id] = len(codes)
        if len(codes):
            self._index.add(np.arange(first, first + len(codes), dtype=np.int64), codes)

    def search(
        self, query: VideoHashes, threshold: int = DEFAULT_PDQ_THRESHOLD, min_pct: float = 0.0
    ) -> list[VideoIndexHit]:
        """Videos sharing frames with ``query``, best first (query share, then target share)."""
        codes = usable_frames(query, self.quality_min)
        if not len(codes) or not len(self._frame_video):
            return []
        hits = self._index.search(codes, threshold)
        query_frames: dict[int, set[int]] = {}
        target_frames: dict[int, set[int]] = {}
        for row, row_hits in enumerate(hits):
            for hit in row_hits:
                video = self._frame_video[hit.id]
                query_frames.setdefault(video, set()).add(row)
                target_frames.setdefault(video, set()).add(hit.id)
        out = [
            VideoIndexHit(
                video_id=video,
                query_pct=100.0 * len(rows) / len(codes),
                target_pct=100.0 * len(target_frames[video]) / self._frames_of[video],
            )
            for video, rows in query_frames.items()
        ]
        out = [h for h in out if h.query_pct >= min_pct]
        out.sort(key=lambda h: (-h.query_pct, -h.target_pct, h.video_id))
        return out
