// The account page's second factors (SPEC.md "Second factors and step-up"): the
// "Two-factor authentication" section (an authenticator app, TOTP, and its recovery codes)
// and the "Passkeys" section.
//
//   GET /auth/mfa -> {totp: {enabled, pending}, recovery_codes_remaining, passkeys}
//   POST /auth/mfa/totp/enroll {} -> {secret, otpauth_uri, qr_svg}
//   POST /auth/mfa/totp/confirm {code} -> {recovery_codes, csrf_token} and a renewed session
//   DELETE /auth/mfa/totp; POST /auth/mfa/recovery-codes {} -> {recovery_codes}
//   GET /auth/passkeys -> {passkeys: [{id, credential_id, name, created_at, last_used_at}]}
//   POST /auth/passkeys/register/options {} -> {publicKey}, navigator.credentials.create, then
//     POST /auth/passkeys/register (RegistrationResponseJSON) -> 201 {passkey}
//   PATCH /auth/passkeys/{id} {name}; DELETE /auth/passkeys/{id}
// Enrolling, turning off, new codes and adding or removing a passkey need a recent sign-in:
// each runs under the page's withStepUp.
//
// Recovery codes are shown once: they stay in the page until "I have saved them" and are then
// dropped from it; "Download" saves them as a text file (a Blob behind an object URL, which
// the Content-Security-Policy does not govern: it is a download, not a fetch or an image).
import { PageError, api, button, byId, cell, formatTime, timeCell } from './api.js';
import { createPasskey, passkeyProblem, passkeysSupported } from './webauthn.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
// What the enrolment QR code may hold (api/qr_svg.h draws svg, rect and path only).
const QR_ELEMENTS = {
  svg: ['viewBox', 'width', 'height', 'shape-rendering'],
  rect: ['x', 'y', 'width', 'height', 'fill'],
  path: ['d', 'fill'],
};

// The QR code's SVG text as DOM nodes: parsed as XML into an inert document, then rebuilt
// element by element from the allow-list above (no script, no style, no link, no event
// attribute can come through). null when the text is not such an SVG.
function qrImage(svgText) {
  const doc = new DOMParser().parseFromString(String(svgText || ''), 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SVG_NS || root.localName !== 'svg') return null;
  const copy = (from) => {
    const allowed = QR_ELEMENTS[from.localName];
    if (from.namespaceURI !== SVG_NS || !allowed) return null;
    const to = document.createElementNS(SVG_NS, from.localName);
    for (const name of allowed) {
      if (from.hasAttribute(name)) to.setAttribute(name, from.getAttribute(name));
    }
    for (const child of from.children) {
      const c = copy(child);
      if (c) to.append(c);
    }
    return to;
  };
  const svg = copy(root);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'QR code to scan with your authenticator app');
  return svg;
}

// The base32 key in groups of four, as authenticator apps show it ("ABCD EFGH ...").
function grouped(secret) {
  return String(secret || '')
    .replace(/\s/g, '')
    .replace(/(.{4})(?=.)/g, '$1 ');
}

