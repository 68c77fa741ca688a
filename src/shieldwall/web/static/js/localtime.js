/**
 * Victim portal: show every time in the reader's own time zone.
 *
 * The server writes each moment as <time class="local-time" datetime="...Z">… UTC</time>
 * (templates/_time.html). Here each is rewritten with the browser's time zone, and the
 * note #tz-note names that zone, so a deadline reads as the person's own clock time.
 * Without JavaScript the UTC times stay, and say so.
 */
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  const fmt = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  let changed = 0;
  for (const el of document.querySelectorAll('time.local-time')) {
    const at = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(at.getTime())) continue;
    el.title = el.textContent;
    el.textContent = fmt.format(at);
    changed += 1;
  }
  const note = document.getElementById('tz-note');
  if (note && changed) {
    note.textContent = `Times are shown in your time zone${zone ? ` (${zone})` : ''}.`;
  }
}());
