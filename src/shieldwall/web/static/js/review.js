/**
 * Review pages: live countdowns to each deadline. Every element with
 * data-due (an ISO timestamp) shows the time left, or how long it is overdue,
 * and its table row turns red once the deadline has passed.
 * No inline script is allowed by the page's CSP, so this is a file.
 */
function format(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  return `${h} h ${m} min`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-due]')) {
    const left = Date.parse(el.dataset.due) - now;
    el.textContent = left < 0 ? `overdue by ${format(left)}` : `${format(left)} left`;
    const row = el.closest('tr');
    if (row) row.classList.toggle('breached', left < 0);
  }
}

tick();
setInterval(tick, 30_000);