// Wires both sections. `page` is what the account page lends them:
//   guarded(action)     runs an action, reporting its failure;
//   withStepUp(action)  runs it, stepping up once when the server asks for a recent sign-in;
//   status(text)        says that something was done;
//   enrolled()          called once the user has a second factor (the page reloads what
//                       auth.require_mfa_roles kept from it);
// Returns {load(), loadPasskeys(), requireEnrollment(), totpEnabled()}.
export function initSecondFactors(page) {
  const { guarded, withStepUp, status } = page;
  const enroll = byId('totp-enroll');
  const confirmForm = byId('totp-confirm-form');
  const codes = byId('recovery-codes');
  const canUsePasskeys = passkeysSupported();
  let required = false; // the server said mfa_enrollment_required
  let totpOn = false; // as GET /auth/mfa said last

  // ---- state ----

  function render(state) {
    const totp = (state && state.totp) || {};
    const remaining = Number((state && state.recovery_codes_remaining) || 0);
    const passkeys = Number((state && state.passkeys) || 0);
    byId('totp-status').textContent = totp.enabled
      ? 'on: signing in asks for a code from the app'
      : 'off';
    // Recovery codes stand beside any second factor (a passkey alone too).
    const enrolled = !!totp.enabled || passkeys > 0;
    totpOn = !!totp.enabled;
    byId('totp-enable').hidden = totpOn || !enroll.hidden;
    byId('totp-disable').hidden = !totpOn;
    byId('recovery-regenerate').hidden = !enrolled;
    byId('recovery-state').hidden = !enrolled;
    byId('recovery-remaining').textContent = String(remaining);
    if (required && enrolled) {
      required = false;
      byId('mfa-required').hidden = true;
      page.enrolled();
    }
  }

  async function load() {
    render(await api('GET', '/auth/mfa'));
  }

  // Called by the page when the server refused something with mfa_enrollment_required.
  function requireEnrollment() {
    if (required) return;
    required = true;
    byId('mfa-required').hidden = false;
    byId('mfa-heading').scrollIntoView({ block: 'start' });
  }

  // ---- authenticator app ----

  function closeEnrollment() {
    enroll.hidden = true;
    byId('totp-qr').replaceChildren();
    byId('totp-secret').textContent = '';
    confirmForm.reset();
  }

  byId('totp-enable').addEventListener('click', (event) => {
    const b = event.currentTarget;
    b.disabled = true;
    guarded(async () => {
      try {
        const r = await withStepUp(() => api('POST', '/auth/mfa/totp/enroll', {}));
        const qr = qrImage(r.qr_svg);
        byId('totp-qr').replaceChildren(...(qr ? [qr] : []));
        byId('totp-secret').textContent = grouped(r.secret);
        const link = byId('totp-link');
        const uri = String(r.otpauth_uri || '');
        link.hidden = !uri.startsWith('otpauth://');
        link.href = link.hidden ? '/account' : uri;
        enroll.hidden = false;
        b.hidden = true;
        byId('totp-enroll-heading').focus();
      } finally {
        b.disabled = false;
      }
    });
  });

  byId('totp-cancel').addEventListener('click', () => {
    closeEnrollment();
    byId('totp-enable').hidden = false;
  });

  confirmForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const submit = byId('totp-confirm');
    submit.disabled = true;
    guarded(async () => {
      try {
        const code = confirmForm.elements.code.value.replace(/\s/g, '');
        // The answer renews the session: new cookies, the CSRF one included (api.js reads it).
        const r = await withStepUp(() => api('POST', '/auth/mfa/totp/confirm', { code }));
        closeEnrollment();
        showCodes(r && r.recovery_codes);
        status('The authenticator app is on. Save your recovery codes.');
      } catch (err) {
        confirmForm.elements.code.value = '';
        confirmForm.elements.code.focus();
        throw err;
      } finally {
        submit.disabled = false;
      }
      await load();
    });
  });

  byId('totp-disable').addEventListener('click', (event) => {
    const b = event.currentTarget;
    b.disabled = true;
    guarded(async () => {
      try {
        await withStepUp(() => api('DELETE', '/auth/mfa/totp'));
        dropCodes();
        status('The authenticator app is off: signing in no longer asks for its codes.');
      } finally {
        b.disabled = false;
      }
      await load();
    });
  });

  byId('recovery-regenerate').addEventListener('click', (event) => {
    const b = event.currentTarget;
    b.disabled = true;
    guarded(async () => {
      try {
        const r = await withStepUp(() => api('POST', '/auth/mfa/recovery-codes', {}));
        showCodes(r && r.recovery_codes);
        status('New recovery codes: the old ones no longer work.');
      } finally {
        b.disabled = false;
      }
      await load();
    });
  });

  // ---- recovery codes, shown once ----

  function showCodes(list) {
    const items = (Array.isArray(list) ? list : []).map((c) => {
      const li = document.createElement('li');
      li.textContent = String(c);
      return li;
    });
    byId('recovery-list').replaceChildren(...items);
    codes.hidden = false;
    byId('recovery-heading').focus();
  }

  function dropCodes() {
    byId('recovery-list').replaceChildren();
    codes.hidden = true;
  }

  byId('recovery-download').addEventListener('click', () => {
    const list = [...byId('recovery-list').children].map((li) => li.textContent);
    const who = byId('me-email').textContent;
    const text =
      `Tessera recovery codes${who ? ` for ${who}` : ''}\n` +
      `Made ${formatTime(Date.now())}. Each code signs you in once.\n\n` +
      `${list.join('\n')}\n`;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'tessera-recovery-codes.txt';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  });

  byId('recovery-done').addEventListener('click', () => {
    dropCodes();
    byId('mfa-heading').focus();
  });

  // ---- passkeys ----

  const addButton = byId('passkey-add');
  addButton.hidden = !canUsePasskeys;
  byId('passkeys-unsupported').hidden = canUsePasskeys;

  function renderPasskeys(list) {
    const rows = list.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.passkeyId = String(p.id);
      const label = p.name || 'Passkey';
      const name = cell(label);
      name.className = 'passkey-name wrap';
      const buttons = document.createElement('div');
      buttons.className = 'row-actions';
      const renameButton = button('Rename', 'secondary', () => rename(p, tr));
      renameButton.setAttribute('aria-label', `Rename passkey ${label}`);
      const removeButton = button('Remove', 'revoke', (event) => remove(p, event.currentTarget));
      removeButton.setAttribute('aria-label', `Remove passkey ${label}`);
      buttons.append(renameButton, removeButton);
      const actions = document.createElement('td');
      actions.append(buttons);
      tr.append(
        name,
        timeCell(p.created_at),
        p.last_used_at ? timeCell(p.last_used_at) : cell('Never'),
        actions,
      );
      return tr;
    });
    byId('passkeys-body').replaceChildren(...rows);
    byId('passkey-count').textContent = String(list.length);
  }

  async function loadPasskeys() {
    const body = await api('GET', '/auth/passkeys');
    renderPasskeys(body && Array.isArray(body.passkeys) ? body.passkeys : []);
  }

  addButton.addEventListener('click', () => {
    addButton.disabled = true;
    guarded(async () => {
      try {
        const { publicKey } = await withStepUp(() =>
          api('POST', '/auth/passkeys/register/options', {}),
        );
        let credential;
        try {
          credential = await createPasskey(publicKey);
        } catch (err) {
          const problem = passkeyProblem(err);
          if (problem) throw new PageError(problem);
          return; // cancelled
        }
        await api('POST', '/auth/passkeys/register', credential);
        status('Passkey added.');
      } finally {
        addButton.disabled = false;
      }
      await Promise.all([load(), required ? Promise.resolve() : loadPasskeys()]);
    });
  });

  // Turns the row's name into a small form: Save sends PATCH /auth/passkeys/{id} {name}.
  function rename(p, tr) {
    const td = tr.querySelector('.passkey-name');
    const form = document.createElement('form');
    form.className = 'inline';
    const input = document.createElement('input');
    input.name = 'name';
    input.value = p.name || '';
    input.maxLength = 64;
    input.required = true;
    input.setAttribute('aria-label', 'Passkey name');
    const save = document.createElement('button');
    save.type = 'submit';
    save.textContent = 'Save';
    form.append(input, save, button('Cancel', 'secondary', () => loadPasskeysGuarded()));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save.disabled = true;
      guarded(async () => {
        try {
          await api('PATCH', `/auth/passkeys/${encodeURIComponent(p.id)}`, {
            name: input.value.trim(),
          });
          status('Passkey renamed.');
        } finally {
          save.disabled = false;
        }
        await loadPasskeys();
      });
    });
    td.replaceChildren(form);
    input.focus();
    input.select();
  }

  function remove(p, b) {
    b.disabled = true;
    return guarded(async () => {
      try {
        await withStepUp(() => api('DELETE', `/auth/passkeys/${encodeURIComponent(p.id)}`));
        status('Passkey removed.');
      } finally {
        b.disabled = false;
      }
      await Promise.all([loadPasskeys(), load()]);
    });
  }

  function loadPasskeysGuarded() {
    return guarded(loadPasskeys);
  }

  return { load, loadPasskeys, requireEnrollment, totpEnabled: () => totpOn };
}
