/**
 * Status pages of the victim portal: solve the server's proof-of-work before a form is sent.
 *
 * Every form with a hidden "pow_challenge" field (data-bits: the leading zero bits asked
 * for) gets a nonce such that SHA-256("<challenge>:<nonce>") starts with that many zero
 * bits (pow.js, the solver portal.js uses too). A form sent before its check is done
 * waits for it, then goes.
 */
import { solve } from './pow.js';

// Forms that send photos (class "hash-form") are portal.js's: it hashes the files first and
// solves the same check itself before sending.
for (const form of document.querySelectorAll('form:not(.hash-form)')) {
  const field = form.querySelector('input[name="pow_challenge"]');
  const nonceField = form.querySelector('input[name="pow_nonce"]');
  if (!field || !nonceField) continue;
  const solved = solve(field.value, Number(field.dataset.bits || 0));
  solved.then((nonce) => {
    nonceField.value = nonce;
    form.dataset.powState = 'done';
  });
  form.addEventListener('submit', (event) => {
    if (form.dataset.powState === 'done') return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    solved.then(() => {
      if (button) button.disabled = false;
      HTMLFormElement.prototype.submit.call(form);
    });
  });
}
