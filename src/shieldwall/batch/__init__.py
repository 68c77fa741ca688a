"""The batch shell: corpus scans and retro-hunts on Ray (the optional ``ray`` extra).

Like every shell it only moves data: Ray reads and hashes files in parallel workers and
holds the shards of the remembered items; every decision is made and stored by the use
cases in :mod:`shieldwall.pipeline.corpus_scan` and :mod:`shieldwall.pipeline.corpus_hunt`.
Importing this package never imports Ray: :func:`~shieldwall.batch.engine.start_ray` does,
and says how to install the extra when it is missing.
"""
